"""The pages' texts kept in tables (marked for the message catalogue, translated where they
are used), for the customer form and the staff UI alike: service and zone names, and the
heading of each outcome on the form, the name of each status in the staff UI."""

from __future__ import annotations

from gateway.runtime.i18n import N_, translations

SERVICES = {"electricity": N_("Electricity"), "cold_water": N_("Cold water"),
            "hot_water": N_("Hot water"), "gas": N_("Gas"), "heating": N_("Heating")}  # fmt: skip

# TRANSLATORS: the zones of a multi-tariff electricity meter, as on the bill
ZONES = {2: {1: N_("T1 (day)"), 2: N_("T2 (night)")},
         3: {1: N_("T1 (peak)"), 2: N_("T2 (night)"), 3: N_("T3 (semi-peak)")}}  # fmt: skip

STATUS = {"accepted": N_("Readings accepted"), "review": N_("Readings sent for review"),
          "rejected": N_("Readings not accepted")}  # fmt: skip

# The staff UI: what a status (of a message, reading or account) reads as; the codes of
# channels and reasons stay as in the API and the filters.
STATUS_NAMES = {"accepted": N_("accepted"), "review": N_("in review"),
                "rejected": N_("rejected"), "pending": N_("pending"),
                "superseded": N_("superseded"), "open": N_("open"),
                "closed": N_("closed")}  # fmt: skip


def register_label(service: str, zone: int, zones: int, lang: str) -> str:
    """``Электроэнергия, Т1 (день)``; a single-zone register is just its service."""
    t = translations(lang)
    name = t.gettext(SERVICES[service]) if service in SERVICES else service
    if zones > 1:
        return f"{name}, {t.gettext(ZONES[zones][zone])}"
    return name
