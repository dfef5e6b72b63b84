"""What a bloc head may set for the deadline pings, as pure rules (no I/O).

The settings live in `reminder_schedule` (models.reminders.ReminderSchedule); this module says
which values are acceptable and reads what a person types ("08:00", "21:00-07:00"), so the
chat, a command line or a test all refuse the same things for the same reasons.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum

from models.timetable import is_quiet

# The days-before choices offered as buttons: each ends on the due day itself, since the last-day
# ping is the one people act on. Longer lists suit milestones that need weeks of preparation.
PRESETS: tuple[tuple[int, ...], ...] = ((7, 2, 0), (14, 7, 2, 0), (3, 1, 0), (1, 0))
MAX_OFFSET_DAYS = 60  # further ahead than this a ping is noise, and rarely inside the school year
MAX_OFFSETS = 6

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
# "21:00-07:00", with an en or em dash or spaces, as people type it on a phone.
_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*$")


class Problem(StrEnum):
    """Why a value is refused; each has its own sentence in the catalogue (remset.<value>)."""

    BAD_TIME = "bad_time"  # not HH:MM on a 24-hour clock
    BAD_QUIET = "bad_quiet"  # not "HH:MM-HH:MM"
    QUIET_EMPTY = "quiet_empty"  # start = end: no quiet hours at all, never a civil-hours promise
    SEND_IN_QUIET = "send_in_quiet"  # the pings would always be held back to the end of quiet hours
    BAD_OFFSETS = "bad_offsets"


def parse_clock(text: str) -> time | None:
    """ "08:00" or "8:00" on a 24-hour clock; None for anything else ("8h", "25:00", "8:5")."""
    found = _CLOCK.match(text)
    if found is None:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2))
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """ "21:00-07:00" as (start, end); the range may wrap midnight. None when unreadable."""
    found = _RANGE.match(text)
    if found is None:
        return None
    start, end = parse_clock(found.group(1)), parse_clock(found.group(2))
    if start is None or end is None:
        return None
    return start, end


def offsets_problem(offsets: tuple[int, ...]) -> Problem | None:
    if not offsets or len(offsets) > MAX_OFFSETS or len(set(offsets)) != len(offsets):
        return Problem.BAD_OFFSETS
    if any(not 0 <= d <= MAX_OFFSET_DAYS for d in offsets):
        return Problem.BAD_OFFSETS
    return None


def schedule_problem(
    offsets: tuple[int, ...], send_at: time, quiet_start: time, quiet_end: time
) -> Problem | None:
    """Why a whole schedule cannot be saved, or None.

    Checked on the combination, not field by field: a new quiet range is refused when it would
    swallow the current send time, just as a send time inside the current quiet range is.
    """
    if quiet_start == quiet_end:
        return Problem.QUIET_EMPTY
    if is_quiet(send_at, quiet_start, quiet_end):
        return Problem.SEND_IN_QUIET
    return offsets_problem(offsets)


def clock_text(value: time) -> str:
    return value.strftime("%H:%M")
