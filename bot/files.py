"""The bot's own file store, and short-lived signed links to what it holds.

Evidence and uploads are copied here (a folder, FILE_STORE_DIR, `data/files` by default), never
kept only as a platform's handle: Zalo has no file ids, and a Telegram file_id belongs to one bot.
Files are stored by the SHA-256 of their bytes (the same photo sent twice is stored once).

Zalo cannot carry documents, so a file for a Zalo person (an export, a piece of evidence) is a
link to the bot's web server: `/files/<key>/<name>?exp=<unix time>&sig=<HMAC>`. The signature
covers key, name and expiry, so a link cannot be stretched or pointed at another file.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

LINK_TTL_SECONDS = 24 * 3600  # long enough to open on a phone later in the day, short enough to expire
_KEY = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredFile:
    key: str  # SHA-256 of the bytes, hex
    size: int


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise KeyError(key)
        return self.root / key[:2] / key

    def put(self, data: bytes) -> StoredFile:
        key = hashlib.sha256(data).hexdigest()
        target = self.path(key)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{secrets.token_hex(4)}.part")
            partial.write_bytes(data)
            os.replace(partial, target)  # a reader never sees half a file
        return StoredFile(key, len(data))

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except (KeyError, FileNotFoundError):
            return None


def _signature(secret: bytes, key: str, name: str, expires: int) -> str:
    message = f"{key}/{name}/{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def signed_path(
    secret: bytes, key: str, name: str, *, now: float | None = None, ttl: int = LINK_TTL_SECONDS
) -> str:
    expires = int((now if now is not None else time.time()) + ttl)
    return f"/files/{key}/{quote(name)}?exp={expires}&sig={_signature(secret, key, name, expires)}"


class LinkCheck:
    OK = "ok"
    EXPIRED = "expired"
    FORGED = "forged"


def check_link(
    secret: bytes, key: str, name: str, expires: str, signature: str, *, now: float | None = None
) -> str:
    if not expires.isascii() or not expires.isdigit() or len(expires) > 12:
        return LinkCheck.FORGED
    expected = _signature(secret, key, name, int(expires))
    if not hmac.compare_digest(expected, signature):
        return LinkCheck.FORGED
    if int(expires) < (now if now is not None else time.time()):
        return LinkCheck.EXPIRED
    return LinkCheck.OK


def guess_mime(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def link_secret(master_key: bytes | None) -> bytes:
    """The links' signing key: derived from the ballot master key, so every process of one
    installation signs alike (links survive a restart); a random one for a process without it."""
    if master_key is None:
        return secrets.token_bytes(32)
    return hmac.new(master_key, b"thidua file links v1", hashlib.sha256).digest()
