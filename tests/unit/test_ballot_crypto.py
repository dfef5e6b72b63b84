"""Sealed ballots, poll keys, trackers and the tracker chain."""

from __future__ import annotations

import base64
import hashlib
import random

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ballot_crypto import (
    PAD_TO,
    BallotKeyError,
    BallotTamperedError,
    chain,
    chain_head,
    generate_poll_keys,
    genesis,
    match_short_code,
    new_master_key,
    open_private_key,
    pad,
    parse_master_key,
    public_key_bytes,
    published_list,
    seal,
    sealed_size,
    short_code,
    tracker,
    unpad,
    unseal,
    verify_chain,
)
from models.vote_rules import (
    BallotKind,
    Choice,
    decode_ballot,
    encode_ballot,
    ordinary_title_rules,
    selection_rules,
    tally,
)

pytestmark = pytest.mark.ballot

MASTER = bytes(range(32))


@pytest.fixture(scope="module")
def poll() -> tuple[bytes, X25519PrivateKey]:
    public, encrypted = generate_poll_keys(MASTER, 41)
    return public, open_private_key(MASTER, 41, encrypted)


# --------------------------------------------------------------------------- master key


def test_new_master_key_parses_to_32_random_bytes() -> None:
    first, second = new_master_key(), new_master_key()
    assert len(parse_master_key(first)) == 32
    assert parse_master_key(first) != parse_master_key(second)


@pytest.mark.parametrize(
    "encode",
    [
        base64.b64encode,
        base64.urlsafe_b64encode,
        lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"="),
        lambda raw: b"  " + base64.b64encode(raw) + b"\n",
    ],
)
def test_parse_master_key_accepts_both_alphabets(encode) -> None:  # type: ignore[no-untyped-def]
    raw = bytes([0xFB, 0xFF, 0xFE]) * 10 + b"\xfa\xfb"  # exercises + / and - _
    assert parse_master_key(encode(raw).decode()) == raw


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (base64.b64encode(bytes(31)).decode(), "exactly 32 bytes, got 31"),
        (base64.b64encode(bytes(33)).decode(), "exactly 32 bytes, got 33"),
        ("", "exactly 32 bytes, got 0"),
        ("not base64 at all!!", "not valid base64"),
        ("ab+cd-ef" * 6, "mixes"),
    ],
)
def test_parse_master_key_refuses_with_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        parse_master_key(text)
    if text:
        assert text not in str(info.value)  # a secret is never echoed


# --------------------------------------------------------------------------- poll keys


def test_poll_private_key_opens_only_with_its_master_key_and_poll() -> None:
    public, encrypted = generate_poll_keys(MASTER, "poll-7")
    private = open_private_key(MASTER, "poll-7", encrypted)
    assert public_key_bytes(private) == public and len(public) == 32
    raw = private.private_bytes_raw()
    assert raw not in encrypted
    with pytest.raises(BallotKeyError):
        open_private_key(bytes(32), "poll-7", encrypted)
    with pytest.raises(BallotKeyError):
        open_private_key(MASTER, "poll-8", encrypted)
    altered = bytearray(encrypted)
    altered[-1] ^= 1
    with pytest.raises(BallotKeyError):
        open_private_key(MASTER, "poll-7", bytes(altered))
    with pytest.raises(BallotKeyError):
        open_private_key(MASTER, "poll-7", encrypted[:-1])
    with pytest.raises(ValueError):
        generate_poll_keys(bytes(16), "poll-7")


def test_two_polls_get_different_keys() -> None:
    assert generate_poll_keys(MASTER, 1).public_key != generate_poll_keys(MASTER, 1).public_key


# --------------------------------------------------------------------------- sealing


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=PAD_TO - 4))
def test_seal_unseal_round_trip(plaintext: bytes) -> None:
    public, encrypted = generate_poll_keys(MASTER, 9)
    sealed = seal(public, plaintext, 9)
    assert len(sealed) == sealed_size()
    assert unseal(open_private_key(MASTER, 9, encrypted), sealed, 9) == plaintext


def test_sealing_is_randomised(poll: tuple[bytes, X25519PrivateKey]) -> None:
    public, private = poll
    one, two = seal(public, b"same", 41), seal(public, b"same", 41)
    assert one != two and tracker(one) != tracker(two)
    assert unseal(private, one, 41) == unseal(private, two, 41) == b"same"
    assert b"same" not in one


def test_different_choices_give_equal_length_sealed_ballots(poll: tuple[bytes, X25519PrivateKey]) -> None:
    public, private = poll
    candidates = [f"unit-{i}" for i in range(13)]
    approvals = [
        {},
        {c: Choice.AGREE for c in candidates},
        {c: Choice.DISAGREE for c in candidates},
        {candidates[0]: Choice.ABSTAIN},
    ]
    selections = [(), ("unit-1",), ("unit-10", "unit-11", "unit-12")]
    sealed = [seal(public, encode_ballot(BallotKind.APPROVAL, b), 41) for b in approvals]
    sealed += [seal(public, encode_ballot(BallotKind.SELECTION, b), 41) for b in selections]
    assert len({len(s) for s in sealed}) == 1
    assert len(sealed[0]) == 32 + 12 + PAD_TO + 16
    assert decode_ballot(BallotKind.APPROVAL, unseal(private, sealed[2], 41)) == approvals[2]
    # The plaintexts really differ in length: it is the padding that hides it.
    assert len({len(encode_ballot(BallotKind.APPROVAL, b)) for b in approvals}) == 4


def test_oversized_ballot_is_refused_rather_than_leaking_length(poll: tuple[bytes, X25519PrivateKey]) -> None:
    public, _ = poll
    with pytest.raises(ValueError, match="does not fit"):
        seal(public, bytes(PAD_TO - 3), 41)
    assert len(seal(public, bytes(PAD_TO - 3), 41, pad_to=4096)) == sealed_size(4096)


def test_pad_unpad() -> None:
    assert unpad(pad(b"abc", 16)) == b"abc" and len(pad(b"abc", 16)) == 16
    with pytest.raises(ValueError):
        unpad(pad(b"abc", 16)[:-1] + b"\x01")
    with pytest.raises(ValueError):
        unpad(b"\x00\x00\x00\x09abc")


@pytest.mark.parametrize("position", [0, 31, 32, 43, 44, 500, -17, -1])
def test_any_flipped_bit_is_detected(poll: tuple[bytes, X25519PrivateKey], position: int) -> None:
    public, private = poll
    sealed = bytearray(seal(public, b'{"k":"approval","v":[]}', 41))
    sealed[position] ^= 0x01
    with pytest.raises(BallotTamperedError):
        unseal(private, bytes(sealed), 41)


def test_truncated_extended_or_foreign_ballots_are_refused(poll: tuple[bytes, X25519PrivateKey]) -> None:
    public, private = poll
    sealed = seal(public, b"ballot", 41)
    for bad in (sealed[:-1], sealed + b"\x00", sealed[:40], b"", bytes(len(sealed))):
        with pytest.raises(BallotTamperedError):
            unseal(private, bad, 41)
    with pytest.raises(BallotTamperedError, match="another poll"):
        unseal(private, sealed, 42)  # right key, wrong poll id
    _, other_encrypted = generate_poll_keys(MASTER, 42)
    with pytest.raises(BallotTamperedError):
        unseal(open_private_key(MASTER, 42, other_encrypted), sealed, 41)  # another poll's key
    # A ballot sealed for another poll id under the same key does not open as this poll's ballot.
    with pytest.raises(BallotTamperedError):
        unseal(private, seal(public, b"ballot", 42), 41)


# --------------------------------------------------------------------------- trackers


def test_tracker_and_short_code() -> None:
    sealed = b"some sealed ballot"
    t = tracker(sealed)
    assert t == hashlib.sha256(sealed).hexdigest()
    code = short_code(t)
    assert code == f"{t[:5].upper()}-{t[5:10].upper()}"
    others = [tracker(bytes([i])) for i in range(50)]
    published = sorted([*others, t])
    assert match_short_code(code, published) == [t]
    assert match_short_code(code.lower().replace("-", " "), published) == [t]
    assert match_short_code(t, published) == [t]
    assert match_short_code(short_code(tracker(b"not cast")), published) == []
    for bad in ("3FA9", "ZZZZZ-ZZZZZ", ""):
        with pytest.raises(ValueError):
            match_short_code(bad, published)
    with pytest.raises(ValueError):
        short_code("abc")


# --------------------------------------------------------------------------- chain


def test_chain_links_and_genesis() -> None:
    trackers = [tracker(bytes([i])) for i in range(3)]
    links = chain(trackers, 5)
    g = genesis(5)
    assert g == hashlib.sha256(b"thidua-genesis:5").hexdigest() and g != genesis(6)
    assert links[0] == hashlib.sha256(bytes.fromhex(g) + bytes.fromhex(trackers[0])).hexdigest()
    assert links[2] == hashlib.sha256(bytes.fromhex(links[1]) + bytes.fromhex(trackers[2])).hexdigest()
    assert chain_head(trackers, 5) == links[-1]
    assert chain_head([], 5) == g and verify_chain([], 5, g)
    assert verify_chain(trackers, 5, links[-1], links)
    assert not verify_chain(trackers, 6, links[-1])  # another poll's chain
    assert not verify_chain(trackers, 5, links[-1], [*links[:-1], links[0]])
    assert not verify_chain(trackers, 5, "é" * 64)
    assert not verify_chain([*trackers, trackers[0]], 5, chain_head([*trackers, trackers[0]], 5))
    assert not verify_chain(["XYZ"], 5, g)


def test_published_list_is_sorted_and_refuses_duplicates() -> None:
    trackers = [tracker(bytes([i])) for i in range(10)]
    assert published_list(reversed(trackers)) == sorted(trackers)
    with pytest.raises(ValueError):
        published_list([*trackers, trackers[3]])


def _tampered(trackers: list[str], how: str, rng: random.Random) -> list[str]:
    edited = list(trackers)
    i = rng.randrange(len(edited))
    if how == "edit":
        edited[i] = hashlib.sha256(edited[i].encode()).hexdigest()
    elif how == "flip":
        edited[i] = edited[i][:-1] + ("0" if edited[i][-1] != "0" else "1")
    elif how == "delete":
        del edited[i]
    elif how == "insert":
        edited.insert(i, tracker(b"stuffed ballot"))
    elif how == "duplicate":
        edited.insert(i, edited[i])
    elif how == "reorder":
        j = (i + 1 + rng.randrange(len(edited) - 1)) % len(edited)
        edited[i], edited[j] = edited[j], edited[i]
    return edited


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    kind=st.sampled_from([BallotKind.APPROVAL, BallotKind.SELECTION]),
    voters=st.integers(2, 15),
    n=st.integers(1, 5),
)
def test_cast_ballots_are_counted_published_once_and_chain_detects_tampering(
    data: st.DataObject, kind: BallotKind, voters: int, n: int
) -> None:
    candidates = [f"u{i}" for i in range(n)]
    rule = ordinary_title_rules() if kind is BallotKind.APPROVAL else selection_rules(min(2, n))
    if kind is BallotKind.APPROVAL:
        ballots: list = [
            data.draw(st.dictionaries(st.sampled_from(candidates), st.sampled_from(list(Choice))))
            for _ in range(voters)
        ]
    else:
        pick = st.lists(st.sampled_from(candidates), unique=True, max_size=rule.max_choices or 1)
        ballots = [tuple(data.draw(pick)) for _ in range(voters)]
    poll_id = data.draw(st.integers(1, 10_000))
    public, encrypted = generate_poll_keys(MASTER, poll_id)

    # Casting: each voter gets the tracker of its own sealed ballot.
    sealed = [seal(public, encode_ballot(kind, b), poll_id) for b in ballots]
    receipts = [tracker(s) for s in sealed]
    assert len({len(s) for s in sealed}) == 1

    # Closing: publish sorted trackers, chain them, open and tally.
    published = published_list(tracker(s) for s in sealed)
    head = chain_head(published, poll_id)
    for receipt in receipts:
        assert published.count(receipt) == 1
        assert match_short_code(short_code(receipt), published) == [receipt]
    assert verify_chain(published, poll_id, head, chain(published, poll_id))

    private = open_private_key(MASTER, poll_id, encrypted)
    opened = [decode_ballot(kind, unseal(private, s, poll_id)) for s in sealed]
    counted = tally(rule, candidates, opened, members=voters + 2, present=voters)
    direct = tally(rule, candidates, ballots, members=voters + 2, present=voters)
    assert counted.candidates == direct.candidates and counted.elected == direct.elected

    how = data.draw(st.sampled_from(["edit", "flip", "delete", "insert", "duplicate", "reorder"]))
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    assert not verify_chain(_tampered(published, how, rng), poll_id, head)
