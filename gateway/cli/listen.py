"""The listening addresses of ``run``, checked before anything starts: a port another
program holds is one line naming it (``http: 127.0.0.1:8080 is already in use``), not a
traceback or an error blamed on the database."""

from __future__ import annotations

import socket

from gateway.app.lifecycle import listen_error
from gateway.cli.errors import CliError


def bind(key: str, host: str, port: int, *, reuse_port: bool = False) -> list[socket.socket]:
    """Sockets bound (not yet listening) to every address ``host`` names, as aiohttp's
    ``TCPSite`` would bind them; ``CliError`` naming ``key`` and the address when one cannot
    be bound."""
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as e:
        raise CliError(f"{key}: cannot resolve host {host!r}: {e.strerror}") from None
    bound: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            bound.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as e:
                raise CliError(str(listen_error(key, host, port, e))) from None
    except BaseException:
        for sock in bound:
            sock.close()
        raise
    return bound


def check_free(key: str, host: str, port: int, *, reuse_port: bool = False) -> None:
    """``bind``, then let go: for listeners that other processes open (the workers)."""
    if port == 0:  # any free port
        return
    for sock in bind(key, host, port, reuse_port=reuse_port):
        sock.close()
