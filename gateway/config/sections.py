"""The configuration's sections as pydantic models: every key, its default and its check.

``gateway.config`` assembles them, loads the TOML file and the environment, and turns a
failed check into one line naming the key.
"""

from __future__ import annotations

import ipaddress
import json
import math
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

ENV_PREFIX = "METER_GATEWAY_"
CONFIG_FILE_VARIABLE = "METER_GATEWAY_CONFIG"
DATABASE_SCHEMES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


class ConfigError(Exception):
    """A config file or variable that cannot be used; the message names it."""


def _within(low: int, high: float = math.inf) -> AfterValidator:
    def check(value: float) -> float:
        if not low <= value <= high:  # also refuses NaN
            bounds = f"between {low} and {high}" if high < math.inf else f"at least {low}"
            raise ValueError(f"must be {bounds}")
        return value

    return AfterValidator(check)


def _flag(value: object) -> object:
    """Strings (from the environment) as 1/0, true/false, yes/no, on/off."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word not in TRUE | FALSE:
            raise ValueError("must be one of 1/0, true/false, yes/no, on/off")
        return word in TRUE
    return value


def _names(value: object) -> object:
    """Strings (from the environment) as ``a,b`` or a JSON list."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"must be a JSON list or a,b ({e})") from None
    return [part.strip() for part in text.split(",") if part.strip()]


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError("must be an IANA time zone such as Europe/Moscow") from None
    return name


def _database_url(url: str) -> str:
    if not url.startswith(DATABASE_SCHEMES):
        scheme = url.partition("://")[0] if "://" in url else "none"
        raise ValueError(f"must start with {' or '.join(DATABASE_SCHEMES)}, got scheme {scheme!r}")
    return url


def _networks(values: tuple[str, ...]) -> tuple[str, ...]:
    """Each an IP address or a CIDR network (``10.0.0.0/8``, ``::1``)."""
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or network") from None
    return values


Flag = Annotated[bool, BeforeValidator(_flag)]
Names = Annotated[tuple[str, ...], BeforeValidator(_names)]
# listeners take 0, "any free port" (the tests' SMTP server does)
ListenPort = Annotated[int, _within(0, 65535)]
Port = Annotated[int, _within(1, 65535)]
Positive = Annotated[int, _within(1)]
Count = Annotated[int, _within(0)]
Amount = Annotated[float, _within(0)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class DatabaseConfig(_Section):
    url: Annotated[str, AfterValidator(_database_url)] = "sqlite+aiosqlite:///meter-gateway.sqlite3"


class HttpConfig(_Section):
    host: str = "127.0.0.1"
    port: ListenPort = 8080
    shutdown_timeout: Positive = 10  # seconds in-flight requests get after SIGTERM
    access_log: Flag = True  # one log line per request (off where a load balancer logs them)
    # peers whose X-Forwarded-For names the client (reverse proxies); empty: none
    trusted_proxies: Annotated[Names, AfterValidator(_networks)] = ()


class SmtpConfig(_Section):
    enabled: Flag = True
    host: str = "127.0.0.1"
    port: ListenPort = 8025
    recipients: Names = ("readings@example.org",)
    max_size: Positive = 10485760
    max_sessions: Positive = 100  # concurrent SMTP sessions; one more gets 421


class SmtpOutConfig(_Section):
    host: str = ""
    port: Port = 25
    starttls: Flag = False
    user: str = ""
    password: str = ""
    sender: str = Field(default="readings@example.org", alias="from")


class IntakeConfig(_Section):
    batch_size: Positive = 32  # messages decided and committed in one transaction at most
    queue_limit: Positive = 2000  # messages waiting for the database; one more gets 503/451


class OutboxConfig(_Section):
    send_timeout: Positive = 30  # seconds one reply's send may take; also sizes the lease


class ImapConfig(_Section):
    host: str = ""
    port: Port = 993
    ssl: Flag = True
    user: str = ""
    password: str = ""
    folder: str = "INBOX"
    processed_folder: str = ""
    poll_seconds: Positive = 30


class TwilioConfig(_Section):
    auth_token: str = ""
    public_url: str = ""


class GenericSmsConfig(_Section):
    secret: str = ""
    send_url: str = ""


class SmsConfig(_Section):
    """One section per SMS provider (``channels/sms/<provider>.py``); a provider is on when
    its secret is set."""

    twilio: TwilioConfig = TwilioConfig()
    generic: GenericSmsConfig = GenericSmsConfig()


class VoiceTwilioConfig(_Section):
    enabled: Flag = False  # off: POST /voice/twilio answers 503
    public_url: str = ""  # the URL of /voice/twilio as Twilio reaches it (signed, and the base
    # of the step URLs the answers name); empty: the request's
    auth_token: str = ""  # empty: sms.twilio.auth_token (one Twilio account for both)


class VoiceConfig(_Section):
    """The phone line (``channels/voice/``), one section per provider."""

    twilio: VoiceTwilioConfig = VoiceTwilioConfig()


class TelegramConfig(_Section):
    token: str = ""
    mode: Literal["webhook", "polling"] = "webhook"
    api_base: str = "https://api.telegram.org"
    webhook_secret: str = ""
    # reminders to verified contacts (every channel) from this day of the month to the cut-off
    reminder_day: Annotated[int, _within(1, 31)] = 20


class ApiConfig(_Section):
    tokens: Names = ()


class StaffConfig(_Section):
    # the key that encrypts staff session cookies; empty: a new one at every start
    session_secret: str = ""
    session_max_age: Annotated[int, _within(60)] = 28800  # seconds from the login
    session_idle: Annotated[int, _within(60)] = 28800  # seconds from the session's last request
    secure_cookies: Flag = False  # set behind HTTPS: cookies only over TLS


class WebConfig(_Section):
    rate_limit_per_hour: Count = 10  # form posts per client address and per UIN; 0: none


class OcrConfig(_Section):
    """Photos read by OCR (docs/channels.md, "Photos read by OCR"); needs the ``ocr`` extra."""

    enabled: Flag = False
    workers: Annotated[int, _within(1, 8)] = 1  # photos read at once (threads off the loop)
    max_size: Positive = 10485760  # bytes; a larger photo is not read
    max_pixels: Positive = 20_000_000  # width x height; a larger photo is not read


class PeriodConfig(_Section):
    """How ``period close`` runs (docs/billing.md, "Running it again, and at scale")."""

    # processes that bill a close on PostgreSQL; 0: one per CPU core; 1: the command's own
    # process, as on SQLite
    close_workers: Annotated[int, _within(0, 64)] = 0
    close_chunk: Annotated[int, _within(1)] = 50_000  # meters a worker bills at once


class RepliesConfig(_Section):
    language: Literal["ru", "en"] = "ru"


class RulesConfig(_Section):
    timezone: Annotated[str, AfterValidator(_timezone)] = "Europe/Moscow"
    cutoff_day: Annotated[int, _within(1, 31)] = 25
    jump_factor: Amount = 5.0
    jump_min: Amount = 0.0
    allow_partial: Flag = False
    average_window_months: Positive = 6
    average_min_months: Positive = 3
    average_max_periods: Count = 3
    normative_factor: Amount = 1.0
    increasing_factor: Amount = 1.5  # only in Decree 354's cases (docs/billing.md, M5)
    rate_limit_per_hour: Count = 20  # 0: no limit
    unknown_uin_per_hour: Count = 5  # 0: no limit

    @field_validator("average_min_months")
    @classmethod
    def _within_window(cls, value: int, info: ValidationInfo) -> int:
        window = info.data.get("average_window_months")
        if window is not None and value > window:
            raise ValueError(f"must be at most rules.average_window_months ({window})")
        return value


class NormativesConfig(_Section):
    electricity: Amount = 0.0
    cold_water: Amount = 0.0
    hot_water: Amount = 0.0
    gas: Amount = 0.0
    heating: Amount = 0.0
