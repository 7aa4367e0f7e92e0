"""The y-websocket wire format: building frames, and parsing untrusted ones
strictly (anything malformed raises ProtocolError, nothing else)."""

from __future__ import annotations

import random

import pytest
from pycrdt import Doc, Text, create_sync_message, create_update_message

from hub.core.colors import PRESENCE_COLORS, presence_color
from realtime import rooms, yprotocol
from realtime.yprotocol import AwarenessEntry, ProtocolError, parse_message


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (1, b"\x01"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (300, b"\xac\x02"),
        (16384, b"\x80\x80\x01"),
        (2**32, b"\x80\x80\x80\x80\x10"),
        (2**53 - 1, b"\xff\xff\xff\xff\xff\xff\xff\x0f"),
    ],
)
def test_var_uints_round_trip(value, encoded):
    assert yprotocol.write_var_uint(value) == encoded
    reader = yprotocol.Reader(encoded)
    assert reader.read_var_uint() == value
    assert reader.at_end()


@pytest.mark.parametrize("value", [-1, 2**53])
def test_var_uints_out_of_range_are_not_written(value):
    with pytest.raises(ValueError):
        yprotocol.write_var_uint(value)


def test_sync_frames_are_built_and_parsed():
    assert yprotocol.sync_step1(b"\x00") == b"\x00\x00\x01\x00"
    assert yprotocol.sync_step2(b"\x00\x00") == b"\x00\x01\x02\x00\x00"
    assert yprotocol.sync_update(b"\x01\x02") == b"\x00\x02\x02\x01\x02"
    assert parse_message(b"\x00\x00\x01\x00") == ("sync_step1", b"\x00")
    assert parse_message(b"\x00\x01\x02\x00\x00") == ("sync_step2", b"\x00\x00")
    assert parse_message(b"\x00\x02\x02\x01\x02") == ("sync_update", b"\x01\x02")
    assert parse_message(b"\x03") == ("query_awareness", b"")


def test_frames_agree_with_pycrdt():
    doc = Doc()
    doc.get("markdown", type=Text).insert(0, "x" * 300)  # a two-byte length
    update = doc.get_update()
    assert yprotocol.sync_step1(doc.get_state()) == create_sync_message(doc)
    assert yprotocol.sync_update(update) == create_update_message(update)
    assert parse_message(create_update_message(update)) == ("sync_update", update)


def test_awareness_round_trips_with_the_utf8_byte_length():
    entries = [
        AwarenessEntry(1, 2, {"user": {"name": "Zoë 😀"}, "n": [1, 2.5, None]}),
        AwarenessEntry(2**32 + 5, 9, None),
    ]
    frame = yprotocol.awareness_message(entries)
    assert parse_message(frame) == ("awareness", entries)
    # What a browser sends: raw UTF-8, its byte count first (lib0 writeVarString).
    state = '{"name":"Zoë 😀"}'.encode()
    payload = b"\x01\x07\x01" + bytes([len(state)]) + state
    assert parse_message(b"\x01" + bytes([len(payload)]) + payload) == (
        "awareness",
        [AwarenessEntry(7, 1, {"name": "Zoë 😀"})],
    )


def test_state_vectors_are_decoded():
    doc = Doc(client_id=2**40)
    doc.get("markdown", type=Text).insert(0, "abc")
    assert yprotocol.decode_state_vector(doc.get_state()) == {2**40: 3}
    assert yprotocol.encode_state_vector({2**40: 3}) == doc.get_state()


def awareness(payload: bytes) -> bytes:
    return b"\x01" + yprotocol.write_var_bytes(payload)


def state(text: bytes) -> bytes:
    return awareness(b"\x01\x01\x01" + yprotocol.write_var_bytes(text))


MALFORMED = {
    "empty": b"",
    "sync without a type": b"\x00",
    "sync without a payload": b"\x00\x02",
    "unknown sync type": b"\x00\x03\x00",
    "auth from a client": b"\x02\x00\x00",
    "unknown message type": b"\x09",
    "type as a truncated varint": b"\x80",
    "truncated length": b"\x00\x02\x80",
    "length past the end": b"\x00\x02\x05abc",
    "huge length": b"\x00\x02\xff\xff\xff\xff\x0f",
    "varint wider than 53 bits": b"\x00\x02" + b"\xff" * 8 + b"\x01",
    "varint above 2**53 - 1": b"\x00\x02\x80\x80\x80\x80\x80\x80\x80\x10",
    "trailing bytes": b"\x00\x02\x01\x00\x00",
    "query with a payload": b"\x03\x00",
    "step1 with a broken state vector": b"\x00\x00\x02\x05\x01",
    "awareness count past the end": awareness(b"\x05\x01\x01\x00"),
    "awareness truncated entry": awareness(b"\x01\x01"),
    "awareness trailing bytes": awareness(b"\x00\x00"),
    "awareness not JSON": state(b"{nope"),
    "awareness not UTF-8": state(b'"\xff"'),
    "awareness a list": state(b"[1]"),
    "awareness a number": state(b"1"),
    "awareness NaN": state(b'{"x":NaN}'),
    "awareness Infinity": state(b'{"x":-Infinity}'),
    "awareness nested too deep": state(b"[" * 100_000 + b"]" * 100_000),
}


@pytest.mark.parametrize("frame", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_frames_raise_protocol_errors(frame):
    with pytest.raises(ProtocolError):
        parse_message(frame)


def test_random_and_mutated_frames_never_raise_anything_else():
    rng = random.Random(20261122)
    doc = Doc()
    doc.get("markdown", type=Text).insert(0, "seed text")
    valid = [
        yprotocol.sync_step1(doc.get_state()),
        yprotocol.sync_update(doc.get_update()),
        yprotocol.awareness_message([AwarenessEntry(5, 1, {"user": {"name": "A"}})]),
    ]
    frames = [rng.randbytes(rng.randrange(0, 64)) for _ in range(3000)]
    for _ in range(3000):
        frame = bytearray(rng.choice(valid))
        for _ in range(rng.randrange(1, 4)):
            action = rng.randrange(3)
            if action == 0 and frame:
                frame[rng.randrange(len(frame))] = rng.randrange(256)
            elif action == 1 and frame:
                del frame[rng.randrange(len(frame)) :]
            else:
                frame.insert(rng.randrange(len(frame) + 1), rng.randrange(256))
        frames.append(bytes(frame))
    parsed = 0
    for frame in frames:
        try:
            parse_message(frame)
            parsed += 1
        except ProtocolError:
            pass
    assert 0 < parsed < len(frames)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("colour", PRESENCE_COLORS)
def test_user_colours_meet_aa_contrast_on_white(colour):
    assert (1.05) / (_luminance(colour) + 0.05) >= 4.5


def test_a_persons_colour_is_stable():
    assert presence_color(7) == presence_color(7 + len(PRESENCE_COLORS))


def test_queued_updates_travel_together_in_order():
    a, b, c = b"a", b"b", b"c"
    presence = {"type": "doc.awareness", "entries": []}
    assert rooms._coalesce(
        [
            {"type": "doc.update", "updates": [a]},
            {"type": "doc.update", "updates": [b]},
            presence,
            {"type": "doc.update", "updates": [c]},
        ]
    ) == [
        {"type": "doc.update", "updates": [a, b]},
        presence,
        {"type": "doc.update", "updates": [c]},
    ]
