"""``POST /telegram/webhook``: check the secret token, hand the update to the dispatcher,
and answer 200 only once its handler has committed (not aiogram's SimpleRequestHandler,
which may answer first and handle in the background)."""

from __future__ import annotations

import hmac
import json
import logging

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from gateway.http.responses import json_error, unavailable
from gateway.runtime import metrics
from gateway.service.uow import StorageUnavailable

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024
# the update is not acknowledged: Telegram delivers it again (the webhook) or getUpdates
# returns it again (polling)
RETRYABLE = (StorageUnavailable, TelegramNetworkError, TelegramServerError, TelegramRetryAfter)


class TelegramWebhook:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.secret = secret

    def setup(self, app: web.Application, path: str) -> None:
        app.router.add_post(path, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if not given:
            metrics.REJECTED_REQUESTS.labels("telegram", "secret").inc()
            return json_error(401, f"{SECRET_HEADER} is required")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            metrics.REJECTED_REQUESTS.labels("telegram", "secret").inc()
            return json_error(403, f"invalid {SECRET_HEADER}")
        # the whole body (gateway/http/edge.py has read it, up to the app's client_max_size:
        # 413 above); one read of the stream may return only its first chunks
        raw = await request.read()
        if len(raw) > MAX_BODY:
            return json_error(413, f"body larger than {MAX_BODY} bytes")
        try:
            body = json.loads(raw)
        except ValueError:
            return json_error(400, "not a Telegram update")
        if not isinstance(body, dict) or type(body.get("update_id")) is not int:
            return json_error(400, "not a Telegram update")
        try:
            update = Update.model_validate(body, context={"bot": self.bot})
        except ValidationError as e:
            # an update of a shape this aiogram does not know (a newer Bot API): a 4xx would
            # have Telegram deliver it again forever, holding up every later update
            log.warning("Telegram update %s not understood, skipped: %s", body["update_id"], e)
            return web.json_response({"ok": True})
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except RETRYABLE as e:
            log.warning("Telegram update %s not handled, to be retried: %s", update.update_id, e)
            return unavailable()
        except Exception:
            # a bug: retrying would block every later update of the bot behind this one
            log.exception("Telegram update %s failed", update.update_id)
        return web.json_response({"ok": True})
