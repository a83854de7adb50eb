"""CSRF tokens for every HTML form: one random token per session, sent back in a hidden
field ``csrf`` and compared in constant time. A post without it is refused (403) before
anything else is read or stored; a form holding a control character is refused (400)."""

from __future__ import annotations

import hmac
import secrets
from html import escape

from aiohttp import web
from aiohttp_session import get_session

from gateway.http.edge import check_text
from gateway.http.responses import read_form
from gateway.runtime import i18n

FIELD = "csrf"
EXPIRED = i18n.N_("The form has expired or did not come from this site. Reload and retry.")


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    token = session.get(FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[FIELD] = token
    return token


def forbidden(text: str) -> web.HTTPForbidden:
    body = f"<!doctype html><meta charset=utf-8><title>403</title><h1>403</h1><p>{escape(text)}</p>"
    return web.HTTPForbidden(text=body, content_type="text/html")


async def check_csrf(request: web.Request) -> dict[str, str]:
    """The posted form, once its token matches the session's; raises 403 otherwise."""
    form = await read_form(request)
    given = form.get(FIELD)
    session = await get_session(request)
    expected = session.get(FIELD)
    if not (
        isinstance(given, str)
        and isinstance(expected, str)
        and hmac.compare_digest(given.encode(), expected.encode())
    ):
        # in the page's language: ?lang=, else the staff session's, else Russian
        asked = request.query.get("lang") or session.get("lang")
        raise forbidden(
            i18n.translations(asked if isinstance(asked, str) else None).gettext(EXPIRED)
        )
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    check_text([*fields, *fields.values()], "the form")
    return fields
