"""The message catalogues: compiled, complete, with Russian plurals right. No database."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from gateway.domain.model import Reason
from gateway.domain.outcomes import Accepted, NeedsReview, RegisterResult, Rejected
from gateway.domain.replies import expected_format, pending_reply, render
from gateway.runtime import i18n
from gateway.runtime.i18n import N_
from gateway.service.review import NeedsValues
from tests.domain.test_validator import TWO_ZONE, WATER, reg

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalogue(lang: str, suffix: str = "po") -> Path:
    return i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.{suffix}"


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def texts(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def translated(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What ``pybabel extract`` finds in the code today, as docs/translations.md runs it."""
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    args = ["-q", "extract", "-F", str(ROOT / "babel.cfg"), "-c", "TRANSLATORS:"]
    CommandLineInterface().run(
        ["pybabel", *args, "-o", str(out), str(ROOT / "gateway"), str(ROOT / "channels")]
    )
    return read(out)


def compiled(po: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, po)
    return out.getvalue()


def contents(mo: bytes) -> tuple[dict[object, object], dict[str, str]]:
    """What gettext reads from a ``.mo``: its translations and its headers, but not the
    ``Generated-By`` line, which names the Babel that compiled it."""
    catalog = read_mo(io.BytesIO(mo))

    def frozen(text: object) -> object:
        return tuple(text) if isinstance(text, list | tuple) else text

    messages = {(m.context, frozen(m.id)): frozen(m.string) for m in catalog if m.id}
    headers = {k: v for k, v in catalog.mime_headers if k != "Generated-By"}
    return messages, headers


@pytest.mark.parametrize("lang", i18n.SUPPORTED)
def test_committed_mo_is_the_compiled_po(lang: str) -> None:
    committed = contents(catalogue(lang, "mo").read_bytes())
    assert committed == contents(compiled(read(catalogue(lang)))), "run pybabel compile"


def test_a_changed_translation_is_not_the_committed_mo() -> None:
    po = read(catalogue("ru"))
    message = next(m for m in po if m.id and not m.pluralizable and m.string)
    message.string += "!"
    assert contents(compiled(po)) != contents(catalogue("ru", "mo").read_bytes())


def test_template_has_every_text_in_the_code(extracted: Catalog) -> None:
    def ids(cat: Catalog) -> set[tuple[object, str | None]]:
        return {(m.id, m.context) for m in cat if m.id}

    assert ids(extracted) == ids(read(TEMPLATE)), "run pybabel extract and update"


def test_every_text_in_the_code_has_a_russian_translation(extracted: Catalog) -> None:
    ru = read(catalogue("ru"))
    assert not ru.fuzzy
    assert len(extracted) > 30
    untranslated = []
    for message in extracted:
        if not message.id:
            continue
        found = ru.get(message.id, message.context)
        if found is None or found.fuzzy or not all(translated(found)):
            untranslated.append(message.id)
    assert untranslated == []


@pytest.mark.parametrize("lang", i18n.SUPPORTED)
def test_translations_keep_the_placeholders(lang: str) -> None:
    wrong = [
        (message.id, string)
        for message in read(catalogue(lang))
        if message.id
        for string in translated(message)
        if string
        and sorted(PLACEHOLDER.findall(string)) != sorted(PLACEHOLDER.findall(texts(message)[-1]))
    ]
    assert wrong == []


def test_russian_plural_rule_is_the_standard_one() -> None:
    header = read(catalogue("ru")).mime_headers
    assert (
        "Plural-Forms",
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);",
    ) in header


@pytest.mark.parametrize(
    ("n", "russian", "english"),
    [
        pytest.param(n, russian, english, id=str(n))
        for n, russian, english in [
            (1, "1 показание", "1 reading"),
            (2, "2 показания", "2 readings"),
            (5, "5 показаний", "5 readings"),
            (11, "11 показаний", "11 readings"),
            (21, "21 показание", "21 readings"),
            (22, "22 показания", "22 readings"),
            (25, "25 показаний", "25 readings"),
        ]
    ],
)
def test_plural_forms(n: int, russian: str, english: str) -> None:
    registers = tuple(reg(meter_id=i, position=i) for i in range(1, n + 1))
    assert f"УИН и {russian} через пробел" in expected_format(registers, "1", "ru")
    assert f"the UIN and {english} separated" in expected_format(registers, "1", "en")


ACCEPTED = Accepted(
    readings=tuple(
        RegisterResult(r, Decimal(value), consumption, "2026-11")
        for r, value, consumption in zip(WATER, ("105", "41"), (Decimal(5), None), strict=True)
    )
)
COUNT = Rejected(reason=Reason.READING_COUNT_MISMATCH, expected=TWO_ZONE, received=1)

# Whole replies, character for character, as they were before the catalogues.
REPLIES = [
    (
        "accepted",
        ACCEPTED,
        "Показания приняты: ХВС 105 (расход 5 м³); ГВС 41. Номер обращения 42.",
        "Readings accepted: cold water 105 (consumption 5 m³); hot water 41. Request No. 42.",
    ),
    (
        "count",
        COUNT,
        "Показаний в сообщении: 1, а нужно 2 — по одному на каждый счётчик, в порядке "
        "квитанции. Отправьте заново. Формат: УИН и 2 показания через пробел, в порядке "
        "квитанции: электроэнергия T1, электроэнергия T2; например: 1234567 00000 00000 или с "
        "подписями: 1234567 день 00000 ночь 00000.",
        "The message has 1 reading(s), 2 are needed: one per meter, in the order of the bill. "
        "Please resend. Format: the UIN and 2 readings separated by spaces, in the order of "
        "the bill: electricity T1, electricity T2; e.g.: 1234567 00000 00000 or labelled: "
        "1234567 день 00000 ночь 00000.",
    ),
    (
        "empty",
        Rejected(reason=Reason.EMPTY),
        "Сообщение пустое. Отправьте заново. Формат: УИН и показания через пробел, например: "
        "1234567 05123 02010.",
        "The message is empty. Please resend. Format: the UIN and readings separated by "
        "spaces, e.g.: 1234567 05123 02010.",
    ),
    (  # said once (Telegram words it its own way, with buttons: chat_replies "jump")
        "jump",
        NeedsReview(reason=Reason.IMPLAUSIBLE_JUMP),
        "Показания получены и переданы на проверку. Расход намного больше обычного, "
        "присылать показания заново не нужно. Номер обращения 42.",
        "Readings received and sent for review. The consumption is far above usual; no need "
        "to resend. Request No. 42.",
    ),
]


@pytest.mark.parametrize(
    ("outcome", "russian", "english"), [pytest.param(*r[1:], id=r[0]) for r in REPLIES]
)
def test_whole_replies(
    outcome: Accepted | NeedsReview | Rejected, russian: str, english: str
) -> None:
    assert render(outcome, 42, "1234567", "ru") == russian
    assert render(outcome, 42, "1234567", "en") == english
    assert render(outcome, 42, "1234567", "de") == russian


RECEIVED = "Сообщение получено, ответ придёт позже."


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        pytest.param("ru", RECEIVED, id="ru"),
        pytest.param("en", "Message received; the answer will follow.", id="en"),
        pytest.param(None, RECEIVED, id="none"),
        pytest.param("de", RECEIVED, id="unsupported"),
    ],
)
def test_pending_reply(language: str | None, reply: str) -> None:
    assert pending_reply(language) == reply


def test_catalogues_are_read_once_per_language() -> None:
    assert i18n.translations("ru") is i18n.translations("ru")
    assert i18n.translations("xx") is i18n.translations(None) is i18n.translations("ru")
    assert i18n.translations("en") is not i18n.translations("ru")


def test_a_review_problem_reads_in_the_reviewers_language() -> None:
    problem = NeedsValues(N_("no account with UIN %(uin)s"), uin="7654321")
    assert str(problem) == "no account with UIN 7654321"  # the API's error
    assert problem.text(i18n.translations("ru")) == "лицевого счёта с УИН 7654321 нет"
    assert problem.text(i18n.translations("en")) == str(problem)
