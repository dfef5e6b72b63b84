"""Tables for registration, the pact, criteria, self-scoring, review (issue 4)."""

from __future__ import annotations
