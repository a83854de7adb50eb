"""The layering holds: no import cycle anywhere, and each layer imports only what it may.

The import graph is read from the source (every ``import`` statement, also those inside
functions), so a cycle that only shows at run time in some order is caught too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "channels", "storage", "parsers")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = modules()


def _resolve(name: str) -> str | None:
    """The first-party module an import names (``from a.b import c`` may name ``a.b.c``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> Iterator[str]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).strip(".")
            # ``from a import b``: the module a.b when b is one, else a itself
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target is not None and target != module:
                yield target


GRAPH = {m: sorted(set(imports_of(m))) for m in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    return out


def test_the_graph_is_read() -> None:
    assert "gateway.service.receive" in GRAPH["channels.sms.webhook"]
    assert "gateway.domain.model" in GRAPH["storage.messages"]


def test_no_import_cycle() -> None:
    assert _cycles() == []


# layer -> the layers (module prefixes) it may import; a module belongs to its longest prefix
ALLOWED = {
    "parsers": ("parsers",),
    "gateway.domain": ("gateway.domain", "parsers", "gateway.runtime.i18n"),
    # asyncio helpers, metrics, catalogues: below every layer, importing nothing of ours
    "gateway.runtime": (),
    "gateway.service": ("gateway.service", "gateway.domain", "parsers", "gateway.runtime"),
    "storage": ("storage", "gateway.domain", "gateway.service.uow"),
    # a channel hands messages to the receive use case; the bot's routers also call the chat
    # use cases (linking, history), the phone line the call use cases, its sender speaks the
    # outbox's Sender contract, the IMAP
    # poller keeps its place through the mail folders use case; of the storage contracts
    # (``gateway.service.uow``) only what ``CHANNEL_CONTRACTS`` names; a webhook reads its
    # body through the HTTP edge, as every route does, and answers as every route does
    "channels": ("channels", "gateway.domain", "gateway.service.receive", "gateway.service.uow",
                 "gateway.service.chats", "gateway.service.calls", "gateway.service.outbox",
                 "gateway.service.mail_folders", "gateway.http.edge", "gateway.http.responses",
                 "gateway.runtime", "parsers"),
    # the API, the staff UI and the customer form (CSRF, texts, templates shared in one place)
    "gateway.http": ("gateway.http", "gateway.service", "gateway.domain", "gateway.config",
                     "gateway.runtime", "parsers"),
    # the edge reads every request before any route, a channel's webhook too: nothing of ours
    "gateway.http.edge": (),
    # the JSON answers of every HTTP route and webhook: nothing of ours either
    "gateway.http.responses": (),
}  # fmt: skip


def _layer(module: str) -> str | None:
    owners = [p for p in ALLOWED if module == p or module.startswith(p + ".")]
    return max(owners, key=len) if owners else None


@pytest.mark.parametrize("layer", sorted(ALLOWED), ids=str)
def test_layer_imports_only_what_it_may(layer: str) -> None:
    allowed = ALLOWED[layer]
    wrong = [
        f"{module} -> {target}"
        for module in GRAPH
        if _layer(module) == layer
        for target in GRAPH[module]
        if not any(target == a or target.startswith(a + ".") for a in allowed)
    ]
    assert wrong == []


# What a channel may take from ``gateway.service.uow``: the error that means "storage is down,
# ask the sender to retry" and the lock a poller holds. Never the unit of work, its factory
# or a repository: a channel reaches storage only through use cases.
CHANNEL_CONTRACTS = frozenset({"StorageUnavailable", "SingletonLock"})


def names_imported(module: str, source: str) -> Iterator[str]:
    """The names ``module`` imports from ``source`` (``*`` for the module itself)."""
    path = MODULES[module]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == source and not node.level:
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == source.rpartition(".")[0]:
            yield from ("*" for alias in node.names if alias.name == source.rpartition(".")[2])
        elif isinstance(node, ast.Import):
            yield from ("*" for alias in node.names if alias.name == source)


def test_the_names_are_read() -> None:
    assert "StorageUnavailable" in names_imported("channels.sms.webhook", "gateway.service.uow")


def test_channels_take_from_the_storage_contracts_only_errors_and_the_lock() -> None:
    wrong = [
        f"{module} -> {name}"
        for module in GRAPH
        if _layer(module) == "channels"
        for name in names_imported(module, "gateway.service.uow")
        if name not in CHANNEL_CONTRACTS
    ]
    assert wrong == []


# The HTML pages read and write through the service layer's functions (the staff pages'
# reads are ``gateway.service.staff_queries``): a page's handler holds no transaction.
PAGES = ("gateway.http.staff", "gateway.http.form", "gateway.http.pages")


def transactions_opened(module: str) -> Iterator[str]:
    """``async with`` statements of ``module`` (a unit of work opened), by line."""
    path = MODULES[module]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.AsyncWith):
            yield f"{module}:{node.lineno}"


def test_the_transactions_are_read() -> None:
    assert list(transactions_opened("gateway.service.staff_queries"))


def test_pages_open_no_unit_of_work() -> None:
    pages = [m for m in GRAPH if any(m == p or m.startswith(p + ".") for p in PAGES)]
    assert len(pages) > 3
    assert [line for m in pages for line in transactions_opened(m)] == []


def test_production_bills_with_one_implementation() -> None:
    """Period close bills with the pure rules of ``gateway.domain.billing`` (billing v2 chose
    Python by measurement: bench/README.md); storage only reads facts and writes rows, so no
    module of storage may import the rules, and the SQL close is gone."""
    assert "gateway.domain.billing" in GRAPH["gateway.service.closing"]
    storage = [m for m in GRAPH if m.startswith("storage")]
    assert storage and not [m for m in storage if "gateway.domain.billing" in GRAPH[m]]
    assert "storage.close_sql" not in GRAPH
