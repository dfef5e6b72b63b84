"""/thanhphan and «📝 Thành phần, địa điểm» on the chair's card: the meeting as the minutes
describe it — place, chair, secretary and counting committee (issue 13).

Press data (≤ 64 bytes, re-checked by the service, which also checks who presses):
  md:<id>                 the meeting's details          md:<id>:place  type the place
  md:<id>:chair|sec       pick or type the chair / the secretary
  md:<id>:cp:<person>     the chair picked                md:<id>:sp:<person>  the secretary picked
  md:<id>:com             the counting committee          md:<id>:ka:<person>  add someone to it
  md:<id>:kc              clear the committee             md:<id>:done   finished
"""

from __future__ import annotations

from bot.chat import Button, InKind
from bot.chat.router import END, Conversation, Handler, Router, StepKey, Turn
from bot.i18n import Raw, format_datetime, t
from bot.services import meetings, minutes_details
from bot.services.invites import NotAllowedError, NotFoundError
from bot.services.meetings import MAX_COUNTING_COMMITTEE
from bot.services.minutes_details import MAX_NAME, MAX_PLACE, BlocPerson, DetailsRefusal, MeetingDetails
from handlers.meetings import leave_card
from models.meetings import MeetingStatus
from models.numbers import is_number

PEOPLE_SHOWN = 20  # a bloc has up to 20 units; officers beyond that are typed
ROLE_OF = {"chair": "chair", "sec": "secretary"}
PICK_OF = {"chair": "cp", "secretary": "sp"}


# ------------------------------------------------------------------ rendering
def _or_unset(value: str, lang: str) -> str:
    return t(lang, "plain", text=value) if value else t(lang, "details.unset")


def _committee(details: MeetingDetails, lang: str) -> str:
    if not details.committee:
        return t(lang, "details.unset")
    return "; ".join(t(lang, "plain", text=name) for name in details.committee)


def details_text(details: MeetingDetails, turn: Turn) -> str:
    lang = turn.lang
    text = t(
        lang,
        "details.card",
        kind=t(lang, f"meeting.kind.{details.kind.value}"),
        when=format_datetime(details.starts_at, turn.deps.settings.zone),
        place=Raw(_or_unset(details.place, lang)),
        chair=Raw(_or_unset(details.chair, lang)),
        secretary=Raw(_or_unset(details.secretary, lang)),
        committee=Raw(_committee(details, lang)),
    )
    if not details.committee and details.committee_needed:
        text += "\n\n" + t(lang, "details.committee_needed")
    return text + "\n\n" + t(lang, "details.hint")


def details_buttons(meeting_id: int, lang: str) -> tuple[tuple[Button, ...], ...]:
    data = f"md:{meeting_id}"
    return (
        (Button(t(lang, "details.btn.place"), f"{data}:place"),),
        (
            Button(t(lang, "details.btn.chair"), f"{data}:chair"),
            Button(t(lang, "details.btn.secretary"), f"{data}:sec"),
        ),
        (Button(t(lang, "details.btn.committee"), f"{data}:com"),),
        (
            Button(t(lang, "details.btn.card"), f"mt:{meeting_id}:refresh"),
            Button(t(lang, "details.btn.done"), f"{data}:done"),
        ),
    )


def _person_label(person: BlocPerson) -> str:
    label = f"{person.name} · {person.unit_name}" if person.unit_name else person.name
    return label if len(label) <= 60 else label[:59] + "…"


def _people_rows(meeting_id: int, people: list[BlocPerson], pick: str) -> list[tuple[Button, ...]]:
    return [
        (Button(_person_label(p), f"md:{meeting_id}:{pick}:{p.person_id}"),) for p in people[:PEOPLE_SHOWN]
    ]


async def show_details(turn: Turn, meeting_id: int, *, anew: bool = False) -> None:
    details = await minutes_details.details(
        turn.deps.db, person_id=turn.person_id, meeting_id=meeting_id, today=turn.today
    )
    text, buttons = details_text(details, turn), details_buttons(meeting_id, turn.lang)
    if anew:
        await turn.say(text, buttons=buttons)
    else:
        await turn.show(text, buttons=buttons)


async def _refused(turn: Turn, refusal: DetailsRefusal) -> None:
    text = t(turn.lang, f"details.refused.{refusal.reason}", **refusal.params)
    if turn.incoming.kind is InKind.CHOICE:
        await turn.alert(text)
    else:
        await turn.say(text)


async def _not_allowed(turn: Turn) -> str | None:
    if turn.incoming.kind is InKind.CHOICE:
        await turn.alert(t(turn.lang, "error.not_allowed"))
    else:
        await turn.say(t(turn.lang, "error.not_allowed"))
    return END


# ------------------------------------------------------------------ entries
async def from_command(turn: Turn) -> str | None:
    """/thanhphan: the one meeting of the year straight away, else a pick (newest first)."""
    lang, db = turn.lang, turn.deps.db
    blocs = await meetings.led_blocs(db, turn.person_id, turn.today)
    if not blocs:
        return await _not_allowed(turn)
    found = await meetings.meetings_of(db, blocs[0][0], turn.today)
    if not found:
        await turn.say(t(lang, "details.none"))
        return END
    running = [m for m in found if m.status is MeetingStatus.OPEN]
    if len(found) == 1 or len(running) == 1:
        await show_details(turn, (running or found)[0].id, anew=True)
        return END
    zone = turn.deps.settings.zone
    rows = tuple(
        (
            Button(
                f"{t(lang, f'meeting.kind.{m.kind.value}')} · {format_datetime(m.starts_at, zone)}",
                f"md:{m.id}",
            ),
        )
        for m in found[:6]
    )
    await turn.say(t(lang, "details.pick"), buttons=rows)
    return END


async def pressed(turn: Turn) -> str | None:
    """Every md: press (each carries its meeting, so a press on an old screen still means it)."""
    lang = turn.lang
    parts = (turn.incoming.choice or "").split(":")
    if len(parts) < 2 or not is_number(parts[1]):
        await turn.alert(t(lang, "error.stale_button"))
        return END
    meeting_id, action = int(parts[1]), parts[2] if len(parts) > 2 else "show"
    chosen = int(parts[3]) if len(parts) == 4 and is_number(parts[3]) else None
    turn.data["meeting"] = meeting_id
    db, now, today = turn.deps.db, turn.deps.clock(), turn.today
    try:
        if action == "show" and len(parts) == 2:
            await show_details(turn, meeting_id)
            await leave_card(turn)  # pressed on the chair's card: it stops being edited live
            return END
        if action == "done" and len(parts) == 3:
            details = await minutes_details.details(
                db, person_id=turn.person_id, meeting_id=meeting_id, today=today
            )
            await turn.show(
                details_text(details, turn).rsplit("\n\n", 1)[0] + "\n\n" + t(lang, "details.done")
            )
            return END
        if action == "place" and len(parts) == 3:
            details = await minutes_details.details(
                db, person_id=turn.person_id, meeting_id=meeting_id, today=today
            )
            await turn.show(
                t(lang, "details.ask_place", limit=MAX_PLACE, current=Raw(_or_unset(details.place, lang))),
                buttons=((Button(t(lang, "details.btn.back"), f"md:{meeting_id}"),),),
            )
            return "place"
        if action in ROLE_OF and len(parts) == 3:
            return await _ask_officer(turn, meeting_id, ROLE_OF[action])
        if action == "com" and len(parts) == 3:
            await _ask_committee(turn, meeting_id)
            return "committee"
        if action in ("cp", "sp") and chosen is not None:
            await minutes_details.set_officer(
                db,
                person_id=turn.person_id,
                meeting_id=meeting_id,
                role="chair" if action == "cp" else "secretary",
                chosen_person_id=chosen,
                now=now,
                today=today,
            )
            await show_details(turn, meeting_id)
            return END
        if action == "ka" and chosen is not None:
            await minutes_details.add_to_committee(
                db,
                person_id=turn.person_id,
                meeting_id=meeting_id,
                chosen_person_id=chosen,
                now=now,
                today=today,
            )
            await _ask_committee(turn, meeting_id)
            return "committee"
        if action == "kc" and len(parts) == 3:
            await minutes_details.clear_committee(
                db, person_id=turn.person_id, meeting_id=meeting_id, now=now, today=today
            )
            await _ask_committee(turn, meeting_id)
            return "committee"
    except (NotAllowedError, NotFoundError):
        return await _not_allowed(turn)
    except DetailsRefusal as refusal:
        await _refused(turn, refusal)
        return END
    await turn.alert(t(lang, "error.stale_button"))
    return END


async def _ask_officer(turn: Turn, meeting_id: int, role: str) -> str:
    lang = turn.lang
    db, today = turn.deps.db, turn.today
    details = await minutes_details.details(db, person_id=turn.person_id, meeting_id=meeting_id, today=today)
    people = await minutes_details.bloc_people(
        db, person_id=turn.person_id, meeting_id=meeting_id, today=today
    )
    current = details.chair if role == "chair" else details.secretary
    rows = [
        *_people_rows(meeting_id, people, PICK_OF[role]),
        (Button(t(lang, "details.btn.back"), f"md:{meeting_id}"),),
    ]
    await turn.show(
        t(lang, f"details.ask_officer.{role}", limit=MAX_NAME, current=Raw(_or_unset(current, lang))),
        buttons=tuple(rows),
    )
    return role


async def _ask_committee(turn: Turn, meeting_id: int) -> None:
    lang = turn.lang
    db, today = turn.deps.db, turn.today
    details = await minutes_details.details(db, person_id=turn.person_id, meeting_id=meeting_id, today=today)
    people = await minutes_details.bloc_people(
        db, person_id=turn.person_id, meeting_id=meeting_id, today=today
    )
    named = {name.casefold() for name in details.committee}
    rows = _people_rows(meeting_id, [p for p in people if p.name.casefold() not in named], "ka")
    if details.committee:
        rows.append((Button(t(lang, "details.btn.clear"), f"md:{meeting_id}:kc"),))
    rows.append(
        (
            Button(t(lang, "details.btn.back"), f"md:{meeting_id}"),
            Button(t(lang, "details.btn.done"), f"md:{meeting_id}:done"),
        )
    )
    await turn.show(
        t(
            lang,
            "details.ask_committee",
            max=MAX_COUNTING_COMMITTEE,
            limit=MAX_NAME,
            current=Raw(_committee(details, lang)),
        ),
        buttons=tuple(rows),
    )


# ------------------------------------------------------------------ typed answers
async def _typed(turn: Turn, step: str) -> str | None:
    meeting_id = turn.data.get("meeting")
    if not isinstance(meeting_id, int):
        return END
    db, now, today = turn.deps.db, turn.deps.clock(), turn.today
    text = turn.incoming.text or ""
    try:
        if step == "place":
            await minutes_details.set_place(
                db, person_id=turn.person_id, meeting_id=meeting_id, place=text, now=now, today=today
            )
        elif step in ("chair", "secretary"):
            await minutes_details.set_officer(
                db,
                person_id=turn.person_id,
                meeting_id=meeting_id,
                role=step,
                name=text,
                now=now,
                today=today,
            )
        else:
            await minutes_details.set_committee(
                db,
                person_id=turn.person_id,
                meeting_id=meeting_id,
                names=text.splitlines(),
                now=now,
                today=today,
            )
    except (NotAllowedError, NotFoundError):
        return await _not_allowed(turn)
    except DetailsRefusal as refusal:
        await _refused(turn, refusal)
        return step  # the same question stands: type it again, or /huy
    await turn.say(t(turn.lang, "details.saved"))
    await show_details(turn, meeting_id, anew=True)
    return END


async def got_place(turn: Turn) -> str | None:
    return await _typed(turn, "place")


async def got_chair(turn: Turn) -> str | None:
    return await _typed(turn, "chair")


async def got_secretary(turn: Turn) -> str | None:
    return await _typed(turn, "secretary")


async def got_committee(turn: Turn) -> str | None:
    return await _typed(turn, "committee")


def _not_text(step: str) -> Handler:
    async def not_text(turn: Turn) -> str | None:
        await turn.say(t(turn.lang, "details.text_expected"))
        return step  # the question stands

    return not_text


async def cancel(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "details.cancelled"))
    return END


def _step(name: str, handler: Handler) -> dict[StepKey, Handler]:
    other = _not_text(name)
    return {InKind.TEXT: handler, InKind.PHOTO: other, InKind.FILE: other, InKind.STICKER: other}


def register(router: Router) -> None:
    router.conversation(
        Conversation(
            name="meeting_details",
            entry={"thanhphan": from_command, "details": from_command},
            entry_choices={"md:": pressed},
            steps={
                "place": _step("place", got_place),
                "chair": _step("chair", got_chair),
                "secretary": _step("secretary", got_secretary),
                "committee": _step("committee", got_committee),
            },
            fallbacks={"huy": cancel, "cancel": cancel},
        )
    )
