"""``/staff/review``: the queue of messages staff must decide, and the decisions."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session
from pydantic import ValidationError

from gateway.domain.model import Channel, Reason, plain
from gateway.domain.staff import ReviewFilter
from gateway.domain.validation import match_registers
from gateway.http.csrf import check_csrf, csrf_token
from gateway.http.edge import validated
from gateway.http.keys import CLOCK, CONFIG, REVIEW, UOW
from gateway.http.params import DayRange, FormCorrection, MessagePath
from gateway.http.staff.auth import require_user
from gateway.http.staff.lang import language_context, staff_language
from gateway.http.texts import register_label
from gateway.runtime.i18n import translations
from gateway.service import staff_queries
from gateway.service.review import AlreadyHandled, Correction, NeedsValues, NotFound
from gateway.service.staff_queries import QueueEntry
from parsers import parse

QUEUE_LIMIT = 100


def filter_of(query: Any) -> ReviewFilter:
    status = "rejected" if query.get("status") == "rejected" else "review"
    days = validated(DayRange, {k: query[k] for k in ("since", "until") if query.get(k)})
    return ReviewFilter(
        status=status,
        channel=query.get("channel") or None,
        reason=query.get("reason") or None,
        since=days.since,
        until=days.until,
        confirmed_first=query.get("sort") == "confirmed",
    )


def view(entry: QueueEntry, lang: str) -> dict[str, Any]:
    """What the template shows of one item; the values prefilled from the parse."""
    item, registers = entry.item, entry.registers
    parsed = parse(item.text)
    prefill: dict[tuple[str, int], str] = {}
    if parsed.error is None:
        for reg, reading in match_registers(parsed.readings, registers, True) or ():
            if not reading.candidates or reg.decimals:
                prefill[(reg.meter, reg.zone)] = reading.value
    candidates = {(a.get("meter"), a.get("zone")): a.get("candidates") for a in item.ambiguous}
    ocr = item.ocr if len(registers) == 1 and not prefill else None
    if ocr is not None:  # the photo's reading, pre-filled: accepting it is one key (Enter)
        prefill[(registers[0].meter, registers[0].zone)] = ocr.value
    return {
        "item": item,
        "parsed": parsed,
        "registers": [
            {
                "meter": reg.meter,
                "zone": reg.zone,
                "label": register_label(reg.service, reg.zone, reg.zones, lang),
                "last": f"{plain(reg.last.value)} ({reg.last.taken_on})" if reg.last else "—",
                "value": prefill.get((reg.meter, reg.zone), ""),
                "candidates": candidates.get((reg.meter, reg.zone)) or [],
                "ocr": ocr,
            }
            for reg in registers
        ],
    }


async def queue_page(request: web.Request) -> web.Response:
    user = await require_user(request)
    page = await language_context(request)
    f = filter_of(request.query)
    now, rules = request.app[CLOCK](), request.app[CONFIG].rules
    entries = await staff_queries.review_queue(request.app[UOW], f, now, rules, QUEUE_LIMIT)
    views = [view(entry, page["lang"]) for entry in entries]
    session = await get_session(request)
    context = {
        **page,
        "user": user,
        "csrf": await csrf_token(request),
        "views": views,
        "filter": f,
        "channels": [str(c) for c in Channel],
        "reasons": [str(r) for r in Reason],
        "flash": session.pop("flash", None),
    }
    return aiohttp_jinja2.render_template("staff/queue.html", request, context)


def corrections_of(form: Any) -> list[Correction]:
    """The values typed in the form, each with its meter and zone (a 400 naming the field
    when a row is not one the form sends)."""
    out = []
    for key, value in form.items():
        if key.startswith("value-") and value.strip():
            index = key.removeprefix("value-")
            row = {"meter": form.get(f"meter-{index}"), "zone": form.get(f"zone-{index}")}
            c = validated(FormCorrection, {**row, "value": value.strip()})
            out.append(Correction(c.meter, c.zone, c.value))
    return out


async def decide(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    form = await check_csrf(request)
    t = translations(await staff_language(request))
    try:
        message_id = MessagePath.model_validate(dict(request.match_info)).id
    except ValidationError:
        raise web.HTTPNotFound(text=t.gettext("No such message.")) from None
    number = {"id": message_id}
    action = request.match_info["action"]
    review = request.app[REVIEW]
    try:
        if action == "reject":
            await review.reject(message_id, user.login, form.get("reason", ""))
            note = t.gettext("Message %(id)s rejected.") % number
        else:
            corrections = corrections_of(form) if form.get("mode") == "values" else []
            uin = form.get("uin", "").strip() or None
            await review.accept(message_id, user.login, uin=uin, corrections=corrections)
            note = t.gettext("Message %(id)s accepted.") % number
    except NotFound:
        raise web.HTTPNotFound(text=t.gettext("No message %(id)s.") % number) from None
    except AlreadyHandled:
        text = t.gettext("Message %(id)s is already handled.") % number
        raise web.HTTPConflict(text=text) from None
    except NeedsValues as e:
        # TRANSLATORS: problem says why the message cannot be accepted as it is
        note = t.gettext("Message %(id)s: %(problem)s.") % {**number, "problem": e.text(t)}
    session = await get_session(request)
    session["flash"] = note
    raise web.HTTPSeeOther("/staff/review")
