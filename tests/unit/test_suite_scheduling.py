"""The suite's scheduler lists (tests/conftest.py) name tests that exist: a test renamed or moved
would otherwise silently lose its place (run late, or on a core worker while it only waits)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import HEAVY_FIRST, TOGETHER, TOGETHER_PER_BACKEND, WAITING, _unit_of_work, _waits

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("prefix", sorted({*HEAVY_FIRST, *TOGETHER, *TOGETHER_PER_BACKEND, *WAITING}))
def test_each_listed_test_exists(prefix: str) -> None:
    path, _, name = prefix.partition("::")
    assert (ROOT / path).exists(), prefix
    if name:
        assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), prefix


def test_the_waiting_tests_are_units_of_their_own() -> None:
    """Each waits alone on the waiting worker; none is tied to a module the cores run."""
    for prefix in WAITING:
        nodeid = prefix if "::" in prefix else f"{prefix}::test_x[sqlite]"
        assert _waits(_unit_of_work(nodeid)), prefix
    assert not _waits(_unit_of_work("tests/e2e/test_meeting.py::test_bloc_2_year_end_meeting[sqlite]"))
