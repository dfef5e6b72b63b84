"""The evidence pack end to end: a unit attaches a photo and a document through the sandbox, the
head exports "📎 Minh chứng (ZIP)" and finds those exact bytes inside; the download function over
the bot's getFile, and the command line over the Bot API, against the sandbox's Telegram limits."""

from __future__ import annotations

import csv
import io
import random
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select
from telegram import Bot

from bot.__main__ import NO_TOKEN_FOR_EVIDENCE, export_files
from bot.channels.telegram import TelegramDeliverer
from bot.db import Database
from bot.exports.evidence_pack import INDEX_NAME
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from bot.services import criteria, scoring
from bot.services.evidence_pack import FetchError, TooBig
from bot.settings import Settings
from handlers.exports import evidence_download
from models.registration import ScoreEvidence
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.clock import Clock
from tests.auxil.export_chat import collect, press
from tests.auxil.scale_chat import HEAD, UNIT, publish_scale
from tests.auxil.world import SCALE, make_world

pytestmark = [pytest.mark.e2e, pytest.mark.export]


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def index_of(archive: zipfile.ZipFile) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(INDEX_NAME).decode("utf-8-sig"), newline="")))


async def test_the_head_downloads_the_units_photo_and_document_in_the_pack(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo
) -> None:
    head = await demo.person(HEAD)
    await publish_scale(head)
    rep = await demo.person(UNIT)
    await rep.send("/chamdiem")
    await rep.expect("Tiêu chí 1.1")
    await rep.send("8")
    await rep.expect("Đã lưu 8 điểm cho tiêu chí 1.1")
    photo = jpeg()
    document = b"%PDF-1.4\n" + random.Random(7).randbytes(20_000)
    sent = await rep.upload("IMG_2041.jpg", photo, photo=True)
    assert "photo" in sent["message"] and "document" not in sent["message"]
    await rep.expect("Đã lưu minh chứng (1) cho tiêu chí 1.1")
    await rep.upload("Báo cáo tổng kết.pdf", document, mime="application/pdf")
    await rep.expect("Đã lưu minh chứng (2) cho tiêu chí 1.1")
    await rep.send("https://drive.example.vn/minh-chung-1-1")
    await rep.expect("Đã lưu minh chứng (3) cho tiêu chí 1.1")
    async with db.session() as session:
        kinds = [e.kind for e in await session.exec(select(ScoreEvidence).order_by(ScoreEvidence.id))]
    assert kinds == ["photo", "document", "link"]

    await head.send("/xuat")
    menu = await head.expect("Xuất hồ sơ")
    await press(head, menu, "Minh chứng (ZIP)")
    answer = await head.callback_answer()
    assert "Đang tải minh chứng" in answer.get("text", "")
    received = await collect(head, "Đã gửi gói minh chứng")
    [zip_document] = [m.document for m in received if m.document]
    assert zip_document["file_name"] == "minh-chung_khoi-2_2026-2027.zip"
    assert "1 tệp ZIP, 2 tệp minh chứng, 1 liên kết" in received[-1].text
    archive = zipfile.ZipFile(io.BytesIO(await client.download(zip_document["file_id"])))
    files = {name: archive.read(name) for name in archive.namelist() if name != INDEX_NAME}
    assert sorted(files.values()) == sorted([photo, document])  # the very bytes the unit sent
    [folder] = {name.split("/")[0] for name in files}
    assert folder.endswith(" THCS&THPT Nguyễn Bình Khiêm")
    assert files[f"{folder}/1.1_01_anh.jpg"] == photo
    assert files[f"{folder}/1.1_02_Báo cáo tổng kết.pdf"] == document
    rows = index_of(archive)
    assert rows[0][4] == "Tệp trong gói / Liên kết / Ghi chú"
    mine = [row for row in rows[1:] if row[1]]
    assert [(row[0], row[1], row[3], row[4]) for row in mine] == [
        (UNIT, "1.1", "Ảnh", f"{folder}/1.1_01_anh.jpg"),
        (UNIT, "1.1", "Tệp", f"{folder}/1.1_02_Báo cáo tổng kết.pdf"),
        (UNIT, "1.1", "Liên kết", "https://drive.example.vn/minh-chung-1-1"),
    ]

    # The unit itself may pack its own evidence: the button is on its (shorter) menu.
    await rep.send("/huy")
    await rep.send("/xuat")
    own_menu = await rep.expect("Xuất hồ sơ của đơn vị")
    assert len(own_menu.buttons) == 3
    await press(rep, own_menu, "Minh chứng (ZIP)")
    own = await collect(rep, "Đã gửi gói minh chứng")
    [own_zip] = [m.document for m in own if m.document]
    assert own_zip["file_name"].startswith("minh-chung_truong-thcs-thpt-nguyen-binh-khiem_khoi-2_")


async def test_the_download_function_turns_telegrams_refusals_into_reasons(
    sandbox_server: SandboxServer, client: SandboxClient
) -> None:
    """getFile refuses a file over 20 MB as Telegram does; an unknown id is a plain refusal."""
    sender = await client.person(4242, "Lan")
    small = await sender.upload("ke-hoach.docx", b"PK\x03\x04 small")
    big = await sender.upload("video.zip", b"\0" * (20 * 1024 * 1024 + 1))
    url = sandbox_server.url
    async with Bot(
        sandbox_server.sandbox.token, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot"
    ) as bot:
        download = evidence_download(TelegramDeliverer(bot))
        assert await download(small["message"]["document"]["file_id"]) == b"PK\x03\x04 small"
        with pytest.raises(TooBig):
            await download(big["message"]["document"]["file_id"])
        with pytest.raises(FetchError) as refused:
            await download("AgADnothere")
        assert "invalid file_id" in refused.value.reason.lower()


@pytest.mark.flood_limits
async def test_the_command_line_packs_over_the_bot_api_or_refuses_without_a_token(
    db: Database,
    clock: Clock,
    sandbox_server: SandboxServer,
    client: SandboxClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    w = await make_world(db, clock)
    await criteria.publish(db, w.pid(HEAD), criteria.check_text(SCALE), today=w.today, now=clock())
    sender = await client.person(4343, "Lan")
    photo = jpeg()
    stored = await sender.upload("anh.jpg", photo, photo=True)
    big = await sender.upload("ghi-hinh.zip", b"\0" * (20 * 1024 * 1024 + 1))
    rep = w.pid(UNIT)
    state = await scoring.open_sheet(db, rep, today=w.today)
    state, _ = await scoring.enter_score(
        db, rep, sheet_id=state.sheet_id, text="8", today=w.today, now=clock()
    )
    for kind, value, name in (
        ("photo", stored["message"]["photo"][-1]["file_id"], None),
        (
            "document",
            big["message"]["document"]["file_id"],
            "ghi-hinh.zip",
        ),  # as if sent before the 20 MB rule
    ):
        await scoring.add_evidence(
            db,
            rep,
            sheet_id=state.sheet_id,
            kind=kind,
            value=value,
            file_name=name,
            today=w.today,
            now=clock(),
        )
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=db.url,
        telegram_bot_token=sandbox_server.sandbox.token,
        telegram_api_url=sandbox_server.url,
    )
    out = tmp_path / "out"
    assert await export_files(settings, "evidence", 2, "2026-2027", None, out) == 0
    [written] = list(out.iterdir())
    assert written.name == "minh-chung_khoi-2_2026-2027.zip"
    archive = zipfile.ZipFile(written)
    [name] = [n for n in archive.namelist() if n != INDEX_NAME]
    assert name.endswith("/1.1_01_anh.jpg") and archive.read(name) == photo
    reasons = {row[4]: row[5] for row in index_of(archive)[1:] if row[1]}
    assert reasons["ghi-hinh.zip"].startswith("Không tải được: tệp lớn hơn 20 MB")
    assert sandbox_server.sandbox.token not in archive.read(INDEX_NAME).decode("utf-8-sig")
    err = capsys.readouterr().err
    assert "1 tệp không tải được" in err

    offline = Settings(_env_file=None, database_url=db.url, telegram_bot_token=None)  # type: ignore[call-arg]
    assert await export_files(offline, "evidence", 2, "2026-2027", None, tmp_path / "none") == 2
    assert NO_TOKEN_FOR_EVIDENCE in capsys.readouterr().err
    assert not (tmp_path / "none").exists()
