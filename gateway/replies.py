"""Customer replies: what was accepted, or what is wrong and how to fix it. Russian first."""

from __future__ import annotations

from decimal import Decimal

from gateway.domain import Outcome, Reason, Register, RegisterResult, Status

UNITS = {
    "ru": {"electricity": "кВт·ч", "cold_water": "м³", "hot_water": "м³", "gas": "м³",
           "heating": "Гкал"},
    "en": {"electricity": "kWh", "cold_water": "m³", "hot_water": "m³", "gas": "m³",
           "heating": "Gcal"},
}  # fmt: skip

SERVICE_NAMES = {
    "ru": {"electricity": "электроэнергия", "cold_water": "ХВС", "hot_water": "ГВС",
           "gas": "газ", "heating": "отопление"},
    "en": {"electricity": "electricity", "cold_water": "cold water", "hot_water": "hot water",
           "gas": "gas", "heating": "heating"},
}  # fmt: skip

REASONS = {
    "ru": {
        Reason.EMPTY: "Сообщение пустое.",
        Reason.NO_UIN: "Не найден УИН (номер лицевого счёта, правый верхний угол квитанции).",
        Reason.UNKNOWN_UIN: "Лицевой счёт с таким УИН не найден. Проверьте номер в квитанции.",
        Reason.ACCOUNT_CLOSED: "Лицевой счёт закрыт, показания по нему не принимаются.",
        Reason.READING_COUNT_MISMATCH: "Число показаний не совпадает с числом счётчиков.",
        Reason.NOT_A_NUMBER: "Показание не распознано как число.",
        Reason.TOO_MANY_DIGITS: "В показании больше цифр, чем на счётчике.",
        Reason.TOO_MANY_DECIMALS: "В показании больше знаков после запятой, чем на счётчике.",
        Reason.DECREASING: "Показание меньше предыдущего принятого.",
        Reason.IMPLAUSIBLE_JUMP: "Расход намного больше обычного: показания переданы "
        "специалисту на проверку, отвечать не нужно.",
        Reason.METER_VERIFICATION_EXPIRED: "Истёк срок поверки счётчика: показание сохранено, "
        "но не будет учтено при расчёте. Замените или поверьте счётчик.",
        Reason.RATE_LIMITED: "Слишком много сообщений с вашего номера. Повторите через час.",
        Reason.AMBIGUOUS: "Показание можно прочитать двояко: сообщение передано специалисту.",
    },
    "en": {
        Reason.EMPTY: "The message is empty.",
        Reason.NO_UIN: "No UIN found (the account number, top right corner of the bill).",
        Reason.UNKNOWN_UIN: "No account with this UIN. Please check the number on the bill.",
        Reason.ACCOUNT_CLOSED: "The account is closed; readings are not accepted for it.",
        Reason.READING_COUNT_MISMATCH: "The number of readings does not match your meters.",
        Reason.NOT_A_NUMBER: "A reading is not a number.",
        Reason.TOO_MANY_DIGITS: "A reading has more digits than the meter.",
        Reason.TOO_MANY_DECIMALS: "A reading has more decimal places than the meter.",
        Reason.DECREASING: "A reading is lower than the last accepted one.",
        Reason.IMPLAUSIBLE_JUMP: "The consumption is far above usual: a specialist will "
        "check the readings, no need to resend.",
        Reason.METER_VERIFICATION_EXPIRED: "The meter's verification has expired: the reading "
        "is stored but not used for billing. Please replace or verify the meter.",
        Reason.RATE_LIMITED: "Too many messages from your number. Please retry in an hour.",
        Reason.AMBIGUOUS: "A reading can be read two ways: a specialist will check it.",
    },
}

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

TEXT = {
    "ru": {
        "accepted": "Показания приняты",
        "review": "Показания получены и переданы на проверку",
        "receipt": "Квитанция №",
        "consumption": "расход",
        "resend": "Отправьте заново",
        "format": "Формат: УИН и показания через пробел",
        "example": "например",
        "zone": "T",
    },
    "en": {
        "accepted": "Readings accepted",
        "review": "Readings received and sent for review",
        "receipt": "Receipt No.",
        "consumption": "consumption",
        "resend": "Please resend",
        "format": "Format: the UIN and the readings separated by spaces",
        "example": "e.g.",
        "zone": "T",
    },
}


def lang_of(language: str | None) -> str:
    return language if language in TEXT else "ru"


def render(outcome: Outcome, receipt: int, uin: str | None, language: str | None) -> str:
    lang = lang_of(language)
    t = TEXT[lang]
    if outcome.status is Status.ACCEPTED:
        lines = "; ".join(_reading_line(r, lang) for r in outcome.readings)
        return f"{t['accepted']}: {lines}. {t['receipt']} {receipt}."
    reason_text = REASONS[lang][outcome.reason] if outcome.reason else ""
    if outcome.status is Status.REVIEW:
        return f"{t['review']}. {reason_text} {t['receipt']} {receipt}."
    if outcome.reason in FORMAT_REASONS:
        return f"{reason_text} {t['resend']}. {expected_format(outcome.expected, uin, lang)}"
    return reason_text


def _reading_line(r: RegisterResult, lang: str) -> str:
    label = register_label(r.register, lang)
    text = f"{label} {_fmt(r.value)}"
    if r.consumption is not None:
        text += f" ({TEXT[lang]['consumption']} {_fmt(r.consumption)} "
        text += f"{UNITS[lang][r.register.service]})"
    return text


def register_label(reg: Register, lang: str) -> str:
    name = SERVICE_NAMES[lang][reg.service]
    if reg.zones > 1:
        return f"{name} T{reg.zone}"
    return name


def expected_format(registers: tuple[Register, ...], uin: str | None, lang: str) -> str:
    """How this account's message should look: ``1234567 05123 02010 (T1 T2)``."""
    t = TEXT[lang]
    if not registers:
        return f"{t['format']}, {t['example']} 1234567 05123 02010."
    sample = " ".join(_sample(reg) for reg in registers)
    order = ", ".join(register_label(reg, lang) for reg in registers)
    return f"{t['format']} ({order}), {t['example']} {uin or '1234567'} {sample}."


def _sample(reg: Register) -> str:
    if reg.last is not None:
        return _fmt(reg.last.value)
    return "0" * reg.digits


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
