"""``/staff/``: the dashboard (an account's page: ``account``)."""

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
        t.gettext("messages"),
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
