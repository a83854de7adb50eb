"""The customer web form, ``GET|POST /submit``: a UIN, then one field per register
(``reading-<position>-<zone>``). A post becomes one ``InboundMessage`` (channel ``web``, the
readings in bill order, as a customer would text them) for the same intake as every channel.
It is the one channel that is an HTML page: it shares the session, CSRF token, templates and
texts of ``gateway.http`` with the staff UI, and reads an account through ``Registers`` (the
read use case ``gateway.service.forms``).

A hidden ``submission`` id makes a double click one message; posts are refused without the
session's CSRF token (403, nothing stored) and limited per client address and per UIN (in
the database, so the limits hold across gateway processes; the address is
``gateway.http.remote``'s, behind a trusted proxy the forwarded one); a lookup
(``GET /submit?uin=``) counts against the same per-address limit, and the page names an
account's registers by service and zone only, never by meter serial number.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from gateway.domain.model import Channel, InboundMessage, Register, clean_text
from gateway.http.csrf import check_csrf, csrf_token
from gateway.http.keys import CLOCK, UOW
from gateway.http.remote import client_address
from gateway.http.responses import unavailable
from gateway.http.texts import STATUS, register_label
from gateway.runtime.i18n import NAMES, language, translations
from gateway.service.receive import Receive
from gateway.service.throttles import FormLimit
from gateway.service.uow import StorageUnavailable

UIN = re.compile(r"^\d{5,20}$")
FIELD = re.compile(r"^reading-(\d{1,2})-([1-3])$")

# the registers of an open account, None when there is none (a read use case)
Registers = Callable[[str], Awaitable[tuple[Register, ...] | None]]


@dataclass(frozen=True)
class WebSettings:
    rate_limit_per_hour: int = 10


class WebForm:
    limit: FormLimit  # made in ``setup``, on the app's database and clock

    def __init__(self, receive: Receive, registers: Registers, settings: WebSettings) -> None:
        self.receive = receive
        self.registers = registers
        self.settings = settings

    def setup(self, app: web.Application) -> None:
        self.limit = FormLimit(app[UOW], app[CLOCK], self.settings.rate_limit_per_hour)
        app.router.add_get("/submit", self.show)
        app.router.add_post("/submit", self.submit)

    async def show(self, request: web.Request) -> web.Response:
        """The UIN box, or with ``?uin=`` the account's fields. A lookup counts against the
        address's hourly limit like a submission: trying UINs is as costly as posting."""
        lang = language(request.query.get("lang"))
        uin = request.query.get("uin", "").strip()
        try:
            limited = bool(UIN.match(uin)) and not await self.limit.allow(
                ("form_addr", client_address(request))
            )
        except StorageUnavailable:
            return unavailable()
        return await self._page(request, lang, uin, {}, None, limited=limited)

    async def submit(self, request: web.Request) -> web.Response:
        form = await check_csrf(request)
        lang = language(form.get("lang"))
        uin = form.get("uin", "").strip()
        typed = {k: v.strip() for k, v in form.items() if FIELD.match(k)}
        if not UIN.match(uin):
            return await self._page(request, lang, uin, typed, None)
        client = client_address(request)
        try:
            allowed = await self.limit.allow(("form_addr", client), ("form_uin", uin))
        except StorageUnavailable:
            return unavailable()
        if not allowed:
            return await self._page(request, lang, uin, typed, None, limited=True)
        ordered = sorted(typed, key=lambda k: tuple(int(p) for p in FIELD.findall(k)[0]))
        text = " ".join([uin, *(typed[k] for k in ordered if typed[k])])
        inbound = InboundMessage(
            channel=Channel.WEB,
            external_id=_submission_id(form.get("submission", "")),
            sender=f"web:{client}"[:255],
            text=clean_text(text)[:1000],
            language=lang,
        )
        try:
            receipt = await self.receive(inbound)
        except StorageUnavailable:
            return unavailable()
        keep = {} if receipt.status == "accepted" else typed
        return await self._page(request, lang, uin, keep, receipt)

    async def _page(
        self,
        request: web.Request,
        lang: str,
        uin: str,
        typed: dict[str, str],
        receipt: Any,
        limited: bool = False,
    ) -> web.Response:
        t = translations(lang)
        error = None
        fields: list[dict[str, str]] = []
        if limited:  # no lookup at all: the answer would tell whether the UIN exists
            error = t.gettext("Too many attempts. Please retry in an hour.")
        elif uin and not UIN.match(uin):
            error = t.gettext("A UIN is digits only, 5 to 20 of them.")
        elif uin:
            registers = await self.registers(uin)
            if registers is None:
                error = t.gettext("No account with this UIN. Please check the number on the bill.")
            else:
                fields = [
                    {
                        "name": f"reading-{r.position}-{r.zone}",
                        "label": register_label(r.service, r.zone, r.zones, lang),
                        "value": typed.get(f"reading-{r.position}-{r.zone}", ""),
                    }
                    for r in registers
                ]
        other = "en" if lang == "ru" else "ru"
        context = {
            "lang": lang,
            "other": other,
            "other_name": NAMES[other],
            "status": STATUS,
            "uin": uin,
            "fields": fields,
            "error": error,
            "receipt": receipt,
            "csrf": await csrf_token(request),
            "submission": uuid.uuid4().hex,
        }
        response = aiohttp_jinja2.render_template("form.html", request, context)
        if limited:
            response.set_status(429)
        return response


def _submission_id(given: str) -> str:
    """The form's own id when it looks like one (a repeat of the same post is one message)."""
    return given if re.fullmatch(r"[0-9a-f]{32}", given) else uuid.uuid4().hex
