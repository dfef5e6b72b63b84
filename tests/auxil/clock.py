"""The clock every test moves by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# A fixed "now" for tests: Monday 23/11/2026, 09:00 in Hồ Chí Minh City (school year 2026-2027).
TEST_NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand: no sleeping to reach a deadline."""

    def __init__(self, now: datetime = TEST_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
