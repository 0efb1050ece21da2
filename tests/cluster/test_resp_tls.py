"""The bus's own Redis connections (cluster/resp.py) over TLS, as a `rediss://` URL asks:
the server's certificate checked against a given CA and the host name, or not checked at
all when the URL says `ssl_cert_reqs=none`; a certificate from another CA refused."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shomik.cluster.publisher import Publisher
from shomik.cluster.subscriber import subscribe
from tests.cluster.proxies import RedisServer
from tests.harness import free_port


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _issue(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    signer: ec.EllipticCurvePrivateKey,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    else:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), False)
    return builder.sign(signer, hashes.SHA256())


def _pem(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def _ca(tmp: Path, name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _issue(name, key, None, key)
    return cert, key, _pem(tmp / f"{name}.pem", cert.public_bytes(serialization.Encoding.PEM))


@pytest.fixture
def tls_redis(tmp_path: Path) -> Iterator[tuple[RedisServer, int, str, str]]:
    """A redis-server with a TLS port, its CA's file, and another CA's file."""
    ca, ca_key, ca_file = _ca(tmp_path, "shomik-test-ca")
    _, _, other_ca_file = _ca(tmp_path, "another-ca")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _issue("redis", key, ca, ca_key)
    cert_file = _pem(tmp_path / "redis.pem", cert.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_file = _pem(tmp_path / "redis.key", key_pem)
    port = free_port()
    tls = ["--tls-port", str(port), "--tls-cert-file", cert_file, "--tls-key-file", key_file]
    tls += ["--tls-ca-cert-file", ca_file, "--tls-auth-clients", "no"]
    server = RedisServer(tmp_path / "redis", extra=tls)
    server.start()
    yield server, port, ca_file, other_ca_file
    server.stop()


async def test_publish_and_subscribe_over_tls(tls_redis: tuple[RedisServer, int, str, str]) -> None:
    _, port, ca_file, other_ca_file = tls_redis
    url = f"rediss://localhost:{port}/0?ssl_ca_certs={ca_file}"
    subscription = await subscribe(url, ["bus"], 5)
    publisher = Publisher(url)
    await publisher.publish("bus", b"over TLS")
    unchecked = Publisher(f"rediss://127.0.0.1:{port}/0?ssl_cert_reqs=none")
    await unchecked.publish("bus", b"unchecked")
    got: list[object] = []
    while len(got) < 2:
        got += await subscription.next_batch(5)
    assert got == [b"over TLS", b"unchecked"]

    with pytest.raises(ssl.SSLCertVerificationError):
        await subscribe(f"rediss://localhost:{port}/0?ssl_ca_certs={other_ca_file}", ["bus"], 5)
    subscription.close()
    await publisher.close()
    await unchecked.close()
