"""The VAPID key pair: made once into the data dir and kept, or taken from the settings."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shomik.push.keys import KEY_FILE, load
from shomik.settings import Settings


def test_generated_once_and_kept(tmp_path: Path) -> None:
    first = load(Settings(data_dir=tmp_path))
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    assert load(Settings(data_dir=tmp_path)).public_key == first.public_key
    raw = base64.urlsafe_b64decode(first.public_key + "=")
    assert len(raw) == 65 and raw[0] == 4


def test_the_setting_wins_as_raw_or_pem(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    text = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    from_raw = load(Settings(data_dir=tmp_path, vapid_private_key=text))
    generated = load(Settings(data_dir=tmp_path / "other"))
    assert from_raw.public_key != generated.public_key
    assert not (tmp_path / KEY_FILE).exists()  # nothing written when configured
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    assert (
        load(Settings(data_dir=tmp_path, vapid_private_key=pem)).public_key == from_raw.public_key
    )
    with pytest.raises(ValueError):
        load(Settings(data_dir=tmp_path, vapid_private_key="c2hvcnQ"))
