"""A local Bot API server for the tests: answers the methods the bot uses as Telegram does
(``{"ok": true, "result": ...}``, errors with ``error_code``, ``description`` and
``parameters.retry_after``), serves files, queues updates for getUpdates and records every
call. Only the outside world is faked; the bot is the real aiogram one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.support.waiting import until

TOKEN = "123456:TEST-token"
BOT_ID = 123456
PHOTO = b"\xff\xd8\xff\xe0 a JPEG of a meter"
BLOCKED = (403, "Forbidden: bot was blocked by the user")


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self.confirmed = 0  # the highest offset a getUpdates call has sent
        self.errors: dict[str, list[tuple[int, str, int | None]]] = {}
        self.new_update = asyncio.Event()
        self.next_message_id = 1
        self.file_body = PHOTO  # what every file download gets (a test may put a real photo)
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self.method)
        app.router.add_get("/file/bot{token}/{path:.+}", self.file)
        self.server = TestServer(app)

    async def __aenter__(self) -> FakeBotApi:
        await self.server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.close()

    @property
    def base(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def fail(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        """The next call of ``method`` answers this error."""
        self.errors.setdefault(method, []).append((status, description, retry_after))

    def push(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self.new_update.set()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        """Wait until ``predicate`` holds (the bot works in the background), or fail."""
        try:
            await until(predicate, "the bot's calls", timeout, interval=0.02)
        except AssertionError as e:
            raise AssertionError(f"{e}; calls so far: {[c[0] for c in self.calls]}") from None

    async def method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        name = request.match_info["method"]
        params: dict[str, Any] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                params = await request.json()
            else:
                params = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        params = {k: _decoded(v) for k, v in params.items()}
        self.calls.append((name, params))
        if self.errors.get(name):
            status, description, retry_after = self.errors[name].pop(0)
            return _error(status, description, retry_after)
        handler = getattr(self, f"on_{name}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        return web.json_response({"ok": True, "result": await handler(params)})

    async def file(self, request: web.Request) -> web.Response:
        self.calls.append(("file", {"path": request.match_info["path"]}))
        return web.Response(body=self.file_body, content_type="image/jpeg")

    async def on_getMe(self, params: dict[str, Any]) -> Any:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Meter", "username": "meter_bot"}

    async def on_sendMessage(self, params: dict[str, Any]) -> Any:
        self.next_message_id += 1
        return {
            "message_id": self.next_message_id,
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "text": params["text"],
        }

    async def on_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        self.confirmed = max(self.confirmed, offset)
        ready = [u for u in self.updates if u["update_id"] >= offset]
        if not ready:
            self.new_update.clear()
            # long polling, shortened for the tests
            timeout = min(float(params.get("timeout") or 0), 0.2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.new_update.wait(), timeout)
            ready = [u for u in self.updates if u["update_id"] >= offset]
        return ready

    async def on_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def on_getFile(self, params: dict[str, Any]) -> Any:
        file_id = params["file_id"]
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                "file_size": len(self.file_body),
                "file_path": f"photos/{file_id}.jpg"}  # fmt: skip

    async def on_setWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def on_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True


def _decoded(value: Any) -> Any:
    """aiogram sends nested objects (reply_markup) as JSON strings in form data."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


# --- updates as Telegram sends them ---------------------------------------------------------

CHAT = 5550001


def _user(chat_id: int, language: str) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Anna", "language_code": language}


def message_update(
    update_id: int, text: str | None = None, chat_id: int = CHAT, language: str = "ru",
    photo: str | None = None, caption: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": 1790000000,
        "chat": {"id": chat_id, "type": "private"},
        "from": _user(chat_id, language),
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    if photo is not None:
        message["photo"] = [
            {"file_id": f"{photo}-s", "file_unique_id": f"{photo}-s", "width": 90, "height": 60},
            {"file_id": photo, "file_unique_id": photo, "width": 1280, "height": 960,
             "file_size": len(PHOTO)},
        ]  # fmt: skip
        if caption is not None:
            message["caption"] = caption
    return {"update_id": update_id, "message": message}


def callback_update(
    update_id: int, data: str, chat_id: int = CHAT, language: str = "ru"
) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": _user(chat_id, language),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1790000000,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Meter"},
                "text": "…",
            },
        },
    }
