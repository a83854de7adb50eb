"""What the phone line says (docs/channels.md, "Phone calls"): the dialogue's sentences,
registers by name and numbers digit by digit. Russian first; English when the caller presses 2
at the start. The texts are gettext messages (docs/translations.md)."""

from __future__ import annotations

from decimal import Decimal

from gateway.domain.model import Reason, Register, plain
from gateway.runtime import i18n
from gateway.runtime.i18n import N_

# how each language is named in TwiML's <Say language="...">
SPEECH_LANGUAGES = {"ru": "ru-RU", "en": "en-US"}

DIGITS = (N_("zero"), N_("one"), N_("two"), N_("three"), N_("four"), N_("five"), N_("six"),
          N_("seven"), N_("eight"), N_("nine"))  # fmt: skip
# TRANSLATORS: the star key read back as the decimal separator ("три, запятая, пять")
POINT = N_("point")

# The services as said aloud (the bill's ХВС and ГВС are no words to a speech engine)
SPOKEN_SERVICES = {"electricity": N_("electricity"), "cold_water": N_("cold water supply"),
                   "hot_water": N_("hot water supply"), "gas": N_("gas"),
                   "heating": N_("heating")}  # fmt: skip

# The zones of a multi-zone electricity meter, as Russian bills name them
ZONES = {2: {1: N_("day"), 2: N_("night")}, 3: {1: N_("peak"), 2: N_("night"), 3: N_("semi-peak")}}

SPOKEN_UNITS = {"electricity": N_("kilowatt-hours"), "cold_water": N_("cubic metres"),
                "hot_water": N_("cubic metres"), "gas": N_("cubic metres"),
                "heating": N_("gigacalories")}  # fmt: skip

TEXTS = {
    "greeting": N_("Hello! You have reached the meter readings line."),
    "account": N_("Account ending in %(digits)s."),
    # TRANSLATORS: one line per account of a caller: "ending in four, five, six, seven"
    "choose": N_("For the account ending in %(digits)s, press %(press)s."),
    "other_account": N_("For another account, press 0."),
    "ask_uin": N_(
        "Please enter your account number, the UIN from the top right corner of the bill, "
        "then press the hash key."
    ),
    "wrong_uin": N_(
        "No account has this number. Please check the bill and enter it again, then press "
        "the hash key."
    ),
    "uin_limit": N_(
        "The account number was not found. Please check the bill and call again. Goodbye."
    ),
    "guessing": N_("Too many attempts from your number. Please call again in an hour. Goodbye."),
    # TRANSLATORS: %(register)s names the register: "electricity, day"
    "ask_reading": N_(
        "%(register)s: please enter the reading, the star key for the decimal point, then "
        "press the hash key."
    ),
    # TRANSLATORS: %(digits)s is the number read digit by digit: "three, one, two, seven"
    "read_back": N_(
        "%(register)s, you entered: %(digits)s. If correct, press 1; to enter it again, press 2."
    ),
    "jump": N_(
        "This is much more than your usual consumption. If the reading is correct, press 1; "
        "to enter it again, press 2."
    ),
    "not_a_number": N_(
        "That is not a reading: please use the digits, and the star key once for the decimal point."
    ),
    "too_many_digits": N_(
        "The reading is longer than the meter: it has at most %(digits)s digits before the "
        "decimal point."
    ),
    "whole_numbers": N_(
        "The meter shows whole numbers only: please enter the reading without the star key."
    ),
    "too_many_decimals": N_("The meter has at most %(decimals)s digits after the point."),
    "decreasing": N_("The reading is lower than the last accepted one. Please check the digits."),
    "tries": N_("Too many attempts. Please check the meter and call again. Goodbye."),
    "silence": N_("We did not hear an answer. Please call again. Goodbye."),
    # TRANSLATORS: %(receipt)s is the reference number, read digit by digit
    "accepted": N_("Readings accepted. Your reference number is %(receipt)s."),
    # TRANSLATORS: %(consumption)s is a number, %(unit)s "kilowatt-hours" or "cubic metres"
    "consumption": N_("%(register)s: consumption %(consumption)s %(unit)s."),
    "review": N_(
        "Readings received and sent to a specialist for review. Your reference number is "
        "%(receipt)s."
    ),
    "review_confirmed": N_(
        "Readings received with your confirmation and sent to a specialist. Your reference "
        "number is %(receipt)s."
    ),
    "rejected": N_(
        "The readings were not accepted. %(reason)s Your reference number is %(receipt)s."
    ),
    "goodbye": N_("Thank you for calling. Goodbye."),
    "unavailable": N_(
        "Sorry, the service is temporarily unavailable. Please call again later. Goodbye."
    ),
}

# Why a submission was rejected, and what to do, as said on the phone
REJECTIONS = {
    Reason.DECREASING: N_(
        "A reading is lower than the last accepted one. Please check the meter and call again."
    ),
    Reason.RATE_LIMITED: N_("Too many messages from your number. Please call again in an hour."),
    Reason.ACCOUNT_CLOSED: N_("The account is closed; readings are not accepted for it."),
}
REJECTED_OTHER = N_("Please check the readings and call again, or send them by SMS.")


def say(lang: str, key: str, **fields: object) -> str:
    """The sentence ``key`` of ``TEXTS`` in ``lang``, its placeholders filled."""
    text = i18n.translations(lang).gettext(TEXTS[key])
    return text % fields if fields else text


def digits_spoken(typed: str, lang: str) -> str:
    """``3127*5`` as "three, one, two, seven, point, five"."""
    t = i18n.translations(lang)
    words = [t.gettext(POINT) if c == "*" else t.gettext(DIGITS[int(c)]) for c in typed]
    return ", ".join(words)


def register_name(reg: Register, lang: str) -> str:
    """A register as it is asked for: "electricity, day"."""
    t = i18n.translations(lang)
    name = t.gettext(SPOKEN_SERVICES[reg.service])
    zone = ZONES.get(reg.zones, {}).get(reg.zone)
    return f"{name}, {t.gettext(zone)}" if zone else name


def number_spoken(value: Decimal, lang: str) -> str:
    """A figure as a speech engine reads it in ``lang`` (a decimal comma in Russian)."""
    text = plain(value)
    return text.replace(".", ",") if lang == "ru" else text


def consumption_line(reg: Register, used: Decimal, lang: str) -> str:
    t = i18n.translations(lang)
    unit = t.gettext(SPOKEN_UNITS[reg.service])
    return say(
        lang, "consumption", register=register_name(reg, lang),
        consumption=number_spoken(used, lang), unit=unit,
    )  # fmt: skip


def rejection(reason: str | None, lang: str) -> str:
    t = i18n.translations(lang)
    known = {str(k): v for k, v in REJECTIONS.items()}
    return t.gettext(known.get(reason or "", REJECTED_OTHER))
