"""Configuration: defaults < TOML file < environment, typed, checked at start in one line."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gateway.config import Config, ConfigError, env_variables, load_config
from gateway.domain.rules import Rules
from tests.support.gateway import run_cli

ROOT = Path(__file__).parents[2]

# the key set and defaults as they were before the typed models: none may change
DEFAULTS: dict[str, Any] = {
    "database": {"url": "sqlite+aiosqlite:///meter-gateway.sqlite3"},
    "http": {
        "host": "127.0.0.1",
        "port": 8080,
        "shutdown_timeout": 10,
        "access_log": True,
        "trusted_proxies": [],
    },
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
    "intake": {"batch_size": 32, "queue_limit": 2000},
    "outbox": {"send_timeout": 30},
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
        "reminder_day": 20,
    },
    "voice": {"twilio": {"enabled": False, "public_url": "", "auth_token": ""}},
    "api": {"tokens": []},
    "staff": {
        "session_secret": "",
        "session_max_age": 28800,
        "session_idle": 28800,
        "secure_cookies": False,
    },
    "web": {"rate_limit_per_hour": 10},
    "ocr": {"enabled": False, "workers": 1, "max_size": 10485760, "max_pixels": 20000000},
    "period": {"close_workers": 0, "close_chunk": 50000},
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
        "increasing_factor": 1.5,
        "rate_limit_per_hour": 20,
        "unknown_uin_per_hour": 5,
    },
    "normatives": {
        "electricity": 0.0,
        "cold_water": 0.0,
        "hot_water": 0.0,
        "gas": 0.0,
        "heating": 0.0,
    },
}


def _keys(node: dict[str, Any], prefix: str = "") -> set[str]:
    out = set()
    for k, v in node.items():
        out |= _keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
    return out


def _toml(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(content)
    return path


def test_defaults_are_unchanged() -> None:
    config = load_config(environ={})
    assert config.model_dump(mode="json", by_alias=True) == DEFAULTS
    assert config == Config()


def test_example_config_documents_every_key_with_its_default() -> None:
    example = tomllib.loads((ROOT / "config.example.toml").read_text())
    assert _keys(example) == _keys(Config().model_dump(by_alias=True))
    assert load_config(ROOT / "config.example.toml", environ={}) == load_config(environ={})


def test_every_key_has_exactly_one_variable() -> None:
    variables = env_variables()
    assert {".".join(key) for key in variables} == _keys(DEFAULTS)
    assert len(set(variables.values())) == len(variables)
    assert variables["sms", "twilio", "auth_token"] == "METER_GATEWAY_SMS_TWILIO_AUTH_TOKEN"
    assert variables["smtp_out", "from"] == "METER_GATEWAY_SMTP_OUT_FROM"


def test_no_config_means_sqlite_in_a_local_file() -> None:
    assert load_config(environ={}).database_url == "sqlite+aiosqlite:///meter-gateway.sqlite3"


FILE = '[sms.twilio]\nauth_token = "file"\n[rules]\ncutoff_day = 20\n[smtp_out]\nfrom = "f@x"\n'


READS: list[tuple[str, dict[str, str], Callable[[Config], object], object]] = [
    ("file", {}, lambda c: c.sms.twilio.auth_token, "file"),
    (
        "env-twilio-auth-token",
        {"METER_GATEWAY_SMS_TWILIO_AUTH_TOKEN": "env"},
        lambda c: c.sms.twilio.auth_token,
        "env",
    ),
    ("file-int", {}, lambda c: c.rules.cutoff_day, 20),
    ("env-int", {"METER_GATEWAY_RULES_CUTOFF_DAY": "21"}, lambda c: c.rules.cutoff_day, 21),
    ("file-from", {}, lambda c: c.smtp_out.sender, "f@x"),
    ("env-from", {"METER_GATEWAY_SMTP_OUT_FROM": "e@x"}, lambda c: c.smtp_out.sender, "e@x"),
    ("env-list-comma", {"METER_GATEWAY_API_TOKENS": "a,b"}, lambda c: c.api.tokens, ("a", "b")),
    (
        "env-list-spaces",
        {"METER_GATEWAY_API_TOKENS": " a , b ,"},
        lambda c: c.api.tokens,
        ("a", "b"),
    ),
    (
        "env-list-json",
        {"METER_GATEWAY_API_TOKENS": '["a", "b"]'},
        lambda c: c.api.tokens,
        ("a", "b"),
    ),
    ("env-list-empty", {"METER_GATEWAY_API_TOKENS": ""}, lambda c: c.api.tokens, ()),
    ("env-port", {"METER_GATEWAY_HTTP_PORT": "9999"}, lambda c: c.http.port, 9999),
    ("env-smtp-any-port", {"METER_GATEWAY_SMTP_PORT": "0"}, lambda c: c.smtp.port, 0),
    ("env-bool", {"METER_GATEWAY_SMTP_ENABLED": "off"}, lambda c: c.smtp.enabled, False),
    (
        "env-float-as-decimal",
        {"METER_GATEWAY_RULES_JUMP_FACTOR": "2.5"},
        lambda c: c.rules.jump_factor,
        Decimal("2.5"),
    ),
    (
        "env-normative",
        {"METER_GATEWAY_NORMATIVES_GAS": "1.25"},
        lambda c: c.normatives["gas"],
        Decimal("1.25"),
    ),
    ("env-language", {"METER_GATEWAY_REPLIES_LANGUAGE": "en"}, lambda c: c.language, "en"),
    (
        "env-choice",
        {"METER_GATEWAY_TELEGRAM_MODE": "polling"},
        lambda c: c.telegram.mode,
        "polling",
    ),
    (
        "env-key-with-underscore",
        {"METER_GATEWAY_IMAP_POLL_SECONDS": "600"},
        lambda c: c.imap.poll_seconds,
        600,
    ),
    (
        "env-database-url",
        {"METER_GATEWAY_DATABASE_URL": "postgresql+asyncpg://h/db"},
        lambda c: c.database_url,
        "postgresql+asyncpg://h/db",
    ),
    (
        "names-that-are-no-key-are-not-read",
        {"METER_GATEWAY_SMS_TWILIO": "x", "METER_GATEWAY_NOPE": "1"},
        lambda c: c.sms.twilio.auth_token,
        "file",
    ),
]


@pytest.mark.parametrize(
    ("env", "read", "expected"), [r[1:] for r in READS], ids=[r[0] for r in READS]
)
def test_file_then_environment(
    tmp_path: Path, env: dict[str, str], read: Callable[[Config], object], expected: object
) -> None:
    assert read(load_config(_toml(tmp_path, FILE), environ=env)) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [(w, True) for w in ("1", "true", "Yes", "ON")]
    + [(w, False) for w in ("0", "False", "no", "off")],
    ids=lambda v: str(v),
)
def test_booleans_from_the_environment(word: str, expected: bool) -> None:
    config = load_config(environ={"METER_GATEWAY_RULES_ALLOW_PARTIAL": word})
    assert config.rules.allow_partial is expected


def test_config_file_named_by_environment(tmp_path: Path) -> None:
    path = _toml(tmp_path, "[http]\nport = 9999\n")
    assert load_config(environ={"METER_GATEWAY_CONFIG": str(path)}).http.port == 9999


def test_rules_and_normatives_are_the_domain_values(tmp_path: Path) -> None:
    path = _toml(
        tmp_path,
        "[rules]\njump_factor = 3\nallow_partial = true\nincreasing_factor = 1.0\n"
        "[normatives]\ngas = 1.5\n",
    )
    config = load_config(path, environ={})
    assert config.rules == Rules(
        jump_factor=Decimal("3.0"), allow_partial=True, increasing_factor=Decimal("1.0")
    )
    assert config.normatives == {
        "electricity": Decimal(0),
        "cold_water": Decimal(0),
        "hot_water": Decimal(0),
        "gas": Decimal("1.5"),
        "heating": Decimal(0),
    }


def test_overrides_make_a_checked_copy() -> None:
    config = load_config(environ={})
    demo = config.with_overrides({"sms": {"generic": {"secret": "s"}}, "api": {"tokens": ["t"]}})
    assert (demo.sms.generic.secret, demo.api.tokens, demo.sms.twilio) == (
        "s",
        ("t",),
        config.sms.twilio,
    )
    assert config.sms.generic.secret == ""
    with pytest.raises(ConfigError, match="^unknown config key: api.nope$"):
        config.with_overrides({"api": {"nope": 1}})
    with pytest.raises(ConfigError, match="^config key rules.cutoff_day: must be between 1 and 31"):
        config.with_overrides({"rules": {"cutoff_day": 0}})


def test_config_is_frozen() -> None:
    config = load_config(environ={})
    with pytest.raises(ValidationError):
        config.http.port = 1


BAD = [
    ("unknown-section", "[nope]\nx = 1\n", {}, "unknown config key: nope"),
    ("unknown-key", "[http]\nnope = 1\n", {}, "unknown config key: http.nope"),
    (
        "field-name-is-no-key",
        '[smtp_out]\nsender = "a@b"\n',
        {},
        "unknown config key: smtp_out.sender",
    ),
    ("not-a-table", "http = 5\n", {}, "config key http: must be a table, got 5"),
    (
        "port-not-int",
        "[http]\nport = 'abc'\n",
        {},
        "config key http.port: must be a valid integer, unable to parse string as an integer, "
        "got 'abc'",
    ),
    (
        "port-high",
        "[http]\nport = 65536\n",
        {},
        "config key http.port: must be between 0 and 65535, got 65536",
    ),
    (
        "port-zero",
        "[imap]\nport = 0\n",
        {},
        "config key imap.port: must be between 1 and 65535, got 0",
    ),
    (
        "port-env",
        "",
        {"METER_GATEWAY_SMTP_OUT_PORT": "70000"},
        "config key smtp_out.port (METER_GATEWAY_SMTP_OUT_PORT): must be between 1 and 65535, "
        "got '70000'",
    ),
    (
        "cutoff-negative",
        "[rules]\ncutoff_day = -1\n",
        {},
        "config key rules.cutoff_day: must be between 1 and 31, got -1",
    ),
    (
        "cutoff-32",
        "[rules]\ncutoff_day = 32\n",
        {},
        "config key rules.cutoff_day: must be between 1 and 31, got 32",
    ),
    (
        "timezone",
        '[rules]\ntimezone = "Mars/Base"\n',
        {},
        "config key rules.timezone: must be an IANA time zone such as Europe/Moscow, "
        "got 'Mars/Base'",
    ),
    (
        "timezone-folder",
        '[rules]\ntimezone = "Europe"\n',
        {},
        "config key rules.timezone: must be an IANA time zone such as Europe/Moscow, got 'Europe'",
    ),
    (
        "jump-factor",
        "[rules]\njump_factor = -1\n",
        {},
        "config key rules.jump_factor: must be at least 0, got -1",
    ),
    (
        "jump-min",
        "[rules]\njump_min = -0.5\n",
        {},
        "config key rules.jump_min: must be at least 0, got -0.5",
    ),
    (
        "jump-nan",
        "[rules]\njump_factor = nan\n",
        {},
        "config key rules.jump_factor: must be a finite number, got nan",
    ),
    (
        "average-window",
        "[rules]\naverage_window_months = 0\n",
        {},
        "config key rules.average_window_months: must be at least 1, got 0",
    ),
    (
        "average-min",
        "[rules]\naverage_min_months = 0\n",
        {},
        "config key rules.average_min_months: must be at least 1, got 0",
    ),
    (
        "average-min-over-window",
        "[rules]\naverage_window_months = 4\naverage_min_months = 5\n",
        {},
        "config key rules.average_min_months: "
        "must be at most rules.average_window_months (4), got 5",
    ),
    (
        "normative",
        "[normatives]\ngas = -1\n",
        {},
        "config key normatives.gas: must be at least 0, got -1",
    ),
    (
        "telegram-mode",
        '[telegram]\nmode = "push"\n',
        {},
        "config key telegram.mode: must be 'webhook' or 'polling', got 'push'",
    ),
    (
        "language",
        '[replies]\nlanguage = "de"\n',
        {},
        "config key replies.language: must be 'ru' or 'en', got 'de'",
    ),
    (
        "database-url-keeps-password-out",
        '[database]\nurl = "postgresql://u:pw@h/db"\n',
        {},
        "config key database.url: must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
        "got scheme 'postgresql'",
    ),
    (
        "secret-not-echoed",
        "[sms.generic]\nsecret = 5\n",
        {},
        "config key sms.generic.secret: must be a valid string",
    ),
    (
        "env-bool",
        "",
        {"METER_GATEWAY_RULES_ALLOW_PARTIAL": "maybe"},
        "config key rules.allow_partial (METER_GATEWAY_RULES_ALLOW_PARTIAL): "
        "must be one of 1/0, true/false, yes/no, on/off, got 'maybe'",
    ),
]


@pytest.mark.parametrize(
    ("content", "env", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_value_is_one_line_naming_the_key(
    tmp_path: Path, content: str, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(_toml(tmp_path, content), environ=env)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "config file not found: "),
        ("not toml [", "is not valid TOML: "),
    ],
    ids=["missing-file", "not-toml"],
)
def test_bad_file_is_one_line(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "c.toml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message) as raised:
        load_config(path, environ={})
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[rules]\ntimezone = "Mars/Base"\n',
            "config key rules.timezone: must be an IANA time zone such as Europe/Moscow, "
            "got 'Mars/Base'",
        ),
        (
            "[rules]\ncutoff_day = -1\n",
            "config key rules.cutoff_day: must be between 1 and 31, got -1",
        ),
    ],
    ids=["timezone", "negative-cutoff-day"],
)
def test_cli_prints_one_line_and_exits_1(tmp_path: Path, content: str, message: str) -> None:
    done = run_cli("parse", "x", "--config", str(_toml(tmp_path, content)))
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        f"meter-gateway: error: {message}\n",
    )
