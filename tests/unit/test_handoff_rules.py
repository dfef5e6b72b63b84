"""Pure rules of issue 12: the time left before a deadline, the digest's 16:00, /help's groups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.handoffs import digest_due
from models.permissions import Capacity, help_groups
from models.registration import time_left

pytestmark = pytest.mark.handoffs
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 in Hồ Chí Minh City


def test_time_left_is_read_in_days_then_hours_and_never_as_zero_while_time_is_left() -> None:
    assert time_left(NOW, NOW + timedelta(days=2)) == (2, "days")
    assert time_left(NOW, NOW + timedelta(days=1, hours=23)) == (1, "days")
    assert time_left(NOW, NOW + timedelta(hours=5, minutes=59)) == (5, "hours")
    assert time_left(NOW, NOW + timedelta(minutes=10)) == (1, "hours")
    assert time_left(NOW, NOW - timedelta(minutes=1)) == (0, "hours")


def test_the_digest_goes_at_the_next_16_00_where_the_bloc_is() -> None:
    assert digest_due(NOW) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 16:00 the same day
    late = NOW + timedelta(hours=7, minutes=30)  # 16:30 there: tomorrow's
    assert digest_due(late) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_help_groups_follow_the_year_and_show_only_what_the_person_may_use() -> None:
    rep = help_groups({Capacity.REP})
    assert [group for group, _ in rep][:3] == ["account", "register", "score"]
    assert all("tinhhinh" not in names for _, names in rep)
    head = dict(help_groups({Capacity.HEAD, Capacity.REP}))
    assert head["lead"][:2] == ["tinhhinh", "hanchot"] and "thongbao" in head["lead"]
    assert help_groups(set())[0] == ("account", ["start", "help", "language"])
