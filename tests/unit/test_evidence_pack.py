"""The evidence pack at the service level (both backends), with a fake download function standing
in for Telegram: folders and names, muc-luc.csv against the database, splitting under a size
limit, files that cannot be fetched, the unit's own pack, and the same bytes from the same data."""

from __future__ import annotations

import csv
import hashlib
import io
import random
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.__main__ import NO_TOKEN_FOR_EVIDENCE, export_files
from bot.db import Database
from bot.exports.evidence_pack import (
    INDEX_HEADER,
    INDEX_NAME,
    evidence_file_name,
    safe_name,
    unit_folder,
)
from bot.files import FileStore
from bot.services import criteria, evidence_pack, exports, scoring
from bot.services.evidence_pack import FetchError, PackStats, TooBig
from bot.services.exports import Context, ExportFile, Kind, Scope
from bot.settings import Settings
from models.organisation import BlocMembership, Unit
from models.registration import ScaleCriterion, ScoreEvidence, ScoreLine, ScoreSheet
from tests.auxil.clock import Clock
from tests.auxil.people import person_id_of
from tests.auxil.world import HEAD, SCALE, World, make_world
from tests.auxil.world_cache import once

pytestmark = pytest.mark.export

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CONTEXT = Context("Sở Giáo dục và Đào tạo thành phố Cần Thơ", "Cần Thơ", ZONE)
UNIT = "Trường THCS&THPT Nguyễn Bình Khiêm"
OTHER = "Trường Trung học phổ thông Bình Thủy"
WINDOWS_FORBIDDEN = set('<>:"\\|?*')


def blob(seed: int, size: int, head: bytes = b"") -> bytes:
    """Incompressible bytes (like a photo), different for each seed."""
    return head + random.Random(seed).randbytes(size)


JPEG = b"\xff\xd8\xff\xe0"
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class FakeTelegram:
    """The download function the handler would build on getFile: bytes by file id, or the
    errors Telegram gives (a file over 20 MB, a file id it no longer knows, the network)."""

    files: dict[str, bytes]
    calls: list[str] = field(default_factory=list)

    async def __call__(self, file_id: str) -> bytes:
        self.calls.append(file_id)
        if file_id.startswith("huge"):
            raise TooBig
        if file_id.startswith("gone"):
            raise FetchError("wrong file_id or the file is temporarily unavailable")
        if file_id.startswith("boom"):
            raise ConnectionResetError("peer reset")
        return self.files[file_id]


Item = tuple[str, str, str | None]  # (kind, value, file name); kind "text" for a link or a note


async def attach(w: World, person_id: int, plan: dict[str, list[Item]]) -> None:
    """Score every criterion through the scoring service, attaching the planned evidence on the way."""
    state = await scoring.open_sheet(w.db, person_id, today=w.today)
    while state.criterion is not None:
        code = state.criterion.code
        state, _ = await scoring.enter_score(
            w.db, person_id, sheet_id=state.sheet_id, text="5", today=w.today, now=w.clock()
        )
        for kind, value, name in plan.get(code, []):
            w.clock.advance(minutes=1)
            await scoring.add_evidence(
                w.db,
                person_id,
                sheet_id=state.sheet_id,
                kind="note" if kind == "text" else kind,
                value=value,
                file_name=name,
                today=w.today,
                now=w.clock(),
            )
        state = await scoring.move(
            w.db, person_id, sheet_id=state.sheet_id, action="next", code=code, today=w.today
        )


@dataclass
class Packed:
    world: World
    scope: Scope
    telegram: FakeTelegram


async def make_packed(db: Database, clock: Clock) -> Packed:
    w = await make_world(db, clock)
    await criteria.publish(db, w.pid(HEAD), criteria.check_text(SCALE), today=w.today, now=clock())
    files = {
        "p1": blob(1, 3000, JPEG),
        "d1": blob(2, 5000, b"%PDF-1.4\n"),
        "d2": blob(3, 4000, b"PK\x03\x04"),
        "p2": blob(4, 2000, PNG),
    }
    await attach(
        w,
        w.pid(UNIT),
        {
            "1.1": [
                ("photo", "p1", None),
                ("document", "d1", "Báo cáo: tổng kết/năm học?.pdf"),
                ("text", "https://drive.example.vn/minh-chung-1-1", None),
            ],
            "1.2": [
                ("text", "Biên bản họp tổ chuyên môn tháng 10", None),
                ("document", "d2", "Kế hoạch.docx"),
            ],
            "2.1": [
                ("document", "gone-1", "Quyết định.pdf"),
                ("photo", "huge-1", None),
                ("document", "boom-1", "Ảnh hoạt động.zip"),
            ],
        },
    )
    # A note that Excel would run as a formula if muc-luc.csv carried it as typed.
    await attach(w, w.pid(OTHER), {"2.2": [("photo", "p2", None), ("text", "=1+1 minh chứng", None)]})
    head_tg = next(p.user_id for p in w.personas if p.label == HEAD)
    scope = await exports.scope_for(db, await person_id_of(db, head_tg), w.today)
    return Packed(w, scope, FakeTelegram(files))


@pytest.fixture
async def packed(db: Database, clock: Clock) -> Packed:
    return await once("evidence_pack.packed", db, clock, make_packed)


async def pack(p: Packed, scope: Scope | None = None, **options: int) -> tuple[list[ExportFile], PackStats]:
    stats = PackStats()
    found = [
        part
        async for part in evidence_pack.parts(
            p.world.db, scope or p.scope, CONTEXT, p.telegram, stats=stats, **options
        )
    ]
    return found, stats


def index_rows(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    data = archive.read(INDEX_NAME)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens Vietnamese right
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header, *rows = list(reader)
    assert tuple(header) == INDEX_HEADER
    return [dict(zip(header, row, strict=True)) for row in rows]


async def roster(db: Database, scope: Scope) -> list[tuple[int, str]]:
    async with db.session() as session:
        rows = await session.exec(
            select(Unit.id, Unit.name)
            .join(BlocMembership, col(BlocMembership.unit_id) == Unit.id)
            .where(
                BlocMembership.bloc_id == scope.bloc_id, BlocMembership.school_year_id == scope.school_year_id
            )
            .order_by(col(BlocMembership.id))
        )
        return [(int(unit_id), name) for unit_id, name in rows]


async def evidence_in_db(db: Database) -> list[tuple[int, str, str, ScoreEvidence]]:
    """(unit id, criterion code, criterion title, evidence) for every evidence row."""
    async with db.session() as session:
        rows = await session.exec(
            select(ScoreSheet.unit_id, ScoreLine.criterion_code, ScaleCriterion.title, ScoreEvidence)
            .join(ScoreLine, col(ScoreLine.id) == ScoreEvidence.line_id)
            .join(ScoreSheet, col(ScoreSheet.id) == ScoreLine.sheet_id)
            .join(
                ScaleCriterion,
                (col(ScaleCriterion.scale_id) == ScoreSheet.scale_id)
                & (col(ScaleCriterion.code) == ScoreLine.criterion_code),
            )
            .order_by(col(ScoreEvidence.id))
        )
        return [(unit_id, code, title, row) for unit_id, code, title, row in rows]


# ------------------------------------------------------------------ names
def test_names_are_safe_on_windows_and_stay_vietnamese() -> None:
    assert safe_name('Báo cáo: "tổng kết"/2024?*<>|.', 80) == "Báo cáo- -tổng kết--2024-----"
    decomposed = unicodedata.normalize("NFD", "Trường Tiểu học Lê Quý Đôn")
    assert safe_name(decomposed, 80) == unicodedata.normalize("NFC", decomposed)
    assert safe_name("CON", 10) == "_CON" and safe_name("nul.txt", 10) == "_nul.txt"
    assert safe_name("a\tb\u202ec\x00d ...", 80) == "a b c d"
    assert safe_name("...", 10) == "_"
    assert len(safe_name("ệ" * 200, 48)) == 48
    assert unit_folder(3, 2, "Trường Trung học phổ thông Châu Văn Liêm") == "03 THPT Châu Văn Liêm"
    assert evidence_file_name("1.2", 1, "photo", None, JPEG) == "1.2_01_anh.jpg"
    assert evidence_file_name("1.2", 2, "photo", None, PNG) == "1.2_02_anh.png"
    assert (
        evidence_file_name("2.1", 3, "document", "Kế hoạch năm học.DOCX", b"PK")
        == "2.1_03_Kế hoạch năm học.docx"
    )
    assert (
        evidence_file_name("2.1", 1, "document", "C:\\Users\\lan\\bao cao.pdf", b"")
        == "2.1_01_C--Users-lan-bao cao.pdf"
    )
    long = evidence_file_name("1.1", 1, "document", "Báo cáo " * 40 + ".xlsx", b"PK")
    assert len(long) <= 80 and long.endswith(".xlsx") and long.startswith("1.1_01_Báo cáo")


# ------------------------------------------------------------------ the pack against the database
async def test_the_pack_has_a_folder_per_unit_and_an_index_that_matches_the_database(packed: Packed) -> None:
    p = packed
    parts, stats = await pack(p)
    assert [part.name for part in parts] == ["minh-chung_khoi-2_2026-2027.zip"]
    assert parts[0].mime == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(parts[0].data))
    assert archive.testzip() is None
    units = await roster(p.world.db, p.scope)
    position = {unit_id: index for index, (unit_id, _) in enumerate(units, start=1)}
    names = dict(units)
    ids = {name: unit_id for unit_id, name in units}
    mine = unit_folder(position[ids[UNIT]], 2, UNIT)
    other = unit_folder(position[ids[OTHER]], 2, OTHER)
    assert mine.endswith(" THCS&THPT Nguyễn Bình Khiêm") and other.endswith(" THPT Bình Thủy")
    expected = {
        f"{mine}/1.1_01_anh.jpg": "p1",
        f"{mine}/1.1_02_Báo cáo- tổng kết-năm học-.pdf": "d1",
        f"{mine}/1.2_01_Kế hoạch.docx": "d2",
        f"{other}/2.2_01_anh.png": "p2",
    }
    assert sorted(archive.namelist()) == sorted([*expected, INDEX_NAME])
    for path, file_id in expected.items():
        assert archive.read(path) == p.telegram.files[file_id]  # the exact bytes Telegram gave
        assert not WINDOWS_FORBIDDEN & set(path.replace("/", ""))
        assert unicodedata.is_normalized("NFC", path)
        assert archive.getinfo(path).flag_bits & 0x800  # the UTF-8 flag Windows and 7-Zip read
    # Already-compressed formats are stored, the rest deflated.
    assert archive.getinfo(f"{mine}/1.1_01_anh.jpg").compress_type == zipfile.ZIP_STORED
    assert (
        archive.getinfo(f"{mine}/1.1_02_Báo cáo- tổng kết-năm học-.pdf").compress_type == zipfile.ZIP_DEFLATED
    )

    rows = index_rows(archive)
    in_db = await evidence_in_db(p.world.db)
    assert len(in_db) == 10
    listed = [r for r in rows if r["Mã tiêu chí"]]
    assert len(listed) == len(in_db)
    words = {"photo": "Ảnh", "document": "Tệp", "link": "Liên kết", "note": "Ghi chú"}
    by_path = {v: k for k, v in expected.items()}
    # Every evidence row of the database is listed once, in roster and scale order.
    order = {code: index for index, code in enumerate(("1.1", "1.2", "2.1", "2.2"))}
    in_db.sort(key=lambda e: (position[e[0]], order[e[1]], e[3].id))
    for row, (unit_id, code, title, evidence) in zip(listed, in_db, strict=True):
        assert (row["Đơn vị"], row["Mã tiêu chí"], row["Tiêu chí"]) == (names[unit_id], code, title)
        assert row["Loại"] == words[evidence.kind]
        value, note = row["Tệp trong gói / Liên kết / Ghi chú"], row["Ghi chú"]
        if evidence.kind in ("link", "note"):
            inert = f"'{evidence.value}" if evidence.value.startswith("=") else evidence.value
            assert value == inert and note == ""
        elif evidence.value in by_path:
            assert value == by_path[evidence.value] and value in archive.namelist()
            assert note == (f"Tên tệp gốc: {evidence.file_name}" if evidence.file_name else "")
        else:
            assert value == (evidence.file_name or "(ảnh)")
            assert note.startswith(("Không tải được", "Không đóng gói"))
    failures = {
        r["Tệp trong gói / Liên kết / Ghi chú"]: r["Ghi chú"] for r in listed if "Không" in r["Ghi chú"]
    }
    assert failures == {
        "Quyết định.pdf": "Không tải được từ Telegram: wrong file_id or the file is temporarily unavailable",
        "(ảnh)": "Không tải được: tệp lớn hơn 20 MB, bot Telegram không được tải tệp lớn như vậy",
        "Ảnh hoạt động.zip": "Không tải được từ Telegram (ConnectionResetError)",
    }
    # Units without evidence are named too, so the council sees who sent none.
    empty = [r["Đơn vị"] for r in rows if not r["Mã tiêu chí"]]
    assert empty == [name for _, name in units if name not in (UNIT, OTHER)]
    assert all(r["Ghi chú"] == "Đơn vị chưa nộp minh chứng nào" for r in rows if not r["Mã tiêu chí"])
    assert (stats.parts, stats.files, stats.links, stats.notes, stats.failed, stats.units) == (
        1,
        4,
        1,
        2,
        3,
        2,
    )
    # Entry times are when each item was attached, in the bot's time zone (data, not the clock).
    added = {e.value: e.added_at.astimezone(ZONE) for _, _, _, e in in_db}
    for path, file_id in expected.items():
        stamp = added[file_id]
        assert archive.getinfo(path).date_time[:5] == (
            stamp.year,
            stamp.month,
            stamp.day,
            stamp.hour,
            stamp.minute,
        )


async def test_the_same_data_gives_the_same_bytes(packed: Packed) -> None:
    first, _ = await pack(packed)
    packed.world.clock.advance(days=40)  # the export's own time plays no part
    second, _ = await pack(packed)
    assert [(f.name, f.data) for f in first] == [(f.name, f.data) for f in second]
    small_first, _ = await pack(packed, limit=6000)
    small_second, _ = await pack(packed, limit=6000)
    assert len(small_first) > 1
    assert [(f.name, f.data) for f in small_first] == [(f.name, f.data) for f in small_second]


async def test_a_pack_over_the_limit_is_split_into_numbered_parts(db: Database, clock: Clock) -> None:
    w = await make_world(db, clock)
    await criteria.publish(db, w.pid(HEAD), criteria.check_text(SCALE), today=w.today, now=clock())
    files = {f"f{i}": blob(10 + i, 40_000, JPEG) for i in range(7)}
    files["big"] = blob(99, 150_000, JPEG)
    await attach(
        w,
        w.pid(UNIT),
        {
            "1.1": [("photo", "f0", None), ("photo", "f1", None), ("photo", "big", None)],
            "1.2": [("photo", "f2", None), ("document", "f3", "Kế hoạch.jpg")],
        },
    )
    await attach(
        w, w.pid(OTHER), {"2.1": [("photo", "f4", None), ("photo", "f5", None), ("photo", "f6", None)]}
    )
    head_tg = next(p.user_id for p in w.personas if p.label == HEAD)
    p = Packed(w, await exports.scope_for(db, await person_id_of(db, head_tg), w.today), FakeTelegram(files))
    limit = 100_000
    seen_at_each_part: list[int] = []
    parts: list[ExportFile] = []
    stats = PackStats()
    async for part in evidence_pack.parts(db, p.scope, CONTEXT, p.telegram, limit=limit, stats=stats):
        seen_at_each_part.append(len(p.telegram.calls))
        parts.append(part)
    # Streamed: the first archive went out before every file had been downloaded.
    assert seen_at_each_part[0] < len(p.telegram.calls)
    base = "minh-chung_khoi-2_2026-2027"
    assert [part.name for part in parts] == [f"{base}_phan-{n}.zip" for n in range(1, len(parts) + 1)]
    assert len(parts) == 4 and stats.parts == 4  # two 40 KB photos per part at most
    assert all(len(part.data) <= limit for part in parts)
    where: dict[str, str] = {}
    contents: dict[str, bytes] = {}
    for part in parts:
        archive = zipfile.ZipFile(io.BytesIO(part.data))
        for name in archive.namelist():
            assert name not in where, name
            where[name] = part.name
            contents[name] = archive.read(name)
    assert where[INDEX_NAME] == parts[-1].name  # the index comes last, when everything is known
    packed_files = sorted(v for k, v in contents.items() if k != INDEX_NAME)
    assert packed_files == sorted(v for k, v in files.items() if k != "big")
    rows = index_rows(zipfile.ZipFile(io.BytesIO(parts[-1].data)))
    for row in rows:
        path = row["Tệp trong gói / Liên kết / Ghi chú"]
        if path in where:  # each file names the archive that holds it
            assert row["Ghi chú"].startswith(f"Trong tệp {where[path]}")
    [too_big] = [r for r in rows if "Không đóng gói" in r["Ghi chú"]]
    assert too_big["Mã tiêu chí"] == "1.1" and too_big["Loại"] == "Ảnh"
    # Counters count what is in the pack: the photo left out leaves no gap.
    assert any(name.endswith("/1.1_02_anh.jpg") for name in where)
    assert any(name.endswith("/1.2_02_Kế hoạch.jpg") for name in where)


async def test_a_representative_packs_only_their_own_unit(packed: Packed) -> None:
    p, today = packed, packed.world.today
    rep_tg = next(x.user_id for x in p.world.personas if x.label.endswith(UNIT))
    own = await exports.scope_for(p.world.db, await person_id_of(p.world.db, rep_tg), today)
    assert own.unit_id is not None and Kind.EVIDENCE in own.kinds
    parts, stats = await pack(p, own)
    [part] = parts
    assert part.name.startswith("minh-chung_truong-thcs-thpt-nguyen-binh-khiem_khoi-2_")
    archive = zipfile.ZipFile(io.BytesIO(part.data))
    folders = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert folders == {unit_folder(1, 2, UNIT)}
    assert {r["Đơn vị"] for r in index_rows(archive)} == {UNIT}
    assert stats.files == 3 and "p2" not in p.telegram.calls
    with pytest.raises(ValueError, match="evidence_pack"):
        await exports.export(p.world.db, p.scope, Kind.EVIDENCE, CONTEXT, today=today)


async def test_nothing_to_pack_yields_no_archive(db: Database, clock: Clock) -> None:
    w = await make_world(db, clock)
    head_tg = next(p.user_id for p in w.personas if p.label == HEAD)
    scope = await exports.scope_for(db, await person_id_of(db, head_tg), w.today)
    telegram = FakeTelegram({})
    stats = PackStats()
    assert [f async for f in evidence_pack.parts(db, scope, CONTEXT, telegram, stats=stats)] == []
    await criteria.publish(db, w.pid(HEAD), criteria.check_text(SCALE), today=w.today, now=clock())
    await attach(w, w.pid(UNIT), {})  # scored, but no evidence
    assert [f async for f in evidence_pack.parts(db, scope, CONTEXT, telegram, stats=stats)] == []
    assert stats.items == 0 and telegram.calls == []


async def test_a_download_larger_than_allowed_is_listed_not_packed(packed: Packed) -> None:
    parts, stats = await pack(packed, max_file=4000)  # d1 (5 KB) and d2 (4 KB + header) are over
    rows = index_rows(zipfile.ZipFile(io.BytesIO(parts[-1].data)))
    over = sorted(r["Tệp trong gói / Liên kết / Ghi chú"] for r in rows if "20 MB" in r["Ghi chú"])
    assert over == ["(ảnh)", "Báo cáo: tổng kết/năm học?.pdf", "Kế hoạch.docx"]
    assert stats.files == 2 and stats.failed == 5


# ------------------------------------------------------------------ the bot's file store (issue 11)
@pytest.mark.zalo
@pytest.mark.scoring
async def test_files_in_the_store_are_packed_from_it_and_older_ones_downloaded(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    w = await make_world(db, clock)
    await criteria.publish(db, w.pid(HEAD), criteria.check_text(SCALE), today=w.today, now=clock())
    store = FileStore(tmp_path / "files")
    photo = blob(11, 3000, JPEG)
    kept = store.put(photo)
    never_stored = hashlib.sha256(b"not in the store").hexdigest()
    rep = w.pid(UNIT)
    state = await scoring.open_sheet(db, rep, today=w.today)
    state, _ = await scoring.enter_score(
        db, rep, sheet_id=state.sheet_id, text="8", today=w.today, now=clock()
    )
    for kind, value, name, key, caption in (
        ("photo", "https://zalo.example/p.jpg", None, kept.key, "Ảnh hội giảng"),
        ("document", "tg-file-id", "Biên bản.pdf", never_stored, None),
        ("photo", "p-old", None, None, None),  # from before the store: a Telegram file id only
    ):
        await scoring.add_evidence(
            db,
            rep,
            sheet_id=state.sheet_id,
            kind=kind,
            value=value,
            file_name=name,
            file_key=key,
            caption=caption,
            today=w.today,
            now=clock(),
        )
    head_tg = next(p.user_id for p in w.personas if p.label == HEAD)
    scope = await exports.scope_for(db, await person_id_of(db, head_tg), w.today)
    assert await evidence_pack.needs_download(db, scope)
    old = blob(12, 2000, PNG)
    telegram = FakeTelegram({"p-old": old})
    [part] = [f async for f in evidence_pack.parts(db, scope, CONTEXT, telegram, store=store)]
    assert telegram.calls == ["p-old"]  # only the old row goes to Telegram
    archive = zipfile.ZipFile(io.BytesIO(part.data))
    files = {name.rsplit("/", 1)[1]: archive.read(name) for name in archive.namelist() if "/" in name}
    assert files == {"1.1_01_anh.jpg": photo, "1.1_02_anh.png": old}
    notes = {
        r["Tệp trong gói / Liên kết / Ghi chú"]: r["Ghi chú"] for r in index_rows(archive) if r["Mã tiêu chí"]
    }
    assert notes["Biên bản.pdf"] == "Không tìm thấy tệp trong kho tệp của bot"
    assert any(note == "Ảnh hội giảng" for path, note in notes.items() if path.endswith("1.1_01_anh.jpg"))

    # Without a Telegram bot at hand, the old file is listed with the reason, the rest packed.
    [part] = [f async for f in evidence_pack.parts(db, scope, CONTEXT, None, store=store)]
    rows = index_rows(zipfile.ZipFile(io.BytesIO(part.data)))
    assert [r["Ghi chú"] for r in rows if r["Tệp trong gói / Liên kết / Ghi chú"] == "(ảnh)"] == [
        "Không tải được: tệp gửi qua Telegram trước đây, cần bot Telegram để tải về"
    ]


@pytest.mark.zalo
@pytest.mark.scoring
async def test_the_command_line_packs_the_store_without_a_telegram_token(
    db: Database, clock: Clock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = await make_world(db, clock)
    await criteria.publish(db, w.pid(HEAD), criteria.check_text(SCALE), today=w.today, now=clock())
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=db.url, telegram_bot_token=None, file_store_dir=tmp_path / "files"
    )
    photo = blob(21, 2500, JPEG)
    kept = FileStore(settings.file_store_dir).put(photo)
    rep = w.pid(UNIT)
    state = await scoring.open_sheet(db, rep, today=w.today)
    state, _ = await scoring.enter_score(
        db, rep, sheet_id=state.sheet_id, text="8", today=w.today, now=clock()
    )
    await scoring.add_evidence(
        db,
        rep,
        sheet_id=state.sheet_id,
        kind="photo",
        value="",
        file_key=kept.key,
        today=w.today,
        now=clock(),
    )
    out = tmp_path / "out"
    assert await export_files(settings, "evidence", 2, "2026-2027", None, out) == 0
    [written] = list(out.iterdir())
    archive = zipfile.ZipFile(written)
    [name] = [n for n in archive.namelist() if n != INDEX_NAME]
    assert archive.read(name) == photo
    assert NO_TOKEN_FOR_EVIDENCE not in capsys.readouterr().err
