"""The mail classes of issue 17 through group commit: a batch of emails (auto-generated
mail, two different mails under one Message-ID, a repeat) is decided exactly as each alone
would be, on both databases."""

from __future__ import annotations

from typing import Any

from channels.email.mime import to_inbound
from gateway.config import load_config
from gateway.domain.model import InboundMessage
from gateway.service.batch import BatchIntake
from gateway.service.receive import Intake
from tests.helpers import seed, uow_of
from tests.hostile.mail_gateway import mail
from tests.storage.test_batch import ACCOUNTS, ENV, HISTORY_, outcome, stored, wipe
from tests.storage.test_intake import NOW

OWN = ["readings@example.org"]


def corpus() -> list[InboundMessage]:
    """Each from its own sender: the hourly limit of this configuration (3) is not the
    subject here (a mail under a taken id is inserted after its batch, so it counts the
    batch's other mails of its sender as earlier ones)."""
    same = b"<same@broken.example>"

    def one(raw: bytes, envelope: str) -> InboundMessage:
        return to_inbound(raw, OWN, envelope_from=envelope)

    return [
        one(mail(msgid=same, sender=b"<a@example.net>"), "a@example.net"),
        one(mail(b"7654321 105,5 41,2", msgid=same, sender=b"<b@example.net>"), "b@example.net"),
        one(mail(msgid=same, sender=b"<a@example.net>"), "a@example.net"),  # the repeat
        one(mail(b"5550001 100", msgid=b"<bounce@x>", sender=b"<c@example.net>"), ""),
        one(
            mail(
                b"5550001 100",
                extra=b"Auto-Submitted: auto-replied\r\n",
                msgid=b"<v@x>",
                sender=b"<d@example.net>",
            ),
            "d@example.net",
        ),  # fmt: skip
        one(mail(b"5550001 100", sender=b"", msgid=b"<nofrom@x>"), "e@example.net"),
    ]


async def test_a_batch_of_hostile_mail_is_decided_as_each_alone(sessions: Any) -> None:
    await seed(sessions, ACCOUNTS, HISTORY_)
    config = load_config(environ=ENV)
    alone = Intake(uow_of(sessions), config.rules, config.language, lambda: NOW)
    one_by_one = [outcome(await alone.receive(m)) for m in corpus()]
    expected = await stored(sessions)
    await wipe(sessions)
    batch = BatchIntake(Intake(uow_of(sessions), config.rules, config.language, lambda: NOW))
    together = [outcome(r) for r in await batch.receive_batch(corpus())]
    assert together == one_by_one
    # the same rows; a mail under a taken id is stored after its batch, so ids differ in order
    assert sorted(await stored(sessions), key=repr) == sorted(expected, key=repr)
    assert [o[:3] for o in together] == [
        ("accepted", None, False),
        ("accepted", None, False),  # another mail under the same id
        ("accepted", None, True),  # the same mail again
        ("rejected", "auto_reply", False),
        ("rejected", "auto_reply", False),
        ("accepted", None, False),  # no From: filed under its envelope sender
    ]
