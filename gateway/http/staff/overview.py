"""``/staff/`` (the dashboard) and ``/staff/accounts/{uin}`` (an account, its readings,
volumes and messages)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from gettext import NullTranslations

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup

from gateway.http.csrf import csrf_token
from gateway.http.keys import CLOCK, CONFIG, UOW
from gateway.http.staff.auth import require_user
from gateway.http.staff.charts import bar_chart
from gateway.http.staff.lang import language_context
from gateway.http.texts import register_label
from gateway.runtime.i18n import translations
from gateway.service import staff_queries

DAYS = 30


async def dashboard(request: web.Request) -> web.Response:
    user = await require_user(request)
    page = await language_context(request)
    t = translations(page["lang"])
    now = request.app[CLOCK]()
    found = await staff_queries.dashboard(request.app[UOW], now, request.app[CONFIG].rules, DAYS)
    chart = bar_chart(
        t.ngettext(
            "Messages per day, last %(days)s day", "Messages per day, last %(days)s days", DAYS
        )
        % {"days": DAYS},
        [d.strftime("%m-%d") for d, _ in found.per_day],
        [(t.gettext("messages"), "#0b5cad", [Decimal(n) for _, n in found.per_day])],
    )
    queue = found.queue
    context = {
        **page,
        "user": user,
        "csrf": await csrf_token(request),
        "table": found.today,
        "days": DAYS,
        "statuses": ["accepted", "review", "rejected", "pending"],
        "queue": queue,
        "oldest_age": _age(now - queue.oldest, t) if queue.oldest else "—",
        "chart": Markup(chart),
        "flash": None,
    }
    return aiohttp_jinja2.render_template("staff/dashboard.html", request, context)


def _age(delta: timedelta, t: NullTranslations) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours >= 24:
        # TRANSLATORS: a short age, "2 d 5 h"
        return t.gettext("%(days)s d %(hours)s h") % {"days": hours // 24, "hours": hours % 24}
    # TRANSLATORS: a short age in hours, "5 h"
    return t.gettext("%(hours)s h") % {"hours": hours}


async def account(request: web.Request) -> web.Response:
    user = await require_user(request)
    page = await language_context(request)
    t = translations(page["lang"])
    uin = request.match_info["uin"]
    now, rules = request.app[CLOCK](), request.app[CONFIG].rules
    found = await staff_queries.account_history(request.app[UOW], uin, now, rules)
    if found is None:
        raise web.HTTPNotFound(text=t.gettext("No account %(uin)s.") % {"uin": uin})
    volumes = found.volumes
    chart = bar_chart(
        t.gettext("Billed volume per period: actual vs estimated"),
        [v.period for v in volumes],
        [
            (t.gettext("actual"), "#1d6b2a", [v.actual for v in volumes]),
            (
                t.gettext("estimated (average / normative)"),
                "#d9822b",
                [v.estimated for v in volumes],
            ),
        ],
    )
    view = found.account
    context = {
        **page,
        "user": user,
        "csrf": await csrf_token(request),
        "account": view,
        "labels": {
            (r.meter, r.zone): register_label(r.service, r.zone, r.zones, page["lang"])
            for r in view.registers
        },
        "readings": found.readings,
        "messages": found.messages,
        "events": found.events,
        "billed": found.registers_billed,
        "chart": Markup(chart) if volumes else None,
        "flash": None,
    }
    return aiohttp_jinja2.render_template("staff/account.html", request, context)
