from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gateway.config import DEFAULTS, ConfigError, load_config

ROOT = Path(__file__).parents[2]


def _keys(node: dict, prefix: str = "") -> set[str]:  # type: ignore[type-arg]
    out = set()
    for k, v in node.items():
        out |= _keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
    return out


def test_example_config_documents_every_key_with_its_default() -> None:
    example = tomllib.loads((ROOT / "config.example.toml").read_text())
    assert _keys(example) == _keys(DEFAULTS)
    config = load_config(ROOT / "config.example.toml", environ={})
    assert config.data == load_config(environ={}).data


def test_no_config_means_sqlite_in_a_local_file() -> None:
    assert load_config(environ={}).database_url == "sqlite+aiosqlite:///meter-gateway.sqlite3"


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[sms.twilio]\nauth_token = "file"\n[rules]\ncutoff_day = 20\n')
    env = {
        "METER_GATEWAY_SMS_TWILIO_AUTH_TOKEN": "env",
        "METER_GATEWAY_API_TOKENS": "a,b",
        "METER_GATEWAY_RULES_ALLOW_PARTIAL": "true",
        "METER_GATEWAY_RULES_JUMP_FACTOR": "2.5",
    }
    config = load_config(path, environ=env)
    assert config.section("sms.twilio")["auth_token"] == "env"
    assert config.section("api")["tokens"] == ["a", "b"]
    assert config.rules.cutoff_day == 20 and config.rules.allow_partial
    assert str(config.rules.jump_factor) == "2.5"


def test_config_file_named_by_environment(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[http]\nport = 9999\n")
    assert load_config(environ={"METER_GATEWAY_CONFIG": str(path)}).section("http")["port"] == 9999


@pytest.mark.parametrize(
    ("content", "env", "message"),
    [
        ("[nope]\nx = 1\n", {}, "unknown config key: nope"),
        ("[http]\nport = 'abc'\n", {}, "http.port"),
        ("not toml [", {}, "not valid TOML"),
        ("", {"METER_GATEWAY_RULES_ALLOW_PARTIAL": "maybe"}, "METER_GATEWAY_RULES_ALLOW_PARTIAL"),
    ],
)
def test_bad_config_is_a_clear_error(
    tmp_path: Path, content: str, env: dict[str, str], message: str
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_config(path, environ=env)
