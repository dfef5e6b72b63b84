"""What start-up leaves to first use stays correct (issue 16): the router's list of handler
modules says what each registers, each table module can be loaded alone, and the Zalo client
skips only what plain HTTP never uses."""

from __future__ import annotations

import ssl
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


def test_the_zalo_client_verifies_certificates_over_https_only_skips_the_bundle_over_http() -> None:
    from bot.channels.zalo.client import ZALO_API_URL, ZaloBot

    def verify_mode(bot: ZaloBot) -> ssl.VerifyMode:
        return bot.http._transport._pool._ssl_context.verify_mode  # type: ignore[attr-defined,no-any-return]

    assert ZALO_API_URL.startswith("https://")
    assert verify_mode(ZaloBot("t")) is ssl.CERT_REQUIRED
    assert verify_mode(ZaloBot("t", "https://zalo.example")) is ssl.CERT_REQUIRED
    assert verify_mode(ZaloBot("t", "http://127.0.0.1:8081/zalo")) is ssl.CERT_NONE


def test_the_every_message_check_names_the_reach_table_as_its_model_does() -> None:
    from bot.services.reach import PERSON_REACH
    from models.reminders import PersonReach

    mapped = PersonReach.__table__  # type: ignore[attr-defined]
    assert PERSON_REACH.name == mapped.name
    assert set(PERSON_REACH.c.keys()) <= set(mapped.c.keys())
