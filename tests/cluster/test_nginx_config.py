"""The shipped nginx sites, whole (TLS and port 80 included, which the running cluster leaves
out), pass `nginx -t` as installed: in /etc/nginx's layout, with the snippet under
snippets/ and a certificate where Let's Encrypt puts it."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.cluster.proxies import NGINX, NGINX_DEPLOY, PROXY_SNIPPET, require

LETSENCRYPT = "/etc/letsencrypt/live/chat.example.org/"


def write_certificate(folder: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chat.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True)
    (folder / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@pytest.mark.parametrize("site", ["shomik.conf", "shomik-cluster.conf"])
def test_shipped_site_passes_nginx_t(site: str, tmp_path: Path) -> None:
    require(NGINX)
    write_certificate(tmp_path / "certs")
    text = (NGINX_DEPLOY / site).read_text()
    assert LETSENCRYPT in text
    (tmp_path / "sites-enabled").mkdir()
    (tmp_path / "sites-enabled" / site).write_text(
        text.replace(LETSENCRYPT, f"{tmp_path / 'certs'}/")
    )
    (tmp_path / "snippets").mkdir()
    shutil.copy(PROXY_SNIPPET, tmp_path / "snippets")
    # Relative includes resolve against the folder of the main config, as in /etc/nginx.
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\n"
        f"error_log {tmp_path / 'error.log'};\n"
        "events {}\n"
        f"http {{ access_log off; include {tmp_path / 'sites-enabled'}/*; }}\n"
    )
    argv = [str(NGINX), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    argv += ["-e", str(tmp_path / "error.log")]
    checked = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
