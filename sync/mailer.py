"""Plain-text e-mail through the `[alerts] smtp_url` (smtp:// with optional STARTTLS-free login, or smtps://)."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from urllib.parse import unquote, urlsplit

from connectors.errors import ConfigError, TransientError

TIMEOUT_S = 30


def send_mail(smtp_url: str, sender: str, to: Sequence[str], subject: str, body: str) -> None:
    """Send one message; a refused or unreachable server is a TransientError that names the host, never a password."""
    parts = urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("alerts.smtp_url: use smtp://host[:port] or smtps://host[:port]")
    if not to:
        raise ConfigError("alerts.to: no recipients for the digest")
    message = EmailMessage(policy=SMTP)  # folds long subjects the RFC 5322 way, CRLF line ends
    message["From"], message["To"], message["Subject"] = sender, ", ".join(to), subject
    message.set_content(body)
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    client_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    try:
        with client_class(parts.hostname, port, timeout=TIMEOUT_S) as client:
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise TransientError(f"e-mail to {parts.hostname}:{port} failed: {type(error).__name__}") from None
