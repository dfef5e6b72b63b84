"""A school's own vote on a person, held in the bot (/binhxet), issue 18.

The school's representative opens it (title, the person, how many members the school has and how
many take part) and gets one code per person taking part; each sends `/binhxet <code>` and casts
on the council's secret ballot screen (handlers/council.py: the `cv:` presses); the representative
closes it, sees the result and gets the minutes; /dienhinh then attaches it as the school's vote.

Press data: sx:n  a new ballot   sx:t:<title>  its title   sx:c:<ref>  close and count
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.chat import Button, InKind
from bot.chat.router import END, Conversation, Handler, Router, StepKey, Turn
from bot.exports.common import dmy
from bot.i18n import t
from bot.services import school_vote
from bot.services.registration import Refused
from bot.services.school_vote import SchoolBallot
from models.nominations import TITLE_NAMES, Title
from models.vote_rules import format_percent

S_MENU, S_TITLE, S_NAME, S_MEMBERS, S_PRESENT = "menu", "title", "name", "members", "present"


def outcome(lang: str, ballot: SchoolBallot, zone: ZoneInfo, key: str = "school.outcome") -> str:
    """One line on a counted ballot: mark, person, title, agree of those taking part, share
    (`nom.btn.school_vote`: the short form, for a button)."""
    return t(
        lang,
        key,
        mark="✅" if ballot.passed else "❌",
        name=ballot.nominee,
        title=ballot.title,
        agree=ballot.agree,
        present=ballot.present,
        share=format_percent(ballot.share, "," if lang == "vi" else "."),
        verdict=t(lang, "school.passed" if ballot.passed else "school.failed"),
        date=dmy(ballot.closed_at.astimezone(zone) if ballot.closed_at else None),
    )


async def menu(turn: Turn) -> str | None:
    try:
        held = await school_vote.ballots(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await turn.say(refusal.notice.render(turn.lang))
        return END
    lang = turn.lang
    lines = [t(lang, "school.menu")]
    rows: list[tuple[Button, ...]] = []
    for ballot in held:
        if ballot.closed:
            lines.append(outcome(lang, ballot, turn.deps.settings.zone))
        else:
            lines.append(t(lang, "school.open_line", name=ballot.nominee, title=ballot.title))
            rows.append(
                (Button(t(lang, "school.btn.close", name=ballot.nominee)[:60], f"sx:c:{ballot.ref}"),)
            )
    rows.append((Button(t(lang, "school.btn.new"), "sx:n"),))
    await turn.say("\n".join(lines), buttons=tuple(rows))
    return S_MENU


async def ask_title(turn: Turn) -> str | None:
    turn.data.clear()
    await turn.show(
        t(turn.lang, "school.ask_title"),
        buttons=tuple((Button(TITLE_NAMES[title], f"sx:t:{title.value}"),) for title in Title),
    )
    return S_TITLE


async def got_title(turn: Turn) -> str | None:
    title = (turn.incoming.choice or "").removeprefix("sx:t:")
    if title not in {x.value for x in Title}:
        await turn.alert(t(turn.lang, "nom.refused.unknown"))
        return S_TITLE
    turn.data["title"] = title
    await turn.show(t(turn.lang, "school.ask_name", title=TITLE_NAMES[Title(title)]))
    return S_NAME


async def got_name(turn: Turn) -> str | None:
    turn.data["name"] = (turn.incoming.text or "").strip()
    await turn.say(t(turn.lang, "school.ask_members"))
    return S_MEMBERS


def _number(turn: Turn) -> int | None:
    words = (turn.incoming.text or "").split()
    return int(words[0]) if words and words[0].isdigit() and len(words[0]) <= 4 else None


async def got_members(turn: Turn) -> str | None:
    members = _number(turn)
    if members is None or not 1 <= members <= school_vote.MAX_MEMBERS:
        await turn.say(t(turn.lang, "school.refused.members", most=school_vote.MAX_MEMBERS))
        return S_MEMBERS
    turn.data["members"] = members
    await turn.say(t(turn.lang, "school.ask_present", members=members))
    return S_PRESENT


async def got_present(turn: Turn) -> str | None:
    present = _number(turn)
    members = int(turn.data.get("members", 0))
    if present is None:
        await turn.say(t(turn.lang, "school.refused.present", members=members))
        return S_PRESENT
    master_key = turn.deps.master_key
    assert master_key is not None
    try:
        opened = await school_vote.open_ballot(
            turn.deps.db,
            turn.person_id,
            title=Title(turn.data.get("title", Title.EXEMPLAR)),
            nominee=turn.data.get("name", ""),
            members=members,
            present=present,
            master_key=master_key,
            today=turn.today,
            now=turn.deps.clock(),
        )
    except Refused as refusal:
        await turn.say(refusal.notice.render(turn.lang))
        # Too few taking part, or more than the members: type the number again.
        return S_PRESENT if refusal.notice.key in ("school.refused.quorum", "school.refused.present") else END
    ballot = opened.ballot
    # Bullets, not numbers: on Zalo a numbered line would read as an option to answer.
    codes = "\n".join(f"• /binhxet {code}" for code in opened.codes)
    await turn.say(
        t(
            turn.lang,
            "school.opened",
            name=ballot.nominee,
            title=ballot.title,
            present=ballot.present,
            members=ballot.members,
            codes=codes,
        )
    )
    turn.data.clear()
    return END


async def join(turn: Turn) -> str | None:
    """/binhxet <code>: a person taking part in a school's vote gets the secret ballot."""
    code = "".join(turn.incoming.args)
    try:
        ballot = await school_vote.join(turn.deps.db, turn.person_id, code)
    except Refused as refusal:
        await turn.say(refusal.notice.render(turn.lang))
        return None
    await turn.say(
        t(
            turn.lang,
            "school.ballot",
            unit=ballot.unit_name,
            title=ballot.title,
            name=ballot.nominee,
            present=ballot.present,
        ),
        buttons=((Button(t(turn.lang, "council.btn.vote"), f"cv:{ballot.ref}:"),),),
    )
    return None


async def close_press(turn: Turn) -> str | None:
    # Imported here: python-docx is heavy at start-up.
    from bot.exports import school_vote_minutes

    ref = (turn.incoming.choice or "").removeprefix("sx:c:")
    master_key = turn.deps.master_key
    assert master_key is not None
    try:
        ballot = await school_vote.close(
            turn.deps.db, turn.person_id, ref, master_key=master_key, today=turn.today, now=turn.deps.clock()
        )
    except Refused as refusal:
        await turn.alert(refusal.notice.render(turn.lang))
        return None
    lang = turn.lang
    await turn.show(
        t(
            lang,
            "school.result",
            line=outcome(lang, ballot, turn.deps.settings.zone),
            voted=ballot.voted,
            present=ballot.present,
            members=ballot.members,
            needed=ballot.needed,
            head=ballot.chain_head[:16],
        )
    )
    moment = turn.deps.clock()
    await turn.send_file(
        school_vote_minutes.file_name(ballot),
        school_vote_minutes.minutes(ballot, turn.deps.settings.zone, moment),
    )
    await turn.say(t(lang, "school.attach_hint" if ballot.passed else "school.failed_hint"))
    return None


async def cancel(turn: Turn) -> str | None:
    turn.data.clear()
    await turn.say(t(turn.lang, "school.cancelled"))
    return END


def register(router: Router) -> None:
    router.choice("sx:c:", close_press)
    others = (InKind.PHOTO, InKind.FILE, InKind.STICKER, InKind.OTHER)

    def text_step(step: str, handler: Handler) -> dict[StepKey, Handler]:
        async def text_please(turn: Turn) -> str | None:
            await turn.say(t(turn.lang, "chat.text_expected"))
            return step

        taken: dict[StepKey, Handler] = {InKind.TEXT: handler}
        taken.update({kind: text_please for kind in others})
        return taken

    router.conversation(
        Conversation(
            name="school_vote",
            entry={"binhxet": menu, "schoolvote": menu},
            entry_needs_args=False,
            steps={
                S_MENU: {"sx:n": ask_title},
                S_TITLE: {"sx:t:": got_title},
                S_NAME: text_step(S_NAME, got_name),
                S_MEMBERS: text_step(S_MEMBERS, got_members),
                S_PRESENT: text_step(S_PRESENT, got_present),
            },
            fallbacks={"huy": cancel, "cancel": cancel},
        )
    )
    router.command(["binhxet", "schoolvote"], join, needs_args=True)
