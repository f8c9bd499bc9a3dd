"""Request-level defences of the review app: same-origin and CSRF checks on every unsafe request, response
headers (a strict Content-Security-Policy among them), rate limits, and the audit log of every change."""

from __future__ import annotations

import hmac
import json
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cache-Control": "no-store",
}
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def cross_site_problem(request: Request, origin: str) -> str | None:
    """Why an unsafe request does not come from our own pages, or None. Browsers send Sec-Fetch-Site;
    older ones send Origin; a request with neither (a script, curl) still needs the CSRF token."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"cross-site request refused (Sec-Fetch-Site: {site})"
    sent = request.headers.get("origin")
    if sent is not None and sent != origin:
        return f"cross-origin request refused (Origin: {sent})"
    return None


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def add_headers(response: Response, *, secure: bool, csp: str = CSP) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", csp)
    if secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def headers_middleware(secure: bool) -> Callable[[Request, Callable[[Request], Awaitable[Response]]],
                                                 Awaitable[Response]]:
    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        return add_headers(await call_next(request), secure=secure)
    return middleware


@dataclass
class RateLimiter:
    """At most `limit` attempts per `window` seconds for each key (a client address and an action)."""

    limit: int = 10
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _hits: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 10_000:
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}
            return True


class AuditLog:
    """One JSON line per request that changed (or tried to change) something. Each line goes out in a
    single write to a file opened for appending, then fsync: a crash leaves whole lines only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, *, action: str, result: str, member: str | None = None, credential: str | None = None,
               content_hash: str | None = None, target: str | None = None, **extra: Any) -> None:
        entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "action": action,
                 "result": result, "member": member, "credential": credential, "content_hash": content_hash,
                 "target": target, **extra}
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]
