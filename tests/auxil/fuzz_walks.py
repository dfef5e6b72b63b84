"""The scripted walks to the steps the explorer cannot find by itself (issue 15): behind an invite,
another unit's sheet, a conference, a nomination, a school's vote, a meeting's ballot draft.

Each walk is what a person would send; `fuzz_world.walk` records every step it passes. A new step
that waits for text or a file and that neither the explorer nor a walk reaches fails
`test_every_waiting_step_is_reached`: add a walk here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot.services import invites, meetings, people, roster
from models.channels import Channel
from models.meetings import Meeting, Poll
from models.organisation import RoleKind
from models.registration import ScoreLine
from models.vote_rules import BALLOT_MENU
from tests.auxil.exemplars import appoint_desk
from tests.auxil.fuzz_world import DESK, NEWCOMER, Action, FuzzWorld, Walk
from tests.auxil.scale_chat import SCALE_ROWS, pasted

CONTACT = "0912345678"


def _unit(world: FuzzWorld, role: str) -> str:
    return world.people[role].label.split(" — ")[-1]


async def _invite(world: FuzzWorld) -> None:
    """A fresh invite for bloc 2's first unit, redeemed by the newcomer's /start."""
    batch = await invites.issue_invites(world.db, bloc_number=2, now=world.clock(), ttl=timedelta(days=7))
    world.invite = batch.invites[0].token
    return None


async def _start_invite(world: FuzzWorld) -> str | None:
    await world.chats.say(world.who(NEWCOMER), f"/start {world.invite}")
    return None


async def _quotas(world: FuzzWorld) -> str | None:
    await world.chats.say(world.who(DESK), f"{_unit(world, 'rep')}: 2")
    return None


async def _appoint_desk(world: FuzzWorld) -> str | None:
    """The desk writes first, then is named the authority's emulation desk in the roster."""
    await world.chats.say(world.who(DESK), "/start")
    desk = await people.person_of_account(world.db, Channel.TELEGRAM, world.who(DESK).account_id)
    assert desk is not None
    await appoint_desk(world.db, desk, world.person_ids["rep"], world.today)
    world.person_ids[DESK] = desk
    return None


async def _council_of_one(world: FuzzWorld) -> str | None:
    """The desk is named the authority's one council member, so that a ballot has someone to ask
    about (a council of none is refused before the absent step)."""
    desk = await people.profile_of(world.db, world.person_ids[DESK], world.today)
    assert desk is not None and desk.authority_roles
    seat = desk.authority_roles[0]
    await roster.appoint(
        world.db,
        person_id=desk.person_id,
        kind=RoleKind.COUNCIL_MEMBER,
        authority_id=seat.authority_id,
        school_year_id=seat.school_year_id,
    )
    return None


async def _own_line(world: FuzzWorld) -> str | None:
    """The unit's answer to the head's proposal, pressed on the notice it got (ua:<line>:n)."""
    async with world.db.session() as session:
        line = (
            await session.exec(select(ScoreLine).where(col(ScoreLine.proposed_score).is_not(None)))
        ).first()
    return None if line is None else f"ua:{line.id}:n"


async def _meeting_id(world: FuzzWorld) -> int:
    async with world.db.session() as session:
        meeting = (await session.exec(select(Meeting))).first()
    assert meeting is not None and meeting.id is not None
    return meeting.id


async def _absent_unit(world: FuzzWorld) -> str | None:
    """The chair marks an absent unit present by hand (mo:<meeting>:<unit>)."""
    meeting_id = await _meeting_id(world)
    view = await meetings.view(world.db, meeting_id)
    return f"mo:{meeting_id}:{view.absent[0].unit_id}"


async def _draft_ballot(world: FuzzWorld) -> str | None:
    """The chair drafts a ballot from the meeting card's menu (pb:<meeting>:<purpose>)."""
    return f"pb:{await _meeting_id(world)}:{next(iter(BALLOT_MENU))}"


async def _open_ballot(world: FuzzWorld) -> str | None:
    """The chair names the counting committee, drafts a ballot and opens it (a secret ballot
    opens only with a committee)."""
    head, now = world.person_ids["head"], world.clock()
    meeting_id = await _meeting_id(world)
    await meetings.set_minutes_details(
        world.db,
        person_id=head,
        meeting_id=meeting_id,
        now=now,
        today=now.date(),
        counting_committee=["Lê Thị Kiểm", "Phạm Văn Phiếu", "Võ Thị Ba"],
    )
    chair = world.who("head")
    await world.chats.press(chair, f"pb:{meeting_id}:{next(iter(BALLOT_MENU))}")
    async with world.db.session() as session:
        poll = (await session.exec(select(Poll).order_by(col(Poll.id).desc()))).first()
    assert poll is not None
    await world.chats.press(chair, f"pd:{poll.id}:open")
    return None


async def _typed_ballot(world: FuzzWorld) -> str | None:
    """A voter on Zalo (no buttons) opens the ballot to answer it by typing."""
    async with world.db.session() as session:
        poll = (await session.exec(select(Poll).order_by(col(Poll.id).desc()))).first()
    assert poll is not None
    return f"vz:{poll.ref}"


async def _minutes(world: FuzzWorld) -> str | None:
    """The school's paper vote: the minutes uploaded as a PDF."""
    who = world.who("rep")
    await world.chats.take(
        who, world.chats.attached(who, "bien-ban.pdf", b"%PDF-1.4 bien ban", "application/pdf")
    )
    return None


def _nomination(title: str) -> tuple[Action, ...]:
    """A person's nomination, from its kind to the school's vote (the minutes), sent to the desk;
    `title` the title pressed ("" for the first offered)."""
    return (
        "/dienhinh",
        ">nm:k:person",
        f">nm:t:{title}",
        "Nguyễn Văn An",
        "Giáo viên",
        "5",
        "Tóm tắt thành tích",
        "Sáng kiến cấp thành phố",
        CONTACT,
        ">nm:ev",
        _minutes,
        ">nm:send",
    )


WALKS: tuple[Walk, ...] = (
    # The head publishes a new scale: upload, then the preview that takes another table.
    Walk("head", ("/tieuchi", pasted(SCALE_ROWS))),
    # A representative registers afresh: titles, targets, people, the model, the projects.
    Walk(
        "rep",
        (
            "/dangky",
            ">?rg:restart",  # the explorer may have left a draft
            ">rg:t:2",  # a title that asks for a new model
            "100% giáo viên đạt chuẩn",
            ">rg:next",
            "Nguyễn Văn An; Giáo viên; Lao động tiên tiến",
            ">rg:next",
            "Mô hình lớp học thân thiện",
            ">rg:next",
        ),
    ),
    # The head proposes another score on the other unit's sheet; that unit answers.
    Walk("head", ("/duyet", ">rv:", ">rp:", "5 theo biên bản kiểm tra")),
    Walk("rep_other_unit", (_own_line,)),
    # A school's own vote on a nominee.
    Walk("rep", ("/binhxet", ">sx:n", ">sx:t:", "Nguyễn Văn An", "40", "35")),
    # The emulation desk's conference (the desk named first: nominations go to it): create, then each of the menu's questions.
    Walk(
        DESK,
        (
            _appoint_desk,
            "/hoinghi",
            "Hội nghị điển hình tiên tiến",
            "30/12/2026 08:00",
            "Hội trường Sở",
            ">cf:q",
            "/hoinghi",
            ">cf:g",
            "/hoinghi",
            ">cf:c",
        ),
    ),
    Walk(DESK, ("/hoinghi", ">cf:q", _quotas)),
    # A nomination from kind to the school's vote (the minutes), sent to the desk.
    Walk("rep", _nomination("cstd_city")),
    # The desk accepts it; the council's ballot on it asks who is absent.
    Walk(DESK, (_council_of_one, "/hosodienhinh", ">nm:o:", ">nm:a:", "/hoidong", ">cvo")),
    # Another nomination, sent to the desk again: the desk returns it, the unit opens it to fix.
    Walk("rep", _nomination("")),
    Walk("rep", ("/daibieu",)),
    # The desk returns the nomination with a reason; the unit opens it to fix.
    Walk(DESK, ("/hosodienhinh", ">nm:o:", ">nm:R:", "Thiếu biên bản họp xét")),
    Walk("rep", ("/dienhinh", ">nm:f:")),
    # The chair marks a unit present by hand; the chair's ballot draft by typed title and list.
    Walk("head", (_absent_unit,)),
    Walk("head", (_draft_ballot, ">pe:|:title", "Bầu đơn vị xuất sắc", ">pe:|:list")),
    # A ballot opened at the meeting, answered by typing on Zalo by a unit checked in.
    Walk("deputy", (_open_ballot, _typed_ballot), Channel.ZALO),
    # Someone new opens an invite: asked the name, then the phone.
    Walk(NEWCOMER, (_invite, _start_invite, "Nguyễn Văn Mới")),
)
