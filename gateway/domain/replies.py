"""Customer replies: what was accepted, or what is wrong and how to fix it. Russian first."""

from __future__ import annotations

from decimal import Decimal

from gateway.domain.model import Outcome, Reason, Register, RegisterResult, Status, plain

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

# What went wrong and how to fix it. Placeholders come from the outcome: {detail} (the part
# of the message as typed), {n} (readings expected), {got} (readings received),
# {meter} (the register), {value}, {last}, {digits}, {decimals}, {options}.
REASONS = {
    "ru": {
        Reason.EMPTY: "Сообщение пустое.",
        Reason.NO_UIN: "Не найден УИН. Начните сообщение с УИН — номера лицевого счёта "
        "из правого верхнего угла квитанции.",
        Reason.UNKNOWN_UIN: "Лицевой счёт с УИН {detail} не найден. Сверьте номер с правым "
        "верхним углом квитанции и отправьте показания заново.",
        Reason.ACCOUNT_CLOSED: "Лицевой счёт закрыт, показания по нему не принимаются.",
        Reason.READING_COUNT_MISMATCH: "Показаний в сообщении: {got}, а нужно {n} — по одному "
        "на каждый счётчик, в порядке квитанции.",
        Reason.NOT_A_NUMBER: "Не удалось прочитать «{detail}» как показание. Пишите только "
        "цифры; дробную часть — через точку или запятую.",
        Reason.TOO_MANY_DIGITS: "Показание {value} ({meter}) длиннее, чем на счётчике: до "
        "запятой у него не больше {digits} цифр. Проверьте, не лишняя ли цифра.",
        Reason.TOO_MANY_DECIMALS: "В показании {value} ({meter}) слишком много цифр после "
        "запятой, допустимо: {decimals}.",
        Reason.DECREASING: "Показание {value} ({meter}) меньше предыдущего принятого {last}. "
        "Проверьте цифры и порядок показаний.",
        Reason.IMPLAUSIBLE_JUMP: "Расход намного больше обычного: показания переданы "
        "специалисту на проверку, отвечать не нужно.",
        Reason.METER_VERIFICATION_EXPIRED: "Истёк срок поверки счётчика ({meter}): показание "
        "сохранено, но не будет учтено при расчёте. Замените или поверьте счётчик.",
        Reason.RATE_LIMITED: "Слишком много сообщений с вашего номера. Повторите через час.",
        Reason.PHOTO: "Фото получено: специалист прочитает показания с него, отвечать не нужно.",
        Reason.AMBIGUOUS: "Показание «{detail}» можно прочитать по-разному ({options}): "
        "сообщение передано специалисту, отвечать не нужно. В следующий раз ставьте "
        "пробел между показаниями, а дробную часть отделяйте точкой.",
    },
    "en": {
        Reason.EMPTY: "The message is empty.",
        Reason.NO_UIN: "No UIN found. Start the message with the UIN, the account number in "
        "the top right corner of the bill.",
        Reason.UNKNOWN_UIN: "No account with the UIN {detail}. Please check the number in the "
        "top right corner of the bill and send the readings again.",
        Reason.ACCOUNT_CLOSED: "The account is closed; readings are not accepted for it.",
        Reason.READING_COUNT_MISMATCH: "The message has {got} reading(s), {n} are needed: one "
        "per meter, in the order of the bill.",
        Reason.NOT_A_NUMBER: 'Could not read "{detail}" as a reading. Please use digits '
        "only, with a dot or a comma before the decimals.",
        Reason.TOO_MANY_DIGITS: "The reading {value} ({meter}) is longer than the meter: it "
        "has at most {digits} digits before the decimal point.",
        Reason.TOO_MANY_DECIMALS: "The reading {value} ({meter}) has too many decimals, "
        "allowed: {decimals}.",
        Reason.DECREASING: "The reading {value} ({meter}) is lower than the last accepted "
        "one, {last}. Please check the digits and the order of the readings.",
        Reason.IMPLAUSIBLE_JUMP: "The consumption is far above usual: a specialist will "
        "check the readings, no need to resend.",
        Reason.METER_VERIFICATION_EXPIRED: "The meter's verification has expired ({meter}): "
        "the reading is stored but not used for billing. Please replace or verify the meter.",
        Reason.RATE_LIMITED: "Too many messages from your number. Please retry in an hour.",
        Reason.PHOTO: "Photo received: a specialist will read the meter from it, no need to "
        "resend.",
        Reason.AMBIGUOUS: 'The reading "{detail}" can be read more than one way '
        "({options}): a specialist will check it, no need to resend. Next time please put a "
        "space between readings and a dot before the decimals.",
    },
}

# ``ambiguous`` about the message rather than one number: a label between two numbers,
# or two different UINs.
AMBIGUOUS_MESSAGE = {
    "ru": {
        "label": "Непонятно, к какому числу относится подпись «{detail}» — к тому, что до неё, "
        "или к тому, что после: сообщение передано специалисту, отвечать не нужно. В следующий раз "
        "пишите подпись перед показанием, например: день 5123 ночь 2010.",
        "uin": "В сообщении два разных УИН (второй — {detail}): сообщение передано "
        "специалисту, отвечать не нужно. В следующий раз отправляйте показания каждого лицевого "
        "счёта отдельным сообщением.",
    },
    "en": {
        "label": 'It is unclear which number the label "{detail}" belongs to, the one before '
        "or the one after: a specialist will check it, no need to resend. Next time please put "
        "the label before its reading, e.g. day 5123 night 2010.",
        "uin": "The message has two different UINs (the second is {detail}): a specialist "
        "will check it, no need to resend. Next time please send each account's readings in a "
        "message of its own.",
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
        "format": "Формат: УИН и {count} через пробел",
        "order": "в порядке квитанции",
        "example": "например",
        "labelled": "или с подписями",
        "or": "или",
        "two": "два показания {a} и {b}",
        "no_decimals": "ни одной (только целое число)",
    },
    "en": {
        "accepted": "Readings accepted",
        "review": "Readings received and sent for review",
        "receipt": "Receipt No.",
        "consumption": "consumption",
        "resend": "Please resend",
        "format": "Format: the UIN and {count} separated by spaces",
        "order": "in the order of the bill",
        "example": "e.g.",
        "labelled": "or labelled",
        "or": "or",
        "two": "two readings {a} and {b}",
        "no_decimals": "none (whole numbers only)",
    },
}

# "1 показание", "2 показания", "5 показаний"
READING_FORMS = {
    "ru": ("показание", "показания", "показаний"),
    "en": ("reading", "readings", "readings"),
}

# How a customer labels each register in a message (the parser reads all of these).
SERVICE_TAGS = {"electricity": "эл", "cold_water": "ХВС", "hot_water": "ГВС", "gas": "газ",
                "heating": "отопление"}  # fmt: skip
ZONE_TAGS = {2: {1: "день", 2: "ночь"}, 3: {1: "Т1", 2: "Т2", 3: "Т3"}}


def lang_of(language: str | None) -> str:
    return language if language in TEXT else "ru"


def render(outcome: Outcome, receipt: int, uin: str | None, language: str | None) -> str:
    lang = lang_of(language)
    t = TEXT[lang]
    if outcome.status is Status.ACCEPTED:
        lines = "; ".join(_reading_line(r, lang) for r in outcome.readings)
        return f"{t['accepted']}: {lines}. {t['receipt']} {receipt}."
    reason_text = explain_reason(outcome, lang)
    if outcome.status is Status.REVIEW:
        return f"{t['review']}. {reason_text} {t['receipt']} {receipt}."
    if outcome.reason in FORMAT_REASONS:
        return f"{reason_text} {t['resend']}. {expected_format(outcome.expected, uin, lang)}"
    return reason_text


def explain_reason(outcome: Outcome, lang: str) -> str:
    """The reason in words, with the details that let the customer fix it."""
    if outcome.reason is None:
        return ""
    fields = {
        "detail": outcome.detail or "",
        "n": len(outcome.expected),
        "got": outcome.received if outcome.received is not None else 0,
        "meter": "",
        "value": "",
        "last": "",
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
            last=plain(reg.last.value) if reg.last else "",
            digits=reg.digits,
            decimals=reg.decimals or TEXT[lang]["no_decimals"],
        )
        if failed.candidates:
            fields["detail"] = fields["detail"] or plain(failed.value)
            fields["options"] = _options(failed.candidates, lang)
    elif outcome.reason is Reason.AMBIGUOUS and outcome.detail:
        detail = outcome.detail
        if detail.isdigit():  # a second UIN
            return AMBIGUOUS_MESSAGE[lang]["uin"].format(**fields)
        if not detail[:1].isdigit():  # a label between two numbers
            return AMBIGUOUS_MESSAGE[lang]["label"].format(**fields)
        fields["options"] = _split_options(detail, lang)
    return REASONS[lang][outcome.reason].format(**fields)


def _options(candidates: tuple[Decimal, ...], lang: str) -> str:
    return f" {TEXT[lang]['or']} ".join(plain(c) for c in candidates)


def _split_options(typed: str, lang: str) -> str:
    """``1234,567``: a decimal, a thousands comma, or two readings with the space missing."""
    whole, sep, tail = typed.rpartition(",")
    if not sep or not whole.isdigit() or not tail.isdigit():
        return typed
    values = [f"{whole}.{tail}", whole + tail, TEXT[lang]["two"].format(a=whole, b=tail)]
    return f" {TEXT[lang]['or']} ".join(values)


def _reading_line(r: RegisterResult, lang: str) -> str:
    label = register_label(r.register, lang)
    text = f"{label} {plain(r.value)}"
    if r.consumption is not None:
        text += f" ({TEXT[lang]['consumption']} {plain(r.consumption)} "
        text += f"{UNITS[lang][r.register.service]})"
    return text


def register_label(reg: Register, lang: str) -> str:
    name = SERVICE_NAMES[lang][reg.service]
    if reg.zones > 1:
        return f"{name} T{reg.zone}"
    return name


def expected_format(registers: tuple[Register, ...], uin: str | None, lang: str) -> str:
    """How this account's message should look: how many readings, in what order, examples.

    ``Формат: УИН и 2 показания через пробел, в порядке квитанции: электроэнергия T1,
    электроэнергия T2; например: 1234567 5000 1975 или с подписями: 1234567 день 5000
    ночь 1975.``
    """
    t = TEXT[lang]
    uin = uin or "1234567"
    if not registers:
        count = READING_FORMS[lang][1]
        return f"{t['format'].format(count=count)}, {t['example']}: 1234567 05123 02010."
    count = _plural(len(registers), READING_FORMS[lang], lang)
    order = ", ".join(register_label(reg, lang) for reg in registers)
    sample = " ".join(_sample(reg) for reg in registers)
    text = f"{t['format'].format(count=count)}, {t['order']}: {order}; "
    text += f"{t['example']}: {uin} {sample}"
    tags = [_tag(reg) for reg in registers]
    if len(registers) > 1 and len(set(tags)) == len(tags):
        labelled = " ".join(
            f"{tag} {_sample(reg)}" for tag, reg in zip(tags, registers, strict=True)
        )
        text += f" {t['labelled']}: {uin} {labelled}"
    return text + "."


def _tag(reg: Register) -> str:
    if reg.zones > 1:
        return ZONE_TAGS[reg.zones][reg.zone]
    return SERVICE_TAGS[reg.service]


def _plural(n: int, forms: tuple[str, str, str], lang: str) -> str:
    """``1 показание``, ``2 показания``, ``5 показаний`` (Russian has three forms)."""
    if lang != "ru":
        form = forms[0] if n == 1 else forms[1]
    elif n % 10 == 1 and n % 100 != 11:
        form = forms[0]
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        form = forms[1]
    else:
        form = forms[2]
    return f"{n} {form}"


def _sample(reg: Register) -> str:
    if reg.last is not None:
        return plain(reg.last.value)
    return "0" * reg.digits
