"""Log lines: one JSON object a line for the log collector, plain text in a terminal.

Each line carries the time, level, logger and message, and, while an update is being handled,
its update id and the Telegram user who sent it (`person_id` too once a handler binds it). Nothing
else of the update is ever logged: a ballot button's data holds a voter's unfinished choices.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

# Set for the duration of one update (bot.app.ThiduaApplication.process_update).
update_id: ContextVar[int | None] = ContextVar("update_id", default=None)
user_id: ContextVar[int | None] = ContextVar("user_id", default=None)
person_id: ContextVar[int | None] = ContextVar("person_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextmanager
def update_context(update: int | None, user: int | None) -> Iterator[None]:
    tokens = (update_id.set(update), user_id.set(user), person_id.set(None))
    try:
        yield
    finally:
        person_id.reset(tokens[2])
        user_id.reset(tokens[1])
        update_id.reset(tokens[0])


def bind_person(person: int | None) -> None:
    """A handler that has found the person's row says so; later lines of this update carry it."""
    person_id.set(person)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, var in (("update_id", update_id), ("user_id", user_id), ("person_id", person_id)):
            value = var.get()
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(
    level: str = "INFO", fmt: Literal["auto", "json", "text"] = "auto", stream: TextIO | None = None
) -> None:
    """Replace the root logger's handlers: JSON lines unless `fmt` says text, or (auto) the
    stream is a terminal someone is reading."""
    stream = stream or sys.stderr
    as_text = fmt == "text" or (fmt == "auto" and stream.isatty())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(TEXT_FORMAT) if as_text else JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
