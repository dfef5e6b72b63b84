"""Thi đua Bot: the application layer (settings, database, services, sandbox, command line)."""

import os

# Opt in to python-telegram-bot's coming behaviour: RetryAfter.retry_after as a timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "true")
