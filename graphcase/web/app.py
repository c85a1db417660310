"""The ASGI app: sessions, sign-in guard, CSRF, security headers, and the route table.

Sessions live in the server's memory; the browser holds only a random session id in a cookie signed by
Starlette's SessionMiddleware (itsdangerous), HttpOnly, SameSite=Strict and Secure behind TLS. So signing
out, an idle time-out or a restart ends a session for good (a copied cookie is worth nothing after).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import views
from .access import PUBLIC, allowed, may_open
from .sessions import Lockout, Session, Sessions
from .users import UserFile

HERE = Path(__file__).resolve().parent

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds the headers above to every response (pages, JSON, static files, errors); HSTS behind TLS."""

    def __init__(self, app, https: bool = False):
        self.app = app
        self.headers = SECURITY_HEADERS + ([(b"strict-transport-security", b"max-age=31536000")] if https else [])

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in self.headers if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ServerTiming:
    """``Server-Timing: app;dur=MS`` on every response: the server's own time, for benchmarks/serve_speed.py."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()

        async def send_timed(message):
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - started) * 1000
                message["headers"] = list(message.get("headers", [])) + [(b"server-timing", f"app;dur={ms:.1f}".encode())]
            await send(message)

        await self.app(scope, receive, send_timed)


def guard(name: str, handler: Callable, *, is_async: bool = False):
    """The endpoint for route ``name``: session, idle time-out, role rule, CSRF on POST, then ``handler``."""

    async def endpoint(request: Request) -> Response:
        ws = request.app.state.workspace
        session, expired = ws.sessions.get(request.session)
        request.state.session = session
        wants_json = request.url.path.startswith("/api/")
        if not allowed(name, None):  # not public: needs a signed-in user with an allowed role
            if session.user is None:
                if wants_json:
                    return JSONResponse({"error": "sign in first"}, status_code=401)
                return RedirectResponse("/login" + ("?expired=1" if expired else ""), status_code=303)
            if not allowed(name, session.user.role):
                if wants_json:
                    return JSONResponse({"error": "your role may not open this"}, status_code=403)
                return PlainTextResponse(f"Forbidden: a {session.user.role} may not open this page.", status_code=403)
        person = request.path_params.get("pid") or (request.query_params.get("person") if name == "reason" else None)
        if person is not None and session.user is not None and not may_open(session.user, person):
            return PlainTextResponse("Forbidden: this case is not assigned to you.", status_code=403)
        if request.method == "POST":
            form = await request.form()
            person = form.get("person") if name == "reason_submit" else None
            if person is not None and not may_open(session.user, str(person)):
                return PlainTextResponse("Forbidden: this case is not assigned to you.", status_code=403)
            token = str(form.get("csrf", ""))
            if not hmac.compare_digest(token.encode(), session.csrf.encode()):
                return PlainTextResponse("Forbidden: the form's CSRF token is missing or wrong; reload the page.", status_code=403)
            request.state.form = form
        if is_async:
            return await handler(request)
        return await run_in_threadpool(handler, request)

    return endpoint


def create_app(workspace) -> Starlette:
    """The app over ``workspace`` (a :class:`graphcase.web.views.Workspace`)."""
    import pyvis

    from ..maps.page import vis_assets

    vis_dir = Path(pyvis.__file__).parent / "lib" / vis_assets()[0]
    routes = [Route(path, guard(name, fn), methods=methods, name=name) for path, name, fn, methods in views.ROUTES]
    routes += [
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        Mount("/vis", app=StaticFiles(directory=vis_dir), name="vis"),
    ]
    middleware = [
        Middleware(SecurityHeaders, https=workspace.https),
        Middleware(ServerTiming),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(workspace.allowed_hosts)),
        Middleware(SessionMiddleware, secret_key=workspace.secret.decode(), session_cookie="graphcase_session",
                   max_age=None, same_site="strict", https_only=workspace.https),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.workspace = workspace
    return app


__all__ = ["CSP", "Lockout", "PUBLIC", "Session", "Sessions", "UserFile", "create_app", "guard"]
