"""The gateway on a real socket, as the end-to-end tests build it."""

from tests.e2e.conftest import client

__all__ = ["client"]
