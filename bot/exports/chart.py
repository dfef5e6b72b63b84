"""The bloc's ranking as a horizontal bar chart (PNG) with Vietnamese unit names drawn right.

matplotlib runs headless (Agg) with DejaVu Sans named explicitly: its default font list may
resolve to a font without Vietnamese marks on some machines and draw boxes for ệ, ữ, ỗ. The PNG
carries no creation time, so the same ranking gives the same bytes.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure

from bot.exports.common import points
from bot.exports.data import RankBar

FONT = "DejaVu Sans"


def font_file() -> str:
    """The file matplotlib will draw with; fails loudly rather than fall back to another font."""
    return str(font_manager.findfont(font_manager.FontProperties(family=FONT), fallback_to_default=False))


def render(title: str, bars: Sequence[RankBar]) -> bytes:
    properties = font_manager.FontProperties(fname=font_file())
    height = max(3.0, 0.42 * len(bars) + 1.6)
    figure = Figure(figsize=(10, height), dpi=100)
    axes = figure.add_subplot()
    names = ["\n".join(textwrap.wrap(f"{bar.rank}. {bar.unit_name}", 48)) for bar in bars]
    values = [float(bar.total) for bar in bars]
    positions = list(range(len(bars)))
    axes.barh(positions, values, color="#2e75b6")
    axes.set_yticks(positions, labels=names, fontproperties=properties, fontsize=9)
    axes.invert_yaxis()  # the first rank on top
    for position, bar in zip(positions, bars, strict=True):
        axes.text(
            float(bar.total),
            position,
            f" {points(bar.total)}",
            va="center",
            fontproperties=properties,
            fontsize=9,
        )
    axes.set_title(title, fontproperties=properties, fontsize=12)
    axes.set_xlabel("Tổng điểm", fontproperties=properties)
    if values:
        axes.set_xlim(0, max(values) * 1.12 or 1)
    for label in axes.get_xticklabels():
        label.set_fontproperties(properties)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
