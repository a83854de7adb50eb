"""The staff UI's language: Russian unless the reviewer chose English with ``?lang=en`` on
any page (kept in the session until ``?lang=ru``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from gateway.http.texts import STATUS_NAMES, names
from gateway.runtime import i18n


async def staff_language(request: web.Request) -> str:
    session = await get_session(request)
    asked = request.query.get("lang")
    if asked in i18n.SUPPORTED:
        session["lang"] = asked
    chosen = session.get("lang")
    return chosen if isinstance(chosen, str) and chosen in i18n.SUPPORTED else i18n.DEFAULT


async def language_context(request: web.Request) -> dict[str, Any]:
    """What every staff template needs for its texts and the switch to the other language."""
    lang = await staff_language(request)
    other = "en" if lang == "ru" else "ru"
    return {
        "lang": lang,
        "other": other,
        "other_name": i18n.NAMES[other],
        "switch": str(request.rel_url.update_query(lang=other)),
        "status_names": STATUS_NAMES,
        **names(lang),  # channel_name, reason_name, status_name, label_name
    }
