"""Tables and the pure rules over them. Imports nothing from bot/ or handlers/.

Importing this package registers every table on SQLModel.metadata, which Alembic and the
tests rely on: a partial import would make autogenerate want to drop tables.
"""

from models import (  # noqa: F401
    channels,
    conference,
    conversation,
    council,
    handoffs,
    meetings,
    nominations,
    organisation,
    registration,
    reminders,
)
