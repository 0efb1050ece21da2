"""MLS bytes for the tests, built by hand in the RFC 9420 wire format: what the server
parses is real structure (headers, vectors, a key package's Ed25519 signature); what it
must not read (ciphertext, HPKE keys) is random. tests/e2ee/data/ts_mls.json holds the
same kinds of messages as ts-mls itself made them, for the parser's own tests."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

COMMIT, APPLICATION = 3, 1


def vec(data: bytes) -> bytes:
    """An opaque<V>: its size as a QUIC varint, then the bytes (RFC 9420 §2.1.2)."""
    n = len(data)
    if n < 1 << 6:
        return n.to_bytes(1, "big") + data
    if n < 1 << 14:
        return (n | 0x4000).to_bytes(2, "big") + data
    return (n | 0x80000000).to_bytes(4, "big") + data


def u16(n: int) -> bytes:
    return n.to_bytes(2, "big")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def public_key(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_package(identity: bytes, key: Ed25519PrivateKey, suite: int = 1) -> bytes:
    """An MLSMessage with a KeyPackage, signed with SignWithLabel by `key`."""
    leaf = (
        vec(os.urandom(32))  # encryption_key
        + vec(public_key(key))
        + u16(1)  # basic credential
        + vec(identity)
        + b"".join(vec(b"") for _ in range(5))  # capabilities
        + b"\x01"  # leaf_node_source = key_package
        + bytes(8)
        + b"\xff" * 8  # lifetime
        + vec(b"")  # extensions
        + vec(os.urandom(64))  # the leaf node's own signature (not checked by the server)
    )
    tbs = u16(1) + u16(suite) + vec(os.urandom(32)) + leaf + vec(b"")
    signature = key.sign(vec(b"MLS 1.0 KeyPackageTBS") + vec(tbs))
    return u16(1) + u16(5) + tbs + vec(signature)


def private_message(epoch: int, content_type: int, size: int = 120) -> bytes:
    """An MLSMessage with a PrivateMessage: a clear header, random "ciphertext"."""
    return (
        u16(1)
        + u16(2)
        + vec(b"shomik-group")
        + epoch.to_bytes(8, "big")
        + bytes([content_type])
        + vec(b"")  # authenticated_data
        + vec(os.urandom(20))  # encrypted_sender_data
        + vec(os.urandom(size))
    )


def commit(epoch: int) -> str:
    return b64(private_message(epoch, COMMIT, 300))


def application(size: int = 120) -> str:
    return b64(private_message(5, APPLICATION, size))


def welcome() -> str:
    return b64(u16(1) + u16(3) + u16(1) + vec(os.urandom(150)) + vec(os.urandom(300)))
