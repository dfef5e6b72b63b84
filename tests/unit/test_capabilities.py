"""What start-up leaves to first use stays correct: the router's list of handler modules says what
each registers, and each table module can be loaded alone (issue 16)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import models
from bot.chat.router import Capability
from handlers import CAPABILITIES, build_router

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda c: c.module)
def test_each_capability_says_what_its_module_registers(capability: Capability) -> None:
    assert capability == Capability.of(capability.module)


def test_the_lazy_router_loads_only_what_a_message_needs_and_then_all() -> None:
    router = build_router()
    assert not router.commands and router.fallback is None
    router._need(c for c in router.capabilities if "whoami" in c.commands)
    assert set(router.commands) == {"help", "language", "ngonngu", "start", "toila", "trogiup", "whoami"}
    everything = build_router(lazy=False)
    # Loaded late, registered in the list's order: the same routes as all at once.
    assert router.known_commands() == everything.known_commands()
    assert list(router.commands) == list(everything.commands)
    assert [p for p, _ in router.choices] == [p for p, _ in everything.choices]
    assert list(router.conversations) == list(everything.conversations)
    assert router.fallback is everything.fallback is not None


def test_every_table_module_is_listed() -> None:
    defining = {
        p.stem for p in (ROOT / "models").glob("*.py") if "table=True" in p.read_text(encoding="utf-8")
    }
    assert defining == set(models.TABLE_MODULES)


@pytest.mark.parametrize("name", models.TABLE_MODULES)
def test_a_table_module_loaded_alone_resolves_its_foreign_keys(name: str) -> None:
    # A fresh interpreter: here every table is loaded already (tests/conftest.py).
    code = (
        f"import models.{name}\n"
        "from sqlmodel import SQLModel\n"
        "for table in SQLModel.metadata.tables.values():\n"
        "    for key in table.foreign_keys:\n"
        "        key.column\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
