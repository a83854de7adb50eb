"""What a contact is told by SMS or mail about linking, history, opting out, and the
notices it gets (reminders, period-close notices, a reading from someone else): English
msgids for the catalogue (docs/translations.md), translated where they are used."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from gateway.domain.billed_notes import billed_how
from gateway.domain.chats import HistoryLine
from gateway.domain.contacts import BilledLine, LinkResult, LinkStep
from gateway.domain.model import plain
from gateway.domain.replies import SERVICE_NAMES, UNITS
from gateway.runtime import i18n
from gateway.runtime.i18n import N_

TEXTS: dict[str, str] = {
    "link_usage": N_("To link an account send: LINK and its UIN, e.g. LINK 1234567"),
    "link_ask": N_(
        "To link the account %(uin)s, reply with one number from its last bill: a meter "
        "reading it was billed from, or the billed consumption of a meter. The number only."
    ),
    "link_ok": N_(
        "The account %(uin)s is linked to you. You may send readings without the UIN. "
        "UNLINK: unlink, HISTORY: last readings, STOP: no reminders."
    ),
    "link_already": N_("The account %(uin)s is already linked to you."),
    "link_wrong": N_("That does not match the bill. Attempts left today: %(left)s."),
    "link_locked": N_("Too many failed attempts. You can link an account again tomorrow."),
    "link_staff": N_(
        "The account %(uin)s has no bill from us yet, so it cannot be checked here. Please "
        "ask the utility's office to link it."
    ),
    "unlink_one": N_("The account %(uin)s is unlinked."),
    "unlink_all": N_("Accounts unlinked: %(n)s."),
    "unlink_none": N_("No accounts are linked to you."),
    "history_none": N_("No accounts are linked to you. To link one send: LINK and its UIN."),
    "history_empty": N_("No accepted readings for your accounts yet."),
    "history_title": N_("Last readings:"),
    "stop": N_("You will get no more reminders or notices. To get them again send START."),
    "start": N_("Reminders and notices are on. To stop them send STOP."),
    # TRANSLATORS: %(tails)s lists the last digits of the accounts: "…567, …321"
    "choose": N_(
        "You have several accounts (%(tails)s): please send the readings again, starting "
        "with the UIN."
    ),
    "note": N_(
        "Readings for the account %(uin)s came from a sender who is not linked to it. If it "
        "was not you or your family, please contact the utility."
    ),
    "reminder": N_(
        "Reminder: please send the readings of the account %(uins)s by day %(cutoff)s of "
        "the month. STOP: no more reminders."
    ),
    "close_title": N_("Billed for %(period)s, account %(uin)s:"),
}

STEP_TEXTS = {
    LinkStep.ASK: "link_ask",
    LinkStep.LINKED: "link_ok",
    LinkStep.ALREADY: "link_already",
    LinkStep.WRONG: "link_wrong",
    LinkStep.LOCKED: "link_locked",
    LinkStep.STAFF: "link_staff",
}


def text(language: str | None, key: str, **fields: object) -> str:
    return i18n.translations(language).gettext(TEXTS[key]) % fields


def link_step(language: str | None, result: LinkResult) -> str:
    return text(language, STEP_TEXTS[result.step], uin=result.uin, left=result.left)


def history(language: str | None, lines: Sequence[HistoryLine]) -> str:
    out = [text(language, "history_title")]
    for line in lines:
        zone = f" T{line.zone}" if line.zone > 1 else ""
        day = line.taken_on.strftime("%d.%m.%Y")
        used = f" (+{plain(line.consumption)})" if line.consumption else ""
        out.append(f"{line.uin} {line.meter}{zone} {day}: {plain(line.value)}{used}")
    return "\n".join(out)


def close_notice(language: str | None, period: str, lines: Sequence[BilledLine]) -> str:
    """Per account: each register's billed volume, its unit and how it was billed (in
    words: ``gateway.domain.billed_notes``)."""
    t = i18n.translations(language)
    out: list[str] = []
    for uin in sorted({line.uin for line in lines}):
        out.append(text(language, "close_title", period=period, uin=uin))
        for line in (x for x in lines if x.uin == uin):
            name = t.gettext(SERVICE_NAMES[line.service])
            zone = f" T{line.zone}" if line.zones > 1 else ""
            unit = t.gettext(UNITS[line.service])
            how = billed_how(language, period, line.method, line.basis, line.factor, line.event)
            out.append(f"{name}{zone}: {plain(Decimal(line.volume))} {unit}, {how}")
    return "\n".join(out)
