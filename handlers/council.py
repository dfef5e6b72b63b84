"""The council's secret ballot on people (/hoidong and the ballot's presses), issue 18.

The ballot being filled in lives only in the press data (Telegram: in the buttons) or in a secret
screen (Zalo: the options kept in the process's memory), never in a table: each press carries the
choices made so far, one letter per candidate, and nothing is stored until the member casts.

Press data (≤ 64 bytes):  cv:<ref>:<letters>  the next candidate, or the review once all are
answered (the blocs' approval letters, models/ballot_state.py: a agree, d disagree, b abstain)
cv!:<ref>:<letters>  cast     cvc:<ref>  the desk closes
cvo  the desk opens a ballot on the accepted nominations for the city title (then types who is absent).

A ballot on people has few candidates (one to a handful), so it walks them one at a time with
three answers each; the letters, their decoding and the review it reads back are the blocs'
(models/ballot_state.py, handlers/ballot_review.py), the services the same (sealing, trackers,
receipts, counting).
"""

from __future__ import annotations

import re

from bot.chat import Button, InKind
from bot.chat.router import END, Conversation, Handler, Router, StepKey, Turn
from bot.i18n import Raw, t
from bot.services import council
from bot.services.council import CastStatus
from bot.services.registration import Refused
from handlers.ballot_review import choices_text
from models import ballot_state
from models.ballot_state import Shape
from models.nominations import TITLE_NAMES, Title
from models.vote_rules import BallotKind, format_percent

S_MENU, S_ABSENT = "menu", "absent"
_PRESS = re.compile(rf"^cv(!?):([0-9a-f]{{8}}):([{ballot_state.ANSWER_LETTERS}]{{0,40}})$")


async def _cast_problem(turn: Turn, status: CastStatus) -> None:
    await turn.alert(t(turn.lang, f"council.cast.{status.value}"))


async def ballot_press(turn: Turn) -> str | None:
    found = _PRESS.match(turn.incoming.choice or "")
    if found is None:
        await _cast_problem(turn, CastStatus.UNKNOWN)
        return None
    cast_now, ref, letters = found.group(1) == "!", found.group(2), found.group(3)
    problem = await council.entitled(turn.deps.db, ref, turn.person_id)
    ballot = await council.ballot_by_ref(turn.deps.db, ref)
    if problem is not None or ballot is None:
        await _cast_problem(turn, problem or CastStatus.UNKNOWN)
        return None
    lang, count = turn.lang, len(ballot.labels)
    if len(letters) > count or (cast_now and len(letters) != count):
        await _cast_problem(turn, CastStatus.INVALID)
        return None
    if cast_now:
        positions = list(range(1, count + 1))
        choices = ballot_state.decode(positions, Shape(BallotKind.APPROVAL, count), letters)
        assert isinstance(choices, dict)
        result = await council.cast(
            turn.deps.db,
            ref=ref,
            person_id=turn.person_id,
            ballot=choices,
            now=turn.deps.clock(),
            master_key=turn.deps.master_key,
        )
        if result.status is not CastStatus.RECORDED or result.tracker is None:
            await _cast_problem(turn, result.status)
            return None
        from bot.ballot_crypto import short_code

        await turn.show(t(lang, "council.cast.recorded", code=short_code(result.tracker)))
        return None
    if len(letters) < count:
        position = len(letters)
        buttons = (
            (
                Button(t(lang, "council.btn.agree"), f"cv:{ref}:{letters}a"),
                Button(t(lang, "council.btn.disagree"), f"cv:{ref}:{letters}d"),
                Button(t(lang, "council.btn.abstain"), f"cv:{ref}:{letters}b"),
            ),
        )
        text = t(lang, "council.candidate", n=position + 1, count=count, name=ballot.labels[position])
        await turn.show(text, buttons=buttons, secret=True)
        return None
    lines = choices_text(ballot.labels, BallotKind.APPROVAL, letters, lang, words="council.choice")
    buttons = (
        (Button(t(lang, "council.btn.send"), f"cv!:{ref}:{letters}"),),
        (Button(t(lang, "council.btn.redo"), f"cv:{ref}:"),),
    )
    await turn.show(t(lang, "council.review", lines=Raw(lines)), buttons=buttons, secret=True)
    return None


async def verify(turn: Turn) -> str | None:
    """/hoidong <code>: is my ballot among those counted? (Anyone may ask; a tracker names nobody.)"""
    code = "".join(turn.incoming.args)
    try:
        matches = await council.verify_tracker(turn.deps.db, code)
    except ValueError:
        await turn.say(t(turn.lang, "council.verify.bad"))
        return None
    if not matches:
        await turn.say(t(turn.lang, "council.verify.none", code=code))
        return None
    for match in matches:
        await turn.say(
            t(
                turn.lang,
                "council.verify.found",
                code=code,
                title=match.title,
                counted=match.counted,
                head=match.chain_head[:16],
            )
        )
    return None


async def desk_menu(turn: Turn) -> str | None:
    """The desk's council: the open ballots to close, and a new ballot on the nominations waiting."""
    try:
        ballots = await council.open_ballots(turn.deps.db, turn.person_id, today=turn.today)
        waiting = await council.agenda(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await turn.say(refusal.notice.render(turn.lang))
        return END
    lang = turn.lang
    rows = [(Button(t(lang, "council.btn.close", title=b.title)[:60], f"cvc:{b.ref}"),) for b in ballots]
    if waiting.nominations:
        rows.append((Button(t(lang, "council.btn.open", count=len(waiting.nominations)), "cvo"),))
    if not rows:
        await turn.say(t(lang, "council.none_open"))
        return END
    text = t(lang, "council.open_list") if ballots else t(lang, "council.none_open")
    if waiting.nominations:
        text += "\n" + t(lang, "council.waiting", names=", ".join(label for _, label in waiting.nominations))
    await turn.say(text, buttons=tuple(rows))
    return S_MENU


async def ask_absent(turn: Turn) -> str | None:
    waiting = await council.agenda(turn.deps.db, turn.person_id, today=turn.today)
    if not waiting.members:  # nobody to ask about: the ballot could not be opened either
        await turn.say(t(turn.lang, "council.refused.no_members"))
        return END
    names = ", ".join(name for _, name in waiting.members)
    await turn.say(t(turn.lang, "council.ask_absent", count=len(waiting.members), names=names))
    return S_ABSENT


async def got_absent(turn: Turn) -> str | None:
    waiting = await council.agenda(turn.deps.db, turn.person_id, today=turn.today)
    try:
        absent = council.absentees(waiting.members, turn.incoming.text or "")
    except ValueError as error:
        await turn.say(t(turn.lang, "council.not_member", name=str(error)))
        return S_ABSENT
    master_key = turn.deps.master_key
    assert master_key is not None
    try:
        ballot = await council.open_ballot(
            turn.deps.db,
            person_id=turn.person_id,
            title=TITLE_NAMES[Title.CSTD_CITY],
            nomination_ids=[n for n, _ in waiting.nominations],
            present=[m for m, _ in waiting.members if m not in absent],
            master_key=master_key,
            today=turn.today,
            now=turn.deps.clock(),
        )
    except Refused as refusal:
        await turn.say(refusal.notice.render(turn.lang))
        return END
    turn.deps.poke_delivery()
    await turn.say(
        t(
            turn.lang,
            "council.opened",
            members=ballot.members,
            absent=ballot.members - ballot.present,
            count=len(ballot.labels),
        )
    )
    return END


async def close_press(turn: Turn) -> str | None:
    ref = (turn.incoming.choice or "").removeprefix("cvc:")
    master_key = turn.deps.master_key
    assert master_key is not None
    try:
        counted = await council.close(
            turn.deps.db,
            person_id=turn.person_id,
            ref=ref,
            master_key=master_key,
            today=turn.today,
            now=turn.deps.clock(),
        )
    except Refused as refusal:
        await turn.alert(refusal.notice.render(turn.lang))
        return None
    result, lang = counted.result, turn.lang
    lines = "\n".join(
        t(
            lang,
            "council.result.line",
            mark="✅" if line.passed else "❌",
            name=counted.ballot.labels[int(line.candidate) - 1],
            agree=line.votes,
            share=format_percent(line.share, "," if lang == "vi" else "."),
        )
        for line in result.candidates
    )
    await turn.show(
        t(
            lang,
            "council.result",
            title=counted.ballot.title,
            voted=result.voted,
            members=result.members,
            absentee=result.absentee_voted,
            needed=result.needed,
            lines=lines,
        )
    )
    return None


def register(router: Router) -> None:
    router.choice("cv:", ballot_press)
    router.choice("cv!:", ballot_press)
    router.choice("cvc:", close_press)
    others = (InKind.PHOTO, InKind.FILE, InKind.STICKER, InKind.OTHER)

    async def text_please(turn: Turn) -> str | None:
        await turn.say(t(turn.lang, "chat.text_expected"))
        return S_ABSENT

    absent_step: dict[StepKey, Handler] = {InKind.TEXT: got_absent}
    absent_step.update({kind: text_please for kind in others})
    router.conversation(
        Conversation(
            name="council_desk",
            entry={"hoidong": desk_menu, "council": desk_menu},
            entry_needs_args=False,
            steps={S_MENU: {"cvo": ask_absent}, S_ABSENT: absent_step},
            fallbacks={"huy": cancel, "cancel": cancel},
        )
    )
    router.command(["hoidong", "council"], verify, needs_args=True)


async def cancel(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "nom.cancelled"))
    return END
