"""Who has done what: the contract between the year's tasks and the reminders.

Reminders (issue 6) ask which units have already done a task, so that nobody is pinged for
something done. Registration and scoring (issue 4) answer it from their tables. Tasks are
named by the callback data of the button a ping carries: `task:<name>` starts the task.
"""

from __future__ import annotations

from enum import StrEnum

from bot.db import Database


class Task(StrEnum):
    REGISTER = "register"  # đăng ký thi đua: /dangky
    SIGN_PACT = "sign"  # ký giao ước: /kyketgiaouoc (issue 4)
    SELF_SCORE = "score"  # tự chấm điểm: /chamdiem


def task_button_data(task: Task) -> str:
    return f"task:{task.value}"


async def units_done(db: Database, task: Task, *, bloc_id: int, school_year_id: int) -> set[int]:
    """Ids of the bloc's units that have completed `task` this school year.

    Registered: a confirmed registration (a draft does not count). Signed: a signature on the
    bloc's current scale (a new version must be signed again). Scored: a sheet sent to the head.
    """
    # Imported here: the registration services import this module's neighbours, not the reverse.
    from bot.services.pact import signed_units
    from bot.services.registration import registered_units
    from bot.services.scoring import sheet_status_by_unit
    from models.registration import SheetStatus

    async with db.session() as session:
        if task is Task.REGISTER:
            return await registered_units(session, bloc_id, school_year_id)
        if task is Task.SIGN_PACT:
            return await signed_units(session, bloc_id, school_year_id)
        statuses = await sheet_status_by_unit(session, bloc_id, school_year_id)
        return {unit for unit, status in statuses.items() if status is not SheetStatus.DRAFT}
