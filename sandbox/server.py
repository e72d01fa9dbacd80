"""Run an ASGI sandbox app with uvicorn over HTTPS on a loopback port, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from sandbox.tls import TlsFiles


class SandboxServer:
    """One emulator listening on 127.0.0.1; `url` is known once `start()` returns.

    asyncio sets TCP_NODELAY on every accepted socket and uvicorn keeps connections alive,
    so a request costs ~1 ms here instead of the ~40 ms Nagle + delayed-ACK stall of http.server.
    """

    def __init__(self, app: Any, tls: TlsFiles | None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.tls = tls
        self.host = host
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_keep_alive=30,
            ssl_certfile=str(tls.cert_pem) if tls else None,
            ssl_keyfile=str(tls.key_pem) if tls else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"sandbox:{self.port}", daemon=True)

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def _run(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self, timeout_s: float = 10.0) -> SandboxServer:
        """Start serving and wait until the socket accepts requests."""
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._server.should_exit = True
        # Without force_exit uvicorn waits for every keep-alive TLS connection a client still holds
        # to finish its close_notify exchange, which an idle requests.Session never does (~30 s).
        self._server.force_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def serve_forever(self) -> None:
        """Run in the foreground until interrupted (the `crm-credit sandbox` command)."""
        self._server.run(sockets=[self._sock])

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
