"""Every on/off key is read the same way: the switches take exactly what the others take."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError, load_config


@pytest.mark.parametrize(
    "variable",
    [
        "METER_GATEWAY_STAFF_SECURE_COOKIES",
        "METER_GATEWAY_RULES_ALLOW_PARTIAL",
        "METER_GATEWAY_OCR_ENABLED",
    ],
)
def test_switches_are_parsed_alike(variable: str) -> None:
    def value(text: str) -> object:
        config = load_config(environ={variable: text})
        section, key = variable.removeprefix("METER_GATEWAY_").lower().split("_", 1)
        return getattr(getattr(config, section), key)

    assert [value(t) for t in ("true", "1", "yes", "false", "0", "no")] == [True] * 3 + [False] * 3
    for loose in ("maybe", "t", "y", "off-ish"):  # pydantic's own bool took "t" and "y"
        with pytest.raises(ConfigError):
            load_config(environ={variable: loose})
