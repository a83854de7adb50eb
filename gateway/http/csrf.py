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

FIELD = "csrf"


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    token = session.get(FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[FIELD] = token
    return token


def forbidden(text: str) -> web.HTTPForbidden:
    body = f"<!doctype html><title>403</title><h1>403</h1><p>{escape(text)}</p>"
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
        raise forbidden("The form has expired or did not come from this site. Reload and retry.")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    check_text([*fields, *fields.values()], "the form")
    return fields
