"""The server's reading of MLS wire format, on messages ts-mls 1.6.4 made (data/ts_mls.json:
a key package, commits as PrivateMessage and PublicMessage, a Welcome, an application
message, a GroupInfo) and on the tests' own builder (mls.py)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shomik.e2ee import wire
from tests.e2ee import mls

TS_MLS = json.loads((Path(__file__).parent / "data" / "ts_mls.json").read_text())


def raw(name: str) -> bytes:
    return base64.b64decode(TS_MLS[name])


def test_a_ts_mls_key_package_is_read_and_its_signature_checked() -> None:
    info = wire.key_package(raw("keyPackage"))
    assert info.identity == TS_MLS["keyPackageIdentity"].encode()
    assert info.signature_key == raw("keyPackageSignatureKey")
    tampered = bytearray(raw("keyPackage"))
    tampered[40] ^= 1  # inside the signed part
    with pytest.raises(wire.Malformed):
        wire.key_package(bytes(tampered))


def test_ts_mls_handshake_and_application_headers() -> None:
    private = wire.message(raw("commitPrivateEpoch0"))
    assert (private.wire_format, private.epoch, private.content_type) == (
        wire.WireFormat.PRIVATE_MESSAGE,
        0,
        wire.ContentType.COMMIT,
    )
    public = wire.message(raw("commitPublicEpoch1"))
    assert (public.wire_format, public.epoch, public.content_type) == (
        wire.WireFormat.PUBLIC_MESSAGE,
        1,
        wire.ContentType.COMMIT,
    )
    app = wire.message(raw("applicationEpoch2"))
    assert (app.epoch, app.content_type) == (2, wire.ContentType.APPLICATION)
    assert private.group_id == public.group_id == b"shomik-test-group"
    wire.welcome(raw("welcome"))


def test_only_application_ciphertext_passes_as_a_secret_message() -> None:
    assert wire.is_application_ciphertext(TS_MLS["applicationEpoch2"])
    for text in (
        TS_MLS["commitPrivateEpoch0"],  # a handshake, not a message
        TS_MLS["welcome"],
        TS_MLS["keyPackage"],
        TS_MLS["groupInfo"],
        "hello @bob, see https://example.com",
        "aGVsbG8gd29ybGQ=",  # base64, but of "hello world"
        "",
    ):
        assert not wire.is_application_ciphertext(text), text[:40]
    truncated = base64.b64encode(raw("applicationEpoch2")[:-1]).decode()
    assert not wire.is_application_ciphertext(truncated)


def test_wrong_kinds_are_refused() -> None:
    with pytest.raises(wire.Malformed):
        wire.key_package(raw("welcome"))
    with pytest.raises(wire.Malformed):
        wire.message(raw("keyPackage"))
    with pytest.raises(wire.Malformed):
        wire.welcome(raw("commitPrivateEpoch0"))
    key = Ed25519PrivateKey.generate()
    with pytest.raises(wire.Malformed):  # another cipher suite
        wire.key_package(mls.key_package(b"1:x", key, suite=3))
    assert wire.key_package(mls.key_package(b"1:x", key)).identity == b"1:x"


def test_lengths_must_be_minimal_varints() -> None:
    good = mls.private_message(1, mls.APPLICATION, 10)
    # The group id's size (12) written in two bytes instead of one.
    padded = good[:4] + b"\x40\x0c" + good[5:]
    wire.message(good)
    with pytest.raises(wire.Malformed):
        wire.message(padded)
