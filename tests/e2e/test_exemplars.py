"""Nominations of exemplars on both apps from one body (issue 18): a school sends a nomination with
its minutes, the desk returns it, the school fixes and resends it, the desk accepts it; another one
is rejected; the school is told each time through the outbox; the desk exports the dossier in
seed 002's columns; and bad input (no vote, a person nominated twice, a sticker) changes nothing.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import col, select

from bot.db import Database
from bot.exports import minutes as minutes_module
from bot.sandbox.client import SandboxClient, ZaloPerson
from bot.services import nominations
from bot.services.nominations import Submission
from bot.services.registration import Refused
from models.nominations import Nomination, NominationEvent, NomineeKind, Title, VoteKind
from tests.auxil.bot import Demo, RunningBot
from tests.auxil.channels import CHANNELS, jpeg, on, person_id
from tests.auxil.clock import Clock
from tests.auxil.exemplars import desk_on, files_from
from tests.auxil.scale_chat import UNIT

pytestmark = [pytest.mark.e2e, pytest.mark.zalo, pytest.mark.exemplars]
SEED_002_COLUMNS = [
    "TT",
    "Họ và tên",
    "Đơn vị công tác",
    "Thâm niên giảng dạy",
    "Tóm tắt thành tích",
    "Số điện thoại, email",
]


@pytest.fixture(params=CHANNELS)
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_a_nomination_from_the_school_to_the_desks_decision(
    bot: RunningBot, client: SandboxClient, db: Database, demo: Demo, clock: Clock, channel: str
) -> None:
    rep = await on(channel, demo, client, UNIT, 581001)
    desk = await desk_on(channel, client, db, demo, clock, 581002)

    await rep.send("/dienhinh")
    menu = await rep.expect("Đề nghị khen thưởng điển hình tiên tiến", "cá nhân hay một tập thể")
    if isinstance(rep, ZaloPerson):  # bad input on Zalo: a number out of range, words matching nothing
        await rep.send("9")
        await rep.expect("Không có lựa chọn số 9")
        await rep.send("xin chào")
        await rep.expect("không khớp lựa chọn nào")
    await rep.press(menu, "Cá nhân")
    titles = await rep.expect("Danh hiệu đề nghị")
    await rep.press(titles, "Điển hình tiên tiến")
    await rep.expect("Họ và tên")
    if isinstance(rep, ZaloPerson):  # a picture where a name is asked for changes nothing
        await rep.send_image(jpeg())
        await rep.expect("tin nhắn chữ")
    await rep.send("Lê Thị Hoa")
    await rep.expect("Chức vụ")
    await rep.send("Tổ trưởng chuyên môn Toán")
    await rep.expect("Thâm niên giảng dạy")
    await rep.send("mười hai")
    await rep.expect("Thâm niên phải là một số năm")
    if isinstance(rep, ZaloPerson):
        await rep.send_sticker()
        await rep.expect("tin nhắn chữ")
    await rep.send("12 năm")
    await rep.expect("Tóm tắt thành tích trong một đoạn")
    await rep.send("Giáo viên dạy giỏi cấp thành phố; sáng kiến dạy học STEM được công nhận.")
    await rep.expect("Toàn văn")
    await rep.send("Năm 2021: giáo viên dạy giỏi cấp thành phố.\nNăm 2022: sáng kiến STEM cấp thành phố.")
    await rep.expect("Số điện thoại")
    await rep.send("0912 345 678, hoa@nbk.edu.vn")
    await rep.expect("minh chứng")
    photo = jpeg()
    await rep.upload("giay-khen.jpg", photo, photo=True)
    saved = await rep.expect("Đã lưu minh chứng (1)")
    await rep.press(saved, "Xong")
    ask_vote = await rep.expect("Biên bản họp bình xét")
    # Bad input: no vote of the school yet — refused, nothing sent, the step waits for the minutes.
    await rep.press(ask_vote, "📤 Gửi hồ sơ")
    await rep.expect("chưa có kết quả bình xét của trường")
    async with db.session() as session:
        assert list(await session.exec(select(Nomination))) == []
    minutes = jpeg()
    await rep.upload("bien-ban-hop.jpg", minutes, photo=True)
    got = await rep.expect("Đã nhận biên bản họp bình xét")
    await rep.press(got, "📤 Gửi hồ sơ")
    await rep.expect("Đã gửi hồ sơ đề nghị", "Lê Thị Hoa", "bộ phận thi đua")
    async with db.session() as session:
        nomination = (await session.exec(select(Nomination))).one()
    assert nomination.teaching_years == 12 and nomination.phone == "0912345678"
    assert nomination.email == "hoa@nbk.edu.vn" and nomination.vote_kind == VoteKind.PAPER
    assert bot.deps.files.get(nomination.minutes_file_key or "") == minutes

    # The desk is told at once; it returns the dossier with a reason.
    notice = await desk.expect("Hồ sơ điển hình mới", "Lê Thị Hoa", UNIT)
    await desk.press(notice, "Xem hồ sơ")
    card = await desk.expect("Lê Thị Hoa", "Thâm niên: 12", "Minh chứng: 1 tệp")
    await desk.press(card, "↩ Trả lại để bổ sung")
    await desk.expect("Lý do trả lại")
    await desk.send("Thiếu số liệu năm học 2023")
    await desk.expect("Đã trả lại hồ sơ của Lê Thị Hoa")

    # The school is told, fixes the summary and sends it again; the history keeps both rounds.
    back = await rep.expect("được trả lại để bổ sung", "Thiếu số liệu năm học 2023")
    await rep.press(back, "✎ Sửa và gửi lại")
    await rep.expect("bị trả lại vì")
    await rep.send("Năm 2021, 2022 như trên.\nNăm 2023: học sinh đạt giải Nhì cấp thành phố.")
    await rep.expect("Đã gửi lại hồ sơ của")
    again = await desk.expect("Hồ sơ gửi lại sau khi bổ sung", "Lê Thị Hoa")
    await desk.press(again, "Xem hồ sơ")
    card = await desk.expect("trả lại (Thiếu số liệu năm học 2023); gửi lại")
    await desk.press(card, "✓ Chấp nhận")
    await desk.expect("Đã chấp nhận hồ sơ của Lê Thị Hoa")
    await rep.expect("đã được chấp nhận", "Lê Thị Hoa")
    async with db.session() as session:
        events = list(await session.exec(select(NominationEvent).order_by(col(NominationEvent.id))))
    assert [e.action for e in events] == ["submit", "return", "resubmit", "accept"]

    # Bad input: the same person for the same title this year.
    rep_id = await person_id(db, demo, UNIT)
    form = Submission(
        kind=NomineeKind.PERSON,
        title=Title.EXEMPLAR,
        full_name="LÊ THỊ HOA",
        position="",
        teaching_years=None,
        summary="",
        achievements="Lần nữa",
        phone=None,
        email=None,
        vote_kind=VoteKind.PAPER,
        minutes_key=nomination.minutes_file_key,
        minutes_name="bb.jpg",
    )
    with pytest.raises(Refused) as refused:
        await nominations.submit(db, rep_id, form, today=clock().date(), now=clock())
    assert refused.value.notice.key == "nom.refused.already"

    # A second nomination is rejected, with its reason told to the school.
    await nominations.submit(
        db,
        rep_id,
        form.__class__(**{**form.__dict__, "full_name": "Trần Văn Bình"}),
        today=clock().date(),
        now=clock(),
    )
    bot.deps.poke_delivery()
    notice = await desk.expect("Hồ sơ điển hình mới", "Trần Văn Bình")
    await desk.press(notice, "Xem hồ sơ")
    card = await desk.expect("Trần Văn Bình")
    await desk.press(card, "✗ Không chấp nhận")
    await desk.expect("Lý do không chấp nhận")
    await desk.send("Thành tích chưa đạt tiêu chuẩn điển hình cấp huyện")
    await desk.expect("Đã không chấp nhận hồ sơ của Trần Văn Bình")
    await rep.expect("không được chấp nhận", "Trần Văn Bình", "chưa đạt tiêu chuẩn")

    # The desk's dossier: the accepted one only, in seed 002's columns, openable by python-docx/openpyxl.
    await desk.send("/hosodienhinh")
    empty = await desk.expect("Không có hồ sơ nào chờ xét")
    await desk.press(empty, "📄 Xuất hồ sơ đã chấp nhận")
    choose = await desk.expect("Chọn hồ sơ đưa vào bộ hồ sơ gửi Sở (1 hồ sơ")
    await desk.press(choose, f"☑ Lê Thị Hoa — {UNIT}")  # untick, then tick again
    choose = await desk.expect("Chọn hồ sơ")
    await desk.press(choose, "📄 Xuất 0 hồ sơ đã chọn")
    if isinstance(desk, ZaloPerson):
        await desk.expect("Chưa chọn hồ sơ nào")
    else:
        assert "Chưa chọn hồ sơ nào" in (await desk.callback_answer()).get("text", "")
    await desk.press(choose, f"☐ Lê Thị Hoa — {UNIT}")
    choose = await desk.expect("Chọn hồ sơ")
    await desk.press(choose, "📄 Xuất 1 hồ sơ đã chọn")
    files = await files_from(desk, client, "Đã xuất 1 hồ sơ")
    assert {
        "To_trinh_dien_hinh.docx",
        "Danh_sach_dien_hinh.docx",
        "Danh_sach_dien_hinh.xlsx",
        "Tom_tat_thanh_tich.docx",
        "Bien_ban_binh_xet.zip",
    } <= set(files)
    if minutes_module.soffice():  # and as PDF where LibreOffice is installed (CI installs it)
        assert files["Danh_sach_dien_hinh.pdf"].startswith(b"%PDF")
        assert files["To_trinh_dien_hinh.pdf"].startswith(b"%PDF")
    table = Document(io.BytesIO(files["Danh_sach_dien_hinh.docx"])).tables[0]
    assert [c.text for c in table.rows[0].cells] == SEED_002_COLUMNS
    assert [c.text for c in table.rows[1].cells][:4] == ["1", "Lê Thị Hoa", UNIT, "12 năm"]
    assert len(table.rows) == 2  # the rejected one is not in it
    sheet = load_workbook(io.BytesIO(files["Danh_sach_dien_hinh.xlsx"])).active
    table_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(table_rows) if row[0] == "TT")
    assert table_rows[header][: len(SEED_002_COLUMNS)] == SEED_002_COLUMNS
    first = table_rows[header + 1]
    assert first[:4] == [1, "Lê Thị Hoa", UNIT, "12 năm"] and "0912345678" in first[5]
    summary = "\n".join(p.text for p in Document(io.BytesIO(files["Tom_tat_thanh_tich.docx"])).paragraphs)
    assert "BÁO CÁO TÓM TẮT THÀNH TÍCH" in summary and "giải Nhì cấp thành phố" in summary
    request = "\n".join(p.text for p in Document(io.BytesIO(files["To_trinh_dien_hinh.docx"])).paragraphs)
    assert "TỜ TRÌNH" in request and "1 điển hình tiên tiến" in request
    archive = zipfile.ZipFile(io.BytesIO(files["Bien_ban_binh_xet.zip"]))
    [name] = archive.namelist()
    assert archive.read(name) == minutes
