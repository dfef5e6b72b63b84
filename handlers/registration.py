"""Registration (/dangky), the pact (/kyketgiaouoc), criteria (/tieuchi), the head's overview
(/tinhhinh), deadlines (/hanchot, /mohan) and eligibility marks (/xetthidua), on every channel.

Press data (≤ 64 bytes, every one re-checked by a service):
  rg:t:<i>  the collective title   rg:next  next step   rg:clear:<part>  empty a list
  rg:ok / rg:cancel  confirm or drop the draft          pact:<scale_id>  sign the pact
  st:remind:<task>   remind the units that have not done a task
  task:register / task:sign  the buttons on deadline pings and notices (issue 6)
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.chat import Button, InKind, Screen
from bot.chat.router import END, Conversation, Handler, Router, Turn
from bot.i18n import Raw, format_datetime, t
from bot.services import criteria, eligibility, handoffs, outbox, pact, registration
from bot.services.criteria import ScaleView
from bot.services.notices import Notice
from bot.services.progress import Task as ProgressTask
from bot.services.progress import task_button_data
from bot.services.registration import COLLECTIVE_TITLES, Draft, Extension, Refused
from handlers.notices import notice_text
from handlers.scoring import deadline_line
from models.numbers import is_number
from models.permissions import commands_for
from models.registration import (
    ELIGIBILITY_WORDS,
    REOPEN_DAYS,
    TASK_WORDS,
    Eligibility,
    Task,
    deadline_at,
)
from models.scoring_rules import extra_criteria_allowed, format_points

TITLE, TARGETS, PEOPLE, MODEL, PROJECTS, CONFIRM = (
    "title",
    "targets",
    "people",
    "model",
    "projects",
    "confirm",
)
UPLOAD = "upload"
RESUME = "resume"
PREVIEW = "preview"
BUTTON_TASKS = {
    Task.REGISTER: ProgressTask.REGISTER,
    Task.SIGN_PACT: ProgressTask.SIGN_PACT,
    Task.SELF_SCORE: ProgressTask.SELF_SCORE,
}
# How long the head's reply waits for the unit to be told of an extension (the delivery job
# runs in this process; a slower send is reported as still going).
TOLD_WAIT_SECONDS = 8.0


def now_of(turn: Turn) -> datetime:
    return turn.deps.clock()


def notice_of(turn: Turn, notice: Notice) -> str:
    """A service's notice in this person's language."""
    return notice_text(notice, turn.lang, turn.deps.settings.zone)


def when(turn: Turn, moment: datetime) -> str:
    return format_datetime(moment, turn.deps.settings.zone)


async def taken(turn: Turn) -> None:
    """The press is taken (no refusal to pop up): stop the button's spinner before the answer's
    messages, as a person expects, rather than after them."""
    if turn.incoming.kind is InKind.CHOICE and not turn.answered:
        turn.answered = True
        await turn.outlet.acknowledge(turn.incoming)


# ------------------------------------------------------------------ rendering
def draft_text(draft: Draft, lang: str) -> str:
    """The draft for review. Items are bulleted, not numbered: where options are a numbered
    list (Zalo), a "1." in the text must be an option, not the first target."""
    lines = [t(lang, "reg.summary.title", title=draft.title or "—")]
    lines.append(t(lang, "reg.summary.targets", count=len(draft.targets)))
    lines += [f"  • {t(lang, 'plain', text=x)}" for x in draft.targets]
    lines.append(t(lang, "reg.summary.people", count=len(draft.people)))
    lines += [
        "  • " + t(lang, "reg.summary.person", name=p.full_name, job=p.job or "—", title=p.title)
        for p in draft.people
    ]
    if draft.needs_model or draft.new_model:
        lines.append(t(lang, "reg.summary.model", model=draft.new_model or "—"))
    lines.append(t(lang, "reg.summary.projects", count=len(draft.projects)))
    lines += [
        "  • " + t(lang, f"reg.kind.{kind}") + ": " + t(lang, "plain", text=title)
        for kind, title in draft.projects
    ]
    return "\n".join(lines)


def scale_text(scale: ScaleView, lang: str) -> str:
    lines = [t(lang, "crit.header", version=scale.version, total=format_points(scale.total))]
    for content in scale.contents:
        lines.append(
            t(
                lang,
                "crit.content",
                code=content.code,
                title=content.title,
                total=format_points(content.point_total),
            )
        )
        for c in scale.criteria:
            if c.content_code == content.code:
                step = "" if c.step == 1 else t(lang, "crit.step", step=format_points(c.step))
                extra = t(lang, "crit.added") if c.added_by_bloc else ""
                lines.append(
                    t(lang, "crit.criterion", code=c.code, title=c.title, max=format_points(c.max_points))
                    + step
                    + extra
                )
    return "\n".join(lines)


def list_buttons(lang: str, part: str) -> tuple[tuple[Button, ...], ...]:
    """«Done» and «Clear» under every message of a list step: on Zalo the last message's options
    are what a typed "1" means, so a list step's replies always carry them."""
    return (
        (Button(t(lang, "reg.btn.done"), "rg:next"), Button(t(lang, "reg.btn.clear"), f"rg:clear:{part}")),
    )


def task_button(lang: str, task: Task) -> tuple[tuple[Button, ...], ...]:
    return ((Button(t(lang, f"remind.btn.{task.value}"), task_button_data(BUTTON_TASKS[task])),),)


# ------------------------------------------------------------------ /dangky
async def start_registration(turn: Turn) -> str | None:
    """/dangky: a draft typed before is kept, and the person asked whether to go on with it."""
    return await _start(turn, keep=True)


async def restart_registration(turn: Turn) -> str | None:
    return await _start(turn, keep=False)


async def _start(turn: Turn, *, keep: bool) -> str | None:
    lang = turn.lang
    try:
        started = await registration.start(
            turn.deps.db, turn.person_id, today=turn.today, now=now_of(turn), keep=keep
        )
    except Refused as refusal:
        await taken(turn)
        await turn.say(notice_of(turn, refusal.notice))
        return END
    await taken(turn)
    seat = started.seat
    if started.resumed:
        text = t(lang, "reg.resume", unit=seat.unit_name) + "\n" + draft_text(started.draft, lang)
        buttons = (
            (
                Button(t(lang, "reg.btn.resume"), "rg:resume"),
                Button(t(lang, "reg.btn.restart"), "rg:restart"),
            ),
        )
        await turn.say(text, buttons=buttons)
        return RESUME
    intro = t(lang, "reg.intro", unit=seat.unit_name, bloc=seat.bloc_name, year=seat.school_year)
    intro += "\n" + deadline_line(turn, started.open_until)
    if started.amending:
        intro += (
            "\n\n" + t(lang, "reg.amending", version=started.version) + "\n" + draft_text(started.draft, lang)
        )
    await turn.say(intro)
    return await _ask_title(turn)


async def _ask_title(turn: Turn) -> str:
    titles = tuple((Button(title, f"rg:t:{i}"),) for i, title in enumerate(COLLECTIVE_TITLES))
    await turn.say(t(turn.lang, "reg.ask_title"), buttons=titles)
    return TITLE


async def resumed(turn: Turn) -> str | None:
    """«Tiếp tục»: on at the first step still missing something, with what was typed."""
    await taken(turn)
    draft = await _draft(turn)
    step = registration.next_step(draft)
    if step == TITLE:
        return await _ask_title(turn)
    if step == TARGETS:
        await turn.say(
            t(turn.lang, "reg.ask_targets", count=len(draft.targets)),
            buttons=list_buttons(turn.lang, "targets"),
        )
        return TARGETS
    if step == PEOPLE:
        return await _ask_people(turn, draft)
    if step == MODEL:
        return await people_done(turn)
    return await _ask_projects(turn, draft)


async def _edit_draft(turn: Turn, change: Any, part: str | None = None) -> Draft | None:
    """Apply a change to the draft; a refusal is said (with the step's options again) and changes nothing."""
    try:
        return await registration.edit(
            turn.deps.db, turn.person_id, today=turn.today, now=now_of(turn), change=change
        )
    except Refused as refusal:
        if turn.incoming.kind is InKind.CHOICE:
            await turn.alert(notice_of(turn, refusal.notice))
        else:
            extra = {"buttons": list_buttons(turn.lang, part)} if part else {}
            await turn.say(notice_of(turn, refusal.notice), **extra)
        return None


def _safe(factory: Any, *args: Any) -> Any:
    """Build a draft change; a refusal is raised when it is applied, inside the service's transaction."""
    try:
        return factory(*args)
    except Refused as refusal:
        held = refusal

        def refuse(_: Draft) -> None:
            raise held

        return refuse


async def title_chosen(turn: Turn) -> str | None:
    lang = turn.lang
    index = (turn.incoming.choice or "").removeprefix("rg:t:")
    try:
        change = registration.set_title(int(index) if is_number(index) else -1)
    except Refused as refusal:  # a forged or stale index: nothing changes
        await turn.alert(notice_of(turn, refusal.notice))
        return TITLE
    draft = await _edit_draft(turn, change)
    if draft is None:
        return TITLE
    await turn.show(t(lang, "reg.title_set", title=draft.title or ""))
    await turn.say(
        t(lang, "reg.ask_targets", count=len(draft.targets)), buttons=list_buttons(lang, "targets")
    )
    return TARGETS


async def got_target(turn: Turn) -> str | None:
    draft = await _edit_draft(turn, _safe(registration.add_target, turn.incoming.text), "targets")
    if draft is not None:
        await turn.say(
            t(turn.lang, "reg.target_added", count=len(draft.targets)),
            buttons=list_buttons(turn.lang, "targets"),
        )
    return TARGETS


def clear_at(step: str) -> Handler:
    """«Clear» at a list step empties that step's list (the part named in the press)."""

    async def clear_list(turn: Turn) -> str | None:
        part = (turn.incoming.choice or "").removeprefix("rg:clear:")
        if await _edit_draft(turn, registration.clear(part)) is not None:
            await turn.alert(t(turn.lang, "reg.cleared"))
        return step

    return clear_list


async def _draft(turn: Turn) -> Draft:
    return await registration.draft_of(turn.deps.db, turn.person_id, today=turn.today)


async def _ask_people(turn: Turn, draft: Draft) -> str:
    lang = turn.lang
    key = "reg.ask_people" if turn.caps.documents_in else "reg.ask_people.paste"
    await turn.say(t(lang, key, count=len(draft.people)), buttons=list_buttons(lang, "people"))
    # After the question: on Zalo the question's options stay the ones a typed number means.
    await turn.send_file(
        "mau_danh_sach_ca_nhan.xlsx", registration.people_template(), caption=t(lang, "reg.template_caption")
    )
    await turn.offer_upload()
    return PEOPLE


async def targets_done(turn: Turn) -> str | None:
    draft = await _draft(turn)
    if not draft.targets:
        await turn.alert(t(turn.lang, "reg.missing.targets"))
        return TARGETS
    await taken(turn)
    return await _ask_people(turn, draft)


async def _take_people(turn: Turn, rows: list[Any], problems: list[Notice]) -> str | None:
    lang = turn.lang
    if problems:
        lines = [t(lang, "reg.people.refused")] + [f"• {notice_of(turn, p)}" for p in problems[:20]]
        await turn.say("\n".join(lines), buttons=list_buttons(lang, "people"))
        return PEOPLE
    draft = await _edit_draft(turn, registration.add_people(rows), "people")
    if draft is not None:
        await turn.say(
            t(lang, "reg.people.added", added=len(rows), count=len(draft.people))
            + "\n"
            + people_list(draft, lang),
            buttons=list_buttons(lang, "people"),
        )
    return PEOPLE


_DROP = re.compile(r"^\s*(?:xoa|xóa|remove|delete)\s*#?\s*([0-9]{1,3})\s*$", re.IGNORECASE)
_EDIT = re.compile(r"^\s*(?:sua|sửa|edit)\s*#?\s*([0-9]{1,3})\s*[:.\-–]\s*(.+)$", re.IGNORECASE | re.S)


def people_list(draft: Draft, lang: str) -> str:
    """The list with the numbers «xóa 2» / «sửa 2: …» take ("#2", not "2.": on Zalo a "2." line
    would read as an option)."""
    lines = [
        f"#{n} " + t(lang, "reg.summary.person", name=p.full_name, job=p.job or "—", title=p.title)
        for n, p in enumerate(draft.people, 1)
    ]
    return "\n".join([*lines, t(lang, "reg.people.hint")])


async def got_people_text(turn: Turn) -> str | None:
    text = turn.incoming.text
    dropped, edited = _DROP.match(text), _EDIT.match(text)
    if dropped or edited:
        return await _one_person(turn, dropped, edited)
    rows, problems = registration.people_from_text(text)
    return await _take_people(turn, rows, problems)


async def _one_person(turn: Turn, dropped: re.Match[str] | None, edited: re.Match[str] | None) -> str:
    """«xóa 2» removes the second person, «sửa 2: Họ tên; Chức vụ; Danh hiệu» replaces them;
    the others are left as they are."""
    lang = turn.lang
    if dropped:
        change = registration.drop_person(int(dropped.group(1)))
        key = "reg.people.dropped"
        number = int(dropped.group(1))
    else:
        assert edited is not None
        number = int(edited.group(1))
        rows, problems = registration.people_from_text(edited.group(2))
        if problems or len(rows) != 1:
            return await _take_people(turn, [], problems or [Notice("reg.people.empty")])  # type: ignore[return-value]
        change = registration.replace_person(number, rows[0])
        key = "reg.people.edited"
    draft = await _edit_draft(turn, change, "people")
    if draft is not None:
        await turn.say(
            t(lang, key, number=number, count=len(draft.people)) + "\n" + people_list(draft, lang),
            buttons=list_buttons(lang, "people"),
        )
    return PEOPLE


async def got_people_file(turn: Turn) -> str | None:
    attachment = turn.incoming.attachment
    assert attachment is not None
    name = attachment.name or ""
    data, problem = await _fetch_list(turn, name, attachment.size)
    if problem is not None:
        return await _take_people(turn, [], [problem])
    rows, problems = await registration.people_off_loop(data, name)
    return await _take_people(turn, rows, problems)


async def _fetch_list(turn: Turn, name: str, size: int | None) -> tuple[bytes, Notice | None]:
    """A spreadsheet sent: its type and size checked before it is fetched (and while it is)."""
    problem = registration.check_list_file(name, size)
    if problem is not None:
        return b"", problem
    try:
        return await turn.fetch(registration.MAX_FILE_BYTES), None
    except ValueError:  # larger than the platform said
        return b"", registration.check_list_file(name, registration.MAX_FILE_BYTES + 1)


async def people_not_a_list(turn: Turn) -> str | None:
    """A picture or a sticker where the list is asked for: said, nothing recorded."""
    key = "reg.list_expected" if turn.caps.documents_in else "reg.list_expected.paste"
    await turn.alert(t(turn.lang, key))
    return PEOPLE


async def _ask_projects(turn: Turn, draft: Draft) -> str:
    await turn.say(
        t(turn.lang, "reg.ask_projects", count=len(draft.projects)),
        buttons=list_buttons(turn.lang, "projects"),
    )
    return PROJECTS


async def people_done(turn: Turn) -> str | None:
    lang = turn.lang
    draft = await _draft(turn)
    if not draft.people:
        await turn.alert(t(lang, "reg.missing.people"))
        return PEOPLE
    await taken(turn)
    if draft.needs_model:
        current = t(lang, "reg.model_current", model=draft.new_model) if draft.new_model else ""
        keep = ((Button(t(lang, "reg.btn.keep"), "rg:next"),),) if draft.new_model else ()
        await turn.say(t(lang, "reg.ask_model", title=draft.title or "") + current, buttons=keep)
        return MODEL
    return await _ask_projects(turn, draft)


async def got_model(turn: Turn) -> str | None:
    draft = await _edit_draft(turn, _safe(registration.set_model, turn.incoming.text))
    if draft is None:
        return MODEL
    return await _ask_projects(turn, draft)


async def model_kept(turn: Turn) -> str | None:
    await taken(turn)
    return await _ask_projects(turn, await _draft(turn))


async def got_project(turn: Turn) -> str | None:
    draft = await _edit_draft(turn, _safe(registration.add_project, turn.incoming.text), "projects")
    if draft is not None:
        await turn.say(
            t(turn.lang, "reg.project_added", count=len(draft.projects)),
            buttons=list_buttons(turn.lang, "projects"),
        )
    return PROJECTS


async def projects_done(turn: Turn) -> str | None:
    lang = turn.lang
    await taken(turn)
    draft = await _draft(turn)
    problems = registration.problems_of(draft)
    text = t(lang, "reg.confirm_title") + "\n\n" + draft_text(draft, lang)
    if problems:
        text += "\n\n" + "\n".join(f"⚠ {notice_of(turn, p)}" for p in problems)
    confirm = (Button(t(lang, "reg.btn.confirm"), "rg:ok"), Button(t(lang, "reg.btn.cancel"), "rg:cancel"))
    await turn.say(text, buttons=(confirm,))
    return CONFIRM


async def confirmed(turn: Turn) -> str | None:
    try:
        saved = await registration.submit(turn.deps.db, turn.person_id, today=turn.today, now=now_of(turn))
    except Refused as refusal:
        await turn.alert(notice_of(turn, refusal.notice))
        return CONFIRM
    turn.deps.poke_delivery()  # the head's side is told, after the commit
    await taken(turn)
    # Said only now: the registration is committed.
    await turn.say(
        t(
            turn.lang,
            "reg.saved",
            unit=saved.unit_name,
            version=saved.version,
            at=when(turn, saved.submitted_at or now_of(turn)),
        )
    )
    return END


async def cancelled(turn: Turn) -> str | None:
    await taken(turn)
    await turn.say(t(turn.lang, "reg.cancelled"))
    return END


def text_expected(step: str) -> Handler:
    """A sticker or a picture where words are asked for: asked again, nothing changed."""

    async def again(turn: Turn) -> str | None:
        # An alert, not a new screen: on Zalo the step's numbered options stay what "1" means.
        await turn.alert(t(turn.lang, "chat.text_expected"))
        return step

    return again


async def stale(turn: Turn) -> None:
    """A button of a finished conversation (a registration already confirmed, a list step left)."""
    await turn.alert(t(turn.lang, "error.stale_button"))
    return None


# ------------------------------------------------------------------ the pact
async def pact_offer(turn: Turn) -> None:
    lang = turn.lang
    try:
        offer = await pact.offer(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await taken(turn)
        await turn.say(notice_of(turn, refusal.notice))
        return None
    await taken(turn)
    text = t(lang, "pact.offer", unit=offer.unit_name, bloc=offer.bloc_name, year=offer.school_year)
    text += "\n\n" + scale_text(offer.scale, lang)
    if offer.signed_at is not None:
        await turn.say(text + "\n\n" + t(lang, "pact.already", at=when(turn, offer.signed_at)))
        return None
    sign = Button(t(lang, "pact.btn.sign"), f"pact:{offer.scale.scale_id}")
    await turn.say(text + "\n\n" + deadline_line(turn, offer.open_until), buttons=((sign,),))
    return None


async def pact_sign(turn: Turn) -> None:
    scale_id = (turn.incoming.choice or "").removeprefix("pact:")
    try:
        if not is_number(scale_id):
            raise Refused("pact.stale")
        signed = await pact.sign(
            turn.deps.db, turn.person_id, scale_id=int(scale_id), today=turn.today, now=now_of(turn)
        )
    except Refused as refusal:
        await turn.alert(notice_of(turn, refusal.notice))
        return None
    turn.deps.poke_delivery()  # the last signature tells the head
    await taken(turn)
    key = "pact.already" if signed.already else "pact.signed"
    await turn.say(t(turn.lang, key, unit=signed.unit_name, at=when(turn, signed.signed_at)))
    return None


# ------------------------------------------------------------------ criteria
async def criteria_start(turn: Turn) -> str | None:
    lang = turn.lang
    db, today = turn.deps.db, turn.today
    scale = None
    head_side = False
    async with db.session() as session:
        try:
            seat: Any = await registration.bloc_seat(session, turn.person_id, today, registration.HEAD_SIDE)
            head_side = True
        except Refused:
            try:
                seat = await registration.unit_seat(session, turn.person_id, today)
            except Refused:
                seat = None
        if seat is not None:
            scale = await criteria.current_scale(session, seat.bloc_id, seat.school_year_id)
    if seat is None:
        await turn.say(t(lang, "error.not_allowed"))
        return END
    await turn.say(scale_text(scale, lang) if scale else t(lang, "crit.none"))
    if not head_side:
        return END
    await turn.say(t(lang, "crit.ask_file" if turn.caps.documents_in else "crit.ask_paste"))
    await turn.send_file("mau_thang_diem.xlsx", criteria.template(), caption=t(lang, "crit.template"))
    await turn.offer_upload()
    return UPLOAD


def preview_text(checked: criteria.Checked, lang: str) -> str:
    """What the head is about to publish: contents, criteria, maxima, and the 30 % allowance."""
    total = sum((c.point_total for c in checked.contents), Decimal(0))
    lines = [t(lang, "crit.preview", total=format_points(total))]
    for content in checked.contents:
        added = sum(1 for c in checked.criteria if c.content_code == content.code and c.added_by_bloc)
        allowed = extra_criteria_allowed(content.set_criteria_count)
        lines.append(
            t(
                lang,
                "crit.content",
                code=content.code,
                title=content.title,
                total=format_points(content.point_total),
            )
            + t(lang, "crit.preview.extra", added=added, allowed=allowed, base=content.set_criteria_count)
        )
        for c in checked.criteria:
            if c.content_code == content.code:
                step = "" if c.step == 1 else t(lang, "crit.step", step=format_points(c.step))
                extra = t(lang, "crit.added") if c.added_by_bloc else ""
                lines.append(
                    t(lang, "crit.criterion", code=c.code, title=c.title, max=format_points(c.max_points))
                    + step
                    + extra
                )
    lines.append(t(lang, "crit.preview.ask"))
    return "\n".join(lines)


async def _preview(turn: Turn, checked: criteria.Checked, source: dict[str, str]) -> str | None:
    """A scale that passes the rules is shown first; it is published only on «Công bố»."""
    lang = turn.lang
    if not checked.ok:
        lines = [t(lang, "crit.refused_file")] + [f"• {notice_of(turn, p)}" for p in checked.problems[:30]]
        await turn.say("\n".join(lines))
        return UPLOAD
    turn.data["scale"] = source  # read again at «Công bố», even after a restart
    buttons = (
        (Button(t(lang, "crit.btn.publish"), "cr:ok"), Button(t(lang, "reg.btn.cancel"), "cr:cancel")),
    )
    await turn.say(preview_text(checked, lang), buttons=buttons)
    return PREVIEW


def _checked_from(turn: Turn, source: Any) -> criteria.Checked | None:
    if not isinstance(source, dict):
        return None
    if source.get("src") == "text":
        return criteria.check_text(str(source.get("text", "")))
    data = turn.deps.files.get(str(source.get("key", "")))
    return None if data is None else criteria.check_file(data, str(source.get("name", "")))


async def criteria_confirmed(turn: Turn) -> str | None:
    checked = _checked_from(turn, turn.data.get("scale"))
    if checked is None:
        await turn.alert(t(turn.lang, "error.stale_button"))
        return UPLOAD
    await taken(turn)
    return await _publish(turn, checked)


async def _publish(turn: Turn, checked: criteria.Checked) -> str | None:
    lang = turn.lang
    if not checked.ok:
        lines = [t(lang, "crit.refused_file")] + [f"• {notice_of(turn, p)}" for p in checked.problems[:30]]
        await turn.say("\n".join(lines))
        return UPLOAD
    try:
        scale = await criteria.publish(
            turn.deps.db, turn.person_id, checked, today=turn.today, now=now_of(turn)
        )
    except Refused as refusal:
        await turn.say(notice_of(turn, refusal.notice))
        return UPLOAD
    turn.deps.poke_delivery()  # every representative hears of the scale
    await turn.say(t(lang, "crit.published", version=scale.version) + "\n\n" + scale_text(scale, lang))
    return END


async def criteria_file(turn: Turn) -> str | None:
    attachment = turn.incoming.attachment
    assert attachment is not None
    name = attachment.name or ""
    data, problem = await _fetch_list(turn, name, attachment.size)
    if problem is not None:
        return await _preview(turn, criteria.Checked((), (), (problem,)), {})
    checked = await criteria.check_file_off_loop(data, name)
    source = {"src": "file", "key": turn.deps.files.put(data).key, "name": name} if checked.ok else {}
    return await _preview(turn, checked, source)


async def criteria_text(turn: Turn) -> str | None:
    text = turn.incoming.text
    return await _preview(turn, criteria.check_text(text), {"src": "text", "text": text})


async def criteria_not_a_table(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "crit.table_expected"))
    return UPLOAD


async def criteria_cancel(turn: Turn) -> str | None:
    await turn.say(t(turn.lang, "crit.cancelled"))
    return END


# ------------------------------------------------------------------ the head's overview and reminders
def _names(units: list[Any]) -> str:
    return ", ".join(u.unit_name for u in units)


def elig_reasons(reasons: tuple[str, ...], lang: str) -> str:
    """A unit's reasons as plain text: computed codes in words, the head's own reasons as typed."""
    return "; ".join(
        t(lang, f"elig.reason.{r}") if r in (eligibility.NOT_REGISTERED, eligibility.NOT_SIGNED) else r
        for r in reasons
    )


def deadline_lines(views: list[registration.DeadlineView], turn: Turn) -> list[str]:
    """The head's deadlines, the bloc's reopening and each unit's extension (numbered as /xetthidua)."""
    if not views:
        return []
    lang = turn.lang
    lines = [t(lang, "status.deadlines")]
    for view in views:
        line = t(lang, "status.deadline", task=t(lang, f"task.{view.task.value}"), at=when(turn, view.due_at))
        if view.reopened_until is not None:
            line += t(lang, "status.reopened", at=when(turn, view.reopened_until))
        lines.append(line)
        lines += [
            t(
                lang,
                "status.extension",
                n=e.number if e.number is not None else "—",
                unit=e.unit_name,
                at=when(turn, e.until),
            )
            for e in view.extensions
        ]
    return lines


async def status(turn: Turn) -> None:
    lang = turn.lang
    try:
        seen = await eligibility.overview(turn.deps.db, turn.person_id, today=turn.today)
    except Refused as refusal:
        await turn.say(notice_of(turn, refusal.notice))
        return None
    total = len(seen.units)
    lines = [t(lang, "status.title", bloc=seen.bloc_name, year=seen.school_year)]
    rows: list[tuple[Button, ...]] = []
    for task in ("register", "sign", "score"):
        missing = seen.missing(task)
        lines.append(t(lang, f"status.{task}", done=total - len(missing), total=total))
        if missing:
            lines.append(t(lang, "status.missing", names=_names(missing)))
            rows.append((Button(t(lang, f"status.btn.{task}", count=len(missing)), f"st:remind:{task}"),))
    views = await registration.deadlines(
        turn.deps.db, bloc_id=seen.bloc_id, school_year_id=seen.school_year_id
    )
    lines += deadline_lines(views, turn)
    flagged = [u for u in seen.units if u.eligibility.status is not Eligibility.CONSIDERED]
    if flagged:
        lines.append(t(lang, "status.eligibility"))
        for index, unit in enumerate(seen.units, 1):
            reasons = unit.eligibility.reasons
            if unit.eligibility.status is not Eligibility.CONSIDERED and _still_open(
                views, unit.unit_id, reasons, now_of(turn)
            ):
                # Before its deadline a unit has not registered *yet*: never "không xét".
                lines.append(
                    t(
                        lang,
                        "status.elig_pending",
                        n=index,
                        unit=unit.unit_name,
                        reasons=elig_reasons(reasons, lang),
                    )
                )
            elif unit.eligibility.status is not Eligibility.CONSIDERED:
                lines.append(
                    t(
                        lang,
                        "status.elig_line",
                        n=index,
                        unit=unit.unit_name,
                        status=t(lang, f"elig.{unit.eligibility.status.value}"),
                        reasons=elig_reasons(unit.eligibility.reasons, lang),
                    )
                )
    await turn.say("\n".join(lines), buttons=tuple(rows))
    return None


_TASK_OF_REASON = {eligibility.NOT_REGISTERED: Task.REGISTER, eligibility.NOT_SIGNED: Task.SIGN_PACT}


def _still_open(
    views: list[registration.DeadlineView], unit_id: int, reasons: tuple[str, ...], now: datetime
) -> bool:
    """Every reason is a task whose time is not over for this unit (no deadline yet, or one not
    passed, reopened or extended): the unit is late for nothing yet. A head's own mark is final."""
    if not reasons or any(r not in _TASK_OF_REASON for r in reasons):
        return False
    by_task = {v.task: v for v in views}
    for reason in reasons:
        view = by_task.get(_TASK_OF_REASON[reason])
        if view is None:
            continue
        ends = [view.due_at, view.reopened_until, *(e.until for e in view.extensions if e.unit_id == unit_id)]
        if max(w for w in ends if w is not None) < now:
            return False
    return True


async def remind(turn: Turn) -> None:
    task = (turn.incoming.choice or "").removeprefix("st:remind:")

    def reminder(unit_name: str, language: str) -> Screen:
        progress_task = ProgressTask(task)
        return Screen(
            t(language, f"remind.{task}", unit=unit_name),
            buttons=((Button(t(language, f"remind.btn.{task}"), task_button_data(progress_task)),),),
        )

    try:
        queued = await eligibility.remind(
            turn.deps.db, turn.person_id, task=task, today=turn.today, now=now_of(turn), screen=reminder
        )
    except Refused as refusal:
        await turn.alert(notice_of(turn, refusal.notice))
        return None
    turn.deps.poke_delivery()  # after the commit: out now, not at the next tick
    await turn.alert(t(turn.lang, "status.reminded", count=queued))
    return None


# ------------------------------------------------------------------ deadlines
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_NUMBER = re.compile(r"[0-9]{1,6}")
_UNIT_MARK = re.compile(r"(?:#|dv|đv)([0-9]{1,6})", re.IGNORECASE)


async def refused_command(turn: Turn, command: str) -> bool:
    """Refuse a head's command to whoever may not use it (the rule /help lists commands by),
    before any usage text suggests otherwise; the service checks the bloc again."""
    if command in commands_for(turn.profile.capacities):
        return False
    await turn.say(t(turn.lang, "error.not_allowed"))
    return True


async def set_deadline(turn: Turn) -> None:
    lang = turn.lang
    if await refused_command(turn, "hanchot"):
        return None
    args = turn.incoming.args
    task = TASK_WORDS.get(args[0].casefold()) if args else None
    match = _DATE.match(args[1]) if len(args) > 1 else None
    on_purpose = len(args) > 2 and args[2].casefold() in ("xacnhan", "confirm")
    if task is None or match is None:
        await turn.say(t(lang, "deadline.usage"))
        return None
    try:
        day = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        await turn.say(t(lang, "deadline.usage"))
        return None
    zone = turn.deps.settings.zone
    due = deadline_at(day, zone)

    def notice(language: str, before: datetime | None) -> Screen:
        task_word = t(language, f"task.{task.value}")
        at = format_datetime(due, zone)
        text = (
            t(language, "handoff.deadline_moved", task=task_word, at=at, old=format_datetime(before, zone))
            if before is not None
            else t(language, "handoff.deadline_set", task=task_word, at=at)
        )
        return Screen(text, buttons=task_button(language, task))

    try:
        await registration.set_deadline(
            turn.deps.db,
            turn.person_id,
            task=task,
            due_at=due,
            today=turn.today,
            now=now_of(turn),
            notice=notice,
            allow_past=on_purpose,
        )
    except Refused as refusal:
        await turn.say(notice_of(turn, refusal.notice))
        return None
    turn.deps.poke_delivery()
    await turn.say(t(lang, "deadline.set", task=t(lang, f"task.{task.value}"), at=when(turn, due)))
    return None


async def reopen(turn: Turn) -> None:
    """/mohan <task> [days] reopens the task for the whole bloc; /mohan <task> <n> <days> [reason]
    (or #n, đv n: then the days may be left out) extends it for the unit numbered n by /xetthidua."""
    lang = turn.lang
    if await refused_command(turn, "mohan"):
        return None
    args = list(turn.incoming.args)
    task = TASK_WORDS.get(args[0].casefold()) if args else None
    rest = args[1:]
    marked = _UNIT_MARK.fullmatch(rest[0]) if rest else None
    two_numbers = len(rest) > 1 and all(_NUMBER.fullmatch(x) for x in rest[:2])
    if task is not None and (marked or two_numbers):
        number = int(marked.group(1)) if marked else int(rest[0])
        await _extend(turn, task, number, rest[1:])
        return None
    days = rest[0] if rest else str(REOPEN_DAYS)
    if task is None or not _NUMBER.fullmatch(days):
        await turn.say(t(lang, "deadline.reopen_usage"))
        return None
    zone = turn.deps.settings.zone

    def notice(language: str, until: datetime) -> Screen:
        text = t(
            language,
            "handoff.reopened",
            task=t(language, f"task.{task.value}"),
            at=format_datetime(until, zone),
        )
        return Screen(text, buttons=task_button(language, task))

    try:
        until = await registration.reopen(
            turn.deps.db,
            turn.person_id,
            task=task,
            days=int(days),
            today=turn.today,
            now=now_of(turn),
            notice=notice,
        )
    except Refused as refusal:
        await turn.say(notice_of(turn, refusal.notice))
        return None
    turn.deps.poke_delivery()
    await turn.say(t(lang, "deadline.reopened", task=t(lang, f"task.{task.value}"), at=when(turn, until)))
    return None


async def _told(turn: Turn, granted: Extension) -> tuple[int, int]:
    """(told, still going) of the unit's representatives, waiting a few seconds for the delivery
    job: the head wants to know whether to phone the unit."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TOLD_WAIT_SECONDS
    while True:
        found = await outbox.status(turn.deps.db, granted.dedupe_prefix)
        going = sum(not d.sent and not d.failed for d in found)
        if not going or loop.time() >= deadline:
            return sum(d.sent for d in found), going
        await asyncio.sleep(0.1)


async def _extend(turn: Turn, task: Task, number: int, rest: list[str]) -> None:
    """Extend `task` for one unit and tell its representatives through the outbox; the head hears
    "saved" only after the commit, and a representative the bot cannot reach changes nothing saved."""
    lang = turn.lang
    days = int(rest[0]) if rest and _NUMBER.fullmatch(rest[0]) else REOPEN_DAYS
    reason = " ".join(rest[1:] if rest and _NUMBER.fullmatch(rest[0]) else rest)
    zone = turn.deps.settings.zone

    def notice(granted: Extension, language: str) -> Screen:
        text = t(
            language,
            "deadline.extended_notice",
            unit=granted.unit_name,
            task=t(language, f"task.{task.value}"),
            at=format_datetime(granted.until, zone),
        )
        return Screen(text, buttons=task_button(language, task))

    try:
        granted = await registration.extend_for_unit(
            turn.deps.db,
            turn.person_id,
            task=task,
            unit_number=number,
            days=days,
            today=turn.today,
            now=now_of(turn),
            reason=reason,
            notice=notice,
        )
    except Refused as refusal:
        await turn.say(notice_of(turn, refusal.notice))
        return
    turn.deps.poke_delivery()
    told, going = await _told(turn, granted)
    text = t(
        lang,
        "deadline.extended",
        n=granted.unit_number,
        unit=granted.unit_name,
        task=t(lang, f"task.{task.value}"),
        at=when(turn, granted.until),
    )
    if told:
        text += "\n" + t(lang, "deadline.extended_told", count=told)
    if going:
        text += "\n" + t(lang, "deadline.extended_pending", count=going)
    elif not told:
        text += "\n" + t(lang, "deadline.extended_untold")
    await turn.say(text)


# ------------------------------------------------------------------ eligibility marks
async def mark_eligibility(turn: Turn) -> None:
    """/xetthidua <n> <chuaxet|khongxet|xet> <lý do>: n is the unit's number in the list that
    /xetthidua alone shows (the same numbering as /tinhhinh's eligibility lines)."""
    lang = turn.lang
    if await refused_command(turn, "xetthidua"):
        return None
    args = turn.incoming.args
    status_word = ELIGIBILITY_WORDS.get(args[1].casefold()) if len(args) > 1 else None
    if len(args) < 2 or not is_number(args[0]) or status_word is None:
        # The numbers are what the head needs to type: /tinhhinh numbers only flagged units.
        try:
            seen = await eligibility.overview(turn.deps.db, turn.person_id, today=turn.today)
        except Refused as refusal:
            await turn.say(notice_of(turn, refusal.notice))
            return None
        lines = [t(lang, "elig.usage"), "", t(lang, "elig.units", bloc=seen.bloc_name)]
        for index, unit in enumerate(seen.units, 1):
            view = unit.eligibility
            word = Raw(t(lang, f"elig.{view.status.value}"))
            line = t(lang, "elig.unit_line", n=index, unit=unit.unit_name, status=word)
            if view.reasons:
                line += t(lang, "elig.unit_reasons", reasons=elig_reasons(view.reasons, lang))
            lines.append(line)
        await turn.say("\n".join(lines))
        return None
    try:
        seen = await eligibility.overview(turn.deps.db, turn.person_id, today=turn.today)
        index = int(args[0])
        if not 1 <= index <= len(seen.units):
            raise Refused("elig.unknown_unit")
        view = await eligibility.set_mark(
            turn.deps.db,
            turn.person_id,
            unit_id=seen.units[index - 1].unit_id,
            status=status_word,
            reason=" ".join(args[2:]),
            today=turn.today,
            now=now_of(turn),
        )
    except Refused as refusal:
        await turn.say(notice_of(turn, refusal.notice))
        return None
    await turn.say(t(lang, "elig.set", unit=view.unit_name, status=t(lang, f"elig.{view.status.value}")))
    return None


# ------------------------------------------------------------------ how notices reach the head
def _mode(lang: str, digest: bool) -> str:
    return t(lang, "notices.digest_mode" if digest else "notices.each")


async def notices_mode(turn: Turn) -> None:
    """/thongbao: the head's side chooses each event, or one digest a day at 16:00."""
    lang = turn.lang
    if await refused_command(turn, "thongbao"):
        return None
    digest = await handoffs.wants_digest(turn.deps.db, turn.person_id)
    buttons = (
        (
            Button(t(lang, "notices.btn.each"), "nt:each"),
            Button(t(lang, "notices.btn.digest"), "nt:digest"),
        ),
    )
    await turn.say(t(lang, "notices.mode", mode=_mode(lang, digest)), buttons=buttons)
    return None


async def notices_chosen(turn: Turn) -> None:
    choice = (turn.incoming.choice or "").removeprefix("nt:")
    if choice not in ("each", "digest") or "thongbao" not in commands_for(turn.profile.capacities):
        await turn.alert(t(turn.lang, "error.stale_button"))
        return None
    digest = choice == "digest"
    await handoffs.set_digest(turn.deps.db, turn.person_id, digest=digest, now=now_of(turn))
    await turn.show(t(turn.lang, "notices.saved", mode=_mode(turn.lang, digest)))
    return None


def register(router: Router) -> None:
    """This capability's commands, presses and conversations, on every channel."""
    cancel = {"huy": cancelled, "cancel": cancelled}

    def words(step: str) -> dict[Any, Handler]:
        again = text_expected(step)
        return {InKind.PHOTO: again, InKind.FILE: again, InKind.STICKER: again}

    router.conversation(
        Conversation(
            name="registration",
            entry={"dangky": start_registration, "register": start_registration},
            entry_choices={task_button_data(ProgressTask.REGISTER): start_registration},
            steps={
                RESUME: {"rg:resume": resumed, "rg:restart": restart_registration},
                TITLE: {"rg:t:": title_chosen},
                TARGETS: {
                    **words(TARGETS),
                    InKind.TEXT: got_target,
                    "rg:next": targets_done,
                    "rg:clear:": clear_at(TARGETS),
                },
                PEOPLE: {
                    InKind.TEXT: got_people_text,
                    InKind.FILE: got_people_file,
                    InKind.PHOTO: people_not_a_list,
                    InKind.STICKER: people_not_a_list,
                    "rg:next": people_done,
                    "rg:clear:": clear_at(PEOPLE),
                },
                MODEL: {**words(MODEL), InKind.TEXT: got_model, "rg:next": model_kept},
                PROJECTS: {
                    **words(PROJECTS),
                    InKind.TEXT: got_project,
                    "rg:next": projects_done,
                    "rg:clear:": clear_at(PROJECTS),
                },
                CONFIRM: {"rg:ok": confirmed},
            },
            fallbacks=cancel,
            fallback_choices={"rg:cancel": cancelled},
        )
    )
    router.conversation(
        Conversation(
            name="criteria",
            entry={"tieuchi": criteria_start, "criteria": criteria_start},
            steps={
                UPLOAD: {
                    InKind.FILE: criteria_file,
                    InKind.TEXT: criteria_text,
                    InKind.PHOTO: criteria_not_a_table,
                    InKind.STICKER: criteria_not_a_table,
                },
                # At the preview another table may still be sent: it is previewed in its place.
                PREVIEW: {
                    "cr:ok": criteria_confirmed,
                    InKind.FILE: criteria_file,
                    InKind.TEXT: criteria_text,
                    InKind.PHOTO: criteria_not_a_table,
                    InKind.STICKER: criteria_not_a_table,
                },
            },
            fallbacks={"huy": criteria_cancel, "cancel": criteria_cancel},
            fallback_choices={"cr:cancel": criteria_cancel},
        )
    )
    router.command(["kyketgiaouoc", "sign"], pact_offer)
    router.choice(task_button_data(ProgressTask.SIGN_PACT), pact_offer)
    router.choice("pact:", pact_sign)
    router.command(["tinhhinh", "status"], status)
    router.choice("st:view", status)
    router.command(["thongbao", "notices"], notices_mode)
    router.choice("nt:", notices_chosen)  # the button of the head's hand-off notices
    router.choice("st:remind:", remind)
    router.command(["hanchot", "deadline"], set_deadline)
    router.command(["mohan", "reopen"], reopen)
    router.command(["xetthidua", "eligibility"], mark_eligibility)
    router.choice("rg:", stale)  # a press of a registration step already left
