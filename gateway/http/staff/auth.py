"""Staff login, logout ("log out everywhere" too) and the check every staff page makes.

A login is a session row in the database whose token the encrypted cookie carries
(``gateway.service.staff``); every page checks the row. Failed logins are throttled in the
database per (login, address), per address and per login, a browser that logged in as
the login before being held to its own failures only (``gateway.service.throttles``)."""

from __future__ import annotations

import logging
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from gateway.domain.staff import StaffUser
from gateway.http.csrf import check_csrf, csrf_token
from gateway.http.keys import CLOCK, LOGIN_THROTTLE, SESSION_POLICY, UOW
from gateway.http.remote import client_address
from gateway.http.staff.lang import language_context, staff_language
from gateway.http.throttle import known_device, remember_device
from gateway.runtime.i18n import N_, translations
from gateway.service.staff import (
    authenticate,
    end_all_sessions,
    end_session,
    session_user,
    start_session,
)

log = logging.getLogger(__name__)

LOGIN_URL = "/staff/login"
THROTTLED = N_("Too many failed attempts; wait 15 minutes.")
WRONG = N_("Wrong login or password.")
TOKEN = "sid"  # the session's key in the encrypted cookie


async def current_user(request: web.Request) -> StaffUser | None:
    """The user of the request's session while its row is live (not ended, not expired,
    the user not disabled); a dead session's token is dropped from the cookie."""
    session = await get_session(request)
    token = session.get(TOKEN)
    if not isinstance(token, str):
        return None
    app = request.app
    user = await session_user(app[UOW], token, app[CLOCK](), app[SESSION_POLICY])
    if user is None:
        del session[TOKEN]
    return user


async def require_user(request: web.Request) -> StaffUser:
    user = await current_user(request)
    if user is None:
        raise web.HTTPSeeOther(f"{LOGIN_URL}?next={quote(request.rel_url.path_qs)}")
    return user


def _safe_next(target: str) -> str:
    return target if target.startswith("/staff") and "//" not in target else "/staff/"


async def login_form(request: web.Request) -> web.Response:
    """The login form; a clerk with a live session goes on to where she was going (the
    page never replaces a live session with a new one)."""
    if await current_user(request) is not None:
        raise web.HTTPSeeOther(_safe_next(request.query.get("next", "/staff/")))
    return await _render_login(request, None, 200)


async def _render_login(
    request: web.Request, error: str | None, status: int, login: str = ""
) -> web.Response:
    context = await language_context(request)
    context.update(
        csrf=await csrf_token(request),
        next=_safe_next(request.query.get("next", "/staff/")),
        error=translations(context["lang"]).gettext(error) if error else None,
        login=login,
    )
    response = aiohttp_jinja2.render_template("staff/login.html", request, context)
    response.set_status(status)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    form = await check_csrf(request)
    login_name = form.get("login", "").strip()
    address = client_address(request)
    device = known_device(request, login_name)
    throttle = request.app[LOGIN_THROTTLE]
    if not await throttle.allowed(login_name, address, device):
        log.warning(
            "refused a staff login as %r from %s%s: too many failed attempts",
            login_name[:64],
            address,
            " (a known browser)" if device else "",
        )
        return await _render_login(request, THROTTLED, 429, login_name)
    user = await authenticate(request.app[UOW], login_name, form.get("password", ""))
    if user is None:
        await throttle.failed(login_name, address, device)
        return await _render_login(request, WRONG, 401, login_name)
    await throttle.succeeded(login_name, address, device)
    lang = await staff_language(request)
    previous = (await get_session(request)).get(TOKEN)
    token = await start_session(
        request.app[UOW],
        user.login,
        request.app[CLOCK](),
        replaces=previous if isinstance(previous, str) else None,
    )
    session = await new_session(request)  # a fresh cookie: no fixation
    session["lang"] = lang
    session[TOKEN] = token
    redirect = web.HTTPSeeOther(_safe_next(form.get("next", "/staff/")))
    remember_device(request, redirect, user.login)
    raise redirect


async def logout(request: web.Request) -> web.StreamResponse:
    """This session ends at once: a copy of the cookie taken before is dead too."""
    await check_csrf(request)
    lang = await staff_language(request)
    session = await get_session(request)
    token = session.get(TOKEN)
    if isinstance(token, str):
        await end_session(request.app[UOW], token, request.app[CLOCK]())
    session.invalidate()
    raise web.HTTPSeeOther(f"{LOGIN_URL}?lang={lang}")


async def logout_everywhere(request: web.Request) -> web.StreamResponse:
    """Every session of the user ends, in every browser (a lost phone, a shared computer)."""
    await check_csrf(request)
    user = await require_user(request)
    lang = await staff_language(request)
    await end_all_sessions(request.app[UOW], user.login, request.app[CLOCK]())
    (await get_session(request)).invalidate()
    raise web.HTTPSeeOther(f"{LOGIN_URL}?lang={lang}")
