"""The phone dialogue's steps on their own (``gateway.domain.voice``): what the calls in
``tests/channels/test_voice_twilio.py`` do not reach quickly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from gateway.domain.calls import CallState, Context, Prompt, Say
from gateway.domain.model import AccountView, HistoryPoint, Register
from gateway.domain.rules import Rules
from gateway.domain.voice import advance, start, value_of

DAY = date(2026, 11, 20)
REGISTER = Register(1, "E-1", 1, "electricity", 1, 1, 5, 2,
                    history=(HistoryPoint(date(2026, 10, 20), Decimal("100")),))  # fmt: skip
ACCOUNT = AccountView("1234567", "open", 1, (REGISTER,))


def context(**changes: object) -> Context:
    return replace(Context(ACCOUNT, (), DAY, Rules()), **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "value"),
    [("5123", "5123"), ("0512*75", "0512.75"), ("*5", "0.5"), ("12*", "12"), ("", None),
     ("1*2*3", None), ("*", None), ("12#", None)],
)  # fmt: skip
def test_the_star_is_the_decimal_separator(typed: str, value: str | None) -> None:
    assert value_of(typed) == value


def test_three_silences_end_the_call() -> None:
    state = CallState(phase="uin")
    for _ in range(2):
        turn = advance(state, None, context())
        assert turn.prompt is not None and turn.prompt.gather == "number"
        state = turn.state
    end = advance(state, None, context()).prompt
    assert end == Prompt((Say("ru", "Мы не услышали ответа. Позвоните, пожалуйста, ещё раз. "
                                    "До свидания."),))  # fmt: skip


def test_a_register_is_asked_three_times_at_most() -> None:
    state = CallState(phase="reading", uin="1234567")
    for typed in ("1234567", "12*345"):  # longer than the meter; too many decimals
        turn = advance(state, typed, context())
        assert turn.prompt is not None and turn.prompt.gather == "number", turn
        state = turn.state
    end = advance(state, "1**2", context()).prompt
    assert end is not None and end.gather is None
    assert "Слишком много попыток" in end.say[0].text


def test_a_number_guessing_uins_is_refused_without_a_lookup() -> None:
    turn = advance(CallState(phase="uin"), "1234567", context(guessing=True))
    assert turn.prompt is not None and turn.prompt.gather is None
    assert turn.state.uin is None and "через час" in turn.prompt.say[0].text


def test_the_call_state_and_prompts_survive_their_json() -> None:
    turn = start()
    assert turn.prompt is not None
    assert Prompt.of_json(turn.prompt.as_json()) == turn.prompt
    state = CallState(phase="jump", uin="1", values=("5", "6*1"), jumps=(1,))
    assert CallState.of_json(state.as_json()) == state
