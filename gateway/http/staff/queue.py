"""``/staff/review``: the queue of messages staff must decide, a keyset page at a time with
its counts per reason and channel; ``/staff/messages/{id}``: one card alone (docs/staff.md,
"The queue"). The decisions are in ``decisions.py``."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session
from pydantic import BaseModel, Field

from gateway.domain.model import Channel, Reason
from gateway.domain.staff import QueueCount, ReviewFilter
from gateway.http.csrf import csrf_token
from gateway.http.edge import validated
from gateway.http.keys import CONFIG, UOW
from gateway.http.params import DayRange, Id, MessagePath
from gateway.http.staff.auth import require_user
from gateway.http.staff.cards import card_view
from gateway.http.staff.lang import language_context
from gateway.service import queue_queries

QUEUE_LIMIT = 100
CHANNELS = [str(c) for c in Channel]
REASONS = [str(r) for r in Reason]


class QueueQuery(BaseModel):
    """Where in the queue: after or before an item (keyset pages), the card to focus, and a
    card being reassigned to the account ``uin``."""

    after: Id | None = None
    before: Id | None = None
    focus: Id | None = None
    card: Id | None = None
    uin: str | None = Field(default=None, max_length=32, pattern=r"^\d+$")


# a decision's form carries the filter it was taken in as ``q-status``, ``q-reason``...: the
# reject form has a ``reason`` of its own
FORM_PREFIX = "q-"


def filter_of(fields: Any, prefix: str = "") -> ReviewFilter:
    """The filter of a query string or of a decision's hidden fields (400 on a channel or
    reason that does not exist, or a day out of range)."""
    query = {k.removeprefix(prefix): v for k, v in fields.items() if k.startswith(prefix)}
    status = "rejected" if query.get("status") == "rejected" else "review"
    days = validated(DayRange, {k: query[k] for k in ("since", "until") if query.get(k)})
    channel, reason = query.get("channel") or None, query.get("reason") or None
    if channel is not None and channel not in CHANNELS:
        raise web.HTTPBadRequest(text=f"unknown channel: {str(channel)[:40]}")
    if reason is not None and reason not in REASONS:
        raise web.HTTPBadRequest(text=f"unknown reason: {str(reason)[:40]}")
    return ReviewFilter(
        status=status,
        channel=channel,
        reason=reason,
        since=days.since,
        until=days.until,
        confirmed_first=query.get("sort") == "confirmed",
    )


def filter_fields(f: ReviewFilter) -> list[tuple[str, str]]:
    """The filter as query fields, only what differs from the default."""
    fields = [
        ("status", f.status if f.status != "review" else ""),
        ("channel", f.channel or ""),
        ("reason", f.reason or ""),
        ("since", f.since.isoformat() if f.since else ""),
        ("until", f.until.isoformat() if f.until else ""),
        ("sort", "confirmed" if f.confirmed_first else ""),
    ]
    return [(k, v) for k, v in fields if v]


def form_fields(f: ReviewFilter, after: int | None) -> list[tuple[str, str]]:
    """The hidden fields of a decision's form: the filter and the page to return to."""
    fields = [(FORM_PREFIX + k, v) for k, v in filter_fields(f)]
    return fields + ([("after", str(after))] if after else [])


def queue_url(f: ReviewFilter, **place: int | str | None) -> str:
    """``/staff/review`` with the filter and a place (``after``, ``before``, ``focus``); the
    focused card's anchor when there is one."""
    fields = filter_fields(f) + [(k, str(v)) for k, v in place.items() if v is not None]
    url = "/staff/review" + (f"?{urlencode(fields)}" if fields else "")
    return url + (f"#m{place['focus']}" if place.get("focus") else "")


def _counted(counts: list[QueueCount], f: ReviewFilter) -> dict[str, Any]:
    """Per reason (within the chosen channel) and per channel (within the chosen reason)."""
    reasons: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    for c in counts:
        if c.reason and (f.channel is None or c.channel == f.channel):
            reasons[c.reason] += c.count
        if f.reason is None or c.reason == f.reason:
            channels[c.channel] += c.count
    return {
        "reasons": sorted(reasons.items()),
        "channels": sorted(channels.items()),
        "all_reasons": sum(c.count for c in counts if f.channel in (None, c.channel)),
        "all_channels": sum(channels.values()),
        "total": sum(c.count for c in counts
                     if f.channel in (None, c.channel) and f.reason in (None, c.reason)),
        "reason_urls": {r: queue_url(_with(f, reason=r)) for r in reasons},
        "channel_urls": {c: queue_url(_with(f, channel=c)) for c in channels},
    }  # fmt: skip


def _with(f: ReviewFilter, **changes: str) -> ReviewFilter:
    return ReviewFilter(**{**f.__dict__, **changes})


async def staff_context(request: web.Request) -> dict[str, Any]:
    """What every page with cards needs: the user, the language, the CSRF token, the flash."""
    user = await require_user(request)
    page = await language_context(request)
    session = await get_session(request)
    return {
        **page,
        "user": user,
        "csrf": await csrf_token(request),
        "flash": session.pop("flash", None),
    }


async def queue_page(request: web.Request) -> web.Response:
    context = await staff_context(request)
    f = filter_of(request.query)
    q = validated(
        QueueQuery, {k: v for k, v in request.query.items() if k in QueueQuery.model_fields}
    )
    reassign = {q.card: q.uin} if q.card and q.uin else {}
    rules = request.app[CONFIG].rules
    found = await queue_queries.queue_page(
        request.app[UOW], f, rules, QUEUE_LIMIT, q.after, q.before, reassign
    )
    lang = context["lang"]
    cards = [card_view(e, lang, rules, e.item.record.id in reassign) for e in found.entries]
    ids = [c["m"].id for c in cards]
    # a decision's form returns to this page: the item just before it is its place
    hidden = form_fields(f, found.anchor)
    context.update(
        _counted(found.counts, f),
        filter=f,
        cards=cards,
        hidden=hidden,
        focus_id=q.focus if q.focus in ids else (ids[0] if ids else None),
        previous_url=queue_url(f, before=found.previous)
        if found.previous
        else (queue_url(f) if not cards and (q.after or q.before) else None),
        next_url=queue_url(f, after=found.next) if found.next else None,
    )
    return aiohttp_jinja2.render_template("staff/queue.html", request, context)


async def message_card(request: web.Request) -> web.Response:
    """``/staff/messages/{id}``: the card of one message (linked from the account page)."""
    context = await staff_context(request)
    message_id = validated(MessagePath, dict(request.match_info), 404).id
    q = validated(QueueQuery, {k: v for k, v in request.query.items() if k == "uin"})
    rules = request.app[CONFIG].rules
    entry = await queue_queries.card(request.app[UOW], message_id, rules, q.uin)
    if entry is None:
        raise web.HTTPNotFound(text=f"no message {message_id}")
    f = ReviewFilter()
    context.update(
        v=card_view(entry, context["lang"], rules, bool(q.uin)),
        hidden=form_fields(ReviewFilter(), message_id),
        queue_url=queue_url(f),
    )
    return aiohttp_jinja2.render_template("staff/message.html", request, context)
