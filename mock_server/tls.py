"""HTTPS for clients that refuse a plain-http base URL (some Kling clients accept only
``https://``): a local certificate authority made at start-up with ``trustme``, a server
certificate from it for the loopback names, and the CA written where the user can point the
client's trust at it (``NODE_EXTRA_CA_CERTS``, ``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``).

Nothing here is trusted by the system: the CA exists for one run, and only clients told to
trust its file accept the server.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

NAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class TlsFiles:
    cert: Path  # the server's certificate chain (PEM)
    key: Path  # its private key (PEM), readable by this user only
    ca: Path  # the CA certificate clients must trust (PEM)


def make_local_tls(ca_path: Path, host: str) -> TlsFiles:
    """A fresh CA (written to ``ca_path``) and a server certificate for the loopback names
    and ``host``; the server's files go to a private temporary directory."""
    try:
        import trustme
    except ImportError:
        raise ValueError(
            "--tls needs the 'trustme' package: pip install 'kling-mock[tls]'"
        ) from None
    authority = trustme.CA(organization_name="kling-mock local CA")
    names = list(dict.fromkeys([*NAMES, host]))
    server = authority.issue_cert(*[n for n in names if n not in ("0.0.0.0", "::")])
    ca_path = Path(ca_path)
    try:
        authority.cert_pem.write_to_path(str(ca_path))
    except OSError as exc:
        raise ValueError(f"--tls-ca-file {ca_path}: cannot be written ({exc})") from None
    folder = Path(tempfile.mkdtemp(prefix="kling-mock-tls-"))
    cert, key = folder / "server.pem", folder / "server.key"
    server.cert_chain_pems[0].write_to_path(str(cert))
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(str(cert), append=True)
    server.private_key_pem.write_to_path(str(key))
    key.chmod(0o600)
    return TlsFiles(cert=cert, key=key, ca=ca_path)
