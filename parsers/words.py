"""The words a readings message may contain, and what each one means to the parser.

Keys are written as people type them and folded (``normalize.fold``) when the table is built.
"""

from __future__ import annotations

from enum import Enum

from parsers.normalize import fold


class Kind(Enum):
    LABEL = "label"  # names the register of the reading next to it
    UIN = "uin"  # the next number is the UIN: "УИН", "ЛС", "л/с"
    NUMBER_SIGN = "number_sign"  # "№": the UIN before one is known, a meter's serial after
    SKIP_NUMBER = "skip_number"  # the next number is not a reading: flat, house, phone
    DATE = "date"  # "на 25.11", "от 25.11": the next dd.mm is a date
    MONTH = "month"  # "25 ноября", "ноябрь 2026": day before, year after are not readings
    GREETING = "greeting"  # "добрый": the next word ("день") is part of it, not a label
    FILLER = "filler"  # words that say nothing the parser needs: "показания", units


# Canonical labels: zones T1/T2/T3 as printed on multi-zone bills; "day"/"night" stay
# distinct because "day" is T1 only on a two-zone meter (a three-zone meter has peak T1,
# night T2, half-peak T3); services name a single-zone meter.
LABELS = ("T1", "T2", "T3", "day", "night", "cold", "hot", "electricity", "gas", "heating")
ZONE_LABELS = {"T1", "T2", "T3", "day", "night"}

_LABEL_WORDS = {
    "T1": "t1 т1 пик peak",
    "T2": "t2 т2",
    "T3": "t3 т3 полупик",
    "day": "день дн day",
    "night": "ночь нч ночной ночная night",
    "cold": "хвс х хв х/в х.в хол холодная холодной cold cw",
    "hot": "гвс г гв г/в г.в гор горячая горячей hot hw",
    "electricity": "эл э ээ э/э эн элэн электричество электроэнергия электроэнергии свет "
    "electricity electric",
    "gas": "газ gas",
    "heating": "отопление отоп тепло теплоэнергия heating heat",
}

_KIND_WORDS = {
    Kind.UIN: "уин uin лс л/с ls l/s л.с лиц лицевой лицевого лицевому счет счета "
    "счёт сч абонент аб акк account acc",
    Kind.NUMBER_SIGN: "№ n no nr номер",
    Kind.SKIP_NUMBER: "кв квартира квартиры дом тел телефон моб мобильный сот",
    Kind.DATE: "на от дата date",
    Kind.MONTH: "январь января февраль февраля март марта апрель апреля май мая июнь июня "
    "июль июля август августа сентябрь сентября октябрь октября ноябрь ноября "
    "декабрь декабря янв фев мар апр июн июл авг сен сент окт ноя дек",
    Kind.GREETING: "добрый доброе доброй",
    Kind.FILLER: "показания показание показаний пок показ передаю передаём передаем сдаю "
    "счетчик счетчика счетчики счетчиков счётчик счётчика счётчики счётчиков прибор прибора "
    "приборов учета учёта ипу за и по здравствуйте здравствуй привет hello hi спасибо "
    "пожалуйста благодарю примите принять прошу мои мой в readings reading "
    "м3 м³ куб кубов кубометров m3 квт квтч квт.ч ч kwh kw гкал",
}

GREETING_TAILS = frozenset(("день", "вечер", "утро", "утра", "ночи"))


def _build() -> dict[str, tuple[Kind, str]]:
    """Every word as typed and folded (``fold``), with ``ё`` as ``е`` too."""
    table: dict[str, tuple[Kind, str]] = {}
    entries = [(w, (Kind.LABEL, label)) for label, ws in _LABEL_WORDS.items() for w in ws.split()]
    entries += [(w, (kind, w)) for kind, ws in _KIND_WORDS.items() for w in ws.split()]
    for word, meaning in entries:
        for form in (word, word.replace("ё", "е"), fold(word)):
            table.setdefault(form, meaning)
    return table


WORDS = _build()
