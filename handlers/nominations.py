"""Nominations of exemplars (/dienhinh) and the emulation desk's review (/hosodienhinh), issue 18.

On the channel-neutral chat layer: the same conversations on Telegram and Zalo. Notices to the
desk and to the school go through the outbox (bot/services/nominations.py).

Press data (≤ 64 bytes, re-checked by the service):
  nm:k:<person|collective>  nm:t:<title>  nm:ev  (evidence done)  nm:send  (send the nomination)
  nm:v:<poll id>  attach the school's own vote held in the bot (/binhxet, handlers/school_vote.py)
  nm:f:<id>  the school fixes a returned nomination      nm:o:<id>  the desk opens one
  nm:a:<id> accept   nm:R:<id> return (asks a reason)    nm:x:<id> reject (asks a reason)
  nm:e  choose which accepted nominations to export   nm:s:<id>  tick / untick one   nm:go  export
"""

from __future__ import annotations

import re
from typing import Any

from bot.chat import Button, InKind
from bot.chat.router import END, Conversation, Handler, Router, StepKey, Turn
from bot.i18n import t
from bot.services import nominations, school_vote
from bot.services.nominations import EvidenceFile, Submission
from bot.services.registration import Refused
from bot.services.school_vote import SchoolBallot
from handlers.school_vote import outcome
from models.channels import Channel
from models.nominations import TITLE_NAMES, Action, NomineeKind, Title, VoteKind, parse_years
from models.numbers import parse_id

S_KIND, S_TITLE, S_NAME, S_POSITION, S_YEARS = "kind", "title", "name", "position", "years"
S_SUMMARY, S_ACHIEVEMENTS, S_CONTACT, S_EVIDENCE, S_VOTE, S_FIX = (
    "summary",
    "achievements",
    "contact",
    "evidence",
    "vote",
    "fix",
)
D_CARD, D_REASON, D_EXPORT = "card", "reason", "export"
MAX_FILE_BYTES = 20 * 1024 * 1024
_EMAIL = re.compile(r"[^\s,;]+@[^\s,;]+\.[^\s,;]+")
_PHONE = re.compile(r"\+?\d[\d .]{7,14}\d")
_ID = re.compile(r"^nm:[foaRx]:(\d{1,12})$")


def _refusal(turn: Turn, refusal: Refused) -> str:
    return refusal.notice.render(turn.lang)


def _zalo(turn: Turn) -> bool:
    return turn.incoming.channel is Channel.ZALO


def _id(turn: Turn) -> int | None:
    found = _ID.match(turn.incoming.choice or "")
    return int(found.group(1)) if found else None


# ------------------------------------------------------------------ the school
async def start(turn: Turn) -> str | None:
    try:
        await nominations.school_of(turn.deps.db, turn.profile)
        returned = await nominations.returned_to(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await turn.say(_refusal(turn, refusal))
        return END
    lang = turn.lang
    turn.data.clear()
    rows: list[tuple[Button, ...]] = [
        (
            Button(t(lang, "nom.btn.person"), "nm:k:person"),
            Button(t(lang, "nom.btn.collective"), "nm:k:collective"),
        )
    ]
    text = t(lang, "nom.start")
    if returned:
        text += "\n" + t(lang, "nom.returned_list", names=", ".join(n.full_name for n in returned))
        rows += [(Button(f"{t(lang, 'nom.btn.fix')}: {n.full_name}"[:60], f"nm:f:{n.id}"),) for n in returned]
    await turn.say(text, buttons=tuple(rows))
    return S_KIND


async def got_kind(turn: Turn) -> str | None:
    kind = (turn.incoming.choice or "").removeprefix("nm:k:")
    if kind not in {k.value for k in NomineeKind}:
        await turn.alert(t(turn.lang, "nom.refused.unknown"))
        return S_KIND
    turn.data["kind"] = kind
    titles = [Title.EXEMPLAR] if kind == NomineeKind.COLLECTIVE else list(Title)
    await turn.show(
        t(turn.lang, "nom.ask_title"),
        buttons=tuple((Button(TITLE_NAMES[title], f"nm:t:{title.value}"),) for title in titles),
    )
    return S_TITLE


async def got_title(turn: Turn) -> str | None:
    title = (turn.incoming.choice or "").removeprefix("nm:t:")
    if title not in {x.value for x in Title}:
        await turn.alert(t(turn.lang, "nom.refused.unknown"))
        return S_TITLE
    turn.data["title"] = title
    await turn.show(t(turn.lang, "nom.ask_name"))
    return S_NAME


def _text(turn: Turn) -> str:
    return (turn.incoming.text or "").strip()


async def got_name(turn: Turn) -> str | None:
    turn.data["name"] = _text(turn)
    await turn.say(t(turn.lang, "nom.ask_position"))
    return S_POSITION


async def got_position(turn: Turn) -> str | None:
    turn.data["position"] = _text(turn)
    if turn.data.get("kind") == NomineeKind.COLLECTIVE:
        turn.data["years"] = None
        await turn.say(t(turn.lang, "nom.ask_summary"))
        return S_SUMMARY
    await turn.say(t(turn.lang, "nom.ask_years"))
    return S_YEARS


async def got_years(turn: Turn) -> str | None:
    years = parse_years(_text(turn))
    if years is None:
        await turn.say(t(turn.lang, "nom.bad_years"))
        return S_YEARS
    turn.data["years"] = years
    await turn.say(t(turn.lang, "nom.ask_summary"))
    return S_SUMMARY


async def got_summary(turn: Turn) -> str | None:
    turn.data["summary"] = _text(turn)
    await turn.say(t(turn.lang, "nom.ask_achievements"))
    return S_ACHIEVEMENTS


async def got_achievements(turn: Turn) -> str | None:
    turn.data["achievements"] = _text(turn)
    await turn.say(t(turn.lang, "nom.ask_contact"))
    return S_CONTACT


async def got_contact(turn: Turn) -> str | None:
    text = _text(turn)
    email, phone = _EMAIL.search(text), _PHONE.search(text)
    if email is None and phone is None:
        await turn.say(t(turn.lang, "nom.bad_contact"))
        return S_CONTACT
    turn.data["email"] = email.group(0) if email else None
    turn.data["phone"] = re.sub(r"[ .]", "", phone.group(0)) if phone else None
    turn.data["evidence"] = []
    await _ask_evidence(turn)
    return S_EVIDENCE


async def _ask_evidence(turn: Turn) -> None:
    key = "nom.ask_evidence_zalo" if _zalo(turn) else "nom.ask_evidence"
    await turn.say(t(turn.lang, key), buttons=((Button(t(turn.lang, "nom.btn.done"), "nm:ev"),),))


async def _stored(turn: Turn) -> dict[str, Any]:
    attachment = turn.incoming.attachment
    assert attachment is not None
    data = await turn.fetch(MAX_FILE_BYTES)
    stored = turn.deps.files.put(data)
    name = attachment.name or ("anh.jpg" if turn.incoming.kind is InKind.PHOTO else "tep")
    return {"key": stored.key, "name": name, "mime": attachment.mime}


async def got_evidence(turn: Turn) -> str | None:
    try:
        item = await _stored(turn)
    except ValueError:
        await turn.say(t(turn.lang, "nom.file_expected"))
        return S_EVIDENCE
    turn.data.setdefault("evidence", []).append(item)
    await turn.say(
        t(turn.lang, "nom.evidence_saved", count=len(turn.data["evidence"])),
        buttons=((Button(t(turn.lang, "nom.btn.done"), "nm:ev"),),),
    )
    return S_EVIDENCE


async def evidence_done(turn: Turn) -> str | None:
    await _ask_vote(turn)
    return S_VOTE


async def _school_votes(turn: Turn) -> list[SchoolBallot]:
    """The school's counted ballots in the bot on the person and title of this draft."""
    return await school_vote.for_nominee(
        turn.deps.db,
        turn.person_id,
        title=Title(turn.data.get("title", Title.EXEMPLAR)),
        full_name=turn.data.get("name", ""),
        today=turn.today,
    )


async def _ask_vote(turn: Turn) -> None:
    """Upload the minutes of a paper vote, or pick the school's vote on this person held in the
    bot (a failed one is listed too, marked ❌, and refused when picked)."""
    lang = turn.lang
    text = t(lang, "nom.ask_vote_zalo" if _zalo(turn) else "nom.ask_vote")
    held = await _school_votes(turn)
    zone = turn.deps.settings.zone
    rows = [(Button(outcome(lang, b, zone, "nom.btn.school_vote")[:60], f"nm:v:{b.id}"),) for b in held]
    if held:
        text += "\n" + t(lang, "nom.ask_vote_meeting")
    await turn.say(text, buttons=(*rows, (Button(t(lang, "nom.btn.send"), "nm:send"),)))


async def got_school_vote(turn: Turn) -> str | None:
    found = re.fullmatch(r"nm:v:(\d{1,12})", turn.incoming.choice or "")
    held = await _school_votes(turn)
    ballot = next((b for b in held if found and b.id == int(found.group(1))), None)
    if ballot is None:
        await turn.alert(t(turn.lang, "nom.refused.unknown"))
        return S_VOTE
    line = outcome(turn.lang, ballot, turn.deps.settings.zone)
    if not ballot.passed:  # shown, so the school sees it, but never attached as support
        await turn.say(
            t(turn.lang, "nom.refused.vote_failed", line=line),
            buttons=((Button(t(turn.lang, "nom.btn.send"), "nm:send"),),),
        )
        return S_VOTE
    turn.data["school_poll"] = ballot.id
    turn.data.pop("minutes", None)  # one vote: the last one chosen
    await turn.say(
        t(turn.lang, "nom.school_vote_attached", line=line),
        buttons=((Button(t(turn.lang, "nom.btn.send"), "nm:send"),),),
    )
    return S_VOTE


async def got_minutes(turn: Turn) -> str | None:
    try:
        item = await _stored(turn)
    except ValueError:
        await turn.say(t(turn.lang, "nom.file_expected"))
        return S_VOTE
    turn.data["minutes"] = item
    turn.data.pop("school_poll", None)  # one vote: the last one chosen
    await turn.say(
        t(turn.lang, "nom.minutes_saved", name=item["name"]),
        buttons=((Button(t(turn.lang, "nom.btn.send"), "nm:send"),),),
    )
    return S_VOTE


async def send(turn: Turn) -> str | None:
    d = turn.data
    minutes = d.get("minutes")
    school_poll = d.get("school_poll")
    form = Submission(
        kind=NomineeKind(d.get("kind", NomineeKind.PERSON)),
        title=Title(d.get("title", Title.EXEMPLAR)),
        full_name=d.get("name", ""),
        position=d.get("position", ""),
        teaching_years=d.get("years"),
        summary=d.get("summary", ""),
        achievements=d.get("achievements", ""),
        phone=d.get("phone"),
        email=d.get("email"),
        vote_kind=VoteKind.MEETING if school_poll else VoteKind.PAPER if minutes else None,
        school_poll_id=school_poll,
        minutes_key=minutes["key"] if minutes else None,
        minutes_name=minutes["name"] if minutes else None,
        evidence=tuple(EvidenceFile(e["key"], e["name"], e.get("mime")) for e in d.get("evidence", [])),
    )
    try:
        sent = await nominations.submit(
            turn.deps.db, turn.person_id, form, today=turn.today, now=turn.deps.clock()
        )
    except Refused as refusal:
        await turn.say(_refusal(turn, refusal))
        # Without the school's vote the dossier waits here for the minutes; anything else ends it.
        return S_VOTE if refusal.notice.key == "nom.refused.no_vote" else END
    turn.deps.poke_delivery()
    await turn.say(t(turn.lang, "nom.sent", title=sent.title_name, name=sent.full_name, id=sent.id))
    return END


async def fix_start(turn: Turn) -> str | None:
    nomination_id = _id(turn)
    try:
        returned = await nominations.returned_to(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:  # a forged or stale press from someone who represents no unit
        await turn.alert(_refusal(turn, refusal))
        return END
    found = next((n for n in returned if n.id == nomination_id), None)
    if found is None:
        await turn.alert(t(turn.lang, "nom.refused.unknown"))
        return END
    turn.data.clear()
    turn.data["fix"] = found.id
    await turn.say(t(turn.lang, "nom.fix.ask", name=found.full_name, reason=found.reason or ""))
    return S_FIX


async def _resubmit(turn: Turn, **changes: Any) -> str | None:
    try:
        sent = await nominations.resubmit(
            turn.deps.db,
            turn.person_id,
            int(turn.data["fix"]),
            today=turn.today,
            now=turn.deps.clock(),
            **changes,
        )
    except Refused as refusal:
        await turn.say(_refusal(turn, refusal))
        return END
    turn.deps.poke_delivery()
    await turn.say(t(turn.lang, "nom.fix.sent", name=sent.full_name))
    return END


async def fix_text(turn: Turn) -> str | None:
    return await _resubmit(turn, achievements=_text(turn))


async def fix_minutes(turn: Turn) -> str | None:
    try:
        item = await _stored(turn)
    except ValueError:  # larger than a chat file may be
        await turn.say(t(turn.lang, "nom.file_expected"))
        return S_FIX
    return await _resubmit(turn, minutes=EvidenceFile(item["key"], item["name"], item["mime"]))


async def cancel(turn: Turn) -> str | None:
    turn.data.clear()
    await turn.say(t(turn.lang, "nom.cancelled"))
    return END


def _again(step: str, key: str) -> Handler:
    """Something this step cannot take (a sticker where text is typed…): say so, change nothing."""

    async def ask_again(turn: Turn) -> str | None:
        await turn.say(t(turn.lang, key))
        return step

    return ask_again


# ------------------------------------------------------------------ the desk
async def queue(turn: Turn) -> str | None:
    try:
        waiting = await nominations.desk_queue(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await turn.say(_refusal(turn, refusal))
        return END
    lang = turn.lang
    rows = [(Button(f"{n.full_name} — {n.unit_name}"[:60], f"nm:o:{n.id}"),) for n in waiting]
    rows.append((Button(t(lang, "nom.btn.export"), "nm:e"),))
    text = t(lang, "nom.desk.queue", count=len(waiting)) if waiting else t(lang, "nom.desk.empty")
    await turn.say(text, buttons=tuple(rows))
    return D_CARD


def _history(turn: Turn, history: tuple[tuple[str, str | None], ...]) -> str:
    return "; ".join(
        t(turn.lang, f"nom.history.{action}") + (f" ({reason})" if reason else "")
        for action, reason in history
    )


async def open_card(turn: Turn) -> str | None:
    nomination_id = _id(turn)
    try:
        if nomination_id is None:
            raise Refused("nom.refused.unknown")
        n = await nominations.desk_view(turn.deps.db, turn.person_id, nomination_id, today=turn.today)
    except Refused as refusal:
        await turn.alert(_refusal(turn, refusal))
        return END
    lang = turn.lang
    contact = ", ".join(x for x in (n.phone, n.email) if x) or "—"
    vote = t(lang, f"nom.vote.{n.vote_kind.value}")
    held = (await school_vote.attached(turn.deps.db, [n.id])).get(n.id)
    if held is not None:
        vote = t(lang, "nom.vote.school", line=outcome(lang, held, turn.deps.settings.zone))
    text = t(
        lang,
        "nom.desk.card",
        name=n.full_name,
        unit=n.unit_name,
        title=n.title_name,
        position=n.position or "—",
        years="—" if n.teaching_years is None else n.teaching_years,
        summary=n.summary or "—",
        contact=contact,
        vote=vote,
        files=n.files,
        history=_history(turn, n.history),
    )
    await turn.say(
        text,
        buttons=(
            (Button(t(lang, "nom.btn.accept"), f"nm:a:{n.id}"),),
            (Button(t(lang, "nom.btn.return"), f"nm:R:{n.id}"),),
            (Button(t(lang, "nom.btn.reject"), f"nm:x:{n.id}"),),
        ),
    )
    return D_CARD


async def _decide(turn: Turn, nomination_id: int, action: Action, reason: str | None) -> str | None:
    try:
        done = await nominations.decide(
            turn.deps.db,
            turn.person_id,
            nomination_id,
            action,
            reason=reason,
            today=turn.today,
            now=turn.deps.clock(),
        )
    except Refused as refusal:
        await turn.say(_refusal(turn, refusal))
        return END if refusal.notice.key != "nom.refused.reason_needed" else D_REASON
    turn.deps.poke_delivery()
    await turn.say(t(turn.lang, f"nom.decided.{action.value}", name=done.full_name))
    return END


async def accept(turn: Turn) -> str | None:
    nomination_id = _id(turn)
    if nomination_id is None:
        await turn.alert(t(turn.lang, "nom.refused.unknown"))
        return D_CARD
    return await _decide(turn, nomination_id, Action.ACCEPT, None)


async def ask_reason(turn: Turn) -> str | None:
    nomination_id = _id(turn)
    if nomination_id is None:
        await turn.alert(t(turn.lang, "nom.refused.unknown"))
        return D_CARD
    action = Action.RETURN if (turn.incoming.choice or "").startswith("nm:R:") else Action.REJECT
    turn.data.update({"id": nomination_id, "action": action.value})
    key = "nom.ask_return_reason" if action is Action.RETURN else "nom.ask_reject_reason"
    await turn.say(t(turn.lang, key))
    return D_REASON


async def got_reason(turn: Turn) -> str | None:
    return await _decide(turn, int(turn.data["id"]), Action(turn.data["action"]), _text(turn))


async def choose_export(turn: Turn) -> str | None:
    """The accepted nominations, every one ticked: the desk unticks those not to send this time."""
    try:
        chosen = await nominations.accepted(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await turn.say(_refusal(turn, refusal))
        return END
    if not chosen:
        await turn.say(t(turn.lang, "nom.export.none"))
        return D_CARD
    if turn.incoming.choice == "nm:e":
        turn.data["picked"] = [n.id for n in chosen]
    else:  # nm:s:<id> ticks or unticks one
        picked = set(turn.data.get("picked", []))
        # Any press data under nm:e… comes here: "nm:e١" crashed int() (found by the fuzz).
        nomination_id = parse_id((turn.incoming.choice or "").removeprefix("nm:s:")) or 0
        picked ^= {nomination_id} & {n.id for n in chosen}
        turn.data["picked"] = sorted(picked)
    picked = set(turn.data["picked"])
    lang = turn.lang
    rows = [
        (Button(f"{'☑' if n.id in picked else '☐'} {n.full_name} — {n.unit_name}"[:60], f"nm:s:{n.id}"),)
        for n in chosen
    ]
    rows.append((Button(t(lang, "nom.btn.export_go", count=len(picked)), "nm:go"),))
    await turn.show(t(lang, "nom.export.choose", count=len(chosen)), buttons=tuple(rows))
    return D_EXPORT


async def export(turn: Turn) -> str | None:
    # Imported here: the export modules pull in python-docx and openpyxl, heavy at start-up.
    from bot.exports import nomination_dossier, school_vote_minutes

    picked = set(turn.data.get("picked", []))
    try:
        chosen = [
            n
            for n in await nominations.accepted(turn.deps.db, turn.person_id, today=turn.today)
            if n.id in picked
        ]
    except Refused as refusal:
        await turn.say(_refusal(turn, refusal))
        return END
    if not chosen:
        await turn.alert(t(turn.lang, "nom.export.none_picked"))
        return D_EXPORT
    moment = turn.deps.clock()
    minutes = await nominations.minutes_of(turn.deps.db, [n.id for n in chosen])
    zone = turn.deps.settings.zone
    written = {
        nomination_id: (school_vote_minutes.file_name(b), school_vote_minutes.minutes(b, zone, moment))
        for nomination_id, b in (await school_vote.attached(turn.deps.db, [n.id for n in chosen])).items()
    }
    authority = turn.profile.authority_roles[0].authority_name
    files = await nomination_dossier.with_pdfs(
        nomination_dossier.dossier(chosen, minutes, turn.deps.files, authority, moment, zone, written)
    )
    for name, data in files:
        await turn.send_file(name, data)
    await turn.say(t(turn.lang, "nom.export.sent", count=len(chosen)))
    return END


def register(router: Router) -> None:
    others = (InKind.PHOTO, InKind.FILE, InKind.STICKER, InKind.OTHER)

    def text_step(step: str, handler: Handler) -> dict[StepKey, Handler]:
        taken: dict[StepKey, Handler] = {InKind.TEXT: handler}
        taken.update({kind: _again(step, "nom.text_expected") for kind in others})
        return taken

    router.conversation(
        Conversation(
            name="nomination",
            entry={"dienhinh": start, "nominate": start},
            entry_choices={"nm:f:": fix_start},
            steps={
                S_KIND: {"nm:k:": got_kind},
                S_TITLE: {"nm:t:": got_title},
                S_NAME: text_step(S_NAME, got_name),
                S_POSITION: text_step(S_POSITION, got_position),
                S_YEARS: text_step(S_YEARS, got_years),
                S_SUMMARY: text_step(S_SUMMARY, got_summary),
                S_ACHIEVEMENTS: text_step(S_ACHIEVEMENTS, got_achievements),
                S_CONTACT: text_step(S_CONTACT, got_contact),
                S_EVIDENCE: {
                    InKind.PHOTO: got_evidence,
                    InKind.FILE: got_evidence,
                    InKind.STICKER: _again(S_EVIDENCE, "nom.file_expected"),
                    InKind.TEXT: _again(S_EVIDENCE, "nom.file_expected"),
                    "nm:ev": evidence_done,
                },
                S_VOTE: {
                    InKind.PHOTO: got_minutes,
                    InKind.FILE: got_minutes,
                    InKind.STICKER: _again(S_VOTE, "nom.file_expected"),
                    InKind.TEXT: _again(S_VOTE, "nom.file_expected"),
                    "nm:send": send,
                    "nm:v:": got_school_vote,
                },
                S_FIX: {
                    InKind.TEXT: fix_text,
                    InKind.PHOTO: fix_minutes,
                    InKind.FILE: fix_minutes,
                    InKind.STICKER: _again(S_FIX, "nom.text_expected"),
                },
            },
            fallbacks={"huy": cancel, "cancel": cancel},
        )
    )
    router.conversation(
        Conversation(
            name="nomination_desk",
            entry={"hosodienhinh": queue},
            entry_choices={"nm:o:": open_card},
            steps={
                D_CARD: {"nm:a:": accept, "nm:R:": ask_reason, "nm:x:": ask_reason, "nm:e": choose_export},
                D_EXPORT: {"nm:s:": choose_export, "nm:go": export},
                D_REASON: text_step(D_REASON, got_reason),
            },
            fallbacks={"huy": cancel, "cancel": cancel},
        )
    )
