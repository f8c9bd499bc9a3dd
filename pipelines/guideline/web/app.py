"""The review app's routes: small functions over the read model (views), identity (auth) and the one writer
(decisions); every request passes the checks of security first."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from guideline.corpus.reviews import DISPOSITIONS
from guideline.corpus.roster import Member
from guideline.errors import GuidelineError
from guideline.web import auth
from guideline.web.config import ServeConfig
from guideline.web.decisions import ACTIONS, Decider, WebDecision
from guideline.web.reports import Reports
from guideline.web.security import (
    CSP,
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    AuditLog,
    RateLimiter,
    add_headers,
    cross_site_problem,
    csrf_matches,
)
from guideline.web.views import Board, TopicView, commit_history

HERE = Path(__file__).parent
AUDIT_FILE = "audit.jsonl"
# Topics on one page of the queue (those in the member's areas first): a page of a 250-topic queue stays small.
QUEUE_PAGE = 50
# Characters that reorder text on screen (Trojan Source): shown as visible marks, never applied.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
Handler = Callable[[Request], Awaitable[Response]]


def shown(value: object) -> Markup:
    """Record text, escaped, with bidi controls made visible instead of obeyed."""
    text = str(escape("" if value is None else value))
    return Markup(_BIDI.sub(lambda m: f'<span class="bidi" title="bidi control">[U+{ord(m.group()):04X}]</span>',
                            text))


class QueueRows:
    """The queue's rows, rendered once and shared by every member's page: a row is rendered from its key alone
    (what it shows, the member's own column included), so equal keys are equal rows and no member's page can
    show another's. A topic's row changes key when its view changes; old rows are dropped past `limit`."""

    def __init__(self, template: jinja2.Template, limit: int = 4096) -> None:
        self.template = template
        self.limit = limit
        self._rows: dict[tuple[object, ...], Markup] = {}

    def row(self, view: TopicView, you: str, quorum: int) -> Markup:
        key = (*view.row, quorum, you)
        found = self._rows.get(key)
        if found is None:
            if len(self._rows) >= self.limit:
                self._rows.clear()
            names = ("id", "title", "state", "waiting", "fewest", "unresolved", "quorum", "you")
            found = self._rows[key] = Markup(self.template.render(dict(zip(names, key, strict=True))))
        return found

    def __len__(self) -> int:
        return len(self._rows)


def you(member: Member, view: TopicView) -> str:
    """The queue's "You" column: what the topic asks of this member."""
    if not member.approver:
        return "editor"
    if not view.counts[1]:
        return "—"
    return "approved" if view.approved_by(member.email) else "to review"


class App:
    """State of one running app: configuration, read model, writer, sessions, limits, audit."""

    def __init__(self, config: ServeConfig, limiter: RateLimiter | None = None) -> None:
        self.config = config
        self.board = Board(config.root)
        self.decider = Decider(config, self.board)
        self.reports = Reports(config.root)
        self.store = auth.Store(config.state_dir)
        self.sessions = auth.Sessions(config)
        self.limiter = limiter or RateLimiter()
        self.audit = AuditLog(config.state_dir / AUDIT_FILE)
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
        env.filters["t"] = shown
        self.templates = Jinja2Templates(env=env)
        self.rows = QueueRows(env.get_template("queue_row.html"))
        self.cookie = "__Host-guideline-session" if config.secure else "guideline-session"

    def close(self) -> None:
        """The writer's thread, the decisions process and git's object reader end with the server."""
        self.decider.close()
        self.board.close()

    # --- plumbing -------------------------------------------------------------------------------------

    async def middleware(self, request: Request, call_next: Handler) -> Response:
        session = self.sessions.get(request.cookies.get(self.cookie)) or self.sessions.new()
        self._trusted_header(request, session)
        request.state.session = session
        if request.method not in SAFE_METHODS:
            refusal = await self._unsafe_refusal(request)
            if refusal is not None:
                self.audit.record(action=f"{request.method} {request.url.path}", result=f"refused: {refusal}",
                                  member=session.member, credential=session.credential)
                return self._finish(request, self.page(request, "message.html", {"title": "Refused",
                                                                                 "message": refusal}, 403))
        return self._finish(request, await call_next(request))

    def _trusted_header(self, request: Request, session: auth.Session) -> None:
        name = self.config.trusted_header
        if name and session.member is None and request.headers.get(name):
            member = self.board.member(request.headers[name])
            if member is not None:
                session.member, session.credential = member.id, f"header:{name}"
                session.authenticated_at = self.sessions.clock()

    async def _unsafe_refusal(self, request: Request) -> str | None:
        problem = cross_site_problem(request, self.config.origin)
        if problem:
            return problem
        given = request.headers.get(CSRF_HEADER)
        if given is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            # The body, not request.form(): the route reads the form again, and the body is replayed to it.
            given = next(iter(parse_qs((await request.body()).decode("utf-8", "replace")).get(CSRF_FIELD, [])), None)
        if not csrf_matches(request.state.session.csrf, given):
            return "the form's security token is missing or out of date: reload the page and try again"
        return None

    def _finish(self, request: Request, response: Response) -> Response:
        session: auth.Session = request.state.session
        if request.cookies.get(self.cookie) != session.id:
            response.set_cookie(self.cookie, session.id, max_age=self.config.session_seconds, path="/",
                                secure=self.config.secure, httponly=True, samesite="strict")
        return add_headers(response, secure=self.config.secure)

    def member(self, request: Request) -> Member | None:
        session: auth.Session = request.state.session
        return self.board.member(session.member) if session.member else None

    def page(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        session: auth.Session = request.state.session
        base = {"member": self.member(request), "csrf": session.csrf, "dispositions": DISPOSITIONS}
        return self.templates.TemplateResponse(request, name, {**base, **context}, status_code=status)

    def message(self, request: Request, title: str, text: str, status: int) -> Response:
        return self.page(request, "message.html", {"title": title, "message": text}, status)

    def limited(self, request: Request, action: str) -> bool:
        host = request.client.host if request.client else "?"
        return not self.limiter.allow(f"{action}:{host}")

    # --- pages --------------------------------------------------------------------------------------
    # Plain functions: Starlette runs them on its thread pool, so no page or decision holds up the event loop.

    async def home(self, request: Request) -> Response:
        return RedirectResponse("/queue" if self.member(request) else "/login", status_code=303)

    def queue(self, request: Request) -> Response:
        member = self.member(request)
        if member is None:
            return RedirectResponse("/login?next=/queue", status_code=303)
        policy = self.board.project().policy
        entries = self.board.queue(member)
        pages = max(1, -(-len(entries) // QUEUE_PAGE))
        number = min(max(1, _int(request.query_params.get("page"))), pages)
        return self.page(request, "queue.html", {
            "entries": entries[(number - 1) * QUEUE_PAGE:number * QUEUE_PAGE], "total": len(entries),
            "page": number, "pages": pages, "policy": policy,
            "row": lambda view: self.rows.row(view, you(member, view), policy.material_quorum)})

    def topic_view(self, request: Request, suffix: str = "") -> tuple[Member, TopicView] | Response:
        """The member signed in and the topic the path names; else where to sign in, or 404."""
        member = self.member(request)
        topic_id = request.path_params["topic"]
        if member is None:
            return RedirectResponse(f"/login?next=/topics/{topic_id}{suffix}", status_code=303)
        view = self.board.topic(topic_id)
        if view is None:
            return self.message(request, "Not found", f"no topic has the id '{topic_id}'", 404)
        return member, view

    def topic(self, request: Request) -> Response:
        found = self.topic_view(request)
        if isinstance(found, Response):
            return found
        member, view = found
        return self.page(request, "topic.html", {"view": view, "policy": self.board.project().policy,
                                                 "resolvable": self.board.resolvable(member, view)})

    def report(self, request: Request) -> Response:
        if self.member(request) is None:
            return self.message(request, "Sign in", "sign in to read the board report", 401)
        try:
            shown = self.reports.shown(request.path_params["topic"])
        except GuidelineError as exc:
            return self.message(request, "Board report unavailable", str(exc), 503)
        if shown is None:
            if self.reports.failure:
                return self.message(request, "Board report unavailable", self.reports.failure, 503)
            response = self.page(request, "preparing.html", {})
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
            response.headers["Content-Security-Policy"] = CSP.replace("frame-ancestors 'none'",
                                                                      "frame-ancestors 'self'")
            return response
        html = shown.html if shown.note is None else shown.html.replace(
            "<body>", f'<body><p role="status">{escape(shown.note)}</p>', 1)
        response = HTMLResponse(html)
        response.headers["Content-Security-Policy"] = shown.csp
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    def history(self, request: Request) -> Response:
        found = self.topic_view(request, "/history")
        if isinstance(found, Response):
            return found
        view = found[1]
        commits = commit_history(self.config.root, view.log.path)
        return self.page(request, "history.html", {"view": view, "commits": commits})

    # --- decisions ----------------------------------------------------------------------------------

    async def decide(self, request: Request) -> Response:
        session: auth.Session = request.state.session
        member = self.member(request)
        topic_id, action = request.path_params["topic"], request.path_params["action"]
        if member is None:
            return self.message(request, "Sign in", "sign in with your passkey first", 401)
        if self.sessions.needs_reauth(session):
            return self.page(request, "login.html", {"next": f"/topics/{topic_id}", "reauth": True}, 401)
        if action not in ACTIONS:
            return self.message(request, "Not found", f"unknown action '{action}'", 404)
        form = await request.form()
        decision = WebDecision(member, topic_id, action, str(form.get("content_hash") or ""),
                               _field(form.get("record")), _field(form.get("text")),
                               _field(form.get("comment_id")), _field(form.get("disposition")))
        try:
            # Awaited, not waited for on a thread: decisions waiting their turn hold none of the pages' threads.
            outcome = await asyncio.wrap_future(self.decider.submit(decision, date.today()))
        except GuidelineError as exc:
            self.audit.record(action=action, result=f"failed: {exc}", member=member.id,
                              credential=session.credential, content_hash=decision.seen_hash, target=topic_id)
            return self.message(request, "Not recorded", f"nothing was recorded: {exc}", 500)
        self.audit.record(action=action, result="recorded" if outcome.status == 200 else
                          f"refused {outcome.status}: {outcome.message}", member=member.id,
                          credential=session.credential, content_hash=decision.seen_hash, target=topic_id,
                          record=decision.record, commit=outcome.commit)
        if outcome.status != 200:
            return self.message(request, "Not recorded", outcome.message, outcome.status)
        return self.page(request, "message.html", {"title": "Recorded", "message": outcome.message,
                                                   "commit": outcome.commit, "back": f"/topics/{topic_id}"})

    # --- identity -----------------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        return self.page(request, "login.html", {"next": _local(request.query_params.get("next"))})

    async def enrol_page(self, request: Request) -> Response:
        return self.page(request, "enrol.html", {})

    async def logout(self, request: Request) -> Response:
        session: auth.Session = request.state.session
        self.audit.record(action="sign-out", result="ok", member=session.member, credential=session.credential)
        self.sessions.sign_out(session)
        request.state.session = self.sessions.new()
        return RedirectResponse("/login", status_code=303)

    async def enrol_options(self, request: Request) -> Response:
        session: auth.Session = request.state.session
        if self.limited(request, "enrol"):
            return _error("too many attempts: wait a minute", 429)
        token = str((await _json(request)).get("token") or "").strip()
        member_id = self.store.token_member(token) if token else None
        member = self.board.member(member_id) if member_id else None
        if member is None:
            self.audit.record(action="enrol", result="refused: unknown or expired token")
            return _error("this enrolment token is unknown, used or expired: ask for a new one", 403)
        existing = [cid for cid, c in self.store.credentials().items() if c["member"] == member.id]
        options, challenge = auth.registration_options(self.config, member.id, member.name, existing)
        session.ceremony = {"kind": "enrol", "challenge": challenge, "token": token, "member": member.id}
        return Response(options, media_type="application/json")

    async def enrol_finish(self, request: Request) -> Response:
        session: auth.Session = request.state.session
        ceremony, session.ceremony = session.ceremony, {}
        if ceremony.get("kind") != "enrol" or self.limited(request, "enrol"):
            return _error("start the enrolment again", 400)
        try:
            cid, key, count = auth.verify_registration(self.config, (await _json(request)).get("credential") or {},
                                                       ceremony["challenge"])
        except GuidelineError as exc:
            self.audit.record(action="enrol", result=f"refused: {exc}", member=ceremony["member"])
            return _error(str(exc), 400)
        if self.store.use_token(ceremony["token"]) != ceremony["member"]:
            return _error("this enrolment token was used or expired meanwhile", 403)
        self.store.add_credential(cid, ceremony["member"], key, count)
        request.state.session = self.sessions.sign_in(session, ceremony["member"], cid)
        self.audit.record(action="enrol", result="ok", member=ceremony["member"], credential=cid)
        return JSONResponse({"next": "/queue"})

    async def login_options(self, request: Request) -> Response:
        session: auth.Session = request.state.session
        if self.limited(request, "login"):
            return _error("too many attempts: wait a minute", 429)
        options, challenge = auth.authentication_options(self.config)
        session.ceremony = {"kind": "login", "challenge": challenge}
        return Response(options, media_type="application/json")

    async def login_finish(self, request: Request) -> Response:
        session: auth.Session = request.state.session
        ceremony, session.ceremony = session.ceremony, {}
        body = await _json(request)
        credential = body.get("credential") or {}
        stored = self.store.credentials().get(str(credential.get("id") if isinstance(credential, dict) else ""))
        if ceremony.get("kind") != "login" or stored is None or self.limited(request, "login"):
            self.audit.record(action="sign-in", result="refused: unknown passkey or no ceremony")
            return _error("this passkey is not enrolled here, or the sign-in took too long: try again", 403)
        try:
            count = auth.verify_authentication(self.config, credential, ceremony["challenge"], stored)
        except GuidelineError as exc:
            self.audit.record(action="sign-in", result=f"refused: {exc}", member=stored["member"])
            return _error(str(exc), 403)
        self.store.update_sign_count(str(credential["id"]), count)
        request.state.session = self.sessions.sign_in(session, stored["member"], str(credential["id"]))
        self.audit.record(action="sign-in", result="ok", member=stored["member"], credential=credential["id"])
        return JSONResponse({"next": _local(body.get("next")) or "/queue"})


def _int(value: str | None) -> int:
    return int(value) if value is not None and value.isdigit() and len(value) < 6 else 1


def _field(value: object) -> str | None:
    return str(value).strip() or None if isinstance(value, str) else None


def _local(target: object) -> str:
    """Only paths of this site are followed after sign-in (no open redirect)."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return ""
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else ""


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error(message: str, status: int) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def create_app(config: ServeConfig, limiter: RateLimiter | None = None) -> Starlette:
    app = App(config, limiter)
    routes = [
        Route("/", app.home), Route("/queue", app.queue),
        Route("/topics/{topic}", app.topic), Route("/topics/{topic}/report", app.report),
        Route("/topics/{topic}/history", app.history),
        Route("/topics/{topic}/{action}", app.decide, methods=["POST"]),
        Route("/login", app.login_page), Route("/enrol", app.enrol_page),
        Route("/logout", app.logout, methods=["POST"]),
        Route("/enrol/options", app.enrol_options, methods=["POST"]),
        Route("/enrol/finish", app.enrol_finish, methods=["POST"]),
        Route("/login/options", app.login_options, methods=["POST"]),
        Route("/login/finish", app.login_finish, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        app.close()

    starlette = Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=app.middleware)],
                          lifespan=lifespan)
    starlette.state.app = app
    return starlette
