"""Use cases are composed, not inherited, and each name in the service layer means one thing.

The defect this guards against: ``BatchIntake(Intake)`` reached into its parent's private
steps, so a change to one-message intake silently changed batches; and ``Chats`` named both a
repository protocol and the bot's use cases. A use case that needs another's work holds it
(``BatchIntake`` holds an ``Intake`` and its ``Decider``); only exceptions and the storage
protocols have bases."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "gateway" / "service"


def classes() -> list[tuple[str, ast.ClassDef]]:
    return [
        (path.name, node)
        for path in sorted(SERVICE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.ClassDef)
    ]


def bases(node: ast.ClassDef) -> set[str]:
    return {ast.unparse(b) for b in node.bases}


def test_service_classes_inherit_only_from_exceptions_and_protocol() -> None:
    found = classes()
    exceptions = {"Exception"}
    while True:  # ours too: ``Conflict(StorageUnavailable)``, ``NotFound(ReviewError)``
        more = {n.name for _, n in found if bases(n) & exceptions} - exceptions
        if not more:
            break
        exceptions |= more
    inherited = [
        f"{module}: {node.name}({', '.join(sorted(bases(node)))})"
        for module, node in found
        if bases(node) and node.name not in exceptions and bases(node) != {"Protocol"}
    ]
    assert inherited == []


def test_every_service_class_name_is_defined_once() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for module, node in classes():
        where[node.name].append(module)
    assert {name: modules for name, modules in where.items() if len(modules) > 1} == {}
