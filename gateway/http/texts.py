"""The pages' texts kept in tables (marked for the message catalogue, translated where they
are used), for the customer form and the staff UI alike: service and zone names, and the
heading of each outcome on the form; for the staff UI the one table of names of every code
a page shows (statuses, channels, reasons, the parser's labels), so that no template shows
a raw code (docs/staff.md, "Codes and labels")."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from gateway.domain.events import Act, EventSource
from gateway.domain.model import Channel, Reason, plain
from gateway.domain.replies import UNITS
from gateway.runtime.i18n import N_, translations

SERVICES = {"electricity": N_("Electricity"), "cold_water": N_("Cold water"),
            "hot_water": N_("Hot water"), "gas": N_("Gas"), "heating": N_("Heating")}  # fmt: skip

# TRANSLATORS: the zones of a multi-tariff electricity meter, as on the bill
ZONES = {2: {1: N_("T1 (day)"), 2: N_("T2 (night)")},
         3: {1: N_("T1 (peak)"), 2: N_("T2 (night)"), 3: N_("T3 (semi-peak)")}}  # fmt: skip

STATUS = {"accepted": N_("Readings accepted"), "review": N_("Readings sent for review"),
          "rejected": N_("Readings not accepted")}  # fmt: skip

# The staff UI: what a status (of a message, reading or account) reads as.
STATUS_NAMES = {"accepted": N_("accepted"), "review": N_("in review"),
                "rejected": N_("rejected"), "pending": N_("pending"),
                "superseded": N_("superseded"), "open": N_("open"),
                "closed": N_("closed")}  # fmt: skip

# Where a message (or a reading: ``import``, an event's) came from; the codes stay in URLs
# and the API.
CHANNEL_NAMES: dict[str, str] = {Channel.SMS: N_("SMS"), Channel.EMAIL: N_("email"),
                 Channel.TELEGRAM: N_("Telegram"), Channel.WEB: N_("web form"),
                 Channel.VOICE: N_("phone call"),
                 "import": N_("import"),
                 EventSource.REMOVAL: N_("meter removed"),
                 EventSource.INSTALLATION: N_("meter installed"),
                 EventSource.INSPECTION: N_("inspection"),
                 EventSource.FAILURE: N_("meter failed"),
                 EventSource.RECOMMISSIONING: N_("recommissioned")}  # fmt: skip

# Every ``Act`` of billing events (gateway/domain/events.py)
ACT_NAMES: dict[str, str] = {Act.INSPECTION: N_("inspection"),
                             Act.ACCESS_REFUSED: N_("access refused"),
                             Act.FAILED: N_("meter failed"),
                             Act.RECOMMISSIONED: N_("recommissioned")}  # fmt: skip

# Every ``Reason`` (gateway/domain/model.py) as staff read it, short.
REASON_NAMES: dict[str, str] = {
    Reason.EMPTY: N_("empty message"),
    Reason.NO_UIN: N_("no UIN"),
    Reason.UNKNOWN_UIN: N_("unknown UIN"),
    Reason.ACCOUNT_CLOSED: N_("account closed"),
    Reason.READING_COUNT_MISMATCH: N_("wrong number of readings"),
    Reason.NOT_A_NUMBER: N_("not a number"),
    Reason.TOO_MANY_DIGITS: N_("too many digits"),
    Reason.TOO_MANY_DECIMALS: N_("too many decimals"),
    Reason.DECREASING: N_("lower than the last reading"),
    Reason.IMPLAUSIBLE_JUMP: N_("implausible jump"),
    Reason.METER_VERIFICATION_EXPIRED: N_("meter verification expired"),
    Reason.RATE_LIMITED: N_("too many messages"),
    Reason.AMBIGUOUS: N_("ambiguous number"),
    Reason.PROCESSING: N_("being processed"),
    Reason.PHOTO: N_("photo only"),
    Reason.AUTO_REPLY: N_("automatic mail"),
    Reason.METER_REPLACED: N_("meter replaced"),
    Reason.COMMAND: N_("keyword (link, history, stop)"),
}

# The parser's labels of a reading (parsers/words.py), as a customer would write them.
LABEL_NAMES = {"T1": N_("T1"), "T2": N_("T2"), "T3": N_("T3"), "day": N_("day"),
               "night": N_("night"), "cold": SERVICES["cold_water"],
               "hot": SERVICES["hot_water"], "electricity": SERVICES["electricity"],
               "gas": SERVICES["gas"], "heating": SERVICES["heating"]}  # fmt: skip


def register_label(service: str, zone: int, zones: int, lang: str) -> str:
    """``Электроэнергия, Т1 (день)``; a single-zone register is just its service."""
    t = translations(lang)
    name = t.gettext(SERVICES[service]) if service in SERVICES else service
    if zones > 1:
        return f"{name}, {t.gettext(ZONES[zones][zone])}"
    return name


def unit(service: str, lang: str) -> str:
    """The unit a service's volumes are in (kWh, m³)."""
    return translations(lang).gettext(UNITS[service]) if service in UNITS else ""


def figure(value: Decimal, decimals: int) -> str:
    """A reading with its register's decimals (``178.400``, ``5123``); more decimals than
    the register has (none are stored) are shown, never rounded away."""
    exponent = value.normalize().as_tuple().exponent
    if decimals <= 0 or not isinstance(exponent, int) or -exponent > decimals:
        return plain(value)
    return format(value.quantize(Decimal(1).scaleb(-decimals)), "f")


def names(lang: str) -> dict[str, Callable[[Any], str]]:
    """What every staff template calls to show a code: ``channel_name(m.channel)``,
    ``reason_name(m.reason)``, ``status_name(...)``, ``label_name(reading.label)``. An
    unknown code (none today) is shown as it is; None as nothing."""
    t = translations(lang)

    def lookup(table: dict[str, str]) -> Callable[[Any], str]:
        def name(code: Any) -> str:
            if code is None or code == "":
                return ""
            key = str(code)
            return t.gettext(table[key]) if key in table else key

        return name

    return {
        "channel_name": lookup(CHANNEL_NAMES),
        "reason_name": lookup(REASON_NAMES),
        "status_name": lookup(STATUS_NAMES),
        "label_name": lookup(LABEL_NAMES),
        "act_name": lookup(ACT_NAMES),
    }
