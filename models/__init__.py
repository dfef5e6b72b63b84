"""Tables and the pure rules over them. Imports nothing from bot/ or handlers/.

Importing this package registers no table: each module registers its own, and imports the
modules whose tables its foreign keys name (a flush resolves them), so a process loads only the
tables it uses (the bot answers its first message sooner). Alembic, the schema check and the
tests need every table on SQLModel.metadata, a partial set would make autogenerate want to drop
the rest: they call `load_all()`.
"""

from __future__ import annotations

import importlib

TABLE_MODULES = (
    "channels",
    "conference",
    "conversation",
    "council",
    "handoffs",
    "meetings",
    "nominations",
    "organisation",
    "registration",
    "reminders",
)


def load_all() -> None:
    """Register every table on SQLModel.metadata."""
    for name in TABLE_MODULES:
        importlib.import_module(f"models.{name}")
