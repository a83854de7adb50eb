"""Configuration: built-in defaults < TOML file < ``METER_GATEWAY_<SECTION>_<KEY>`` variables.

The models below are the single source of the key set and the defaults: ``config.example.toml``
documents the same keys, and an environment variable is only recognised for a key that exists
here, which is what makes ``SMS_TWILIO_AUTH_TOKEN`` unambiguous although keys contain ``_``.
Values are checked once, at start; a bad one is a ``ConfigError`` of one line naming the key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from pydantic_core import ErrorDetails

from gateway.config.sections import (
    CONFIG_FILE_VARIABLE,
    ENV_PREFIX,
    ApiConfig,
    ConfigError,
    DatabaseConfig,
    HttpConfig,
    ImapConfig,
    IntakeConfig,
    NormativesConfig,
    OcrConfig,
    OutboxConfig,
    PeriodConfig,
    RepliesConfig,
    RulesConfig,
    SmsConfig,
    SmtpConfig,
    SmtpOutConfig,
    StaffConfig,
    TelegramConfig,
    VoiceConfig,
    WebConfig,
    _Section,
)
from gateway.domain.rules import Rules


class Config(_Section):
    """The whole configuration, typed; ``rules`` and ``normatives`` as the domain takes them."""

    database: DatabaseConfig = DatabaseConfig()
    http: HttpConfig = HttpConfig()
    smtp: SmtpConfig = SmtpConfig()
    smtp_out: SmtpOutConfig = SmtpOutConfig()
    intake: IntakeConfig = IntakeConfig()
    outbox: OutboxConfig = OutboxConfig()
    imap: ImapConfig = ImapConfig()
    sms: SmsConfig = SmsConfig()
    telegram: TelegramConfig = TelegramConfig()
    voice: VoiceConfig = VoiceConfig()
    api: ApiConfig = ApiConfig()
    staff: StaffConfig = StaffConfig()
    web: WebConfig = WebConfig()
    ocr: OcrConfig = OcrConfig()
    period: PeriodConfig = PeriodConfig()
    replies: RepliesConfig = RepliesConfig()
    # ``rules`` and ``normatives`` are the domain views below; these are the TOML sections
    rules_section: RulesConfig = Field(default=RulesConfig(), alias="rules")
    normatives_section: NormativesConfig = Field(default=NormativesConfig(), alias="normatives")

    @property
    def database_url(self) -> str:
        return self.database.url

    @property
    def language(self) -> str:
        return self.replies.language

    @property
    def rules(self) -> Rules:
        r = self.rules_section
        return Rules(
            timezone=r.timezone,
            cutoff_day=r.cutoff_day,
            jump_factor=Decimal(str(r.jump_factor)),
            jump_min=Decimal(str(r.jump_min)),
            allow_partial=r.allow_partial,
            average_window_months=r.average_window_months,
            average_min_months=r.average_min_months,
            average_max_periods=r.average_max_periods,
            normative_factor=Decimal(str(r.normative_factor)),
            increasing_factor=Decimal(str(r.increasing_factor)),
            rate_limit_per_hour=r.rate_limit_per_hour,
            unknown_uin_per_hour=r.unknown_uin_per_hour,
        )

    @property
    def normatives(self) -> dict[str, Decimal]:
        values = self.normatives_section.model_dump()
        return {service: Decimal(str(value)) for service, value in values.items()}

    def with_overrides(self, overrides: Mapping[str, Any]) -> Config:
        """A copy with some keys replaced (nested like the TOML), validated like a file."""
        data = self.model_dump(mode="json", by_alias=True)
        _merge(data, overrides)
        return _validate(data, {})


def load_config(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Config:
    """Load defaults, then the TOML file (argument, else ``METER_GATEWAY_CONFIG``), then env."""
    environ = os.environ if environ is None else environ
    path = path or environ.get(CONFIG_FILE_VARIABLE) or None
    data = _read_toml(path) if path else {}
    sources: dict[tuple[str, ...], str] = {}
    for key, variable in env_variables().items():
        if variable in environ and _put(data, key, environ[variable]):
            sources[key] = variable
    return _validate(data, sources)


def env_variables(model: type[BaseModel] = Config) -> dict[tuple[str, ...], str]:
    """Every key of ``model`` (as a path of TOML names) and the variable that overrides it."""
    return {key: ENV_PREFIX + "_".join(key).upper() for key in _leaf_keys(model, ())}


def _leaf_keys(model: type[BaseModel], where: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    for name, field in model.model_fields.items():
        key = (*where, field.alias or name)
        sub = field.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            yield from _leaf_keys(sub, key)
        else:
            yield key


def _read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        with Path(path).open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"config file {path} cannot be read: {e.strerror or e}") from None


def _put(data: dict[str, Any], key: tuple[str, ...], value: str) -> bool:
    """Set ``key`` unless a section on its way is not a table (validation reports that)."""
    node = data
    for part in key[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            return False
    node[key[-1]] = value
    return True


def _merge(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _validate(data: Mapping[str, Any], sources: Mapping[tuple[str, ...], str]) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_one_line(e.errors()[0], sources)) from None


def _one_line(error: ErrorDetails, sources: Mapping[tuple[str, ...], str]) -> str:
    """The first of pydantic's errors as ``config key a.b (VARIABLE): what, got value``."""
    path = [str(p) for p in error["loc"] if isinstance(p, str)]
    name = ".".join(path) + "".join(f"[{p}]" for p in error["loc"] if isinstance(p, int))
    if error["type"] == "extra_forbidden":
        return f"unknown config key: {name}"
    variable = sources.get(tuple(path))
    where = f"config key {name}" + (f" ({variable})" if variable else "")
    if error["type"] == "value_error":
        what = str((error.get("ctx") or {}).get("error", error["msg"]))
    elif error["type"] in {"model_type", "model_attributes_type"}:
        what = "must be a table"
    else:
        what = error["msg"].replace("Input should be", "must be", 1)
    # never echo a password, token or database URL (it may carry a password)
    secret = path[-1:] == ["url"] or any(w in name for w in ("password", "secret", "token"))
    if not secret and " got " not in what:
        value = repr(error["input"])
        what += f", got {value if len(value) <= 60 else value[:57] + '...'}"
    return " ".join(f"{where}: {what}".splitlines())
