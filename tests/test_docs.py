"""The documentation holds together: a README a newcomer reads first (short, opening with the
two set-up commands), links and paths that lead somewhere, and code that cites the documents
in the repository, never a specification outside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
MAX_README_LINES = 200

OPENING = """\
# meter-gateway

```sh
scripts/demo   # install into .venv and run the gateway on SQLite with demo accounts
scripts/test   # install everything the tests need (PostgreSQL too, if none runs) and run them
```
"""

# Markdown links and images: [text](target) / ![alt](target).
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
# A path of the tree named in backticks, e.g. `gateway/service/chats.py` or `channels/email/`.
TOP = r"(?:gateway|channels|storage|parsers|tests|scripts|bench|docs|requirements)"
PATH = re.compile(rf"`({TOP}/[\w./-]*)`")
# The Layout's drawing names paths without backticks.
DRAWN = re.compile(rf"(?<![\w/])({TOP}/[\w./-]*[\w/])")
# Made by the tests, not kept in git.
GENERATED = ("tests/artifacts/",)
CODE = ("gateway", "channels", "storage", "parsers")
# Folders whose every module and package README's Layout names: where a newcomer looks first.
MAPPED = ("channels", "gateway/http", "gateway/service")
# "SPEC" as a word (INSPECTION_MONTHS is not a citation), and the shared folder outside.
SPEC = re.compile(r"\bSPEC\b|\.\./shared|BILLING-V2")


def documents() -> list[Path]:
    return [README, *DOCS]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    text = doc.read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, re.M)}


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, (
        f"README.md has {len(lines)} lines, over {MAX_README_LINES}: move the detail to docs/"
    )


def test_readme_opens_with_the_two_commands() -> None:
    assert README.read_text(encoding="utf-8").startswith(OPENING)


def test_readme_lists_every_document() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [d.name for d in DOCS if f"](docs/{d.name})" not in text]
    assert DOCS and not missing, f"docs/ files not in README's index: {missing}"


def test_relative_links_lead_to_files_and_headings() -> None:
    broken = []
    for doc in documents():
        for target in LINK.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            if not file.exists():
                broken.append(f"{doc.name}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                broken.append(f"{doc.name}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_paths_named_in_the_documents_exist() -> None:
    missing = []
    for doc in documents():
        text = doc.read_text(encoding="utf-8")
        named = set(PATH.findall(text))
        if doc == README:
            for block in re.findall(r"^```\n(.*?)^```", text, re.M | re.S):
                named |= set(DRAWN.findall(block))
        for path in sorted(named):
            if path.startswith(GENERATED) or (ROOT / path).exists():
                continue
            missing.append(f"{doc.name}: {path}")
    assert not missing, "named but not in the tree:\n" + "\n".join(missing)


def test_layout_names_every_module_of_the_mapped_folders() -> None:
    text = README.read_text(encoding="utf-8")
    layout = text[text.index("## Layout") :]
    unnamed = []
    for folder in MAPPED:
        for entry in sorted((ROOT / folder).iterdir()):
            name = entry.name + "/" if entry.is_dir() else entry.name
            if entry.name.startswith(("_", ".")) or not (entry.is_dir() or name.endswith(".py")):
                continue
            if entry.is_dir() and not any(
                f.is_file() and "__pycache__" not in f.parts for f in entry.rglob("*")
            ):
                continue  # a folder git no longer has, left with its __pycache__
            if not re.search(rf"(?<![\w.]){re.escape(name)}", layout):
                unnamed.append(f"{folder}/{name}")
    assert not unnamed, "README's Layout does not name:\n" + "\n".join(unnamed)


def test_documents_and_code_cite_nothing_outside_the_repository() -> None:
    citing = []
    files = [p for top in CODE for p in (ROOT / top).rglob("*") if p.is_file()]
    for file in [*documents(), *files]:
        if file.suffix in {".mo", ".pyc", ".png", ".ico"}:
            continue
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if SPEC.search(line):
                citing.append(f"{file.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not citing, "cite the docs/ file instead:\n" + "\n".join(citing)
