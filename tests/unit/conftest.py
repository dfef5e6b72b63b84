"""The unit tests' shared fixtures: bloc 2 built once, each distinct document converted to PDF once.

LibreOffice takes about 2 s of CPU to start for every conversion, and the dossiers of these tests
ask for the same minutes again and again (each test on SQLite and on PostgreSQL, several kinds of
export). The conversion is deterministic in its input, so the first PDF made from a document's
bytes stands for every later request of the same bytes; a new document is still converted by the
real `to_pdf`, and when LibreOffice is absent or fails nothing is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from bot.db import Database
from bot.exports import minutes
from tests.auxil.ballots import Bloc2, make_bloc2
from tests.auxil.clock import Clock
from tests.auxil.world_cache import once

_PDFS: dict[tuple[bytes, str], bytes] = {}


@pytest.fixture(autouse=True)
def one_conversion_per_document(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real = minutes.to_pdf

    async def to_pdf(docx: bytes, name: str = "bien-ban") -> bytes | None:
        key = (hashlib.sha256(docx).digest(), name)
        if key in _PDFS and minutes.soffice() is not None:
            return _PDFS[key]
        pdf = await real(docx, name)
        if pdf is not None:
            _PDFS[key] = pdf
        return pdf

    monkeypatch.setattr(minutes, "to_pdf", to_pdf)
    yield


@pytest.fixture
async def bloc2(db: Database, clock: Clock) -> Bloc2:
    """Bloc 2 of the demo ready for its meeting (tests.auxil.ballots), built once per session and
    backend (tests.auxil.world_cache): some 60 tests start from it."""
    return await once("bloc2", db, clock, make_bloc2)
