"""The phone line's values (docs/channels.md, "Phone calls"): a call and where its dialogue
is, what the provider posts for one step, what to say next. Pure; the steps themselves are
``gateway.domain.voice``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from gateway.domain.model import AccountView
from gateway.domain.rules import Rules

Phase = Literal["language", "choose", "uin", "reading", "confirm", "jump", "submitted"]
Gather = Literal["key", "number"]  # one key (a menu) or digits up to the hash key


@dataclass(frozen=True)
class Say:
    language: str
    text: str


@dataclass(frozen=True)
class Prompt:
    """What to say; then wait for a key, for a number, or (``gather`` None) hang up."""

    say: tuple[Say, ...]
    gather: Gather | None = None

    def as_json(self) -> dict[str, Any]:
        return {"say": [[s.language, s.text] for s in self.say], "gather": self.gather}

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> Prompt:
        return cls(tuple(Say(lang, words) for lang, words in data["say"]), data["gather"])


@dataclass(frozen=True)
class CallState:
    phase: Phase = "language"
    language: str = "ru"
    uin: str | None = None
    verified: bool = False  # the caller's number is a verified contact of the account
    index: int = 0  # the register being asked for, in bill order
    values: tuple[str, ...] = ()  # the confirmed entries, as typed ("3127*5")
    pending: str = ""  # the entry being read back
    tries: int = 0
    wrong_uins: int = 0
    silences: int = 0
    jumps: tuple[int, ...] = ()  # registers whose far-above-usual reading was confirmed

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> CallState:
        return cls(**{**data, "values": tuple(data["values"]), "jumps": tuple(data["jumps"])})


@dataclass(frozen=True)
class Context:
    account: AccountView | None  # of the state's UIN, or of the UIN just entered
    verified: tuple[str, ...]  # the UINs the caller's number is a verified contact of
    day: date  # the supplier's local day
    rules: Rules
    guessing: bool = False  # the number has typed unknown UINs too often this hour


@dataclass(frozen=True)
class Submission:
    """The call's readings as one message: ``UIN value value ...`` in bill order."""

    text: str
    language: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    state: CallState
    prompt: Prompt | None = None  # None: ``submission`` goes to the receive use case
    submission: Submission | None = None


@dataclass(frozen=True)
class Call:
    """A call as stored: who called, where its dialogue is, whether it ended."""

    sid: str
    caller: str
    called: str
    state: CallState
    ended: bool = False


@dataclass(frozen=True)
class CallStep:
    """One request of the provider about a call: step ``step`` (0: the call comes in), the
    keys pressed (None: the prompt timed out)."""

    sid: str
    caller: str
    called: str = ""
    step: int = 0
    digits: str | None = None
