"""The offline ballot master key is kept apart from the database, never readable by others (issue 15)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from bot import settings as settings_module
from bot.ballot_crypto import MASTER_KEY_BYTES, new_master_key, parse_master_key
from bot.settings import Settings, SettingsError, check_key_file, master_key

pytestmark = pytest.mark.hardening


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout of its own: data/ for the database, keys/ for the key."""
    monkeypatch.setattr(settings_module, "OFFLINE_KEY_FILE", tmp_path / "keys" / "ballot-master.key")
    monkeypatch.setattr(settings_module, "OLD_OFFLINE_KEY_FILE", tmp_path / "data" / "ballot-master.key")
    (tmp_path / "data").mkdir()
    return tmp_path


def offline(root: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{root / 'data' / 'thidua.sqlite3'}",
        telegram_bot_token=None,
        zalo_bot_token=None,
        ballot_master_key=None,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_key_is_written_0600_from_the_start_outside_the_database_folder(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real_fdopen = os.fdopen

    def watching_fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))  # the file exists now, before a byte is written
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(settings_module.os, "fdopen", watching_fdopen)
    old_umask = os.umask(0)  # even with a umask that lets everyone read
    try:
        key = master_key(offline(root))
    finally:
        os.umask(old_umask)
    path = root / "keys" / "ballot-master.key"
    assert len(key) == MASTER_KEY_BYTES and seen == [0o600] and mode(path) == 0o600
    assert not (root / "data" / "ballot-master.key").exists()  # a copy of data/ carries no key
    assert mode(path.parent) == 0o700
    assert master_key(offline(root)) == key  # the same key next time


def test_a_key_kept_in_data_by_an_older_version_is_moved_out_and_still_opens_old_polls(root: Path) -> None:
    old = root / "data" / "ballot-master.key"
    written = new_master_key()
    old.write_text(written + "\n", encoding="ascii")
    old.chmod(0o644)
    assert master_key(offline(root)) == parse_master_key(written)
    assert not old.exists() and mode(root / "keys" / "ballot-master.key") == 0o600


def test_a_readable_key_inside_the_database_folder_is_refused_in_one_line(root: Path) -> None:
    key = root / "data" / "ballot-master.key"
    key.write_text(new_master_key() + "\n", encoding="ascii")
    key.chmod(0o644)
    url = f"sqlite+aiosqlite:///{root / 'data' / 'thidua.sqlite3'}"
    with pytest.raises(SettingsError) as refused:
        check_key_file(key, url)
    assert (
        "\n" not in str(refused.value)
        and "database's folder" in str(refused.value)
        and "644" in str(refused.value)
    )
    key.chmod(0o600)
    check_key_file(key, url)  # private: allowed
    check_key_file(key, "postgresql+asyncpg://postgres@127.0.0.1/test")  # no folder to share


def test_start_refuses_a_readable_key_in_the_database_folder(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the offline key's place is the database's folder (an operator's choice), start refuses it."""
    inside = root / "data" / "mine.key"
    inside.write_text(new_master_key() + "\n", encoding="ascii")
    inside.chmod(0o640)
    monkeypatch.setattr(settings_module, "OFFLINE_KEY_FILE", inside)
    with pytest.raises(SettingsError, match="move it out"):
        master_key(offline(root))


def test_a_readable_key_file_setting_inside_the_database_folder_is_refused(root: Path) -> None:
    inside = root / "data" / "master.key"
    inside.write_text(new_master_key() + "\n", encoding="ascii")
    inside.chmod(0o644)
    configured = offline(root).model_copy(update={"ballot_master_key_file": inside})
    with pytest.raises(SettingsError, match="database's folder"):
        master_key(configured)
    inside.chmod(0o600)
    assert len(master_key(configured)) == MASTER_KEY_BYTES
