"""Hand-off notices: when one person's step is done, the next person is told (issue 12).

Each notice is an outbox row written in the transaction of the step it tells, so it goes out
once, after the commit, and never for a step that was rolled back. The key names the bloc, the
event and the recipient (`handoff:<bloc>:<event>:<person>`): the same event told twice (a double
tap, a retried request) is one message. A recipient the bot cannot reach is reported to the
bloc's head once per person (`report_unreachable`, called by the delivery job).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import Button, Screen
from bot.db import Database
from bot.i18n import t
from bot.services import outbox
from models.channels import OutboxMessage
from models.handoffs import DIGEST_AT, NoticePreference
from models.organisation import BlocMembership, Person, PersonRole, Position, RoleKind
from models.permissions import Capacity

Recipients = list[tuple[int, str]]  # (person id, language)
# The screen a recipient sees, rendered in their language.
Render = Callable[[str], Screen]

PREFIX = "handoff:"
# Set inside quiet(): the demo's made-up past is told to nobody.
_QUIET: ContextVar[bool] = ContextVar("handoffs_quiet", default=False)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # where the blocs are: the digest's 16:00 is theirs
HEAD_SIDE = frozenset({Capacity.HEAD, Capacity.DEPUTY, Capacity.HEAD_OFFICE})
REVIEW_SIDE = HEAD_SIDE | {Capacity.SECRETARIAT}


async def bloc_people(
    session: AsyncSession, bloc_id: int, school_year_id: int, capacities: Iterable[Capacity]
) -> Recipients:
    """(person id, language) of who holds one of `capacities` in the bloc this year: the head and
    deputy are the representatives of the units the bloc lists in those positions."""
    wanted = frozenset(capacities)
    found: set[tuple[int, str]] = set()
    positions = [
        p for c, p in ((Capacity.HEAD, Position.HEAD), (Capacity.DEPUTY, Position.DEPUTY)) if c in wanted
    ]
    if positions:
        rows = await session.exec(
            select(Person.id, Person.language)
            .join(PersonRole, col(PersonRole.person_id) == Person.id)
            .join(BlocMembership, col(BlocMembership.unit_id) == PersonRole.unit_id)
            .where(
                BlocMembership.bloc_id == bloc_id,
                BlocMembership.school_year_id == school_year_id,
                col(BlocMembership.position).in_([p.value for p in positions]),
                PersonRole.kind == RoleKind.REP,
                PersonRole.school_year_id == school_year_id,
                col(PersonRole.revoked_at).is_(None),
            )
        )
        found |= {(int(pid), lang) for pid, lang in rows if pid is not None}
    kinds = [k.value for k in (Capacity.HEAD_OFFICE, Capacity.SECRETARIAT) if k in wanted]
    if kinds:
        rows = await session.exec(
            select(Person.id, Person.language)
            .join(PersonRole, col(PersonRole.person_id) == Person.id)
            .where(
                PersonRole.bloc_id == bloc_id,
                col(PersonRole.kind).in_(kinds),
                PersonRole.school_year_id == school_year_id,
                col(PersonRole.revoked_at).is_(None),
            )
        )
        found |= {(int(pid), lang) for pid, lang in rows if pid is not None}
    return sorted(found)


async def all_reps(session: AsyncSession, bloc_id: int, school_year_id: int) -> Recipients:
    """Every representative of every unit of the bloc this year."""
    rows = await session.exec(
        select(Person.id, Person.language, PersonRole.unit_id)
        .join(PersonRole, col(PersonRole.person_id) == Person.id)
        .join(BlocMembership, col(BlocMembership.unit_id) == PersonRole.unit_id)
        .where(
            BlocMembership.bloc_id == bloc_id,
            BlocMembership.school_year_id == school_year_id,
            PersonRole.kind == RoleKind.REP,
            PersonRole.school_year_id == school_year_id,
            col(PersonRole.revoked_at).is_(None),
        )
    )
    return sorted({(int(pid), lang) for pid, lang, _ in rows if pid is not None})


async def reps_by_unit(session: AsyncSession, bloc_id: int, school_year_id: int) -> dict[int, Recipients]:
    rows = await session.exec(
        select(Person.id, Person.language, PersonRole.unit_id)
        .join(PersonRole, col(PersonRole.person_id) == Person.id)
        .join(BlocMembership, col(BlocMembership.unit_id) == PersonRole.unit_id)
        .where(
            BlocMembership.bloc_id == bloc_id,
            BlocMembership.school_year_id == school_year_id,
            PersonRole.kind == RoleKind.REP,
            PersonRole.school_year_id == school_year_id,
            col(PersonRole.revoked_at).is_(None),
        )
    )
    found: dict[int, set[tuple[int, str]]] = {}
    for pid, lang, unit_id in rows:
        if pid is not None and unit_id is not None:
            found.setdefault(int(unit_id), set()).add((int(pid), lang))
    return {unit: sorted(people) for unit, people in found.items()}


async def tell(
    session: AsyncSession,
    recipients: Iterable[tuple[int, str]],
    *,
    bloc_id: int,
    event: str,
    render: Render,
    now: datetime,
    skip: int | None = None,
) -> int:
    """Enqueue the event's notice for each recipient (not `skip`, the person who acted), in the
    caller's transaction; returns how many were new."""
    if _QUIET.get():
        return 0
    queued = 0
    recipients = [(p, lang) for p, lang in recipients if p != skip]
    digest = await digest_people(session, [p for p, _ in recipients])
    for person_id, language in recipients:
        if person_id in digest:
            queued += await _into_digest(session, person_id, language, event, bloc_id, render(language), now)
            continue
        queued += await outbox.enqueue(
            session,
            person_id=person_id,
            kind=f"handoff.{event.split(':')[0]}",
            screen=render(language),
            dedupe_key=f"{PREFIX}{bloc_id}:{event}:{person_id}",
            now=now,
        )
    return queued


async def digest_people(session: AsyncSession, person_ids: list[int]) -> set[int]:
    if not person_ids:
        return set()
    rows = await session.exec(
        select(NoticePreference.person_id).where(
            col(NoticePreference.person_id).in_(person_ids), col(NoticePreference.digest).is_(True)
        )
    )
    return set(rows)


def digest_due(now: datetime) -> datetime:
    """The next 16:00 where the bloc is: today's if it is still ahead, else tomorrow's."""
    local = now.astimezone(ZONE)
    due = datetime.combine(local.date(), DIGEST_AT, tzinfo=ZONE)
    return due if local < due else due + timedelta(days=1)


async def _into_digest(
    session: AsyncSession,
    person_id: int,
    language: str,
    event: str,
    bloc_id: int,
    told: Screen,
    now: datetime,
) -> bool:
    """The event joins the person's digest of the day (one message at 16:00). Its own key is
    kept, marked as told in the digest, so the same event is never added twice."""
    key = f"{PREFIX}{bloc_id}:{event}:{person_id}"
    if (await session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))).first():
        return False
    session.add(
        OutboxMessage(
            dedupe_key=key,
            person_id=person_id,
            kind=f"handoff.{event.split(':')[0]}"[:32],
            screen=outbox.encode_screen(told),
            due_at=now,
            sent_at=now,
            sent_channel="digest",
        )
    )
    due = digest_due(now)
    digest_key = f"handoff-digest:{person_id}:{due.date().isoformat()}"
    row = (await session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == digest_key))).first()
    line = "• " + told.text
    if row is not None and (row.sent_at is not None or row.claimed_at is not None):
        # Already going out: the rest waits for the next day's digest.
        due += timedelta(days=1)
        digest_key = f"handoff-digest:{person_id}:{due.date().isoformat()}"
        row = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == digest_key))
        ).first()
    if row is None:
        header = t(language, "handoff.digest", date=due.strftime("%d/%m/%Y"))
        body = Screen(
            header + "\n" + line,
            buttons=((Button(t(language, "handoff.btn.status"), "st:view"),),),
        )
        session.add(
            OutboxMessage(
                dedupe_key=digest_key,
                person_id=person_id,
                kind="handoff.digest",
                screen=outbox.encode_screen(body),
                due_at=due,
            )
        )
    else:
        current = outbox.decode_screen(row.screen)
        row.screen = outbox.encode_screen(replace(current, text=current.text + "\n" + line))
        session.add(row)
    await session.flush()
    return True


async def set_digest(db: Database, person_id: int, *, digest: bool, now: datetime) -> None:
    async with db.transaction() as session:
        row = await session.get(NoticePreference, person_id) or NoticePreference(person_id=person_id)
        row.digest, row.updated_at = digest, now
        session.add(row)


async def wants_digest(db: Database, person_id: int) -> bool:
    async with db.session() as session:
        row = await session.get(NoticePreference, person_id)
        return bool(row and row.digest)


def screen(text: str, label: str, data: str) -> Screen:
    return Screen(text, buttons=((Button(label, data),),))


async def report_unreachable(db: Database, message_id: int, *, now: datetime) -> bool:
    """A hand-off notice that could not reach its person (they blocked the bot): the bloc's head
    is told once per person, whatever the notice was; the step it told stays done."""
    async with db.transaction() as session:
        row = await session.get(OutboxMessage, message_id)
        if row is None or not row.dedupe_key.startswith(PREFIX):
            return False
        bloc_id = int(row.dedupe_key.removeprefix(PREFIX).split(":")[0])
        person = await session.get(Person, row.person_id)
        name = (person.full_name if person else "") or f"#{row.person_id}"
        heads = await current_heads(session, bloc_id)
        # Through tell(): once per person (its key), and in the head's digest if they chose one.
        told = await tell(
            session,
            heads,
            bloc_id=bloc_id,
            event=f"unreachable:{row.person_id}",
            render=lambda lang: Screen(t(lang, "handoff.unreachable", name=name)),
            now=now,
            skip=row.person_id,
        )
        return told > 0


async def current_heads(session: AsyncSession, bloc_id: int) -> Recipients:
    """The bloc's head in its latest school year."""
    year = (
        await session.exec(
            select(BlocMembership.school_year_id)
            .where(BlocMembership.bloc_id == bloc_id)
            .order_by(col(BlocMembership.school_year_id).desc())
        )
    ).first()
    if year is None:
        return []
    return await bloc_people(session, bloc_id, int(year), {Capacity.HEAD})


@contextmanager
def quiet() -> Iterator[None]:
    """What happens inside tells nobody: the demo's made-up past (a bloc brought to the end of the
    year does not flood its head with a year of notices). Nothing is written, so nothing can be
    sent by a delivery job running meanwhile."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)
