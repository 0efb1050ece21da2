"""Just enough of the MLS wire format (RFC 9420 §6, §10, §12.4.3) for the Delivery Service
to refuse what is not what a client claims, without holding any key: a key package's cipher
suite, identity and signature key (and its signature: the publisher holds the private key);
a handshake or application message's wire format, epoch and content type, which stand in the
clear in a PrivateMessage's header (§6.3); a Welcome's cipher suite. Nothing here decrypts.

Vectors carry a QUIC-style variable-length size (§2.1.2); integers are big-endian."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import IntEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shomik.errors import Invalid

MLS10 = 1
# MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (RFC 9420 §17.1): the only suite accepted, so
# every device of every group speaks the same one (docs/e2ee.md says why this one).
CIPHER_SUITE = 1
BASIC_CREDENTIAL = 1
KEY_PACKAGE_SOURCE = 1


class WireFormat(IntEnum):
    PUBLIC_MESSAGE = 1
    PRIVATE_MESSAGE = 2
    WELCOME = 3
    GROUP_INFO = 4
    KEY_PACKAGE = 5


class ContentType(IntEnum):
    APPLICATION = 1
    PROPOSAL = 2
    COMMIT = 3


class Malformed(ValueError):
    pass


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.at + n > len(self.data):
            raise Malformed("truncated")
        chunk = self.data[self.at : self.at + n]
        self.at += n
        return chunk

    def uint(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big")

    def varint(self) -> int:
        first = self.uint(1)
        prefix, value = first >> 6, first & 0x3F
        if prefix == 3:
            raise Malformed("invalid length prefix")
        for _ in range((1 << prefix) - 1):
            value = (value << 8) | self.uint(1)
        # §2.1.2: the shortest encoding only.
        if prefix > 0 and value < (1 << (8 * (1 << (prefix - 1)) - 2)):
            raise Malformed("non-minimal length")
        return value

    def vector(self) -> bytes:
        return self.take(self.varint())

    def end(self) -> None:
        if self.at != len(self.data):
            raise Malformed("trailing bytes")


def _vector_bytes(data: bytes) -> bytes:
    n = len(data)
    if n < 1 << 6:
        head = n.to_bytes(1, "big")
    elif n < 1 << 14:
        head = (n | 0x4000).to_bytes(2, "big")
    else:
        head = (n | 0x80000000).to_bytes(4, "big")
    return head + data


def _header(r: _Reader) -> WireFormat:
    if r.uint(2) != MLS10:
        raise Malformed("not MLS 1.0")
    try:
        return WireFormat(r.uint(2))
    except ValueError as exc:
        raise Malformed("unknown wire format") from exc


@dataclass(frozen=True)
class KeyPackageInfo:
    identity: bytes
    signature_key: bytes


def _key_package(r: _Reader) -> KeyPackageInfo:
    start = r.at
    if r.uint(2) != MLS10 or r.uint(2) != CIPHER_SUITE:
        raise Malformed("not an MLS 1.0 key package of cipher suite 1")
    r.vector()  # init_key
    r.vector()  # leaf_node.encryption_key
    signature_key = r.vector()
    if r.uint(2) != BASIC_CREDENTIAL:
        raise Malformed("not a basic credential")
    identity = r.vector()
    for _ in range(5):  # capabilities: versions, suites, extensions, proposals, credentials
        r.vector()
    if r.uint(1) != KEY_PACKAGE_SOURCE:
        raise Malformed("leaf node not made for a key package")
    r.take(16)  # lifetime: not_before, not_after
    r.vector()  # leaf_node.extensions
    r.vector()  # leaf_node.signature
    r.vector()  # extensions
    tbs = r.data[start : r.at]
    signature = r.vector()
    r.end()
    # SignWithLabel (§5.1.2): Ed25519 over SignContent {label<V>, content<V>}.
    content = _vector_bytes(b"MLS 1.0 KeyPackageTBS") + _vector_bytes(tbs)
    try:
        Ed25519PublicKey.from_public_bytes(signature_key).verify(signature, content)
    except (InvalidSignature, ValueError) as exc:
        raise Malformed("bad signature") from exc
    return KeyPackageInfo(identity=identity, signature_key=signature_key)


def key_package(data: bytes) -> KeyPackageInfo:
    """An MLSMessage holding a KeyPackage (wire format 5), its signature checked."""
    r = _Reader(data)
    if _header(r) is not WireFormat.KEY_PACKAGE:
        raise Malformed("not a key package")
    return _key_package(r)


@dataclass(frozen=True)
class MessageInfo:
    wire_format: WireFormat
    group_id: bytes
    epoch: int
    content_type: ContentType


def message(data: bytes) -> MessageInfo:
    """An MLSMessage holding a PublicMessage or PrivateMessage: its clear header."""
    r = _Reader(data)
    wire_format = _header(r)
    if wire_format not in (WireFormat.PUBLIC_MESSAGE, WireFormat.PRIVATE_MESSAGE):
        raise Malformed("not a handshake or application message")
    group_id = r.vector()
    epoch = r.uint(8)
    if wire_format is WireFormat.PUBLIC_MESSAGE:
        sender_type = r.uint(1)
        if sender_type in (1, 2):  # member (leaf index), external (sender index)
            r.take(4)
        elif sender_type not in (3, 4):
            raise Malformed("unknown sender type")
        r.vector()  # authenticated_data
    kind = r.uint(1)
    try:
        content_type = ContentType(kind)
    except ValueError as exc:
        raise Malformed("unknown content type") from exc
    if wire_format is WireFormat.PRIVATE_MESSAGE:
        r.vector()  # authenticated_data
        r.vector()  # encrypted_sender_data
        r.vector()  # ciphertext
        r.end()
    return MessageInfo(wire_format, group_id, epoch, content_type)


def welcome(data: bytes) -> None:
    """An MLSMessage holding a Welcome of cipher suite 1."""
    r = _Reader(data)
    if _header(r) is not WireFormat.WELCOME or r.uint(2) != CIPHER_SUITE:
        raise Malformed("not a welcome of cipher suite 1")
    r.vector()  # secrets
    r.vector()  # encrypted_group_info
    r.end()


def decode_b64(text: str, field: str) -> bytes:
    """Standard base64 with padding, as the client sends MLS bytes."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid(f"{field}: not base64.", field=field, code="not_mls") from exc


def is_application_ciphertext(content: str) -> bool:
    """What a message of a secret chat must be: base64 of an MLS PrivateMessage carrying
    application data. Plaintext (a client bug) is refused rather than stored."""
    try:
        info = message(base64.b64decode(content, validate=True))
    except (binascii.Error, ValueError):
        return False
    return (
        info.wire_format is WireFormat.PRIVATE_MESSAGE
        and info.content_type is ContentType.APPLICATION
    )
