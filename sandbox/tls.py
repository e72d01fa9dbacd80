"""A certificate authority made at start, so clients talk real HTTPS to a loopback sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: the CA a client trusts, and the server's certificate chain and key."""

    ca_pem: Path
    cert_pem: Path
    key_pem: Path


def make_tls(directory: Path, name: str = "sandbox") -> TlsFiles:
    """Mint a fresh CA and a server certificate for 127.0.0.1 and localhost into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name=f"crm-credit {name} CA")
    server = ca.issue_cert("127.0.0.1", "localhost")
    files = TlsFiles(directory / f"{name}-ca.pem", directory / f"{name}-cert.pem", directory / f"{name}-key.pem")
    ca.cert_pem.write_to_path(str(files.ca_pem))
    server.private_key_pem.write_to_path(str(files.key_pem))
    with files.cert_pem.open("wb") as out:
        for blob in server.cert_chain_pems:
            out.write(blob.bytes())
    return files
