"""A real Dovecot IMAP server for tests, without systemd: a passwd-file user, a maildir in
a temporary directory, plain LOGIN on a high loopback port.

Dovecot keeps its parent's stdout open, so it is started with its output redirected to a
file, never captured through a pipe. Its mail processes run as uid/gid 65534 (Dovecot
refuses uids below 500), so the directory is made readable by that user.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

USER = "meters@example.org"
PASSWORD = "imap-test-password"
UID = 65534

CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
ssl = no
auth_mechanisms = plain login
disable_plaintext_auth = no
first_valid_uid = 500
mail_location = maildir:{dir}/mail/%u
# IDLE learns of new mail by inotify; where that is slow or missing (some containers) the
# default fallback is a 30 s re-check, longer than the tests wait
mailbox_idle_check_interval = 1 secs
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
{extra}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Dovecot:
    def __init__(self, port: int | None = None, extra: str = "") -> None:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not os.path.exists(binary):
            pytest.fail(
                "Dovecot is required for the IMAP tests and is not installed "
                "(scripts/test installs Debian's dovecot-imapd).",
                pytrace=False,
            )
        self.binary = binary
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="mg-dovecot-"))
        self.dir.chmod(0o755)
        (self.dir / "mail").mkdir(mode=0o755)
        os.chown(self.dir / "mail", UID, UID)
        (self.dir / "users").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{UID}:{UID}::{self.dir}/mail/{USER}::\n"
        )
        self.conf = self.dir / "dovecot.conf"
        self.conf.write_text(CONF.format(dir=self.dir, port=self.port, extra=extra))
        self.proc: subprocess.Popen[bytes] | None = None

    def gateway_env(self) -> dict[str, str]:
        """The settings that point a gateway process's IMAP poller at this mailbox."""
        return {
            "METER_GATEWAY_IMAP_HOST": "127.0.0.1",
            "METER_GATEWAY_IMAP_PORT": str(self.port),
            "METER_GATEWAY_IMAP_SSL": "false",
            "METER_GATEWAY_IMAP_USER": USER,
            "METER_GATEWAY_IMAP_PASSWORD": PASSWORD,
            "METER_GATEWAY_IMAP_POLL_SECONDS": "1",
        }

    def start(self) -> None:
        with (self.dir / "stdout.log").open("ab") as out:
            self.proc = subprocess.Popen(
                [self.binary, "-F", "-c", str(self.conf)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"dovecot exited at start:\n{self.logs()}", pytrace=False)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"dovecot did not listen on {self.port}:\n{self.logs()}", pytrace=False)

    def stop(self) -> None:
        if self.proc is None:
            return
        # its own session: the master and every imap/auth child it started
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                return
            time.sleep(0.1)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def logs(self) -> str:
        parts = []
        for name in ("stdout.log", "dovecot.log"):
            path = self.dir / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-4000:])
        return "\n".join(parts)
