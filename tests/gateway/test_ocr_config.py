"""``[ocr] enabled`` without the ``ocr`` extra: ``run`` refuses with one line naming the key;
with it, or with OCR off, the check passes (docs/channels.md, "Photos read by OCR")."""

from __future__ import annotations

import pytest

from gateway.app.channel_settings import check_channels
from gateway.config import ConfigError, load_config
from gateway.service import ocr


def test_enabled_without_the_extra_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "ENGINE_MODULE", "rapidocr_not_installed_here")
    config = load_config(environ={"METER_GATEWAY_OCR_ENABLED": "true"})
    with pytest.raises(ConfigError, match=r"^ocr\.enabled needs the ocr extra: pip install"):
        check_channels(config)
    check_channels(load_config(environ={}))  # off: nothing is asked of the extra


def test_enabled_with_the_extra_installed_starts() -> None:
    assert ocr.available()  # the test lock carries the extra, as CI installs it
    check_channels(load_config(environ={"METER_GATEWAY_OCR_ENABLED": "1"}))


@pytest.mark.parametrize(("key", "value"), [("WORKERS", "0"), ("WORKERS", "9"), ("MAX_SIZE", "0")])
def test_bad_ocr_values_are_one_line(key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=rf"^config key ocr\.{key.lower()} "):
        load_config(environ={f"METER_GATEWAY_OCR_{key}": value})
