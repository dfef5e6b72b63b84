"""Log lines: JSON a line for the collector (with the update and its sender), text in a terminal."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs

pytestmark = pytest.mark.operations


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_lines_are_json_with_the_update_and_its_sender() -> None:
    out = io.StringIO()
    logs.configure("INFO", "auto", stream=out)
    log = logging.getLogger("thidua.test")
    log.info("outside any update")
    with logs.update_context(4242, 910001):
        log.warning("nhắc việc gửi lỗi: %s", "Forbidden")
        logs.bind_person(17)
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.exception("handler failed")
    log.info("after")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["message"] for line in lines] == [
        "outside any update",
        "nhắc việc gửi lỗi: Forbidden",
        "handler failed",
        "after",
    ]
    assert all({"time", "level", "logger"} <= line.keys() for line in lines)
    assert "update_id" not in lines[0] and "update_id" not in lines[3] and "person_id" not in lines[3]
    assert lines[1]["update_id"] == 4242 and lines[1]["user_id"] == 910001 and lines[1]["level"] == "WARNING"
    assert lines[2]["person_id"] == 17 and "RuntimeError: boom" in lines[2]["exception"]
    assert lines[1]["logger"] == "thidua.test"


def test_a_terminal_gets_plain_text() -> None:
    out = Terminal()
    logs.configure("INFO", "auto", stream=out)
    logging.getLogger("thidua.test").info("xin chào")
    assert out.getvalue().rstrip().endswith("INFO thidua.test: xin chào")
    with pytest.raises(json.JSONDecodeError):
        json.loads(out.getvalue())
