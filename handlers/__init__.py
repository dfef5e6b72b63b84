"""The conversations, channel-neutral (docs/channels.md): each module registers one capability's
commands, presses and conversations on the `Router` that every channel adapter serves.

The modules are named here, not imported: the router imports each the first time a message needs
it (bot.chat.router.Capability), so the bot answers its first message without loading them all.
Each module's `register` stays the truth; tests/unit/test_capabilities.py keeps this list equal to
what they register.
"""

from __future__ import annotations

from bot.chat.router import Capability, Router
from bot.deps import Deps
from bot.jobs import Periodic

# In the order they register: where two take the same command, the earlier wins (joining's
# /start <token> before account's /start). What each takes, as its register says.
CAPABILITIES = (
    Capability("handlers.joining", commands=frozenset({"start"}), conversations=frozenset({"joining"})),
    Capability(
        "handlers.account",
        commands=frozenset({"help", "language", "ngonngu", "start", "toila", "trogiup", "whoami"}),
        prefixes=frozenset({"lang:"}),
    ),
    Capability("handlers.invites", commands=frozenset({"invite", "moi"})),
    Capability("handlers.linking", commands=frozenset({"lienket", "link"})),
    Capability(
        "handlers.registration",
        commands=frozenset(
            {
                "criteria",
                "dangky",
                "deadline",
                "eligibility",
                "hanchot",
                "kyketgiaouoc",
                "mohan",
                "notices",
                "register",
                "reopen",
                "sign",
                "status",
                "thongbao",
                "tieuchi",
                "tinhhinh",
                "xetthidua",
            }
        ),
        prefixes=frozenset({"nt:", "pact:", "rg:", "st:remind:", "st:view", "task:register", "task:sign"}),
        conversations=frozenset({"criteria", "registration"}),
    ),
    Capability(
        "handlers.scoring",
        commands=frozenset({"chamdiem", "duyet", "ranking", "review", "score", "xephang"}),
        prefixes=frozenset(
            {"rA:", "ra:", "rd:", "re:", "rf:", "rk:", "rp:", "rv:", "sc:", "task:score", "ua:"}
        ),
        conversations=frozenset({"review", "scoring"}),
    ),
    Capability("handlers.reachable", watches=True),  # every message: a blocked person writes again
    Capability(
        "handlers.reminders",
        commands=frozenset(
            {
                "caidatnhac",
                "deadlines",
                "lich",
                "nhacviec",
                "nhaplich",
                "remind",
                "remindersettings",
                "timetable",
            }
        ),
        prefixes=frozenset({"rm:", "rs:", "tt:"}),
        conversations=frozenset({"reminder_settings", "timetable_import"}),
    ),
    Capability("handlers.exports", commands=frozenset({"export", "xuat"}), prefixes=frozenset({"xuat:"})),
    Capability(
        "handlers.meetings",
        commands=frozenset({"checkin", "diemdanh", "hop", "linkgroup", "meeting", "nhomkhoi"}),
        prefixes=frozenset({"mm:", "mo:", "mt:", "mt:new", "pb:", "pd:", "pe:"}),
        conversations=frozenset({"checkin", "draft_text", "manual_attendance", "meeting_setup"}),
    ),
    Capability(
        "handlers.meeting_details",
        commands=frozenset({"details", "thanhphan"}),
        prefixes=frozenset({"md:"}),
        conversations=frozenset({"meeting_details"}),
    ),
    Capability(
        "handlers.voting",
        commands=frozenset({"kiemtra", "verify"}),
        prefixes=frozenset({"pc:", "pr:", "v:", "vz:"}),
        conversations=frozenset({"typed_ballot"}),
    ),
    Capability(
        "handlers.nominations",
        commands=frozenset({"dienhinh", "hosodienhinh", "nominate"}),
        prefixes=frozenset({"nm:f:", "nm:o:"}),
        conversations=frozenset({"nomination", "nomination_desk"}),
    ),
    Capability(
        "handlers.school_vote",
        commands=frozenset({"binhxet", "schoolvote"}),
        prefixes=frozenset({"sx:c:"}),
        conversations=frozenset({"school_vote"}),
    ),
    Capability(
        "handlers.council",
        commands=frozenset({"council", "hoidong"}),
        prefixes=frozenset({"cv!:", "cv:", "cvc:"}),
        conversations=frozenset({"council_desk"}),
    ),
    Capability(
        "handlers.conference",
        commands=frozenset({"daibieu", "hoinghi"}),
        prefixes=frozenset({"cf:n:", "cf:y:"}),
        conversations=frozenset({"conference_desk", "conference_unit"}),
    ),
    Capability("handlers.errors", fallback=True),
)


def build_router(*, lazy: bool = True) -> Router:
    """The channel-neutral conversations, served on Telegram and Zalo alike; `lazy=False` loads
    every module at once (for what reads the whole router, as the fuzz walks do)."""
    router = Router(CAPABILITIES)
    if not lazy:
        router.load_all()
    return router


async def _ballot_tick(deps: Deps) -> None:
    from handlers import voting  # on the job's first run, not at start-up

    await voting.ballot_tick(deps)


def periodic_jobs(deps: Deps) -> list[Periodic]:
    """The jobs every mode runs (started and stopped next to the delivery job)."""
    return [Periodic("ballots", deps.settings.poll_progress_seconds, _ballot_tick, deps)]
