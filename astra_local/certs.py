"""A private CA with a server and a client certificate, as Astra issues per database (PEM, keys in PKCS#8).

Cassandra's PEM reader refuses PKCS#1 keys, hence PKCS#8 everywhere.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=825)


@dataclass(frozen=True)
class TlsFiles:
    """Where one set of certificates lives; `server.pem` is the key + chain Cassandra's PEM factory reads."""

    folder: Path

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.folder / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.folder / "server.key"

    @property
    def server_pem(self) -> Path:
        return self.folder / "server.pem"

    @property
    def client_cert(self) -> Path:
        return self.folder / "client.crt"

    @property
    def client_key(self) -> Path:
        return self.folder / "client.key"

    def complete(self) -> bool:
        paths = (self.ca_cert, self.server_pem, self.server_cert, self.server_key, self.client_cert, self.client_key)
        return all(p.is_file() for p in paths)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pkcs8(key: rsa.RSAPrivateKey) -> bytes:
    pkcs8 = serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "astra-local"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _issue(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool = False,
    usage: list[x509.ObjectIdentifier] | None = None,
    addresses: list[str] | None = None,
    validity: datetime.timedelta = VALIDITY,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    if addresses:
        names: list[x509.GeneralName] = [x509.DNSName("localhost")]
        names += [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_certificates(folder: Path, *, addresses: list[str], label: str = "astra-local") -> TlsFiles:
    """A fresh CA, a server certificate for `addresses` and a client certificate, written under `folder` (0600 keys)."""
    files = TlsFiles(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_key = _key()
    ca_cert = _issue(f"{label} CA", ca_key, _name(f"{label} CA"), ca_key, ca=True)
    server_key = _key()
    server_cert = _issue(
        f"{label} server",
        server_key,
        ca_cert.subject,
        ca_key,
        usage=[ExtendedKeyUsageOID.SERVER_AUTH],
        addresses=addresses,
    )
    client_key = _key()
    client_cert = _issue(
        f"{label} client", client_key, ca_cert.subject, ca_key, usage=[ExtendedKeyUsageOID.CLIENT_AUTH]
    )
    _write(files.ca_cert, _pem(ca_cert))
    _write(files.ca_key, _pkcs8(ca_key), secret=True)
    _write(files.server_cert, _pem(server_cert) + _pem(ca_cert))
    _write(files.server_key, _pkcs8(server_key), secret=True)
    _write(files.server_pem, _pkcs8(server_key) + _pem(server_cert) + _pem(ca_cert), secret=True)
    _write(files.client_cert, _pem(client_cert))
    _write(files.client_key, _pkcs8(client_key), secret=True)
    return files


def issue_client_certificate(
    tls: TlsFiles, folder: Path, *, validity: datetime.timedelta = VALIDITY, label: str = "astra-local"
) -> TlsFiles:
    """Another client certificate from the CA in `tls` (one that expires soon, say), in a TlsFiles of `folder`:
    the CA certificate beside it, no server files."""
    ca_key = serialization.load_pem_private_key(tls.ca_key.read_bytes(), password=None)
    assert isinstance(ca_key, rsa.RSAPrivateKey)
    ca_cert = x509.load_pem_x509_certificate(tls.ca_cert.read_bytes())
    files = TlsFiles(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    client_key = _key()
    client_cert = _issue(
        f"{label} client",
        client_key,
        ca_cert.subject,
        ca_key,
        usage=[ExtendedKeyUsageOID.CLIENT_AUTH],
        validity=validity,
    )
    _write(files.ca_cert, _pem(ca_cert))
    _write(files.client_cert, _pem(client_cert))
    _write(files.client_key, _pkcs8(client_key), secret=True)
    return files


def _write(path: Path, data: bytes, *, secret: bool = False) -> None:
    if secret:
        write_private(path, data)
    else:
        path.write_bytes(data)


def write_private(path: Path, data: bytes) -> None:
    """Write a secret readable by its owner only from the first byte: a new file made 0600, then renamed over
    `path` (so a file that was there with a wider mode is replaced, not rewritten in place)."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
