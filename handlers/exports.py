"""/xuat (/export): a menu of the dossier's files, then the files, on the channel-neutral chat layer:
documents on Telegram (the chart as a photo), signed download links on Zalo.

Press data (≤ 64 bytes; the bloc, the file and the meeting re-checked by the service):
  xuat:b:<bloc>             the menu of this bloc (someone who exports from several)
  xuat:<kind>:<bloc>        this file (bot.services.exports.Kind)
  xuat:m:<bloc>:<meeting>   the minutes of this meeting
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.chat import Attachment, Button, Channel
from bot.chat.router import END, Router, Turn
from bot.deps import Deps
from bot.i18n import Raw, format_date, t
from bot.services import evidence_pack, exports
from bot.services.exports import Context, Kind, Scope
from bot.services.invites import NotAllowedError, NotFoundError
from handlers.turns import taken

log = logging.getLogger("thidua.exports")

Rows = tuple[tuple[Button, ...], ...]
# Evidence packs being made, by (channel, chat, bloc, unit): a second tap waits for the first.
_running: set[tuple[str, str, int, int | None]] = set()
_tasks: set[asyncio.Task[None]] = set()


def _context(deps: Deps) -> Context:
    settings = deps.settings
    return Context(settings.authority_name, settings.authority_place, settings.zone)


def menu(lang: str, scope: Scope) -> Rows:
    return tuple(
        (Button(t(lang, f"export.btn.{kind.value}"), f"xuat:{kind.value}:{scope.bloc_id}"),)
        for kind in scope.kinds
    )


def meeting_menu(lang: str, scope: Scope, choices: list[exports.MeetingChoice], zone: ZoneInfo) -> Rows:
    return tuple(
        (
            Button(
                t(
                    lang,
                    "export.meeting_choice",
                    kind=t(lang, f"meeting.kind.{choice.kind.value}"),
                    date=format_date(choice.starts_at, zone),
                    ballots=choice.ballots,
                ),
                f"xuat:m:{scope.bloc_id}:{choice.meeting_id}",
            ),
        )
        for choice in choices
    )


async def export_command(turn: Turn) -> str | None:
    lang, deps = turn.lang, turn.deps
    scopes = await exports.scopes_for(deps.db, turn.person_id, turn.today)
    if not scopes:
        await turn.say(t(lang, "error.not_allowed"))
        return END
    if len(scopes) > 1:  # an admin, or someone acting in two blocs: pick the bloc first
        buttons = tuple((Button(name, f"xuat:b:{scope.bloc_id}"),) for scope, name in scopes)
        await turn.say(t(lang, "export.pick_bloc"), buttons=buttons)
        return END
    scope, bloc = scopes[0]
    key = "export.menu" if scope.unit_id is None else "export.menu_unit"
    await turn.say(t(lang, key, bloc=bloc), buttons=menu(lang, scope))
    return END


async def export_chosen(turn: Turn) -> str | None:
    lang, deps = turn.lang, turn.deps
    today = turn.today
    parts = (turn.incoming.choice or "").split(":")
    try:
        what, bloc_id = parts[1], int(parts[2])
    except (IndexError, ValueError):
        await turn.alert(t(lang, "error.stale_button"))
        return END
    # The press says which bloc and file; whether this person may have them is decided here.
    try:
        scope = await exports.scope_for(deps.db, turn.person_id, today, bloc_id)
    except NotAllowedError:
        await turn.alert(t(lang, "error.not_allowed"))
        return END
    names = {s.bloc_id: name for s, name in await exports.scopes_for(deps.db, turn.person_id, today)}
    bloc = names.get(bloc_id, "")
    meeting_id: int | None = None
    if what == "m":  # minutes of a meeting picked from the list below
        try:
            meeting_id, what = int(parts[3]), Kind.MINUTES.value
        except (IndexError, ValueError):
            await turn.alert(t(lang, "error.stale_button"))
            return END
    if what == "b":
        key = "export.menu" if scope.unit_id is None else "export.menu_unit"
        await turn.show(t(lang, key, bloc=bloc), buttons=menu(lang, scope))
        return END
    try:
        kind = Kind(what)
    except ValueError:
        await turn.alert(t(lang, "error.stale_button"))
        return END
    if kind not in scope.kinds:
        await turn.alert(t(lang, "error.not_allowed"))
        return END
    if kind is Kind.MINUTES and meeting_id is None:
        choices = await exports.meetings_of(deps.db, scope)
        if len(choices) > 1:  # which meeting's minutes: the pact meeting's, the year-end one's…
            await taken(turn)
            await turn.say(
                t(lang, "export.pick_meeting"),
                buttons=meeting_menu(lang, scope, choices, deps.settings.zone),
            )
            return END
    if kind is Kind.EVIDENCE:  # downloads every file: done in the background, sent part by part
        await start_pack(turn, scope)
        return END
    await turn.alert(t(lang, "export.working"))
    try:
        result = await exports.export(
            deps.db, scope, kind, _context(deps), today=today, meeting_id=meeting_id
        )
    except NotFoundError:  # a meeting of another bloc, or one that does not exist
        await turn.say(t(lang, "error.not_allowed"))
        return END
    for item in result.files:
        caption = t(lang, "export.caption.chart", bloc=bloc) if item.photo else None
        await turn.send_file(item.name, item.data, caption=caption, photo=item.photo)
    if result.files:
        await turn.say(t(lang, "export.sent", count=len(result.files)))
    if result.missing:
        reasons = "\n".join(t(lang, f"export.missing.{kind.value}") for kind in result.missing)
        await turn.say(t(lang, "export.missing", reasons=Raw(reasons)))
    return END


# --------------------------------------------------------------------------- the evidence pack


class Fetcher(Protocol):
    """A channel that can fetch a file by its handle (bot.channels.telegram.TelegramDeliverer)."""

    async def fetch(self, attachment: Attachment, limit: int) -> bytes: ...


def evidence_download(telegram: Fetcher | None) -> evidence_pack.Download:
    """The pack's download function for evidence kept before the file store, as a Telegram file
    id (newer files come from the store): over the running bot's getFile. Refusals become
    FetchError with a reason for muc-luc.csv (never an exception text that could carry a token)."""

    async def download(ref: str) -> bytes:
        if telegram is None:
            raise evidence_pack.FetchError("Telegram không chạy: không tải được tệp lưu trên Telegram")
        try:
            return await telegram.fetch(Attachment(ref), evidence_pack.MAX_DOWNLOAD)
        except ValueError as error:  # over the limit, or Telegram's "file is too big"
            raise evidence_pack.TooBig from error
        except LookupError as error:  # Telegram refused this file id: its words are the reason
            raise evidence_pack.FetchError(str(error)) from error
        except Exception as error:
            raise evidence_pack.FetchError(type(error).__name__) from error

    return download


def _telegram(deps: Deps) -> Fetcher | None:
    found = deps.channels.get(Channel.TELEGRAM)
    return found if found is not None and hasattr(found, "fetch") else None  # type: ignore[return-value]


async def start_pack(turn: Turn, scope: Scope) -> None:
    """Answer the press at once and make the pack in a task of its own: hundreds of downloads
    must not hold up this person's next messages."""
    key = (turn.chat.channel.value, turn.chat.chat_id, scope.bloc_id, scope.unit_id)
    if key in _running:  # a second tap while this chat's pack is still being made
        await turn.alert(t(turn.lang, "export.evidence.busy"))
        return
    _running.add(key)
    await turn.alert(t(turn.lang, "export.evidence.working"))
    task = asyncio.create_task(_send_pack(turn, scope, key), name="evidence-pack")
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _send_pack(turn: Turn, scope: Scope, key: tuple[str, str, int, int | None]) -> None:
    lang, deps = turn.lang, turn.deps
    stats = evidence_pack.PackStats()
    download = evidence_download(_telegram(deps))
    try:
        async for part in evidence_pack.parts(
            deps.db, scope, _context(deps), download, store=deps.files, stats=stats
        ):
            await turn.send_file(part.name, part.data)
    except Exception:
        log.exception("the evidence pack of bloc %s failed", scope.bloc_id)
        await turn.say(t(lang, "export.evidence.error"))
        return
    finally:
        _running.discard(key)
    if not stats.parts:
        await turn.say(t(lang, "export.missing", reasons=Raw(t(lang, "export.missing.evidence"))))
        return
    text = t(
        lang, "export.evidence.sent", parts=stats.parts, files=stats.files, links=stats.links + stats.notes
    )
    if stats.failed:
        text += "\n" + t(lang, "export.evidence.failed_files", failed=stats.failed)
    await turn.say(text)


def register(router: Router) -> None:
    router.command(["xuat", "export"], export_command)
    router.choice("xuat:", export_chosen)
