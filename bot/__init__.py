"""Thi đua Bot: the application layer (settings, database, services, sandbox, command line)."""

import os
import sys

# Opt in to python-telegram-bot's coming behaviour: RetryAfter.retry_after as a timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "true")

# httpx imports its command-line client whenever rich, click and pygments happen to be installed
# (the dev tools bring them): 6 MB of every bot process's memory for a tool the bot never runs.
# Marked absent, httpx falls back to its stub `main` and nothing else changes.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
