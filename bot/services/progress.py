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

    Until a capability answers for a task, nobody counts as done, so everybody is reminded.
    """
    return set()
