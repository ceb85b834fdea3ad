"""How ``journeymap serve`` runs uvicorn: timeouts and limits on connections.

uvicorn closes an idle keep-alive connection after ``timeout_keep_alive`` seconds, but
it waits for ever for the headers of a request: a client that opens a connection and
sends nothing (or a few bytes of a request line) holds it open.  :class:`HeaderTimeout`
is uvicorn's own HTTP protocol (httptools when installed, else h11) with one more
timer: a connection must complete each request's headers within
``header_timeout`` seconds (``JOURNEYMAP_HEADER_TIMEOUT_SECONDS``), or it is closed;
and a request line with headers longer than ``MAX_HEADER_BYTES`` gets 431 and the
connection is closed (httptools itself has no such limit; h11 has the same one).
A stalled request *body* is cut off by :class:`api.main.RequestLimitsMiddleware`.

The limits and their defaults are in :mod:`journeymap.limits` and
``docs/security.md`` ("Service").
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from journeymap.limits import HEADER_TIMEOUT_SECONDS, MAX_HEADER_BYTES

__all__ = ["HEADER_TIMEOUT_ENV", "HeaderTimeout", "header_timeout"]

HEADER_TIMEOUT_ENV = "JOURNEYMAP_HEADER_TIMEOUT_SECONDS"

try:  # the protocol uvicorn's "auto" picks
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - httptools is part of uvicorn[standard]
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base  # type: ignore[assignment]


def header_timeout() -> float:
    """Seconds a connection has to send a request's headers (from the environment,
    which ``journeymap serve`` sets for every server process)."""
    try:
        value = float(os.environ.get(HEADER_TIMEOUT_ENV, HEADER_TIMEOUT_SECONDS))
    except ValueError:
        value = HEADER_TIMEOUT_SECONDS
    return value if value > 0 else HEADER_TIMEOUT_SECONDS


_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; "
              b"charset=utf-8\r\nconnection: close\r\ncontent-length: 38\r\n\r\n"
              b"the request's headers are too large.\r\n")


class _HeadersTooLargeError(Exception):
    pass


class HeaderTimeout(_Base):
    """uvicorn's HTTP protocol that closes a connection whose request headers do not
    arrive within :func:`header_timeout` seconds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_timeout = header_timeout()
        self._header_bytes = 0  # received while waiting for the current headers
        self._parsed_bytes = 0  # the current request's line and headers, as parsed
        self._too_large = False

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self._header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing():
            self._disarm()
        elif self._waiting_for_headers():
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._disarm()
                self.transport.write(_TOO_LARGE)
                self.transport.close()
                return
            self._arm()
        else:
            self._header_bytes = 0
            self._disarm()

    # httptools callbacks: headers arriving in one read are counted as they are parsed
    def on_message_begin(self) -> None:
        self._parsed_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count(self, n: int) -> None:
        self._parsed_bytes += n
        if self._parsed_bytes > MAX_HEADER_BYTES:
            self._too_large = True
            raise _HeadersTooLargeError  # the parser stops; uvicorn calls send_400_response

    def send_400_response(self, msg: str) -> None:
        if not self._too_large:
            super().send_400_response(msg)
            return
        self._disarm()
        self.transport.write(_TOO_LARGE)
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
