"""``POST /staff/review/{id}/accept|reject``: a staff decision, then (post/redirect/get) the
next card of the same filter at the same place, its first value field focused; a decision
that cannot be made (409 decided already, 422 what to give) answers inside the staff layout
with a link to the next item (docs/staff.md, "The queue")."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session
from pydantic import BaseModel

from gateway.domain.staff import ReviewFilter
from gateway.http.csrf import check_csrf
from gateway.http.edge import validated
from gateway.http.keys import CONFIG, REVIEW, UOW
from gateway.http.params import FormCorrection, Id, MessagePath
from gateway.http.staff.cards import card_view
from gateway.http.staff.queue import (
    FORM_PREFIX,
    filter_of,
    form_fields,
    queue_url,
    staff_context,
)
from gateway.runtime.i18n import translations
from gateway.service import queue_queries
from gateway.service.review import AlreadyHandled, Correction, NeedsValues, NotFound


class Place(BaseModel):
    """Where the decision was taken: the item before the page it was on."""

    after: Id | None = None


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
    context = await staff_context(request)
    user = context["user"]
    form = await check_csrf(request)
    message_id = validated(MessagePath, dict(request.match_info), 404).id
    f = filter_of(form, FORM_PREFIX)
    after = validated(Place, {"after": form["after"]} if form.get("after") else {}).after
    t = translations(context["lang"])
    number = {"id": message_id}
    action = request.match_info["action"]
    review = request.app[REVIEW]
    uin = form.get("uin", "").strip() or None
    try:
        if action == "reject":
            await review.reject(message_id, user.login, form.get("reason", ""))
            note = t.gettext("Message %(id)s rejected.") % number
        else:
            corrections = corrections_of(form) if form.get("mode") == "values" else []
            await review.accept(message_id, user.login, uin=uin, corrections=corrections)
            note = t.gettext("Message %(id)s accepted.") % number
    except NotFound:
        raise web.HTTPNotFound(text=t.gettext("No message %(id)s.") % number) from None
    except AlreadyHandled:
        problem = t.gettext("Message %(id)s is already handled.") % number
        return await _failed(request, context, 409, problem, f, message_id, after)
    except NeedsValues as e:
        # TRANSLATORS: problem says why the message cannot be accepted as it is
        problem = t.gettext("Message %(id)s: %(problem)s.") % {**number, "problem": e.text(t)}
        typed = {"uin": uin, "values": _typed(form)}
        return await _failed(request, context, 422, problem, f, message_id, after, typed)
    nxt = await queue_queries.next_item(request.app[UOW], f, message_id)
    session = await get_session(request)
    session["flash"] = note
    raise web.HTTPSeeOther(queue_url(f, after=after, focus=nxt))


def _typed(form: Any) -> dict[tuple[str, int], str]:
    """The values the reviewer typed, to show them again (rows that do not parse are left)."""
    out = {}
    for key, value in form.items():
        index = key.removeprefix("value-")
        zone = form.get(f"zone-{index}", "")
        if key.startswith("value-") and zone.isdigit() and len(zone) < 3:
            out[(form.get(f"meter-{index}", ""), int(zone))] = value
    return out


async def _failed(
    request: web.Request,
    context: dict[str, Any],
    status: int,
    problem: str,
    f: ReviewFilter,
    message_id: int,
    after: int | None,
    typed: dict[str, Any] | None = None,
) -> web.Response:
    """The staff page of a decision not taken: why, the next item of the filter, and (422)
    the card again with what was typed, to correct it."""
    rules = request.app[CONFIG].rules
    uow = request.app[UOW]
    nxt = await queue_queries.next_item(uow, f, message_id)
    view = None
    if typed is not None:
        entry = await queue_queries.card(uow, message_id, rules, typed["uin"])
        if entry is not None:
            reassigning = bool(typed["uin"]) and typed["uin"] != entry.item.uin
            view = card_view(entry, context["lang"], rules, reassigning, typed["values"])
    context.update(
        problem=problem,
        message_id=message_id,
        v=view,
        hidden=form_fields(f, after),
        next_url=queue_url(f, after=after, focus=nxt) if nxt else None,
        queue_url=queue_url(f, after=after),
    )
    return aiohttp_jinja2.render_template(
        "staff/decision_failed.html", request, context, status=status
    )
