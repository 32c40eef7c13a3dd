"""Login, sessions and CSRF for the workbench, installed on its Flask server.

``Auth(cases_store).init_app(server)`` adds ``/login`` (a plain HTML form) and ``/logout``
and puts one gate in front of every other request:

- no valid session (cookie ``bidgraph_session``: HttpOnly, SameSite=Strict) → a page is
  redirected to ``/login``, anything else (Dash's JSON endpoints) gets 403;
- every state-changing request (POST, ...) must carry the session's CSRF token, in header
  ``X-CSRFToken`` (dash-renderer sends the ``_csrf_token`` cookie there on every callback)
  or in form field ``csrf``; without it: 403 and nothing changes (double-submit pattern,
  checked against the session on the server).

Each request's user is ``flask.g.bidgraph_user``; the callbacks read through
:class:`RequestData`, which picks the user's region view
(:class:`~bidgraph.cases.scoped_store.ScopedStore`) and a
:class:`~bidgraph.workbench.casedesk.CaseDesk` that authorizes every cases call for the
request's session. Neither the whole graph nor the cases store is reachable from it.
"""

from __future__ import annotations

import hmac
import secrets
from html import escape

from flask import Response, g, has_request_context, redirect, request

from bidgraph.cases import inspections, users
from bidgraph.cases.db import CasesStore
from bidgraph.cases.scoped_store import RegionViews
from bidgraph.cases.users import AccessDenied
from bidgraph.workbench.casedesk import CaseDesk, Session
from bidgraph.workbench.data import WorkbenchData
from bidgraph.workbench.i18n import pick_lang, t
from bidgraph.workbench.messages import localized

__all__ = ["Auth", "RequestData", "SESSION_COOKIE", "CSRF_COOKIE", "LOGIN_COOKIE"]

SESSION_COOKIE = "bidgraph_session"
CSRF_COOKIE = "_csrf_token"  # dash-renderer's default: read by its script, sent as X-CSRFToken
LOGIN_COOKIE = "bidgraph_login"  # guards the login form itself against cross-site posts
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")
PAGE = """<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/assets/workbench.css"></head><body class="login-page">
<form method="post" action="/login" class="login-box"><h1>{title}</h1><h2>{heading}</h2>{error}
<label>{user_label}<input name="name" id="input-login-name" autocomplete="username" required autofocus></label>
<label>{password_label}<input name="password" id="input-login-password" type="password" autocomplete="current-password" required></label>
<input type="hidden" name="login_csrf" value="{login_csrf}">
<button type="submit" id="button-login">{button}</button>
<a href="/login?lang={other}">{switch}</a></form></body></html>"""


class Auth:
    """Access control for :func:`bidgraph.workbench.app.create_app` (``auth=Auth(cases)``).

    Parameters
    ----------
    cases : CasesStore
        Accounts, sessions and the audit trail.
    secure_cookies : bool
        Mark cookies ``Secure`` (set when serving behind HTTPS).
    """

    def __init__(self, cases: CasesStore, secure_cookies: bool = False):
        self.cases, self.secure = cases, secure_cookies
        self.open_paths: set[str] = set()  # served without login (the public page with serve --public)

    # -- what the pages read --------------------------------------------------------------
    def data_for(self, api) -> RequestData:
        """What the callbacks read: the request's user's region of ``api``, and their cases."""
        views = RegionViews(api, self.cases, current_user)
        return RequestData(views, CaseDesk(self.cases, views.regions, request_session))

    def account(self) -> dict | None:
        """Who is logged in, for the page header (name, role, region, CSRF token for logout)."""
        if not has_request_context() or "bidgraph_user" not in g:
            return None
        user = g.bidgraph_user
        return {"name": user.name, "role": user.role, "region": user.region_code, "csrf": g.bidgraph_csrf}

    def inspection_results(self) -> list[dict]:
        """Every recorded random-inspection result for the public page (双随机、一公开): the
        inspection, its target kind, the item drawn (a project or firm id), the result and the
        day recorded; never the note, the officers or who recorded it."""
        reader = users.User("(public page)", "viewer", None)  # city-wide read of published results
        return [
            {
                "inspection": i["id"],
                "target": i["target"],
                "item": r["item_id"],
                "result": r["result"],
                "recorded_on": r["recorded_on"],
            }
            for i in inspections.list_inspections(self.cases, reader)
            for r in i["results"]
        ]

    # -- Flask ----------------------------------------------------------------------------
    def init_app(self, server) -> None:
        server.before_request(self._gate)
        server.after_request(self._set_csrf_cookie)
        server.add_url_rule("/login", "bidgraph_login", self._login, methods=["GET", "POST"])
        server.add_url_rule("/logout", "bidgraph_logout", self._logout, methods=["POST"])

    def _gate(self):
        path = request.path
        if path == "/login" or path.startswith(PUBLIC_PREFIXES) or path in self.open_paths:
            return None
        token = request.cookies.get(SESSION_COOKIE)
        try:
            user = users.authorize(self.cases, token, None, "session")  # the pages then ask for their own rights
            csrf = users.csrf_token_for(self.cases, token)
            if request.method not in SAFE_METHODS:
                sent = request.headers.get("X-CSRFToken") or request.form.get("csrf") or ""
                if not hmac.compare_digest(sent.encode("utf-8"), csrf.encode("utf-8")):
                    raise AccessDenied("missing or wrong CSRF token; the request was refused")
        except AccessDenied as exc:
            if request.method in SAFE_METHODS and not path.startswith("/_"):
                return redirect("/login")
            return Response(str(exc), 403, mimetype="text/plain")
        g.bidgraph_user, g.bidgraph_token, g.bidgraph_csrf = user, token, csrf
        return None

    def _cookie(self, response, name: str, value: str, http_only: bool = True) -> None:
        response.set_cookie(name, value, httponly=http_only, samesite="Strict", secure=self.secure, path="/")

    def _set_csrf_cookie(self, response):
        if "bidgraph_csrf" in g and request.cookies.get(CSRF_COOKIE) != g.bidgraph_csrf:
            self._cookie(response, CSRF_COOKIE, g.bidgraph_csrf, http_only=False)  # the page's script reads it
        return response

    def _login(self):
        lang = pick_lang(request.args.get("lang") or request.cookies.get("bidgraph_lang"))
        if request.method == "GET":
            return self._page(lang)
        expected = request.cookies.get(LOGIN_COOKIE) or ""
        if not expected or not hmac.compare_digest(expected, request.form.get("login_csrf", "")):
            return self._page(lang, t("auth.form_expired", lang), 403)
        try:
            session = users.login(
                self.cases,
                request.form.get("name", "").strip(),
                request.form.get("password", ""),
                source=request.remote_addr or "unknown",
            )
        except AccessDenied as exc:
            return self._page(lang, t("auth.failed", lang, msg=localized(str(exc), lang)), 401)
        response = redirect("/")
        self._cookie(response, SESSION_COOKIE, session.token)
        self._cookie(response, CSRF_COOKIE, session.csrf_token, http_only=False)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    def _page(self, lang: str, error: str | None = None, status: int = 200):
        # One token per browser until it logs in: a second login page (another tab, a favicon
        # redirect) must not invalidate the form already on screen.
        login_csrf = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
        html = PAGE.format(
            html_lang="zh-CN" if lang == "zh" else "en",
            title=escape(t("app.title", lang)),
            heading=escape(t("auth.heading", lang)),
            user_label=escape(t("auth.user", lang)),
            password_label=escape(t("auth.password", lang)),
            button=escape(t("auth.login", lang)),
            error=f'<p class="login-error" role="alert">{escape(error)}</p>' if error else "",
            login_csrf=login_csrf,
            other="en" if lang == "zh" else "zh",
            switch=escape(t("app.switch", lang)),
        )
        response = Response(html, status, mimetype="text/html")
        self._cookie(response, LOGIN_COOKIE, login_csrf)
        return response

    def _logout(self):
        users.logout(self.cases, g.bidgraph_token)
        response = redirect("/login")
        for name in (SESSION_COOKIE, CSRF_COOKIE):
            response.delete_cookie(name, path="/")
        g.pop("bidgraph_csrf")
        return response


def current_user() -> users.User:
    """The user of the request being served (set by the gate)."""
    return g.bidgraph_user


def request_session() -> Session:
    """The session token and the CSRF token the request being served carries."""
    return g.get("bidgraph_token"), request.headers.get("X-CSRFToken") or request.form.get("csrf")


class RequestData:
    """The callbacks' data with login: the request's user's :class:`WorkbenchData` (``api``,
    ``cases``, ``findings()``, ``finding()``, ``rows()``, ``by_entity()``, ``ranking()``), one
    per region, built on first use.

    Parameters
    ----------
    views : RegionViews
        The graph per region (the whole graph stays private inside it).
    desk : CaseDesk
        Cases as the request's session.
    """

    def __init__(self, views: RegionViews, desk: CaseDesk):
        self._views, self._desk = views, desk
        self.supervision = desk  # the supervision loop (督办, 考核): every role, each call authorized
        self._data: dict[str | None, WorkbenchData] = {}

    def current(self) -> WorkbenchData:
        user = current_user()
        if not user.can("read"):  # a department account: its inbox only, never the graph or findings
            raise AccessDenied(f"user {user.name!r} (role {user.role}) may not read the graph / 无权查看图谱与线索")
        region = user.region_code
        if region not in self._data:
            self._data[region] = WorkbenchData(self._views.store(region), self._desk)
        return self._data[region]

    def __getattr__(self, name: str):
        return getattr(self.current(), name)
