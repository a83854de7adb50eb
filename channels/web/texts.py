"""The customer form's texts, Russian first, as ``{"ru": ..., "en": ...}`` tables (to move
into the message catalogue with the replies)."""

from __future__ import annotations

SERVICES = {
    "ru": {"electricity": "Электроэнергия", "cold_water": "Холодная вода",
           "hot_water": "Горячая вода", "gas": "Газ", "heating": "Отопление"},
    "en": {"electricity": "Electricity", "cold_water": "Cold water", "hot_water": "Hot water",
           "gas": "Gas", "heating": "Heating"},
}  # fmt: skip

ZONES = {
    "ru": {2: {1: "Т1 (день)", 2: "Т2 (ночь)"}, 3: {1: "Т1 (пик)", 2: "Т2 (ночь)",
                                                     3: "Т3 (полупик)"}},
    "en": {2: {1: "T1 (day)", 2: "T2 (night)"}, 3: {1: "T1 (peak)", 2: "T2 (night)",
                                                     3: "T3 (semi-peak)"}},
}  # fmt: skip

PAGE = {
    "ru": {
        "title": "Передать показания счётчиков",
        "uin": "УИН (номер лицевого счёта, правый верхний угол квитанции)",
        "next": "Далее",
        "submit": "Передать показания",
        "other_uin": "Другой УИН",
        "unknown_uin": "Лицевой счёт с таким УИН не найден. Сверьте номер с квитанцией.",
        "bad_uin": "УИН — это только цифры, от 5 до 20.",
        "status": {"accepted": "Показания приняты", "review": "Показания переданы на проверку",
                   "rejected": "Показания не приняты"},
        "receipt": "Номер квитанции",
        "consumption": "Расход",
        "fix": "Исправьте показания и отправьте ещё раз.",
        "rate_limited": "Слишком много попыток. Повторите через час.",
        "home": "На главную",
        "staff": "Вход для сотрудников",
        "lang": "English",
    },
    "en": {
        "title": "Submit meter readings",
        "uin": "UIN (account number, top right corner of the bill)",
        "next": "Next",
        "submit": "Submit readings",
        "other_uin": "Another UIN",
        "unknown_uin": "No account with this UIN. Please check the number on the bill.",
        "bad_uin": "A UIN is digits only, 5 to 20 of them.",
        "status": {"accepted": "Readings accepted", "review": "Readings sent for review",
                   "rejected": "Readings not accepted"},
        "receipt": "Receipt number",
        "consumption": "Consumption",
        "fix": "Please correct the readings and submit again.",
        "rate_limited": "Too many attempts. Please retry in an hour.",
        "home": "Home",
        "staff": "Staff login",
        "lang": "Русский",
    },
}  # fmt: skip


def lang_of(value: str | None) -> str:
    return value if value in PAGE else "ru"


def register_label(service: str, zone: int, zones: int, lang: str) -> str:
    """``Электроэнергия, Т1 (день)``; a single-zone register is just its service."""
    name = SERVICES[lang].get(service, service)
    if zones > 1:
        return f"{name}, {ZONES[lang][zones][zone]}"
    return name
