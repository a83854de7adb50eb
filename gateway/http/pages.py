"""What every HTML page shares: templates, encrypted session cookies, static assets, the
security headers, and errors as HTML pages (the API's stay JSON; aiohttp's own answer to a
request it cannot parse is plain text without the request's bytes: ``malformed``).

The encrypted cookie carries the page's language, its CSRF token and, for staff, the token
of a session row in the database (``gateway.service.staff``): the row decides whether the
session is live. It is ``SameSite=Lax``, so a link to a staff page from a mail or a chat
arrives logged in; the CSRF token guards every post."""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import timedelta
from html import escape
from pathlib import Path

import aiohttp_jinja2
import aiohttp_session
import jinja2
from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from gateway.config import Config
from gateway.domain.model import plain
from gateway.http import malformed
from gateway.http.errors import Handler
from gateway.http.keys import DEVICE_KEY, SESSION_POLICY, TRUSTED_PROXIES
from gateway.http.remote import networks
from gateway.http.throttle import device_key
from gateway.runtime import i18n
from gateway.runtime.i18n import N_
from gateway.service.staff import SessionPolicy

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
# every page's template: the home page, the customer form, ``staff/`` (the staff UI)
TEMPLATES = HERE / "templates"
HTML_PREFIXES = ("/staff", "/submit", "/static/")

HEADERS = {
    # no inline script or style anywhere: every asset is a file the app serves
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


# aiohttp's reasons for the errors an HTML page can meet, marked for the catalogue
REASONS = {
    400: N_("Bad Request"),
    403: N_("Forbidden"),
    404: N_("Not Found"),
    405: N_("Method Not Allowed"),
    413: N_("Request Entity Too Large"),
    429: N_("Too Many Requests"),
}


def is_html(path: str) -> bool:
    return path == "/" or path.startswith(HTML_PREFIXES)


@web.middleware
async def html_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_html(request.path):
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as e:
        if e.status >= 400 and e.content_type == "text/plain":
            page = error_page(e.status, e.text or e.reason, request.query.get("lang"))
            if e.keep_alive is False:  # the request's body was left unread: close
                page.force_close()
            return page
        e.headers.update(HEADERS)
        raise
    response.headers.update(HEADERS)
    return response


def error_page(status: int, text: str, lang: str | None = None) -> web.Response:
    """An HTML error in the page's language (Russian unless ``?lang=en``); aiohttp's own
    reasons ("Not Found") become the catalogue's texts."""
    lang = i18n.language(lang)
    t = i18n.translations(lang)
    if text.startswith(f"{status}: "):  # aiohttp's default body: "404: Not Found"
        text = text.partition(": ")[2]
    if REASONS.get(status) == text:
        text = t.gettext(text)
    body = (
        f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{status}</title>'
        f'<link rel="stylesheet" href="/static/app.css"><main><h1>{status}</h1>'
        f'<p>{escape(text)}</p><p><a href="/">{escape(t.gettext("Home"))}</a></p></main></html>'
    )
    return web.Response(status=status, text=body, content_type="text/html", headers=HEADERS)


def session_key(config: Config) -> bytes:
    """The cookie encryption key (32 bytes) from ``staff.session_secret``; a fresh one when
    unset, so sessions end with the process."""
    secret = config.staff.session_secret
    if not secret:
        log.warning("staff.session_secret is not set: sessions do not survive a restart")
        return os.urandom(32)
    return hashlib.sha256(secret.encode()).digest()


# A template's texts: {{ _("English text") }}, in the language of the page's ``lang``.
@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return i18n.translations(context.get("lang")).gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return i18n.translations(context.get("lang")).ngettext(singular, plural, n)


async def home(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("home.html", request, {})


def setup(app: web.Application, config: Config) -> None:
    malformed.install()  # aiohttp's own 400s (a request it cannot parse) echo no bytes
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.filters["plain"] = plain
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    staff = config.staff
    key = session_key(config)
    app[DEVICE_KEY] = device_key(key)
    app[TRUSTED_PROXIES] = networks(config.http.trusted_proxies)
    app[SESSION_POLICY] = SessionPolicy(
        max_age=timedelta(seconds=staff.session_max_age),
        idle=timedelta(seconds=min(staff.session_idle, staff.session_max_age)),
    )
    storage = EncryptedCookieStorage(
        key,  # 32 raw bytes (the storage base64-encodes them)
        cookie_name="mg_session",
        max_age=staff.session_max_age,
        httponly=True,
        samesite="Lax",
        secure=staff.secure_cookies,
    )
    aiohttp_session.setup(app, storage)
    app.router.add_get("/", home)
    app.router.add_static("/static/", HERE / "static", name="static")
