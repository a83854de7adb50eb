"""Contacts by mail end to end through the SMTP intake and the smarthost sink: linking with
``LINK <UIN>`` and the bill's value in the reply, a reading without the UIN, the
period-close notice and the reminder, once each."""

from __future__ import annotations

from datetime import date

from gateway.domain.rules import Rules
from gateway.http.keys import REMINDERS
from gateway.service.closing import close_period
from tests.e2e.conftest import NOW
from tests.e2e.test_email_smtp import TO, Gateway, gateway  # noqa: F401  (the fixture)
from tests.helpers import uow_of
from tests.period_cases import NORMATIVES
from tests.support.mail import customer_mail, send_mail

IVAN = "Ivan.Petrov@Mail.example.RU"


async def mail(gw: Gateway, subject: str, body: str | None, n: int) -> str:  # noqa: F811
    """Send a mail from Ivan, return the text of the ``n``-th mail at the sink."""
    raw = customer_mail(subject, body, sender=IVAN, msgid=f"<m{n}@mail.example.ru>")
    assert await send_mail(gw.smtp_port, raw, TO, mail_from=IVAN) == {}
    return str((await gw.sink.wait_for(n))[n - 1].message.get_content())


async def test_linking_by_mail_then_readings_notices_and_reminders(gateway: Gateway) -> None:  # noqa: F811
    await close_period(
        uow_of(gateway.engine), "2026-10", Rules(), NORMATIVES, today=date(2026, 11, 20), now=NOW
    )
    assert "одним числом из последней квитанции" in await mail(gateway, "LINK 1234567", None, 1)
    answer = "5000\n\n-- \nИван\n\n> Чтобы привязать счёт 1234567, ответьте одним числом"
    assert "Счёт 1234567 привязан к вам" in await mail(gateway, "Re: LINK 1234567", answer, 2)
    reading = await mail(gateway, "Показания", "05123 02010", 3)
    assert "расход 123" in reading
    [message] = await gateway.messages(channel="email", external_id="<m3@mail.example.ru>")
    assert message["status"] == "accepted" and message["sender"] == "ivan.petrov@mail.example.ru"
    reminders = gateway.client.app[REMINDERS]
    assert await reminders.send_close_notices("2026-10") == 1
    assert await reminders.send_close_notices("2026-10") == 0
    [*_, notice] = await gateway.sink.wait_for(4)
    assert notice.rcpt_tos == ["ivan.petrov@mail.example.ru"]
    assert "Начислено за 2026-10, счёт 1234567:" in notice.message.get_content()
    assert await reminders.send_due() == 0  # November's reading is in: nothing to remind
