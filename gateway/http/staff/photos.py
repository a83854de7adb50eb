"""``/staff/messages/{id}/photo[/{n}]``: a message's photo, to logged-in staff only (a
stranger is sent to the login page, never the bytes), as the type its bytes show
(docs/staff.md, "Photos")."""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from gateway.http.keys import UOW
from gateway.http.params import MessagePath
from gateway.http.staff.auth import require_user
from gateway.http.staff.lang import staff_language
from gateway.runtime.i18n import translations
from gateway.service.photos import photo

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
MAX_INDEX = 1000


async def photo_file(request: web.Request) -> web.Response:
    await require_user(request)
    t = translations(await staff_language(request))
    try:
        message_id = MessagePath.model_validate({"id": request.match_info["id"]}).id
        index = int(request.match_info.get("n", "0"))
    except (ValidationError, ValueError):
        raise web.HTTPNotFound(text=t.gettext("No such photo.")) from None
    found = None
    if 0 <= index < MAX_INDEX:
        found = await photo(request.app[UOW], message_id, index)
    if found is None:
        raise web.HTTPNotFound(text=t.gettext("No such photo."))
    if found.content_type is None:
        raise web.HTTPUnsupportedMediaType(
            text=t.gettext("This attachment is not an image the staff pages can show.")
        )
    name = f"message-{message_id}-{index}.{EXTENSIONS[found.content_type]}"
    return web.Response(
        body=found.content,
        content_type=found.content_type,
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )
