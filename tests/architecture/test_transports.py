"""Reply transports are one enum, ``gateway.domain.model.Transport``: its values are what
outbox rows and messages' ``reply_via`` hold in existing databases, and no code names a
transport by a bare string (a typo there is a reply that never leaves)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from gateway.domain.model import Transport
from tests.architecture.test_imports import MODULES

VALUES = {t.value for t in Transport}


def test_the_stored_values_never_change() -> None:
    assert {t.name: t.value for t in Transport} == {
        "SMS_GENERIC": "sms_generic",
        "EMAIL": "email",
        "TELEGRAM": "telegram",
    }


def _literal(node: ast.AST) -> str | None:
    """The transport a string constant in ``node`` names, if any."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and sub.value in VALUES:
            return str(sub.value)
    return None


def bare_transports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Where a transport is a string: ``reply_via=``, ``outbox.add(...)``'s transport, a
    key of a dict (the senders, the reply extras), a subscript (``senders["email"]``)."""
    for node in ast.walk(tree):
        places: list[ast.AST] = []
        if isinstance(node, ast.keyword) and node.arg in ("reply_via", "transport"):
            places.append(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("add", "enqueue_follow_up") and node.args:
                places.append(node.args[0])
        elif isinstance(node, ast.Dict):
            places.extend(k for k in node.keys if k is not None)
        elif isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
            places.append(node.slice)
        for place in places:
            if (name := _literal(place)) is not None:
                yield getattr(place, "lineno", 0), name


def test_no_transport_is_named_by_a_bare_string() -> None:
    wrong = [
        f"{module}:{line}: {name!r}"
        for module, path in MODULES.items()
        for line, name in bare_transports(ast.parse(path.read_text(), str(path)))
    ]
    assert wrong == []


def test_the_check_finds_the_old_shapes() -> None:
    old = """
reply_via = "x"
InboundMessage(reply_via="sms_generic" if url else None)
await uow.outbox.add("telegram", chat, body, meta, now)
out["email"] = sender
extras = {"telegram": keyboard}
"""
    assert sorted(name for _, name in bare_transports(ast.parse(old))) == [
        "email",
        "sms_generic",
        "telegram",
        "telegram",
    ]
