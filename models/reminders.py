"""Tables for the timetable, milestones, reminders and their sends (issue 6)."""

from __future__ import annotations
