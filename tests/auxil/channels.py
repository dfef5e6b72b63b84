"""People on either app in the e2e tests: who they are, how they open a screen, a photo to send."""

from __future__ import annotations

import io

from PIL import Image
from sqlmodel import select

from bot.db import Database
from bot.sandbox.client import Person, SandboxClient, ZaloPerson
from bot.services import criteria
from models.organisation import Person as PersonRow
from models.registration import ScoreLine
from tests.auxil.bot import Demo
from tests.auxil.clock import Clock
from tests.auxil.outbox import settle
from tests.auxil.scale_chat import HEAD, SCALE_ROWS

SECRETARIAT = "Bộ phận Thường trực — Khối thi đua số 2"


CHANNELS = ("telegram", "zalo")


Anyone = Person | ZaloPerson


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


async def on(channel: str, demo: Demo, client: SandboxClient, label: str, user_id: int) -> Anyone:
    """The persona on Telegram, or the same person on Zalo (an account linked with /lienket)."""
    telegram = await demo.person(label)
    if channel == "telegram":
        return telegram
    zalo = await client.person_on("zalo", user_id, label.split(" — ")[0])
    await telegram.send("/lienket")
    code = (await telegram.expect("Mã liên kết")).text.split("/lienket ")[1].split()[0]
    await zalo.send(f"/lienket {code}")
    await zalo.expect("Đã liên kết")
    return zalo


async def person_id(db: Database, demo: Demo, label: str) -> int:
    async with db.session() as session:
        found = (
            await session.exec(select(PersonRow).where(PersonRow.telegram_id == demo.persona(label).user_id))
        ).one()
    assert found.id is not None
    return found.id


async def publish(db: Database, demo: Demo, clock: Clock) -> None:
    text = "\n".join(";".join(row) for row in SCALE_ROWS).encode()
    await criteria.publish(
        db,
        await person_id(db, demo, HEAD),
        criteria.check_file(text, "t.csv"),
        today=clock().date(),
        now=clock(),
    )
    await settle(db, clock())


async def line_of(db: Database, code: str) -> ScoreLine:
    async with db.session() as session:
        return (await session.exec(select(ScoreLine).where(ScoreLine.criterion_code == code))).one()
