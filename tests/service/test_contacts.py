"""Linking contacts to accounts against the last bill, on SQLite and PostgreSQL: the
ways a stranger tries to pass, the limits per contact and per account, the audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.contacts import LinkStep, contact
from gateway.domain.rules import Rules
from gateway.service.closing import close_period
from gateway.service.contacts import ContactUseCases
from storage.models import ContactAudit
from tests.e2e.conftest import ACCOUNTS, HISTORY, NOW
from tests.helpers import seed, uow_of
from tests.period_cases import NORMATIVES

PHONE = contact("phone", "+79161234567")
OTHER = contact("phone", "+79160000000")


async def closed(engine: AsyncEngine, period: str = "2026-10") -> None:
    """The accounts of the e2e seed, with ``period`` closed (the last bill)."""
    await seed(engine, ACCOUNTS, HISTORY)
    await close_period(uow_of(engine), period, Rules(), NORMATIVES, today=NOW.date(), now=NOW)


def use_cases(engine: AsyncEngine, now: list[datetime]) -> ContactUseCases:
    return ContactUseCases(uow_of(engine), Rules(), lambda: now[0])


async def test_a_contact_links_with_a_value_of_the_last_bill(engine: AsyncEngine) -> None:
    await closed(engine)
    contacts = use_cases(engine, [NOW])
    assert (await contacts.start_link(PHONE, "1234567")).step is LinkStep.ASK
    wrong = await contacts.verify(PHONE, "1234567", "4900")  # an older reading
    assert (wrong.step, wrong.left) == (LinkStep.WRONG, 2)
    assert (await contacts.verify(PHONE, "1234567", "1975")).step is LinkStep.LINKED  # T2
    assert await contacts.accounts_of(PHONE) == ["1234567"]
    assert (await contacts.start_link(PHONE, "1234567")).step is LinkStep.ALREADY
    # the billed volume (5000 - 4900) counts too
    assert (await contacts.verify(OTHER, "1234567", "100")).step is LinkStep.LINKED
    async with uow_of(engine)() as uow:
        actions = [a["action"] for a in await uow.contacts.audit_of("1234567")]
    assert actions.count("link_attempt") == 3 and actions.count("link") == 2
    assert await contacts.unlink(PHONE, None) == ["1234567"]
    assert await contacts.accounts_of(PHONE) == []


async def test_no_closed_period_means_staff_link_it(engine: AsyncEngine) -> None:
    await seed(engine, ACCOUNTS, HISTORY)
    contacts = use_cases(engine, [NOW])
    assert (await contacts.start_link(PHONE, "1234567")).step is LinkStep.STAFF
    # the last accepted reading is no bill: it does not link
    assert (await contacts.verify(PHONE, "1234567", "5000")).step is LinkStep.STAFF
    assert await contacts.link_by_staff("anna", PHONE, "1234567")
    assert not await contacts.link_by_staff("anna", PHONE, "1234567")  # there already
    assert not await contacts.link_by_staff("anna", PHONE, "9999999")
    [linked] = await contacts.contacts_of("1234567")
    assert (linked.contact, linked.verified_by) == (PHONE, "staff")
    assert await contacts.unlink_by_staff("anna", PHONE, "1234567")
    assert await contacts.contacts_of("1234567") == []


async def test_a_value_submitted_after_the_close_never_counts(engine: AsyncEngine) -> None:
    await closed(engine)
    # a stranger's own reading of November, accepted: not on the last bill
    await seed(engine, [], [("1234567", "E-1", 1, date(2026, 11, 19), "5150")])
    contacts = use_cases(engine, [NOW])
    assert (await contacts.verify(PHONE, "1234567", "5150")).step is LinkStep.WRONG
    assert (await contacts.verify(PHONE, "1234567", "150")).step is LinkStep.WRONG


async def test_three_failures_a_day_lock_the_contact(engine: AsyncEngine) -> None:
    await closed(engine)
    now = [NOW]
    contacts = use_cases(engine, now)
    for value in ("1", "2"):
        assert (await contacts.verify(PHONE, "1234567", value)).step is LinkStep.WRONG
    assert (await contacts.verify(PHONE, "1234567", "3")).step is LinkStep.LOCKED
    # the 4th attempt is refused, the right value too, on another account too
    assert (await contacts.verify(PHONE, "1234567", "5000")).step is LinkStep.LOCKED
    assert (await contacts.start_link(PHONE, "7654321")).step is LinkStep.LOCKED
    now[0] = NOW + timedelta(days=1)  # the supplier's next day
    assert (await contacts.verify(PHONE, "1234567", "5000")).step is LinkStep.LINKED


async def test_three_failures_a_day_lock_the_account(engine: AsyncEngine) -> None:
    await closed(engine)
    contacts = use_cases(engine, [NOW])
    for i in range(3):
        stranger = contact("phone", f"+7916000000{i}")
        assert (await contacts.verify(stranger, "1234567", "1")).step in (
            LinkStep.WRONG,
            LinkStep.LOCKED,
        )
    assert (await contacts.verify(PHONE, "1234567", "5000")).step is LinkStep.LOCKED
    assert (await contacts.start_link(PHONE, "1234567")).step is LinkStep.LOCKED
    # another account is not locked for this contact
    assert (await contacts.verify(PHONE, "7654321", "100")).step is LinkStep.LINKED
    async with uow_of(engine)() as uow:
        refused = await uow.contacts.audit_of("1234567")
    assert [a["action"] for a in refused][0] == "link_refused"
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(ContactAudit))).scalar() == 6


async def test_a_shared_verified_phone_links_the_telegram_user(engine: AsyncEngine) -> None:
    await seed(engine, ACCOUNTS, HISTORY)
    contacts = use_cases(engine, [NOW])
    user = contact("telegram", "4242")
    async with uow_of(engine)() as uow:
        assert await contacts.on(uow, NOW).link_shared(user, PHONE) == []
    await contacts.link_by_staff("anna", PHONE, "7654321")
    async with uow_of(engine)() as uow:
        assert await contacts.on(uow, NOW).link_shared(user, PHONE) == ["7654321"]
        await uow.commit()
    assert await contacts.accounts_of(user) == ["7654321"]


async def test_opting_out_and_back_in(engine: AsyncEngine) -> None:
    contacts = use_cases(engine, [NOW])
    await contacts.opt_out(PHONE)
    async with uow_of(engine)() as uow:
        state = await uow.contacts.get(PHONE)
        assert state is not None and state.opted_out
    await contacts.opt_in(PHONE)
    async with uow_of(engine)() as uow:
        state = await uow.contacts.get(PHONE)
        assert state is not None and not state.opted_out
