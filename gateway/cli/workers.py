"""``run --workers N``: N gateway processes serving one port (``SO_REUSEPORT``), supervised
by the process that started them.

The parent has migrated the database already; it forks the workers and then only watches
them. Worker 0 also runs the SMTP listener (one port, one process: the others have
``smtp.enabled`` off). The other singletons need nothing here: the IMAP poller, Telegram
long polling and the reminders take advisory locks, the outbox claims its rows with
``FOR UPDATE SKIP LOCKED`` and the pending-message loop locks each row it decides, so
they run in every worker and one of them does each piece of work.

Stopping: SIGTERM or SIGINT to the parent is passed on (as SIGTERM) to every worker, once.
A worker stops accepting, gives its in-flight requests ``http.shutdown_timeout`` seconds,
stops its background tasks and closes its database; repeated signals (systemd signals the
whole control group, a terminal the whole process group) do not cut that short. The parent
exits 0 when every worker stopped cleanly, and kills any still running after
``stop_bound`` seconds (exit 1).

Metrics: ``/metrics`` answers for the whole gateway, whichever worker takes the scrape.
The workers count in prometheus_client's multiprocess mode: each writes its counters to
files in a directory of its own run (``PROMETHEUS_MULTIPROC_DIR``), which every scrape adds
up. The variable must be set before prometheus_client is first imported, and ``run`` has
imported it by the time it reads ``--workers``: so ``run --workers N`` makes a fresh
temporary directory, sets the variable and starts itself afresh (``exec``, the same
process), and only then migrates and forks. The supervisor removes the directory when the
workers have stopped.

A worker that exits on its own is not restarted: the parent stops the others and exits 1,
so the service manager (systemd ``Restart=on-failure``, a container's restart policy)
restarts the gateway as a whole. A worker whose parent dies gets SIGTERM (Linux
``PR_SET_PDEATHSIG``), so none is left behind serving on its own.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

from aiohttp import web
from prometheus_client import multiprocess

from gateway.app.factory import init_app
from gateway.app.lifecycle import StartupError, settled
from gateway.cli.errors import CliError
from gateway.config import Config
from gateway.runtime.metrics import MULTIPROC_DIR

log = logging.getLogger(__name__)

SIGNALS = {signal.SIGTERM, signal.SIGINT}
PR_SET_PDEATHSIG = 1
# after the in-flight requests: the background tasks get up to 10 s per group to stop
# (gateway.runtime.aio.stop_tasks; three groups), then the engine is disposed
BACKGROUND_STOP_SECONDS = 35.0
# set together with PROMETHEUS_MULTIPROC_DIR: the directory is this run's own, made for it
OWN_METRICS_DIR = "_METER_GATEWAY_OWN_METRICS_DIR"
WORKER_LOG_FORMAT = "%(asctime)s %(levelname)s [worker {index} %(process)d] %(name)s: %(message)s"


def stop_bound(config: Config) -> float:
    """Seconds a worker may take to stop before the parent kills it: aiohttp waits up to
    ``shutdown_timeout`` for a request, and as long again for one it had to cancel."""
    return 2 * config.http.shutdown_timeout + BACKGROUND_STOP_SECONDS


def shared_config(config: Config) -> Config:
    """What every worker must agree on: the staff cookie key (without one configured, each
    process would make its own, and a login on one worker would mean nothing on the next)."""
    if config.staff.session_secret:
        return config
    log.warning("staff.session_secret is not set: sessions do not survive a restart")
    return config.with_overrides({"staff": {"session_secret": secrets.token_urlsafe(32)}})


def worker_config(config: Config, index: int) -> Config:
    """Worker 0's configuration is the gateway's; the others leave SMTP to it."""
    if index == 0 or not config.smtp.enabled:
        return config
    return config.with_overrides({"smtp": {"enabled": False}})


def metrics_dir(run_args: list[str]) -> str:
    """The metrics directory made for this run; without one, make it and start ``run``
    afresh with ``run_args`` (``exec``: this function does not return then)."""
    path = os.environ.get(MULTIPROC_DIR, "")
    if path and os.environ.get(OWN_METRICS_DIR) == path and os.path.isdir(path):
        return path
    path = tempfile.mkdtemp(prefix="meter-gateway-metrics-")
    os.environ[MULTIPROC_DIR] = os.environ[OWN_METRICS_DIR] = path
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(sys.executable, [sys.executable, "-m", "gateway", *run_args])
    except OSError as e:
        shutil.rmtree(path, ignore_errors=True)
        raise CliError(f"cannot start the workers: {e}") from None


def supervise(config: Config, count: int) -> int:
    """Fork ``count`` workers, wait for them; the exit status of ``run``."""
    try:
        return _supervise(config, count)
    finally:
        if os.environ.get(OWN_METRICS_DIR) == os.environ.get(MULTIPROC_DIR):
            shutil.rmtree(os.environ[MULTIPROC_DIR], ignore_errors=True)


def _supervise(config: Config, count: int) -> int:
    ctx = multiprocessing.get_context("fork")  # the parent holds no threads and no loop now
    config = shared_config(config)
    parent = os.getpid()
    supervisor = Supervisor(stop_bound(config))
    # blocked until every worker is forked and the handlers below are in place; each worker
    # unblocks them once its own event loop handles them
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        for index in range(count):
            worker = ctx.Process(
                target=_worker,
                args=(worker_config(config, index), index, parent),
                name=f"meter-gateway-worker-{index}",
            )
            worker.start()
            supervisor.workers.append(worker)
        for sig in SIGNALS:
            signal.signal(sig, supervisor.on_signal)
    except BaseException:
        supervisor.kill_all()
        raise
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    pids = ", ".join(str(w.pid) for w in supervisor.workers)
    log.info("%d workers on %s:%s (pids %s)", count, config.http.host, config.http.port, pids)
    return supervisor.wait()


class Supervisor:
    def __init__(self, bound: float) -> None:
        self.workers: list[BaseProcess] = []
        self.bound = bound
        self.signalled: int | None = None
        self.stopping_since: float | None = None
        self.failed = False

    def on_signal(self, signum: int, _frame: FrameType | None) -> None:
        # only a note: the wait loop acts on it (at most 0.2 s later)
        self.signalled = signum

    def stop(self, why: str) -> None:
        if self.stopping_since is not None:
            return
        log.info("%s: stopping the workers", why)
        self.stopping_since = time.monotonic()
        for worker in self.workers:
            if worker.is_alive() and worker.pid is not None:
                os.kill(worker.pid, signal.SIGTERM)

    def kill_all(self) -> None:
        for worker in self.workers:
            if worker.is_alive():
                worker.kill()
                worker.join()

    def wait(self) -> int:
        alive = {w.sentinel: w for w in self.workers}
        killed = False
        while alive:
            exited = wait(list(alive), timeout=0.2)
            # a signal first: systemd signals every process of the service at once, and a
            # worker stopped by it is not one that died on its own
            if self.signalled is not None:
                self.stop(signal.Signals(self.signalled).name)
            for sentinel in exited:
                worker = alive.pop(sentinel)  # type: ignore[arg-type]  # sentinels are ints
                worker.join()
                if worker.pid is not None and os.environ.get(MULTIPROC_DIR):
                    multiprocess.mark_process_dead(worker.pid)  # its live gauges go
                self._exited(worker)
            since = self.stopping_since
            if alive and not killed and since is not None and time.monotonic() - since > self.bound:
                for worker in alive.values():
                    log.error("%s did not stop within %s s: killing it", worker.name, self.bound)
                    worker.kill()
                self.failed = killed = True
        return 1 if self.failed else 0

    def _exited(self, worker: BaseProcess) -> None:
        code = worker.exitcode
        if self.stopping_since is None:
            log.error("%s (pid %s) exited with %s", worker.name, worker.pid, code)
            self.failed = True
            self.stop("a worker exited")
        elif code not in (0, -signal.SIGTERM):  # killed by our SIGTERM before it served
            log.error("%s (pid %s) stopped with %s", worker.name, worker.pid, code)
            self.failed = True


def _worker(config: Config, index: int, parent: int) -> None:
    """A worker process: serve until SIGTERM (signals still blocked on entry)."""
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_DFL)  # not the parent's handlers
    _die_with_parent(parent)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter(WORKER_LOG_FORMAT.format(index=index)))
    try:
        asyncio.run(serve(config, reuse_port=True))
    except (OSError, StartupError) as e:  # a port taken by another program: one line
        log.error("worker %d stopped: %s", index, e)
        sys.exit(1)


def _die_with_parent(parent: int) -> None:
    """SIGTERM this process when the parent dies (Linux); at once if it is gone already."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the parent's own SIGTERM has to do
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)  # pending until serve() handles it


async def serve(config: Config, *, reuse_port: bool) -> None:
    """Serve the app until SIGTERM or SIGINT, then shut down gracefully: stop accepting,
    finish in-flight requests (``http.shutdown_timeout``), stop the background tasks,
    close the database. Further signals change nothing."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    runner = web.AppRunner(
        settled(init_app(config)),
        shutdown_timeout=config.http.shutdown_timeout,
        access_log=web.access_logger if config.http.access_log else None,
    )
    await runner.setup()
    try:
        if not stop.is_set():
            site = web.TCPSite(runner, config.http.host, config.http.port, reuse_port=reuse_port)
            await site.start()
            log.info("serving on %s", site.name)
            await stop.wait()
            log.info("stopping: finishing in-flight requests")
    finally:
        await runner.cleanup()
