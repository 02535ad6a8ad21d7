"""Bounds of the archive browser: hostile requests get 400/404 (never 500), heavy pages cost bounded memory.

- :class:`RequestGuard` (ASGI): a NUL byte in the query or path, a number in the path too large for an id or
  an offset (more than 18 digits), a path or query longer than a browser would send: 400/404 before any route
  runs (SQLite and ``seek`` would raise on them).
- :func:`heavy`: the pages that read an archived record (report, diff, record, its content and raw bytes)
  run at most :data:`HEAVY_AT_ONCE` at a time; one that waits longer than :data:`HEAVY_WAIT` seconds answers
  503 with ``Retry-After``.
- :data:`RENDER_CAP`: what a page analyses of an archived payload (links for the attachments, text for a diff);
  downloads are streamed whole (``ArchiveReader.payload_chunks``), never held in memory.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any, Callable
from urllib.parse import unquote_to_bytes

HEAVY_AT_ONCE = 4
HEAVY_WAIT = 30.0
RENDER_CAP = 4 << 20  # bytes of an archived payload a page parses
MAX_TARGET = 8192  # bytes of path + query
_BIG_NUMBER = re.compile(rb"(?:^|/)-?\d{19,}(?:/|$)")

_heavy = threading.BoundedSemaphore(HEAVY_AT_ONCE)


def heavy(handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Run a (synchronous) page handler under the heavy-request bound."""

    @functools.wraps(handler)
    def bounded(request: Any) -> Any:
        from starlette.exceptions import HTTPException

        if not _heavy.acquire(timeout=HEAVY_WAIT):
            raise HTTPException(503, "the archive browser is busy with large records; try again shortly",
                                headers={"Retry-After": "10"})
        try:
            return handler(request)
        finally:
            _heavy.release()

    return bounded


class RequestGuard:
    """Rejects what no route can answer sensibly, before it reaches one."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            problem = self.problem(scope)
            if problem is not None:
                status, message = problem
                body = f"{status}: {message}\n".encode()
                await send({"type": "http.response.start", "status": status, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    @staticmethod
    def problem(scope: dict) -> tuple[int, str] | None:
        raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
        query = scope.get("query_string") or b""
        if len(raw_path) + len(query) > MAX_TARGET:
            return 414, "request target too long"
        path = unquote_to_bytes(raw_path)
        if b"\x00" in path or b"\x00" in unquote_to_bytes(query.replace(b"+", b" ")):
            return 400, "a NUL byte in the request"
        if _BIG_NUMBER.search(path):
            return 404, "no such id or offset"
        return None
