"""Sealing secret ballots, trackers and the tracker chain (docs/architecture.md "Secret ballots").

* Each poll has an X25519 key pair. The private key is stored only encrypted under the ballot
  master key (AES-GCM, the poll id as associated data), so a database dump alone opens nothing and
  a key cannot be moved to another poll. It is opened only to tally at close.
* A ballot is padded to a fixed size and sealed to the poll's public key: ephemeral X25519, HKDF-SHA256
  whose info binds the poll id, AES-GCM with a random 12-byte nonce. The stored blob is
  ``ephemeral public key (32) ‖ nonce (12) ‖ ciphertext``; every ballot of a poll has the same length,
  so the length does not reveal the choice. Sealing is randomised, so equal choices give different
  blobs and a voter cannot prove to anyone how it voted.
* The voter's tracker is the SHA-256 of its sealed ballot. At close the trackers are published in
  sorted order (never casting order) and hash-chained from a per-poll genesis; every voter can check
  that its tracker is in the list and that the list matches the posted chain head.

Pure functions over bytes: no database, no logging (nothing here may ever log a plaintext).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MASTER_KEY_BYTES = 32
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
LENGTH_PREFIX = 4
PAD_TO = 2048
"""Default padded plaintext size. Every sealed ballot of a poll is exactly one bucket long; a
plaintext that does not fit is refused rather than spilling into a second, tell-tale bucket."""

BIG_POLL_CANDIDATES = 100
"""Above this many candidates a poll's ballots are padded to twice PAD_TO (an approval ballot of 200
answers is about 3.4 kB): the size is fixed by the poll, never by a voter's choice."""


def pad_for(candidates: int) -> int:
    return PAD_TO if candidates <= BIG_POLL_CANDIDATES else 2 * PAD_TO


SHORT_CODE_HEX = 10
_KEY_AAD = b"thidua-poll-key:v1:"
_RECEIPT_INFO = b"thidua-receipt:v1"
_SEAL_INFO = b"thidua-ballot:v1:"
_GENESIS = b"thidua-genesis:"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

PollId = int | str


class BallotCryptoError(Exception):
    """Base of the errors below, so the service can refuse with one clear message."""


class BallotKeyError(BallotCryptoError):
    """The poll's private key did not open: wrong master key, wrong poll, or altered bytes."""


class BallotTamperedError(BallotCryptoError):
    """A sealed ballot failed authentication: altered, truncated, or sealed for another poll."""


class PollKeyPair(NamedTuple):
    """What is stored with a poll: the public key, and the private key encrypted under the master key."""

    public_key: bytes
    encrypted_private_key: bytes


def _poll_bytes(poll_id: PollId) -> bytes:
    if isinstance(poll_id, bool) or not isinstance(poll_id, int | str):
        raise TypeError("poll_id must be an int or a str")
    return str(poll_id).encode("utf-8")


def _check_master_key(master_key: bytes) -> None:
    if not isinstance(master_key, bytes) or len(master_key) != MASTER_KEY_BYTES:
        raise ValueError(f"the ballot master key must be exactly {MASTER_KEY_BYTES} bytes")


# --------------------------------------------------------------------------- master key


def new_master_key() -> str:
    """A fresh ballot master key as URL-safe base64, for the operator's environment."""
    return base64.urlsafe_b64encode(secrets.token_bytes(MASTER_KEY_BYTES)).decode("ascii")


def parse_master_key(text: str) -> bytes:
    """Decode a master key given as base64 (URL-safe or standard, padding optional).

    The messages never echo the text: it is a secret.
    """
    if not isinstance(text, str):
        raise ValueError("the ballot master key must be given as base64 text")
    cleaned = text.strip()
    if "-" in cleaned or "_" in cleaned:
        if "+" in cleaned or "/" in cleaned:
            raise ValueError("the ballot master key mixes URL-safe and standard base64 alphabets")
        cleaned = cleaned.replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        raw = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the ballot master key is not valid base64") from None
    if len(raw) != MASTER_KEY_BYTES:
        raise ValueError(
            f"the ballot master key must decode to exactly {MASTER_KEY_BYTES} bytes, got {len(raw)}"
        )
    return raw


# --------------------------------------------------------------------------- poll keys


def generate_poll_keys(master_key: bytes, poll_id: PollId) -> PollKeyPair:
    """New X25519 key pair for a poll; the private half leaves only as nonce ‖ AES-GCM ciphertext."""
    _check_master_key(master_key)
    private = X25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    nonce = os.urandom(NONCE_BYTES)
    encrypted = nonce + AESGCM(master_key).encrypt(nonce, raw_private, _KEY_AAD + _poll_bytes(poll_id))
    return PollKeyPair(public_key_bytes(private), encrypted)


def open_private_key(master_key: bytes, poll_id: PollId, encrypted: bytes) -> X25519PrivateKey:
    """Decrypt a poll's private key; BallotKeyError if the master key or poll id does not match."""
    _check_master_key(master_key)
    if len(encrypted) != NONCE_BYTES + KEY_BYTES + TAG_BYTES:
        raise BallotKeyError("the stored poll key has the wrong length")
    nonce, ciphertext = encrypted[:NONCE_BYTES], encrypted[NONCE_BYTES:]
    try:
        raw = AESGCM(master_key).decrypt(nonce, ciphertext, _KEY_AAD + _poll_bytes(poll_id))
    except InvalidTag:
        raise BallotKeyError("the poll key does not open with this master key for this poll") from None
    return X25519PrivateKey.from_private_bytes(raw)


def public_key_bytes(private_key: X25519PrivateKey) -> bytes:
    """The raw 32-byte public key of a private key (to check it matches the stored one)."""
    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# --------------------------------------------------------------------------- sealing


def _derive_key(shared: bytes, ephemeral: bytes, recipient: bytes, poll_id: PollId) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=ephemeral + recipient,
        info=_SEAL_INFO + _poll_bytes(poll_id),
    ).derive(shared)


def pad(plaintext: bytes, pad_to: int = PAD_TO) -> bytes:
    """4-byte length ‖ plaintext ‖ zeros, exactly ``pad_to`` bytes; ValueError if it does not fit."""
    if pad_to < LENGTH_PREFIX + 1:
        raise ValueError("pad_to is too small")
    if len(plaintext) > pad_to - LENGTH_PREFIX:
        raise ValueError(f"ballot of {len(plaintext)} bytes does not fit the {pad_to}-byte padding")
    body = len(plaintext).to_bytes(LENGTH_PREFIX, "big") + plaintext
    return body + bytes(pad_to - len(body))


def unpad(padded: bytes) -> bytes:
    """Inverse of ``pad``; ValueError on a bad length or non-zero padding."""
    if len(padded) < LENGTH_PREFIX:
        raise ValueError("padded ballot too short")
    size = int.from_bytes(padded[:LENGTH_PREFIX], "big")
    end = LENGTH_PREFIX + size
    if end > len(padded) or any(padded[end:]):
        raise ValueError("bad ballot padding")
    return padded[LENGTH_PREFIX:end]


def sealed_size(pad_to: int = PAD_TO) -> int:
    """Length of every sealed ballot for this padding (for a storage check)."""
    return KEY_BYTES + NONCE_BYTES + pad_to + TAG_BYTES


def seal(public_key: bytes, plaintext: bytes, poll_id: PollId, *, pad_to: int = PAD_TO) -> bytes:
    """Seal a ballot to the poll's public key: ephemeral public key ‖ nonce ‖ ciphertext."""
    recipient = X25519PublicKey.from_public_bytes(public_key)
    ephemeral_key = X25519PrivateKey.generate()
    ephemeral = public_key_bytes(ephemeral_key)
    key = _derive_key(ephemeral_key.exchange(recipient), ephemeral, public_key, poll_id)
    nonce = os.urandom(NONCE_BYTES)
    aad = ephemeral + _poll_bytes(poll_id)
    return ephemeral + nonce + AESGCM(key).encrypt(nonce, pad(plaintext, pad_to), aad)


def unseal(private_key: X25519PrivateKey, sealed: bytes, poll_id: PollId) -> bytes:
    """Open a sealed ballot; BallotTamperedError on any alteration, truncation or wrong poll."""
    if len(sealed) < KEY_BYTES + NONCE_BYTES + TAG_BYTES + LENGTH_PREFIX:
        raise BallotTamperedError("sealed ballot is truncated")
    ephemeral = sealed[:KEY_BYTES]
    nonce = sealed[KEY_BYTES : KEY_BYTES + NONCE_BYTES]
    ciphertext = sealed[KEY_BYTES + NONCE_BYTES :]
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        key = _derive_key(shared, ephemeral, public_key_bytes(private_key), poll_id)
        padded = AESGCM(key).decrypt(nonce, ciphertext, ephemeral + _poll_bytes(poll_id))
        return unpad(padded)
    except (InvalidTag, ValueError):
        # ValueError: a low-order ephemeral key (all-zero shared secret) or bad padding.
        raise BallotTamperedError(
            "sealed ballot failed authentication: altered, truncated or sealed for another poll"
        ) from None


# --------------------------------------------------------------------------- trackers


def tracker(sealed: bytes) -> str:
    """The voter's receipt: SHA-256 hex of its sealed ballot (reveals nothing about the choice)."""
    return hashlib.sha256(sealed).hexdigest()


def short_code(tracker_hex: str) -> str:
    """First 10 hex characters, upper case, in two groups ("3FA9C-01B7E"), easy to read aloud."""
    _check_tracker(tracker_hex)
    head = tracker_hex[:SHORT_CODE_HEX].upper()
    return f"{head[:5]}-{head[5:]}"


def _receipt_key(master_key: bytes) -> bytes:
    """A key of its own for receipts, derived from the master key (never the master key itself)."""
    _check_master_key(master_key)
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_RECEIPT_INFO).derive(master_key)


def _receipt_aad(poll_id: PollId, unit_id: int) -> bytes:
    return _RECEIPT_INFO + b":" + _poll_bytes(poll_id) + b":" + str(int(unit_id)).encode("ascii")


def seal_receipt(master_key: bytes, poll_id: PollId, unit_id: int, tracker_hex: str) -> bytes:
    """The voter's tracker, encrypted for the voter's own participation row (nonce ‖ AES-GCM).

    Bound to (poll, unit) as associated data, so a receipt moved to another unit's row does not
    open; a fresh nonce each time, so two rows never show the same bytes. Without the master key
    (a database copy, a backup, the head) the row says nothing about which sealed ballot is whose."""
    _check_tracker(tracker_hex)
    nonce = os.urandom(NONCE_BYTES)
    aad = _receipt_aad(poll_id, unit_id)
    return nonce + AESGCM(_receipt_key(master_key)).encrypt(nonce, bytes.fromhex(tracker_hex), aad)


def open_receipt(master_key: bytes, poll_id: PollId, unit_id: int, receipt: bytes) -> str | None:
    """The tracker a receipt holds, or None when it does not open (moved, altered, another key)."""
    nonce, ciphertext = receipt[:NONCE_BYTES], receipt[NONCE_BYTES:]
    try:
        raw = AESGCM(_receipt_key(master_key)).decrypt(nonce, ciphertext, _receipt_aad(poll_id, unit_id))
    except (InvalidTag, ValueError):
        return None
    return raw.hex() if len(raw) == 32 else None


def normalise_code(text: str) -> str:
    """A code as typed in the chat, lower-case hex without spaces or dashes; ValueError if it is not
    at least a whole short code of hex digits."""
    cleaned = re.sub(r"[\s\-_.:]", "", text).lower()
    if not re.fullmatch(r"[0-9a-f]+", cleaned) or not SHORT_CODE_HEX <= len(cleaned) <= 64:
        raise ValueError(f"a tracker code is {SHORT_CODE_HEX} to 64 hex digits, e.g. 3FA9C-01B7E")
    return cleaned


def match_short_code(code: str, trackers: Iterable[str]) -> list[str]:
    """The published trackers a typed short (or full) code points to: usually one, or none."""
    prefix = normalise_code(code)
    return [t for t in trackers if t.startswith(prefix)]


def _check_tracker(value: str) -> None:
    if not isinstance(value, str) or not _HEX64.match(value):
        raise ValueError("a tracker is 64 lower-case hex digits")


def published_list(trackers: Iterable[str]) -> list[str]:
    """The trackers in the order they are published and chained: sorted, so the order says nothing
    about who cast when. Duplicates are an error (one ballot counted twice)."""
    ordered = sorted(trackers)
    for t in ordered:
        _check_tracker(t)
    if len(set(ordered)) != len(ordered):
        raise ValueError("a tracker appears twice")
    return ordered


# --------------------------------------------------------------------------- chain


def genesis(poll_id: PollId) -> str:
    """The fixed first link of a poll's chain, so chains of two polls can never be swapped."""
    return hashlib.sha256(_GENESIS + _poll_bytes(poll_id)).hexdigest()


def chain(trackers: Sequence[str], poll_id: PollId) -> list[str]:
    """Link i = SHA-256(link i-1 ‖ tracker i) over raw bytes, starting from ``genesis(poll_id)``."""
    links: list[str] = []
    previous = genesis(poll_id)
    for t in trackers:
        _check_tracker(t)
        previous = hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(t)).hexdigest()
        links.append(previous)
    return links


def chain_head(trackers: Sequence[str], poll_id: PollId) -> str:
    """The final hash posted with the result (the genesis for an empty poll)."""
    links = chain(trackers, poll_id)
    return links[-1] if links else genesis(poll_id)


def verify_chain(
    trackers: Sequence[str], poll_id: PollId, head: str, links: Sequence[str] | None = None
) -> bool:
    """True only if the published trackers (distinct, well-formed) rebuild the posted head, and the
    posted links if given: any edited, deleted, added or reordered tracker makes it False."""
    try:
        rebuilt = chain(trackers, poll_id)
    except ValueError:
        return False
    if len(set(trackers)) != len(trackers):
        return False
    expected = rebuilt[-1] if rebuilt else genesis(poll_id)
    if not _same(head, expected):
        return False
    if links is not None:
        return len(links) == len(rebuilt) and all(_same(a, b) for a, b in zip(links, rebuilt, strict=True))
    return True


def _same(given: object, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


# --------------------------------------------------------------------------- a voter's unfinished sheet
_SHEET_ROW = b"thidua-sheet-row:v1:"
_SHEET_KEY = b"thidua-sheet-key:v1:"


def new_sheet_token() -> str:
    """A random name for one voter's unfinished ballot: 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


def sheet_row_key(token: str, context: str) -> str:
    """Where a sheet is kept: derived from its token, so the row alone names nobody."""
    return hashlib.sha256(_SHEET_ROW + context.encode() + b"\0" + token.encode()).hexdigest()[:40]


def _sheet_key(token: str, context: str) -> bytes:
    return hashlib.sha256(_SHEET_KEY + context.encode() + b"\0" + token.encode()).digest()


def seal_sheet(token: str, context: str, plaintext: bytes) -> str:
    """An unfinished ballot sealed under its token (which only the voter's buttons carry) and
    `context` (the poll and the voter): a database dump alone reads no choice."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_sheet_key(token, context)).encrypt(nonce, plaintext, context.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def open_sheet(token: str, context: str, stored: str) -> bytes | None:
    """The sheet's plaintext; None when the token or the context is not the one it was sealed with."""
    try:
        raw = base64.urlsafe_b64decode(stored.encode())
        return AESGCM(_sheet_key(token, context)).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()
        )
    except (InvalidTag, ValueError, binascii.Error):
        return None
