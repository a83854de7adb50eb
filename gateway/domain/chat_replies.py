"""What the Telegram bot says besides the replies to readings: English msgids marked for
the message catalogue (docs/translations.md), translated where they are used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.domain.chats import HistoryLine
from gateway.domain.model import Reason, Status, StoredMessage, plain
from gateway.runtime import i18n
from gateway.runtime.i18n import N_

# button actions (the channel turns them into callback data "<action>:<argument>")
CONFIRM, FIX, CHOOSE = "confirm", "fix", "choose"

TEXTS: dict[str, str] = {
    "start": N_(
        "Hello! Send your readings in one message: the UIN (the account number "
        "on the bill) and the readings separated by spaces, in the order of the "
        "bill. For example: 1234567 05123 02010\n\nTo skip the UIN next time, link "
        "the account: /link UIN. More: /help"
    ),
    "help": N_(
        "Commands:\n/link UIN: link an account (the bot asks for the previous "
        "reading on the bill)\n/unlink UIN: unlink it, /unlink: unlink "
        "all\n/history: the last readings of the linked accounts\n\nReadings: the "
        "UIN and the readings separated by spaces, e.g. 1234567 05123 02010. "
        "With a linked account the UIN may be omitted. You may attach a photo of "
        "the meter."
    ),
    "link_usage": N_("Please give the UIN: /link 1234567"),
    "link_ask": N_(
        "To link the account %(uin)s, send one number from its last bill: a meter reading "
        "it was billed from, or the billed consumption of a meter. The number only."
    ),
    "link_ok": N_("The account %(uin)s is linked. You may now send readings without the UIN."),
    "link_wrong": N_("That does not match the bill. Attempts left today: %(left)s."),
    "link_locked": N_("Too many failed attempts. You can link an account again tomorrow."),
    "unlink_one": N_("The account %(uin)s is unlinked."),
    "unlink_all": N_("Accounts unlinked: %(n)s."),
    "unlink_none": N_("No accounts are linked."),
    "history_none": N_("No accounts are linked. Link one: /link UIN"),
    "history_empty": N_("No accepted readings for the linked accounts yet."),
    "history_title": N_("Last readings:"),
    "consumption": N_("consumption"),
    "choose": N_("Which account are these readings for?"),
    "choice_gone": N_("This message has already been handled."),
    "confirm_yes": N_("Yes, correct"),
    "confirm_fix": N_("Correct it"),
    "confirmed": N_("Thank you, a specialist will see that you confirmed the readings."),
    "fix_ask": N_("Please send the corrected readings."),
    "not_found": N_("Message not found."),
    "link_already": N_("The account %(uin)s is already linked."),
    "link_staff": N_(
        "The account %(uin)s has no bill from us yet, so it cannot be checked here. Please "
        "ask the utility's office to link it."
    ),
    "private_only": N_("Please write to me in a private chat for that."),
    "contact_linked": N_("Your phone is confirmed; linked accounts: %(uins)s."),
    "contact_unknown": N_(
        "This phone is not confirmed for any account. Link an account: /link UIN"
    ),
    "contact_not_own": N_("Please share your own contact, not someone else's."),
    "reminder": N_(
        "Reminder: please send the readings of the account %(uins)s by day %(cutoff)s of the month."
    ),
}


def text(language: str, key: str, **fields: object) -> str:
    return i18n.translations(language).gettext(TEXTS[key]) % fields


def history(language: str, lines: list[HistoryLine]) -> str:
    """One line per reading: account, meter and zone, date, value and consumption."""
    out = [text(language, "history_title")]
    consumption = text(language, "consumption")
    for line in lines:
        zone = f" T{line.zone}" if line.zone > 1 else ""
        used = f", {consumption} {plain(line.consumption)}" if line.consumption else ""
        day = line.taken_on.strftime("%d.%m.%Y")
        out.append(f"{line.uin} {line.meter}{zone}: {day} {plain(line.value)}{used}")
    return "\n".join(out)


def button(language: str, key: str, action: str, argument: object) -> dict[str, str]:
    return {"text": text(language, key), "data": f"{action}:{argument}"}


def review_keyboard(message: StoredMessage) -> Mapping[str, Any]:
    """What the Telegram transport adds to a reply: "yes, correct" / "correct it" on a
    reading that went to review for an implausible jump."""
    if message.status != Status.REVIEW or message.reason != Reason.IMPLAUSIBLE_JUMP:
        return {}
    lang = message.language or "ru"
    return {
        "buttons": [[button(lang, "confirm_yes", CONFIRM, message.id),
                     button(lang, "confirm_fix", FIX, message.id)]]
    }  # fmt: skip
