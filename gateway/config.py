"""Configuration: built-in defaults < TOML file < ``METER_GATEWAY_<SECTION>_<KEY>`` variables.

The defaults below are the single source of the key set: ``config.example.toml`` documents
the same keys, and an environment variable is only recognised for a key that exists here,
which is what makes ``SMS_TWILIO_AUTH_TOKEN`` unambiguous although keys contain ``_``.
"""

from __future__ import annotations

import copy
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from gateway.domain.rules import Rules

ENV_PREFIX = "METER_GATEWAY_"

DEFAULTS: dict[str, Any] = {
    "database": {"url": "sqlite+aiosqlite:///meter-gateway.sqlite3"},
    "http": {"host": "127.0.0.1", "port": 8080},
    "smtp": {
        "enabled": True,
        "host": "127.0.0.1",
        "port": 8025,
        "recipients": ["readings@example.org"],
        "max_size": 10485760,
        "max_sessions": 100,
    },
    "smtp_out": {
        "host": "",
        "port": 25,
        "starttls": False,
        "user": "",
        "password": "",
        "from": "readings@example.org",
    },
    "imap": {
        "host": "",
        "port": 993,
        "ssl": True,
        "user": "",
        "password": "",
        "folder": "INBOX",
        "processed_folder": "",
        "poll_seconds": 30,
    },
    "sms": {
        "twilio": {"auth_token": "", "public_url": ""},
        "generic": {"secret": "", "send_url": ""},
    },
    "telegram": {
        "token": "",
        "mode": "webhook",
        "api_base": "https://api.telegram.org",
        "webhook_secret": "",
    },
    "api": {"tokens": []},
    "replies": {"language": "ru"},
    "rules": {
        "timezone": "Europe/Moscow",
        "cutoff_day": 25,
        "jump_factor": 5.0,
        "jump_min": 0.0,
        "allow_partial": False,
        "average_window_months": 6,
        "average_min_months": 3,
        "average_max_periods": 3,
        "normative_factor": 1.0,
        "rate_limit_per_hour": 20,
    },
    "normatives": {
        "electricity": 0.0,
        "cold_water": 0.0,
        "hot_water": 0.0,
        "gas": 0.0,
        "heating": 0.0,
    },
}


class ConfigError(Exception):
    """A config file or variable that cannot be used; the message names it."""


@dataclass(frozen=True)
class Config:
    """The whole configuration as plain nested dicts plus typed views of what rules need."""

    data: Mapping[str, Any]

    def section(self, name: str) -> Mapping[str, Any]:
        node: Any = self.data
        for part in name.split("."):
            node = node[part]
        return node

    @property
    def database_url(self) -> str:
        return str(self.data["database"]["url"])

    @property
    def rules(self) -> Rules:
        r = self.data["rules"]
        return Rules(
            timezone=str(r["timezone"]),
            cutoff_day=int(r["cutoff_day"]),
            jump_factor=Decimal(str(r["jump_factor"])),
            jump_min=Decimal(str(r["jump_min"])),
            allow_partial=bool(r["allow_partial"]),
            average_window_months=int(r["average_window_months"]),
            average_min_months=int(r["average_min_months"]),
            average_max_periods=int(r["average_max_periods"]),
            normative_factor=Decimal(str(r["normative_factor"])),
            rate_limit_per_hour=int(r["rate_limit_per_hour"]),
        )

    @property
    def normatives(self) -> dict[str, Decimal]:
        return {k: Decimal(str(v)) for k, v in self.data["normatives"].items()}

    @property
    def language(self) -> str:
        return str(self.data["replies"]["language"])

    def with_overrides(self, overrides: Mapping[str, Any]) -> Config:
        data = copy.deepcopy(dict(self.data))
        _merge(data, overrides, "")
        return Config(data)


def load_config(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Config:
    """Load defaults, then the TOML file (argument, else ``METER_GATEWAY_CONFIG``), then env."""
    environ = os.environ if environ is None else environ
    data = copy.deepcopy(DEFAULTS)
    path = path or environ.get("METER_GATEWAY_CONFIG") or None
    if path:
        try:
            with Path(path).open("rb") as f:
                _merge(data, tomllib.load(f), "")
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    _apply_env(data, environ, [])
    return Config(data)


def _merge(into: dict[str, Any], new: Mapping[str, Any], where: str) -> None:
    for key, value in new.items():
        name = f"{where}{key}"
        if key not in into:
            raise ConfigError(f"unknown config key: {name}")
        if isinstance(into[key], dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"config key {name} must be a table")
            _merge(into[key], value, name + ".")
        else:
            into[key] = _coerce(value, into[key], name)


def _apply_env(node: dict[str, Any], environ: Mapping[str, str], path: list[str]) -> None:
    for key, value in node.items():
        if isinstance(value, dict):
            _apply_env(value, environ, [*path, key])
            continue
        var = ENV_PREFIX + "_".join([*path, key]).upper()
        if var in environ:
            node[key] = _coerce(environ[var], value, var)


def _coerce(value: Any, default: Any, name: str) -> Any:
    """Give ``value`` the type of ``default``; strings (from the environment) are parsed."""
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(value)
                return low in {"1", "true", "yes", "on"}
            return bool(value)
        if isinstance(default, int) and not isinstance(value, bool):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, list):
            if isinstance(value, str):
                value = value.strip()
                if value.startswith("["):
                    return list(json.loads(value))
                return [v.strip() for v in value.split(",") if v.strip()]
            return list(value)
        return str(value)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"config key {name}: cannot use {value!r} ({e})") from None
