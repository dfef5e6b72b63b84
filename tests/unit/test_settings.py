"""A missing or malformed setting stops start-up with one clear line naming it (issue 2)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.settings import ROOT, SettingsError, load_settings


@pytest.mark.parametrize(
    ("overrides", "named", "says"),
    [
        ({"database_url": "mysql://x/y"}, "DATABASE_URL", "sqlite:/// or postgresql://"),
        ({"timezone": "Asia/Hanoi_City"}, "TIMEZONE", "unknown time zone"),
        ({"sandbox_port": "80800"}, "SANDBOX_PORT", "65535"),
        ({"ballot_master_key": "c2hvcnQ="}, "BALLOT_MASTER_KEY", "32 bytes"),
        ({"admin_telegram_ids": "12,abc"}, "ADMIN_TELEGRAM_IDS", ""),
        ({"webhook_url": "https://bot.example.vn"}, "WEBHOOK_SECRET", "required when WEBHOOK_URL"),
        (
            {"webhook_url": "https://bot.example.vn", "webhook_secret": "có dấu"},
            "WEBHOOK_SECRET",
            "A-Z a-z 0-9 _ -",
        ),
        ({"telegram_api_url": "ftp://api"}, "TELEGRAM_API_URL", "http"),
    ],
)
def test_a_bad_setting_is_named_in_one_line(overrides: dict[str, str], named: str, says: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**overrides)
    message = str(caught.value)
    assert "\n" not in message and f"Setting {named} " in message and says in message


def test_a_webhook_with_its_secret_is_accepted() -> None:
    settings = load_settings(webhook_url="https://bot.example.vn", webhook_secret="Khoi_2-bi-mat")
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == "Khoi_2-bi-mat"
    assert "Khoi_2" not in repr(settings)  # secrets never printed


def test_the_bot_refuses_to_start_and_says_which_setting() -> None:
    """Through the real entry point, as `make run` starts it: a non-zero exit, one line on stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}
    env["DATABASE_URL"] = "oracle://somewhere/thidua"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "DATABASE_URL" in lines[0], done.stderr
