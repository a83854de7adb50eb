"""``/staff/accounts/{uin}``: an account, its billed volumes per service (a chart each, in
its unit), its readings and its messages, each linked to its card; and
``/staff/accounts/{uin}/registers``, the account's registers as JSON for the photo card's
value fields (docs/staff.md, "An account", "Photos")."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup

from gateway.domain.model import Register, plain
from gateway.http.csrf import csrf_token
from gateway.http.keys import CLOCK, CONFIG, UOW
from gateway.http.staff.auth import current_user, require_user
from gateway.http.staff.charts import bar_chart
from gateway.http.staff.lang import language_context, staff_language
from gateway.http.texts import SERVICES, figure, register_label, unit
from gateway.runtime.i18n import translations
from gateway.service import account_queries
from gateway.service.account_queries import ServiceVolumes

# where a message's card is (the queue's page of one message)
CARD_URL = "/staff/messages/{id}"
MAX_UIN = 32


def _chart(v: ServiceVolumes, lang: str) -> dict[str, Any]:
    t = translations(lang)
    name = t.gettext(SERVICES.get(v.service, v.service))
    shown = unit(v.service, lang)
    # TRANSLATORS: a chart's title: "Electricity, kWh: billed volume per period"
    title = t.gettext("%(service)s, %(unit)s: billed volume per period") % {
        "service": name,
        "unit": shown,
    }
    svg = bar_chart(
        title,
        [p.period for p in v.periods],
        [
            (t.gettext("actual"), "#1d6b2a", [p.actual for p in v.periods]),
            (
                t.gettext("estimated (average / normative)"),
                "#d9822b",
                [p.estimated for p in v.periods],
            ),
        ],
        shown,
    )
    return {"title": title, "svg": Markup(svg)}


async def account(request: web.Request) -> web.Response:
    user = await require_user(request)
    page = await language_context(request)
    lang = page["lang"]
    t = translations(lang)
    uin = request.match_info["uin"]
    now, rules = request.app[CLOCK](), request.app[CONFIG].rules
    found = await account_queries.account_history(request.app[UOW], uin, now, rules)
    if found is None:
        raise web.HTTPNotFound(text=t.gettext("No account %(uin)s.") % {"uin": uin})
    view = found.account
    context = {
        **page,
        "user": user,
        "csrf": await csrf_token(request),
        "account": view,
        "labels": {
            (r.meter, r.zone): register_label(r.service, r.zone, r.zones, lang)
            for r in view.registers
        },  # fmt: skip
        "readings": [
            {
                "r": s.record,
                "label": register_label(s.register.service, s.register.zone, s.register.zones, lang)
                if s.register
                else str(s.record.zone),  # fmt: skip
                "value": s.typed
                or figure(s.record.value, s.register.decimals if s.register else 0),
                "typed": s.typed is not None,
                "consumption": "" if s.record.consumption is None else plain(s.record.consumption),
                "unit": unit(s.register.service, lang) if s.register else "",
            }
            for s in found.readings
        ],
        "messages": found.messages,
        "events": found.events,
        "card_url": CARD_URL,
        "charts": [_chart(v, lang) for v in found.volumes],
        "flash": None,
    }
    return aiohttp_jinja2.render_template("staff/account.html", request, context)


def register_json(reg: Register, index: int, lang: str) -> dict[str, Any]:
    t = translations(lang)
    label = f"{reg.meter} · {register_label(reg.service, reg.zone, reg.zones, lang)}"
    if reg.decimals:
        hint = t.gettext("up to %(digits)s digits and %(decimals)s after the point") % {
            "digits": reg.digits,
            "decimals": reg.decimals,
        }
    else:
        hint = t.gettext("up to %(digits)s digits") % {"digits": reg.digits}
    last = reg.last
    return {
        "key": f"p{index}",
        "meter": reg.meter,
        "zone": reg.zone,
        "label": label,
        "field_label": t.gettext("Value for %(register)s") % {"register": label},
        "digits": reg.digits,
        "decimals": reg.decimals,
        "hint": hint,
        "last": (
            t.gettext("last accepted: %(value)s (%(day)s)")
            % {"value": figure(last.value, reg.decimals), "day": last.taken_on}
            if last
            else t.gettext("no accepted reading yet")
        ),
    }


async def registers(request: web.Request) -> web.Response:
    """The registers of an account for the photo card: 401 to a stranger (no redirect, as
    a script reads it), 404 with a message for a UIN that names no account."""
    lang = await staff_language(request)
    t = translations(lang)
    if await current_user(request) is None:
        return web.json_response({"error": t.gettext("Log in again.")}, status=401)
    uin = request.match_info["uin"].strip()
    now, rules = request.app[CLOCK](), request.app[CONFIG].rules
    view = None
    if uin and len(uin) <= MAX_UIN:
        view = await account_queries.registers(request.app[UOW], uin, now, rules)
    if view is None:
        text = t.gettext("No account %(uin)s.") % {"uin": uin[:MAX_UIN]}
        return web.json_response({"error": text}, status=404)
    return web.json_response(
        {
            "uin": view.uin,
            "status": view.status,
            "account_url": f"/staff/accounts/{view.uin}",
            "registers": [register_json(r, i, lang) for i, r in enumerate(view.registers, 1)],
        },
        headers={"Cache-Control": "no-store"},
    )
