"""The IMAP tests' Dovecot configuration matches the Dovecot installed: 2.3 (Debian 12) and
2.4 (Debian 13) differ in syntax, and any other version stops the tests with one line."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.support.dovecot import Dovecot, config_for


def test_2_4_gets_its_own_syntax_with_the_version_settings_first() -> None:
    conf = config_for("2.4.1 (7b42b0d5ce)").format(dir="/d", port=1)
    assert conf.splitlines()[:2] == [
        "dovecot_config_version = 2.4.0",
        "dovecot_storage_version = 2.4.0",
    ]
    assert "passdb passwd-file {" in conf and "mail_driver = maildir" in conf
    assert "mail_location" not in conf and "disable_plaintext_auth" not in conf


def test_2_3_keeps_its_syntax() -> None:
    conf = config_for("2.3.19.1 (9b53102964)").format(dir="/d", port=1)
    assert "mail_location = maildir:/d/mail/%u" in conf and "dovecot_config_version" not in conf


@pytest.mark.parametrize("version", ["3.0.0 (abc)", "2.2.36 (1f10bfa63)", ""])
def test_another_version_stops_the_tests_with_one_line(version: str) -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        config_for(version)
    [line] = str(failed.value).splitlines()
    assert "is not supported by the IMAP tests" in line


@pytest.mark.parametrize("idle", [True, False], ids=["idle", "without-idle"])
def test_the_installed_dovecot_accepts_the_configuration_written_for_it(idle: bool) -> None:
    server = Dovecot(idle=idle)
    try:
        doveconf = shutil.which("doveconf") or "/usr/bin/doveconf"
        done = subprocess.run(
            [doveconf, "-n", "-c", str(server.conf)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert "Warning" not in done.stderr, done.stderr  # no obsolete setting either
    finally:
        server.cleanup()
