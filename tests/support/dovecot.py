"""A real Dovecot IMAP server for tests, without systemd: a passwd-file user, a maildir in
a temporary directory, plain LOGIN on a high loopback port; and the test's own IMAP
connection to its mailbox (``Mailbox``).

The configuration is written for the Dovecot installed (``dovecot --version``): 2.3
(Debian 12) or 2.4 (Debian 13, another syntax); any other version fails the test at
start with one line saying so.

Dovecot keeps its parent's stdout open, so it is started with its output redirected to a
file, never captured through a pipe. Its mail processes run as uid/gid 65534 (Dovecot
refuses uids below 500), so the directory is made readable by that user.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pytest
from imapclient import IMAPClient

from tests.support.ports import free_port
from tests.support.waiting import until_sync

USER = "meters@example.org"
PASSWORD = "imap-test-password"
UID = 65534
T = TypeVar("T")

# Dovecot 2.3 (Debian 12) and 2.4 (Debian 13) differ in syntax: 2.4 requires its version
# settings first, names the auth databases' blocks and settings, and splits mail_location.
COMMON = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
ssl = no
auth_mechanisms = plain login
first_valid_uid = 500
# IDLE learns of new mail by inotify; where that is slow or missing (some containers) the
# default fallback is a 30 s re-check, longer than the tests wait
mailbox_idle_check_interval = 1 secs
# the imap processes show their state (IDLE) in their title: tests wait for it
verbose_proctitle = yes
default_login_user = dovenull
default_internal_user = dovecot
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
"""
CONF = {
    "2.3": """\
disable_plaintext_auth = no
mail_location = maildir:{dir}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/users
}}
service anvil {{
  chroot =
}}
"""
    + COMMON,
    "2.4": """\
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
auth_allow_cleartext = yes
mail_driver = maildir
mail_path = {dir}/mail/%{{user}}
namespace inbox {{
  inbox = yes
}}
passdb passwd-file {{
  passwd_file_path = {dir}/users
  default_password_scheme = PLAIN
}}
userdb passwd-file {{
  passwd_file_path = {dir}/users
}}
"""
    + COMMON,
}


# a server without IDLE (its capabilities otherwise as usual)
WITHOUT_IDLE = {
    "2.3": "imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UIDPLUS\n",
    "2.4": "imap_capability {\n  IDLE = no\n}\n",  # a boolean list in 2.4
}


def release_of(version: str) -> str:
    """ "2.3" of ``dovecot --version``'s "2.3.19.1 (9b53102964)"."""
    return ".".join(version.split()[0].split(".")[:2]) if version.strip() else "?"


def config_for(version: str) -> str:
    """The configuration template for ``dovecot --version``'s answer ("2.3.19.1 (9b53102964)"),
    or the test fails with one line naming the version."""
    release = release_of(version)
    if release not in CONF:
        pytest.fail(
            f"Dovecot {version.strip() or '(no version)'} is not supported by the IMAP tests "
            f"(known: {', '.join(CONF)}); see tests/support/dovecot.py",
            pytrace=False,
        )
    return CONF[release]


def installed_version(binary: str) -> str:
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    return done.stdout.strip()


class Dovecot:
    def __init__(self, port: int | None = None, idle: bool = True) -> None:
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
        version = installed_version(binary)
        conf = config_for(version).format(dir=self.dir, port=self.port)
        self.conf.write_text(conf + ("" if idle else WITHOUT_IDLE[release_of(version)]))
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
        proc = self.proc

        def greets() -> bool:
            if proc.poll() is not None:
                pytest.fail(f"dovecot exited at start:\n{self.logs()}", pytrace=False)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    return s.recv(100).startswith(b"* OK")
            except OSError:
                return False

        try:
            until_sync(greets, f"dovecot greeting on port {self.port}")
        except AssertionError as e:
            pytest.fail(f"{e}\n{self.logs()}", pytrace=False)

    def stop(self) -> None:
        if self.proc is None:
            return
        # its own session: the master and every imap/auth child it started
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)
        self.proc = None

        def closed() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                return True
            return False

        until_sync(closed, f"port {self.port} closed after dovecot stopped")

    def idling(self) -> int:
        """How many of this server's IMAP sessions wait in IDLE right now."""
        return self.sessions(b" IDLE]")

    def sessions(self, state: bytes = b"") -> int:
        """How many logged-in IMAP sessions this server has (in ``state``, e.g. b" IDLE]"),
        read from its processes' titles (``verbose_proctitle``)."""
        if self.proc is None:
            return 0
        found = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                session = int(stat.read_text().rpartition(")")[2].split()[3])
                title = (stat.parent / "cmdline").read_bytes()
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
            if session == self.proc.pid and title.startswith(b"dovecot/imap [") and state in title:
                found += 1
        return found

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


class Mailbox:
    """The test's own IMAP connection to the mailbox (in a thread: a poller may share this
    event loop)."""

    def __init__(self, port: int) -> None:
        self.port = port

    def _client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def run(self, fn: Callable[[IMAPClient], T]) -> T:
        client = self._client()
        try:
            return fn(client)
        finally:
            client.logout()

    async def append(
        self,
        raw: bytes,
        folder: str = "INBOX",
        flags: tuple[bytes, ...] = (),
        when: datetime | None = None,
    ) -> None:
        await asyncio.to_thread(self.run, lambda c: c.append(folder, raw, flags, when))

    async def append_all(self, raws: list[bytes]) -> None:
        """Deliver mail into the INBOX at once (MULTIAPPEND): mail that lands while the
        poller's pass runs waits for its next IDLE round."""
        await asyncio.to_thread(self.run, lambda c: c.multiappend("INBOX", raws))

    async def flags(self, folder: str = "INBOX") -> list[set[bytes]]:
        def go(c: IMAPClient) -> list[set[bytes]]:
            c.select_folder(folder, readonly=True)
            data = c.fetch(c.search(["ALL"]), ["FLAGS"])
            return [set(data[uid][b"FLAGS"]) - {b"\\Recent"} for uid in sorted(data)]

        return await asyncio.to_thread(self.run, go)

    async def empty(self, folders: tuple[str, ...] = ("INBOX",)) -> None:
        def go(c: IMAPClient) -> None:
            for folder in folders:
                if c.folder_exists(folder):
                    c.select_folder(folder)
                    uids = c.search(["ALL"])
                    if uids:
                        c.delete_messages(uids)
                        c.expunge()

        await asyncio.to_thread(self.run, go)
