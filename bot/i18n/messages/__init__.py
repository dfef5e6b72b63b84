"""Message catalogues, one module per capability, each with a VI and an EN dict.

Keeping both languages of a capability side by side lets the engineer who adds a feature add
its words in one place; `load()` merges them and refuses a key defined twice.
"""

from __future__ import annotations

import importlib
import pkgutil


def load() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {"vi": {}, "en": {}}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for language, attribute in (("vi", "VI"), ("en", "EN")):
            entries: dict[str, str] = getattr(module, attribute, {})
            clash = merged[language].keys() & entries.keys()
            if clash:
                raise RuntimeError(f"message keys defined twice ({module_info.name}): {sorted(clash)}")
            merged[language].update(entries)
    return merged
