"""The evidence pack (/xuat → "📎 Minh chứng (ZIP)"): the files behind the score lines, for the council.

The score workbook names each piece of evidence; this pack carries the files themselves. Photos
and documents are read from the bot's own file store (`store`) where the row has a key. Rows from
before the file store have only a Telegram file id, so the caller also passes a `download`
function (async file id -> bytes) for them: the handler builds one on the bot's getFile, the
command line one on the Bot API over HTTP, a test its own. This module never imports telegram.

Memory stays bounded: units are read from the database one at a time, each file is downloaded,
written into the archive and dropped before the next, and each finished archive (at most
`limit` bytes) is handed to the caller before the next one is started. A file that cannot be
fetched (over Telegram's 20 MB getFile limit, deleted, a network error) is listed in
muc-luc.csv with the reason; it never stops the export.

Whole bloc for the head's side, secretariat and admins; a representative packs their own unit
(the scope decides, as for every export).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from bot.db import Database
from bot.exports import csv as csv_export
from bot.exports.common import inert
from bot.exports.evidence_pack import (
    INDEX_HEADER,
    INDEX_NAME,
    KIND_WORDS,
    PART_LIMIT,
    ZIP_MIME,
    PackWriter,
    evidence_file_name,
    unit_folder,
)
from bot.files import FileStore
from bot.services.criteria import current_scale
from bot.services.exports import Context, ExportFile, Kind, Scope, _issuer, _members, _name, off_loop
from bot.services.invites import NotAllowedError
from models.registration import ScoreEvidence, ScoreLine, ScoreSheet

log = logging.getLogger("thidua.exports")

Download = Callable[[str], Awaitable[bytes]]
MAX_DOWNLOAD = 20 * 1024 * 1024  # Telegram's getFile serves bots files up to 20 MB
FILE_KINDS = ("photo", "document")


class FetchError(Exception):
    """Raised by a download function: this file could not be fetched, for the reason given."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class TooBig(FetchError):
    """Raised by a download function for a file over the 20 MB a bot may download."""


class NotInStore(FetchError):
    """A row names a file the bot's file store does not hold (the folder was moved or pruned)."""


class NoDownload(FetchError):
    """A file from before the file store, with no Telegram bot at hand to fetch it."""


@dataclass
class PackStats:
    """What went into the pack, for the message after it; filled in as the parts are made."""

    parts: int = 0
    files: int = 0
    links: int = 0
    notes: int = 0
    failed: int = 0
    units: int = 0  # units with at least one piece of evidence

    @property
    def items(self) -> int:
        return self.files + self.links + self.notes + self.failed


@dataclass
class _Row:
    unit: str
    code: str
    title: str
    kind: str
    value: str
    note: str
    part: int = 0  # the archive holding the file; 0 for links, notes and what was not fetched


_cell = inert  # one rule for every file a spreadsheet opens


def _reason(error: Exception) -> str:
    if isinstance(error, NotInStore):
        return "Không tìm thấy tệp trong kho tệp của bot"
    if isinstance(error, NoDownload):
        return "Không tải được: tệp gửi qua Telegram trước đây, cần bot Telegram để tải về"
    if isinstance(error, TooBig):
        return "Không tải được: tệp lớn hơn 20 MB, bot Telegram không được tải tệp lớn như vậy"
    if isinstance(error, FetchError):
        return f"Không tải được từ Telegram: {error.reason}" if error.reason else "Không tải được từ Telegram"
    return f"Không tải được từ Telegram ({type(error).__name__})"


async def _plan(db: Database, scope: Scope) -> tuple[int | None, dict[str, tuple[int, str]]]:
    """The latest scale of the bloc (as in the score workbook) and its criteria: code -> (order, title)."""
    async with db.session() as session:
        scale = await current_scale(session, scope.bloc_id, scope.school_year_id)
    if scale is None:
        return None, {}
    return scale.scale_id, {c.code: (order, c.title) for order, c in enumerate(scale.criteria)}


async def _evidence_of(db: Database, scale_id: int, unit_id: int) -> list[tuple[str, ScoreEvidence]]:
    """One unit's evidence as (criterion code, row); the caller sorts it in the scale's order."""
    async with db.session() as session:
        rows = await session.exec(
            select(ScoreLine.criterion_code, ScoreEvidence)
            .join(ScoreLine, col(ScoreLine.id) == ScoreEvidence.line_id)
            .join(ScoreSheet, col(ScoreSheet.id) == ScoreLine.sheet_id)
            .where(ScoreSheet.scale_id == scale_id, ScoreSheet.unit_id == unit_id)
            .order_by(col(ScoreEvidence.id))
        )
        return [(code, row) for code, row in rows]


async def _read(store: FileStore | None, key: str) -> bytes:
    if store is None:
        raise NotInStore
    data = await off_loop(store.get, key)  # up to 20 MB from disk: off the event loop
    if data is None:
        raise NotInStore
    return data


async def _no_download(file_id: str) -> bytes:
    raise NoDownload


async def needs_download(db: Database, scope: Scope) -> bool:
    """Whether any file in the scope predates the file store (only a Telegram file id)."""
    scale_id, _ = await _plan(db, scope)
    if scale_id is None:
        return False
    async with db.session() as session:
        query = (
            select(ScoreEvidence.id)
            .join(ScoreLine, col(ScoreLine.id) == ScoreEvidence.line_id)
            .join(ScoreSheet, col(ScoreSheet.id) == ScoreLine.sheet_id)
            .where(
                ScoreSheet.scale_id == scale_id,
                col(ScoreEvidence.kind).in_(FILE_KINDS),
                col(ScoreEvidence.file_key).is_(None),
            )
        )
        if scope.unit_id is not None:
            query = query.where(ScoreSheet.unit_id == scope.unit_id)
        return (await session.exec(query.limit(1))).first() is not None


async def parts(
    db: Database,
    scope: Scope,
    context: Context,
    download: Download | None,
    *,
    store: FileStore | None = None,
    limit: int = PART_LIMIT,
    max_file: int = MAX_DOWNLOAD,
    stats: PackStats | None = None,
) -> AsyncIterator[ExportFile]:
    """The pack's archives, each yielded as soon as it is complete; nothing when no unit in the
    scope has any evidence. Files come from `store` by key, older ones through `download` by
    Telegram file id. `stats`, when given, is filled in along the way."""
    if Kind.EVIDENCE not in scope.kinds:
        raise NotAllowedError
    stats = stats if stats is not None else PackStats()
    async with db.session() as session:
        issuer = await _issuer(session, scope, context)
        members = [(u, n) for u, n, _ in await _members(session, scope) if scope.unit_id in (None, u)]
    unit_name = members[0][1] if scope.unit_id is not None and members else None
    base = _name("minh-chung", issuer, "zip", unit_name).removesuffix(".zip")
    scale_id, criteria = await _plan(db, scope)
    writer = PackWriter(limit)
    rows: list[_Row] = []
    newest: datetime | None = None
    width = max(2, len(str(len(members))))
    for position, (unit_id, name) in enumerate(members, start=1):
        found = await _evidence_of(db, scale_id, unit_id) if scale_id is not None else []
        if not found:
            rows.append(_Row(name, "", "", "", "", "Đơn vị chưa nộp minh chứng nào"))
            continue
        stats.units += 1
        found.sort(key=lambda item: (criteria.get(item[0], (10**6, ""))[0], item[0], item[1].id or 0))
        folder = unit_folder(position, width, name)
        counters: Counter[str] = Counter()
        taken: set[str] = set()
        for code, evidence in found:
            title = criteria.get(code, (0, ""))[1]
            kind = KIND_WORDS.get(evidence.kind, evidence.kind)
            added = evidence.added_at.astimezone(context.zone)
            newest = added if newest is None or added > newest else newest
            if evidence.kind not in FILE_KINDS:
                rows.append(_Row(name, code, title, kind, evidence.value, ""))
                if evidence.kind == "link":
                    stats.links += 1
                else:
                    stats.notes += 1
                continue
            original = evidence.file_name or ""
            shown = original or "(ảnh)"
            try:
                if evidence.file_key:
                    data = await _read(store, evidence.file_key)
                else:
                    data = await (download or _no_download)(evidence.value)
                if len(data) > max_file:
                    raise TooBig
            except Exception as error:  # whatever the transport raised: listed, never fatal
                if not isinstance(error, FetchError):
                    log.warning("evidence %s could not be fetched: %s", evidence.id, type(error).__name__)
                rows.append(_Row(name, code, title, kind, shown, _reason(error)))
                stats.failed += 1
                continue
            path = f"{folder}/{evidence_file_name(code, counters[code] + 1, evidence.kind, original, data)}"
            while path in taken:  # two codes that read alike once made safe ("1/2", "1-2")
                counters[code] += 1
                path = (
                    f"{folder}/{evidence_file_name(code, counters[code] + 1, evidence.kind, original, data)}"
                )
            if not writer.fits_alone(path, len(data)):
                rows.append(
                    _Row(name, code, title, kind, shown, "Không đóng gói: tệp lớn hơn giới hạn một gói")
                )
                stats.failed += 1
                continue
            counters[code] += 1
            taken.add(path)
            finished = await off_loop(writer.add, path, data, added)
            del data
            if finished is not None:
                stats.parts += 1
                yield ExportFile(f"{base}_phan-{finished.number}.zip", finished.data, ZIP_MIME)
            notes = [f"Tên tệp gốc: {original}" if original else "", evidence.caption or ""]
            note = "; ".join(text for text in notes if text)
            rows.append(_Row(name, code, title, kind, path, note, writer.number))
            stats.files += 1
    if not any(row.code for row in rows):  # no unit has any evidence: no archive at all
        return

    def index(split: bool) -> bytes:
        body = []
        for row in rows:
            note = row.note
            if split and row.part:
                where = f"Trong tệp {base}_phan-{row.part}.zip"
                note = f"{where}; {note}" if note else where
            body.append((row.unit, row.code, row.title, row.kind, _cell(row.value), _cell(note)))
        return csv_export.render(INDEX_HEADER, body)

    split = writer.number > 1 or not writer.fits(INDEX_NAME, len(index(False)))
    finished = await off_loop(writer.add, INDEX_NAME, index(split), newest)
    if finished is not None:
        stats.parts += 1
        yield ExportFile(f"{base}_phan-{finished.number}.zip", finished.data, ZIP_MIME)
    last = writer.finish()
    stats.parts += 1
    name = f"{base}_phan-{last.number}.zip" if last.number > 1 else f"{base}.zip"
    yield ExportFile(name, last.data, ZIP_MIME)
