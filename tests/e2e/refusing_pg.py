"""A PostgreSQL that answers every connection with a FATAL error at startup, as a real one
does when it is full (53300, too many clients) or starting up or shutting down (57P03)."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104


def error_response(code: str, message: str) -> bytes:
    fields = b"".join(
        key + value.encode() + b"\0"
        for key, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message))
    )
    body = fields + b"\0"
    return b"E" + struct.pack("!i", len(body) + 4) + body


@asynccontextmanager
async def refusing_postgresql(code: str, message: str) -> AsyncIterator[str]:
    """Yields the URL of a server that refuses every connection with ``code``."""

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # an SSL or GSS encryption request first: "no", then the startup
                length, request = struct.unpack("!ii", await reader.readexactly(8))
                await reader.readexactly(length - 8)
                if request not in (SSL_REQUEST, GSSENC_REQUEST):
                    break
                writer.write(b"N")
            writer.write(error_response(code, message))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/full"
    finally:
        server.close()
        await server.wait_closed()
