"""The phone dialogue as a small state machine, pure (docs/channels.md, "Phone calls").

A call is a ``CallState``; each key press the provider posts (or the silence it reports)
moves it one ``Turn`` on: the next ``Prompt`` to speak, or, after the last register is
confirmed, the ``Submission`` that goes to the receive use case as one message. What the
service looks up for a step (the account of a UIN, the caller's verified accounts) comes in
a ``Context``. Nothing here reads a clock or a database.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateway.domain.calls import CallState, Context, Gather, Prompt, Say, Submission, Turn
from gateway.domain.model import AccountStatus, AccountView, Reason, Register, Status
from gateway.domain.validation import check_register
from gateway.domain.voice_texts import consumption_line, digits_spoken, register_name, rejection
from gateway.domain.voice_texts import say as text
from parsers import ParsedReading

MAX_WRONG_UINS = 3  # then the call ends politely
MAX_TRIES = 3  # entries of one register (a wrong format, a re-entry by 2), then the end
MAX_SILENCES = 3  # prompts in a row without an answer, then the end
ENGLISH = "2"  # pressed at the start
CONFIRM, REPEAT = "1", "2"
OTHER_ACCOUNT = "0"  # when the caller is asked which of her accounts
MAX_CHOICES = 9  # accounts offered by a key each; a number verified for more types the UIN


def start() -> Turn:
    """The greeting: Russian, and in English how to switch to English."""
    prompt = Prompt((Say("ru", text("ru", "greeting")), Say("en", "For English, press 2.")), "key")
    return Turn(CallState(), prompt)


def uin_to_load(state: CallState, digits: str | None, verified: tuple[str, ...]) -> str | None:
    """The account the next step needs to see, for the service to load."""
    if state.phase == "language":
        return verified[0] if len(verified) == 1 else None
    if state.phase == "choose":
        return _chosen(digits, verified)
    if state.phase == "uin":
        return digits or None
    return state.uin


def advance(state: CallState, digits: str | None, ctx: Context) -> Turn:
    """The call one step on, given what was pressed (None: nothing, the prompt timed out)."""
    if state.phase == "language":
        return _after_language(replace(state, language="en" if digits == ENGLISH else "ru"), ctx)
    if digits is None:
        if state.silences + 1 >= MAX_SILENCES:
            return _end(state, "silence")
        state = replace(state, silences=state.silences + 1)
        return Turn(state, question(state, ctx))
    state = replace(state, silences=0)
    if state.phase == "uin":
        return _uin(state, digits, ctx)
    if state.phase == "choose":
        return _choose(state, digits, ctx)
    if state.phase == "reading":
        return _reading(state, digits, ctx)
    if state.phase in ("confirm", "jump"):
        return _confirm(state, digits, ctx)
    return _end(state, "goodbye")


def question(state: CallState, ctx: Context) -> Prompt:
    """The question the state waits on, asked (again)."""
    lang = state.language
    if state.phase == "choose":
        lines = [text(lang, "choose", digits=digits_spoken(uin[-4:], lang), press=key)
                 for key, uin in enumerate(ctx.verified, 1)]  # fmt: skip
        return _prompt(lang, "key", *lines, text(lang, "other_account"))
    if state.phase == "uin" or ctx.account is None:
        return _prompt(lang, "number", text(lang, "ask_uin"))
    reg = ctx.account.registers[state.index]
    if state.phase == "reading":
        return _prompt(lang, "number", text(lang, "ask_reading", register=register_name(reg, lang)))
    if state.phase == "jump":
        return _prompt(lang, "key", text(lang, "jump"))
    spoken = digits_spoken(state.pending, lang)
    return _prompt(lang, "key", text(lang, "read_back", register=register_name(reg, lang),
                                      digits=spoken))  # fmt: skip


def outcome(
    state: CallState, ctx: Context, message_id: int, status: str, reason: str | None
) -> Prompt:
    """The end of the call: how the submitted message was decided. Only a verified caller
    hears figures (the consumption); others the reference number and what to do."""
    lang = state.language
    receipt = digits_spoken(str(message_id), lang)
    lines: list[str] = []
    if status == Status.ACCEPTED:
        lines.append(text(lang, "accepted", receipt=receipt))
        if state.verified and ctx.account is not None:
            for reg, typed in zip(ctx.account.registers, state.values, strict=False):
                _, used = _check(reg, typed, ctx)
                if used is not None:
                    lines.append(consumption_line(reg, used, lang))
    elif status == Status.REVIEW:
        key = "review_confirmed" if state.jumps else "review"
        lines.append(text(lang, key, receipt=receipt))
    else:
        lines.append(text(lang, "rejected", reason=rejection(reason, lang), receipt=receipt))
    lines.append(text(lang, "goodbye"))
    return _prompt(lang, None, *lines)


def value_of(typed: str) -> str | None:
    """The entry as a decimal with a dot (``*`` is the separator); None if it is none."""
    whole, _, fraction = typed.partition("*")
    if not typed or not (whole + fraction).isdigit() or "*" in fraction:
        return None
    return (whole or "0") + (f".{fraction}" if fraction else "")


def _after_language(state: CallState, ctx: Context) -> Turn:
    lang = state.language
    account = ctx.account
    if len(ctx.verified) == 1 and _usable(account):
        uin = ctx.verified[0]
        state = replace(state, phase="reading", uin=uin, verified=True)
        ending = digits_spoken(uin[-4:], lang)
        return Turn(state, _with(question(state, ctx), text(lang, "account", digits=ending)))
    several = 1 < len(ctx.verified) <= MAX_CHOICES
    state = replace(state, phase="choose" if several else "uin")
    return Turn(state, question(state, ctx))


def _chosen(digits: str | None, verified: tuple[str, ...]) -> str | None:
    """The account a key picks from the caller's verified ones (1 for the first)."""
    if digits is None or not digits.isdigit() or not 1 <= int(digits) <= len(verified):
        return None
    return verified[int(digits) - 1]


def _choose(state: CallState, digits: str, ctx: Context) -> Turn:
    """One of the caller's accounts by its key, or 0: another account, by its UIN."""
    if digits == OTHER_ACCOUNT:
        state = replace(state, phase="uin")
        return Turn(state, question(state, ctx))
    uin = _chosen(digits, ctx.verified)
    if uin is None or not _usable(ctx.account):
        return _unexpected(state, ctx)
    state = replace(state, phase="reading", uin=uin, verified=True)
    return Turn(state, question(state, ctx))


def _unexpected(state: CallState, ctx: Context) -> Turn:
    """A key the question does not offer: asked again, while tries last."""
    if state.tries + 1 >= MAX_TRIES:
        return _end(state, "tries")
    state = replace(state, tries=state.tries + 1)
    return Turn(state, question(state, ctx))


def _uin(state: CallState, digits: str, ctx: Context) -> Turn:
    if ctx.guessing:
        return _end(state, "guessing")
    if not _usable(ctx.account):
        wrong = state.wrong_uins + 1
        if wrong >= MAX_WRONG_UINS:
            return _end(replace(state, wrong_uins=wrong), "uin_limit")
        state = replace(state, wrong_uins=wrong)
        return Turn(state, _prompt(state.language, "number", text(state.language, "wrong_uin")))
    state = replace(state, phase="reading", uin=digits, verified=digits in ctx.verified)
    return Turn(state, question(state, ctx))


def _reading(state: CallState, digits: str, ctx: Context) -> Turn:
    assert ctx.account is not None
    reg = ctx.account.registers[state.index]
    problem = _problem(state, reg, digits, ctx)
    if problem is None:
        state = replace(state, phase="confirm", pending=digits)
        return Turn(state, question(state, ctx))
    return _again(state, ctx, problem)


def _confirm(state: CallState, digits: str, ctx: Context) -> Turn:
    assert ctx.account is not None
    if digits == REPEAT:
        return _again(replace(state, phase="reading"), ctx, None)
    if digits != CONFIRM:
        return _unexpected(state, ctx)
    reg = ctx.account.registers[state.index]
    jumps = state.jumps
    if state.phase == "confirm" and _check(reg, state.pending, ctx)[0] is Reason.IMPLAUSIBLE_JUMP:
        state = replace(state, phase="jump")
        return Turn(state, question(state, ctx))
    if state.phase == "jump":
        jumps = (*jumps, state.index)
    values = (*state.values, state.pending)
    state = replace(state, values=values, jumps=jumps, pending="", tries=0, index=state.index + 1)
    if state.index < len(ctx.account.registers):
        state = replace(state, phase="reading")
        return Turn(state, question(state, ctx))
    return Turn(replace(state, phase="submitted"), submission=_submission(state, ctx))


def _again(state: CallState, ctx: Context, problem: str | None) -> Turn:
    """The register asked for again (after ``problem``, said first), while tries last."""
    tries = state.tries + 1
    if tries >= MAX_TRIES:
        return _end(state, "tries")
    state = replace(state, phase="reading", pending="", tries=tries)
    prompt = question(state, ctx)
    return Turn(state, _with(prompt, problem) if problem else prompt)


def _problem(state: CallState, reg: Register, typed: str, ctx: Context) -> str | None:
    """What is wrong with an entry, said at once; None when it is read back. A lower reading
    than the last is said only to a verified caller: to anyone else, answers to entry after
    entry would tell the stored figure (the decider judges their whole message once)."""
    lang = state.language
    reason, _ = _check(reg, typed, ctx)
    if reason is Reason.NOT_A_NUMBER:
        return text(lang, "not_a_number")
    if reason is Reason.TOO_MANY_DIGITS:
        return text(lang, "too_many_digits", digits=reg.digits)
    if reason is Reason.TOO_MANY_DECIMALS:
        if not reg.decimals:
            return text(lang, "whole_numbers")
        return text(lang, "too_many_decimals", decimals=reg.decimals)
    if reason is Reason.DECREASING and state.verified:
        return text(lang, "decreasing")
    return None


def _check(reg: Register, typed: str, ctx: Context) -> tuple[Reason | None, Decimal | None]:
    """The register's rules on one entry: the reason it fails (if any), its consumption."""
    value = value_of(typed)
    if value is None:
        return Reason.NOT_A_NUMBER, None
    result = check_register(reg, ParsedReading(None, value), ctx.day, ctx.rules)
    return result.reason, result.consumption


def _submission(state: CallState, ctx: Context) -> Submission:
    values = [value_of(v) or "" for v in state.values]
    meta: dict[str, Any] = {"voice": {"entered": list(state.values)}}
    if state.jumps:
        meta["confirmed_by_customer"] = True
    return Submission(f"{state.uin} {' '.join(values)}", state.language, meta)


def _usable(account: AccountView | None) -> bool:
    return account is not None and account.status == AccountStatus.OPEN and bool(account.registers)


def _end(state: CallState, key: str) -> Turn:
    return Turn(state, _prompt(state.language, None, text(state.language, key)))


def _prompt(lang: str, gather: Gather | None, *lines: str) -> Prompt:
    return Prompt(tuple(Say(lang, line) for line in lines), gather)


def _with(prompt: Prompt, first: str) -> Prompt:
    """``prompt`` with ``first`` said before it."""
    return Prompt((Say(prompt.say[0].language, first), *prompt.say), prompt.gather)
