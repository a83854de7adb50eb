"""The staff UI under ``/staff/``: login, dashboard, review queue, accounts, photos."""

from __future__ import annotations

from aiohttp import web

from gateway.http.keys import CLOCK, LOGIN_THROTTLE
from gateway.http.staff import account, auth, overview, photos, queue
from gateway.http.throttle import LoginThrottle


def setup(app: web.Application) -> None:
    app[LOGIN_THROTTLE] = LoginThrottle(app[CLOCK])
    app.router.add_get("/staff/login", auth.login_form)
    app.router.add_post("/staff/login", auth.login)
    app.router.add_post("/staff/logout", auth.logout)
    app.router.add_get("/staff/", overview.dashboard)
    app.router.add_get("/staff", overview.dashboard)
    app.router.add_get("/staff/review", queue.queue_page)
    app.router.add_post("/staff/review/{id}/{action:accept|reject}", queue.decide)
    app.router.add_get("/staff/accounts/{uin}", account.account)
    app.router.add_get("/staff/accounts/{uin}/registers", account.registers)
    app.router.add_get("/staff/messages/{id}/photo", photos.photo_file)
    app.router.add_get("/staff/messages/{id}/photo/{n:[0-9]{1,3}}", photos.photo_file)
