"""Customer replies: what was accepted, or what is wrong and how to fix it. Russian first.

The texts are gettext messages written in English; the Russian wording lives in
``gateway/locale/ru/LC_MESSAGES/messages.po`` (docs/translations.md). Placeholders are named
(``%(value)s``) so that a translator sees what goes where and may move it.
"""

from __future__ import annotations

from gettext import NullTranslations

from gateway.domain.model import Reason, Register, Status, plain
from gateway.domain.outcomes import Outcome, RegisterResult
from gateway.runtime import i18n


def N_(message: str) -> str:
    """Marks a text for ``pybabel extract``; it is translated where it is used."""
    return message


UNITS = {"electricity": N_("kWh"), "cold_water": N_("m³"), "hot_water": N_("m³"), "gas": N_("m³"),
         "heating": N_("Gcal")}  # fmt: skip

SERVICE_NAMES = {
    "electricity": N_("electricity"),
    # TRANSLATORS: the service, as on the bill (ХВС)
    "cold_water": N_("cold water"),
    # TRANSLATORS: the service, as on the bill (ГВС)
    "hot_water": N_("hot water"),
    "gas": N_("gas"),
    "heating": N_("heating"),
}

# What went wrong and how to fix it. Placeholders come from the outcome: %(detail)s (the part
# of the message as typed), %(n)s (readings expected), %(got)s (readings received),
# %(meter)s (the register), %(value)s, %(digits)s, %(decimals)s, %(options)s.
REASONS = {
    Reason.EMPTY: N_("The message is empty."),
    Reason.NO_UIN: N_(
        "No UIN found. Start the message with the UIN, the account number in the top right "
        "corner of the bill."
    ),
    Reason.UNKNOWN_UIN: N_(
        "No account with the UIN %(detail)s. Please check the number in the top right corner "
        "of the bill and send the readings again."
    ),
    Reason.ACCOUNT_CLOSED: N_("The account is closed; readings are not accepted for it."),
    Reason.READING_COUNT_MISMATCH: N_(
        "The message has %(got)s reading(s), %(n)s are needed: one per meter, in the order of "
        "the bill."
    ),
    # TRANSLATORS: %(detail)s is the word as the customer typed it
    Reason.NOT_A_NUMBER: N_(
        'Could not read "%(detail)s" as a reading. Please use digits only, with a dot or a '
        "comma before the decimals."
    ),
    Reason.TOO_MANY_DIGITS: N_(
        "The reading %(value)s (%(meter)s) is longer than the meter: it has at most "
        "%(digits)s digits before the decimal point."
    ),
    # TRANSLATORS: %(decimals)s is a number or "none (whole numbers only)"
    Reason.TOO_MANY_DECIMALS: N_(
        "The reading %(value)s (%(meter)s) has too many decimals, allowed: %(decimals)s."
    ),
    Reason.DECREASING: N_(
        "The reading %(value)s (%(meter)s) is lower than the last accepted one. "
        "Please check the digits and the order of the readings."
    ),
    # said after "Readings received and sent for review.": no need to say that again
    Reason.IMPLAUSIBLE_JUMP: N_("The consumption is far above usual; no need to resend."),
    Reason.METER_VERIFICATION_EXPIRED: N_(
        "The meter's verification has expired (%(meter)s): the reading is stored but not used "
        "for billing. Please replace or verify the meter."
    ),
    Reason.RATE_LIMITED: N_("Too many messages from your number. Please retry in an hour."),
    # TRANSLATORS: %(options)s lists what the reading can be: "5.123 or 5123"
    Reason.AMBIGUOUS: N_(
        'The reading "%(detail)s" can be read more than one way (%(options)s): a specialist '
        "will check it, no need to resend. Next time please put a space between readings and a "
        "dot before the decimals."
    ),
    Reason.AUTO_REPLY: N_(
        "This is an automatic message (a delivery report or an auto-reply): it is stored, "
        "and no readings are taken from it."
    ),
    Reason.METER_REPLACED: N_(
        "The meter (%(meter)s) has been replaced: the reading %(value)s is not accepted for "
        "it. Please send the readings of the new meter."
    ),
    Reason.PHOTO: N_(
        "Photo received: a specialist will read the meter from it, no need to resend."
    ),
}

# ``ambiguous`` about the message rather than one number: a label between two numbers,
# or two different UINs.
AMBIGUOUS_LABEL = N_(
    'It is unclear which number the label "%(detail)s" belongs to, the one before or the one '
    "after: a specialist will check it, no need to resend. Next time please put the label "
    "before its reading, e.g. day 5123 night 2010."
)
AMBIGUOUS_UIN = N_(
    "The message has two different UINs (the second is %(detail)s): a specialist will check "
    "it, no need to resend. Next time please send each account's readings in a message of its "
    "own."
)

# Reasons the customer fixes by resending in the right format.
FORMAT_REASONS = {
    Reason.EMPTY,
    Reason.NO_UIN,
    Reason.READING_COUNT_MISMATCH,
    Reason.NOT_A_NUMBER,
    Reason.TOO_MANY_DIGITS,
    Reason.TOO_MANY_DECIMALS,
    Reason.DECREASING,
}

# How a customer labels each register in a message (the parser reads all of these, in any
# reply language, so they are not translated).
SERVICE_TAGS = {"electricity": "эл", "cold_water": "ХВС", "hot_water": "ГВС", "gas": "газ",
                "heating": "отопление"}  # fmt: skip
ZONE_TAGS = {2: {1: "день", 2: "ночь"}, 3: {1: "Т1", 2: "Т2", 3: "Т3"}}


def lang_of(language: str | None) -> str:
    """The reply language: ``ru`` or ``en`` (Russian for any other)."""
    return i18n.language(language)


def pending_reply(language: str | None) -> str:
    """The reply to a message stored but not yet decided (``resume_pending`` finishes it)."""
    return i18n.translations(language).gettext("Message received; the answer will follow.")


def render(outcome: Outcome, receipt: int, uin: str | None, language: str | None) -> str:
    lang = lang_of(language)
    t = i18n.translations(lang)
    if outcome.status is Status.ACCEPTED:
        readings = "; ".join(_reading_line(r, lang) for r in outcome.readings)
        # TRANSLATORS: %(readings)s: "electricity T1 5123 (consumption 123 kWh); ..."
        text = t.gettext("Readings accepted: %(readings)s. Request No. %(receipt)s.")
        return text % {"readings": readings, "receipt": receipt}
    reason = explain_reason(outcome, lang)
    if outcome.status is Status.REVIEW:
        text = t.gettext(
            "Readings received and sent for review. %(reason)s Request No. %(receipt)s."
        )
        return text % {"reason": reason, "receipt": receipt}
    if outcome.reason in FORMAT_REASONS:
        # TRANSLATORS: %(reason)s says what is wrong, %(format)s how the message should look
        text = t.gettext("%(reason)s Please resend. %(format)s")
        return text % {"reason": reason, "format": expected_format(outcome.expected, uin, lang)}
    return reason


def explain_reason(outcome: Outcome, lang: str) -> str:
    """The reason in words, with the details that let the customer fix it."""
    if outcome.reason is None:
        return ""
    t = i18n.translations(lang)
    fields: dict[str, object] = {
        "detail": outcome.detail or "",
        "n": len(outcome.expected),
        "got": outcome.received if outcome.received is not None else 0,
        "meter": "",
        "value": "",
        "digits": "",
        "decimals": "",
        "options": "",
    }
    failed = next((r for r in outcome.readings if r.reason is outcome.reason), None)
    if failed is not None:
        reg = failed.register
        fields.update(
            meter=register_label(reg, lang),
            value=plain(failed.value),
            digits=reg.digits,
            decimals=reg.decimals or t.gettext("none (whole numbers only)"),
        )
        if failed.candidates:
            fields["detail"] = fields["detail"] or plain(failed.value)
            fields["options"] = _or(t, [plain(c) for c in failed.candidates])
    elif outcome.reason is Reason.AMBIGUOUS and outcome.detail:
        detail = outcome.detail
        if detail.isdigit():  # a second UIN
            return t.gettext(AMBIGUOUS_UIN) % fields
        if not detail[:1].isdigit():  # a label between two numbers
            return t.gettext(AMBIGUOUS_LABEL) % fields
        fields["options"] = _split_options(t, detail)
    return t.gettext(REASONS[outcome.reason]) % fields


def _or(t: NullTranslations, options: list[str]) -> str:
    # TRANSLATORS: between the ways a reading can be read: "5.123 or 5123"
    word = t.gettext("or")
    return f" {word} ".join(options)


def _split_options(t: NullTranslations, typed: str) -> str:
    """``1234,567``: a decimal, a thousands comma, or two readings with the space missing."""
    whole, sep, tail = typed.rpartition(",")
    if not sep or not whole.isdigit() or not tail.isdigit():
        return typed
    two = t.gettext("two readings %(first)s and %(second)s") % {"first": whole, "second": tail}
    return _or(t, [f"{whole}.{tail}", whole + tail, two])


def _reading_line(r: RegisterResult, lang: str) -> str:
    label = register_label(r.register, lang)
    if r.consumption is None:
        return f"{label} {plain(r.value)}"
    t = i18n.translations(lang)
    text = t.gettext("%(register)s %(value)s (consumption %(consumption)s %(unit)s)")
    return text % {
        "register": label,
        "value": plain(r.value),
        "consumption": plain(r.consumption),
        "unit": t.gettext(UNITS[r.register.service]),
    }


def register_label(reg: Register, lang: str) -> str:
    name = i18n.translations(lang).gettext(SERVICE_NAMES[reg.service])
    if reg.zones > 1:
        return f"{name} T{reg.zone}"
    return name


def expected_format(registers: tuple[Register, ...], uin: str | None, lang: str) -> str:
    """How this account's message should look: how many readings, in what order, examples.

    ``Формат: УИН и 2 показания через пробел, в порядке квитанции: электроэнергия T1,
    электроэнергия T2; например: 1234567 5000 1975 или с подписями: 1234567 день 5000
    ночь 1975.``
    """
    t = i18n.translations(lang)
    if not registers:
        text = t.gettext("Format: the UIN and readings separated by spaces, e.g.: %(example)s.")
        return text % {"example": "1234567 05123 02010"}
    uin = uin or "1234567"
    example = f"{uin} {' '.join(_sample(reg) for reg in registers)}"
    tags = [_tag(reg) for reg in registers]
    if len(registers) > 1 and len(set(tags)) == len(tags):
        labelled = " ".join(
            f"{tag} {_sample(reg)}" for tag, reg in zip(tags, registers, strict=True)
        )
        # TRANSLATORS: two example messages, the second with a label before each reading
        text = t.gettext("%(plain)s or labelled: %(labelled)s")
        example = text % {"plain": example, "labelled": f"{uin} {labelled}"}
    # TRANSLATORS: %(order)s names the meters in the order of the bill
    text = t.ngettext(
        "Format: the UIN and %(n)s reading separated by spaces, in the order of the bill: "
        "%(order)s; e.g.: %(example)s.",
        "Format: the UIN and %(n)s readings separated by spaces, in the order of the bill: "
        "%(order)s; e.g.: %(example)s.",
        len(registers),
    )
    order = ", ".join(register_label(reg, lang) for reg in registers)
    return text % {"n": len(registers), "order": order, "example": example}


def _tag(reg: Register) -> str:
    if reg.zones > 1:
        return ZONE_TAGS[reg.zones][reg.zone]
    return SERVICE_TAGS[reg.service]


def _sample(reg: Register) -> str:
    """Placeholder digits, as many as the register has: never a stored reading, since
    anyone can type any UIN and learn what a reply shows."""
    return "0" * reg.digits
