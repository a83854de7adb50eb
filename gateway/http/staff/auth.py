"""Staff login, logout and the check every staff page makes; failed logins are throttled
per login and per client address."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from gateway.domain.staff import StaffUser
from gateway.http.csrf import check_csrf, csrf_token
from gateway.http.keys import CLOCK, LOGIN_THROTTLE, UOW
from gateway.http.staff.lang import language_context, staff_language
from gateway.runtime.i18n import N_, translations
from gateway.service.staff import active_user, authenticate

LOGIN_URL = "/staff/login"
THROTTLED = N_("Too many failed attempts; wait 15 minutes.")
WRONG = N_("Wrong login or password.")


async def current_user(request: web.Request) -> StaffUser | None:
    session = await get_session(request)
    login = session.get("login")
    if not isinstance(login, str):
        return None
    user = await active_user(request.app[UOW], login)
    if user is None:
        session.invalidate()
    return user


async def require_user(request: web.Request) -> StaffUser:
    user = await current_user(request)
    if user is None:
        raise web.HTTPSeeOther(f"{LOGIN_URL}?next={quote(request.rel_url.path_qs)}")
    return user


def _safe_next(target: str) -> str:
    return target if target.startswith("/staff") and "//" not in target else "/staff/"


async def login_form(request: web.Request) -> web.Response:
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
    throttle = request.app[LOGIN_THROTTLE]
    keys = (f"login:{login_name}", f"addr:{request.remote}")
    if throttle.blocked(*keys):
        return await _render_login(request, THROTTLED, 429, login_name)
    user = await authenticate(request.app[UOW], login_name, form.get("password", ""))
    if user is None:
        throttle.fail(*keys)
        return await _render_login(request, WRONG, 401, login_name)
    throttle.clear(keys[0])
    lang = await staff_language(request)
    session = await new_session(request)  # a fresh session id: no fixation
    session["lang"] = lang
    session["login"] = user.login
    session["since"] = request.app[CLOCK]().isoformat()
    raise web.HTTPSeeOther(_safe_next(form.get("next", "/staff/")))


async def logout(request: web.Request) -> web.StreamResponse:
    await check_csrf(request)
    lang = await staff_language(request)
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPSeeOther(f"{LOGIN_URL}?lang={lang}")
