"""What the Telegram bot says besides the replies to readings: English msgids marked for
the message catalogue (docs/translations.md), translated where they are used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.domain.chats import SHARED_CHATS, HistoryLine, photo_missing
from gateway.domain.model import Reason, Status, StoredMessage, plain
from gateway.domain.photos import ocr_question
from gateway.domain.replies import SERVICE_NAMES, UNITS
from gateway.runtime import i18n
from gateway.runtime.i18n import N_

# button actions (the channel turns them into callback data "<action>:<argument>")
CONFIRM, FIX, CHOOSE = "confirm", "fix", "choose"
OCR_YES, OCR_FIX = "ocr_yes", "ocr_fix"  # the answer to what OCR read on a photo
# meta of a photo message whose sender may confirm what OCR read (a verified contact)
OCR_ASKED = "ocr_asked"

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
    "choice_unlinked": N_(
        "The account %(uin)s is not linked to you. Choose another one or send the "
        "readings again with the UIN."
    ),
    "button_gone": N_("This button no longer works. Please send the readings again."),
    "button_not_yours": N_("This button is not yours: it was sent to someone else."),
    "button_answered": N_("This question has already been answered."),
    "confirm_yes": N_("Yes, correct"),
    "confirm_fix": N_("Correct it"),
    "confirmed": N_("Thank you, a specialist will see that you confirmed the readings."),
    "fix_ask": N_("Please send the corrected readings."),
    # TRANSLATORS: value is the reading OCR found on the photo, e.g. 03127,456
    "ocr_ask": N_("The photo reads %(value)s. Is that right?"),
    "ocr_yes": N_("Yes"),
    "ocr_fix_ask": N_("Please send the meter's reading, the number only."),
    "group": N_(
        "In a group I only take readings addressed to me (mention me or reply to my "
        "message), and I answer without figures. To link an account, see the history or "
        "get full replies, write to me in a private chat."
    ),
    "unsupported": N_(
        "I can only read text and photos: send the UIN and the readings as text, or a "
        "photo of the meter with them in the caption."
    ),
    "edited": N_(
        "Edited messages are not taken: please send the corrected readings as a new message."
    ),
    # the replies to readings in Telegram, where they differ from the other channels'
    "jump": N_(
        "Readings received, but the consumption is far above usual. If the readings are "
        'right, press "Yes, correct" and a specialist will check them; if there is a '
        'mistake, press "Correct it". Request No. %(receipt)s.'
    ),
    "group_accepted": N_(
        "Readings accepted. Request No. %(receipt)s. The consumption is shown in a "
        "private chat with me only."
    ),
    "photo_missing": N_(
        "Message received and passed to a specialist, but the photo could not be "
        "downloaded (it may be too big). Please send it again as a photo. Request No. "
        "%(receipt)s."
    ),
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
    """The title and one line per reading (``history_line``)."""
    return "\n".join([text(language, "history_title"), *(history_line(language, line)
                                                          for line in lines)])  # fmt: skip


def history_line(language: str, line: HistoryLine) -> str:
    """``1234567 электроэнергия T1: 20.11.2026 5123, расход 123 кВт·ч``: the account, the
    service as on the bill (not the meter's internal name), the zone on multi-zone meters
    (T1 and T2 alike, none on a single-zone one), the date, the value, the consumption with
    its unit."""
    t = i18n.translations(language)
    name = t.gettext(SERVICE_NAMES[line.service]) if line.service in SERVICE_NAMES else line.meter
    zone = f" T{line.zone}" if line.zones > 1 else ""
    used = ""
    if line.consumption is not None:
        unit = t.gettext(UNITS[line.service]) if line.service in UNITS else ""
        used = f", {text(language, 'consumption')} {plain(line.consumption)} {unit}".rstrip()
    day = line.taken_on.strftime("%d.%m.%Y")
    return f"{line.uin} {name}{zone}: {day} {plain(line.value)}{used}"


def button(language: str, key: str, action: str, argument: object) -> dict[str, str]:
    return {"text": text(language, key), "data": f"{action}:{argument}"}


def reply_extra(message: StoredMessage) -> Mapping[str, Any]:
    """What the Telegram transport makes of the reply to a reading (the intake's
    ``ReplyExtra``): ``reply`` replaces the text where Telegram's differs, ``buttons`` adds a
    keyboard. In a group: no figures. A jump in review: "yes, correct" / "correct it" with
    a text asking for that answer. A photo that could not be downloaded: say so. A photo
    whose verified sender may confirm what OCR read: "the photo reads N. Is that right?"
    with "yes" / "correct it"."""
    if message.reply is None:
        return {}
    meta = message.meta or {}
    lang = message.language or "ru"
    if message.status == Status.ACCEPTED and meta.get("chat_type") in SHARED_CHATS:
        return {"reply": text(lang, "group_accepted", receipt=message.id)}
    if message.status != Status.REVIEW:
        return {}
    if message.reason == Reason.PHOTO and photo_missing(meta):
        return {"reply": text(lang, "photo_missing", receipt=message.id)}
    value = ocr_question(meta) if meta.get(OCR_ASKED) else None
    if message.reason == Reason.PHOTO and value is not None:
        shown = value.replace(".", ",") if lang == "ru" else value
        return {
            "reply": text(lang, "ocr_ask", value=shown),
            "buttons": [[button(lang, "ocr_yes", OCR_YES, message.id),
                         button(lang, "confirm_fix", OCR_FIX, message.id)]],
        }  # fmt: skip
    if message.reason != Reason.IMPLAUSIBLE_JUMP:
        return {}
    return {
        "reply": text(lang, "jump", receipt=message.id),
        "buttons": [[button(lang, "confirm_yes", CONFIRM, message.id),
                     button(lang, "confirm_fix", FIX, message.id)]],
    }  # fmt: skip
