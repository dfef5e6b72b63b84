"""Chat handlers for scoring."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this capability's handlers (before the catch-alls of handlers.errors)."""
