"""What the Telegram bot says besides the replies to readings, Russian first. Kept as
``{"ru": ..., "en": ...}`` tables so they can move to the message catalogue as they are."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.domain.chats import HistoryLine
from gateway.domain.model import Reason, Status, StoredMessage, plain

# button actions (the channel turns them into callback data "<action>:<argument>")
CONFIRM, FIX, CHOOSE = "confirm", "fix", "choose"

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "start": "Здравствуйте! Пришлите показания одним сообщением: УИН (номер лицевого счёта "
        "из квитанции) и показания через пробел, по порядку квитанции. Например: "
        "1234567 05123 02010\n\nЧтобы не писать УИН каждый раз, привяжите счёт: /link УИН. "
        "Подробнее: /help",
        "help": "Команды:\n/link УИН — привязать лицевой счёт (бот спросит предыдущее показание "
        "из квитанции)\n/unlink УИН — отвязать счёт, /unlink — отвязать все\n/history — "
        "последние показания привязанных счетов\n\nПоказания: УИН и показания через пробел, "
        "например 1234567 05123 02010. С привязанным счётом УИН можно не писать. Можно "
        "приложить фото счётчика.",
        "link_usage": "Укажите УИН: /link 1234567",
        "link_ask": "Чтобы привязать счёт {uin}, пришлите предыдущее показание из квитанции "
        "по этому счёту (любого счётчика), только число.",
        "link_ok": "Счёт {uin} привязан. Теперь показания можно присылать без УИН.",
        "link_wrong": "Не совпадает с квитанцией. Осталось попыток сегодня: {left}.",
        "link_locked": "Слишком много неудачных попыток. Привязать счёт можно будет завтра.",
        "unlink_one": "Счёт {uin} отвязан.",
        "unlink_all": "Отвязано счетов: {n}.",
        "unlink_none": "Нет привязанных счетов.",
        "history_none": "Нет привязанных счетов. Привяжите счёт: /link УИН",
        "history_empty": "По привязанным счетам ещё нет принятых показаний.",
        "history_title": "Последние показания:",
        "consumption": "расход",
        "choose": "К какому счёту относятся показания?",
        "choice_gone": "Это сообщение уже обработано.",
        "confirm_yes": "Да, верно",
        "confirm_fix": "Исправить",
        "confirmed": "Спасибо, специалист увидит, что вы подтвердили показания.",
        "fix_ask": "Пришлите исправленные показания.",
        "not_found": "Сообщение не найдено.",
        "reminder": "Напоминание: передайте показания по счёту {uins} до {cutoff} числа.",
    },
    "en": {
        "start": "Hello! Send your readings in one message: the UIN (the account number on "
        "the bill) and the readings separated by spaces, in the order of the bill. For "
        "example: 1234567 05123 02010\n\nTo skip the UIN next time, link the account: "
        "/link UIN. More: /help",
        "help": "Commands:\n/link UIN: link an account (the bot asks for the previous "
        "reading on the bill)\n/unlink UIN: unlink it, /unlink: unlink all\n/history: the "
        "last readings of the linked accounts\n\nReadings: the UIN and the readings separated "
        "by spaces, e.g. 1234567 05123 02010. With a linked account the UIN may be omitted. "
        "You may attach a photo of the meter.",
        "link_usage": "Please give the UIN: /link 1234567",
        "link_ask": "To link the account {uin}, send the previous reading printed on its bill "
        "(of any meter), the number only.",
        "link_ok": "The account {uin} is linked. You may now send readings without the UIN.",
        "link_wrong": "That does not match the bill. Attempts left today: {left}.",
        "link_locked": "Too many failed attempts. You can link an account again tomorrow.",
        "unlink_one": "The account {uin} is unlinked.",
        "unlink_all": "Accounts unlinked: {n}.",
        "unlink_none": "No accounts are linked.",
        "history_none": "No accounts are linked. Link one: /link UIN",
        "history_empty": "No accepted readings for the linked accounts yet.",
        "history_title": "Last readings:",
        "consumption": "consumption",
        "choose": "Which account are these readings for?",
        "choice_gone": "This message has already been handled.",
        "confirm_yes": "Yes, correct",
        "confirm_fix": "Correct it",
        "confirmed": "Thank you, a specialist will see that you confirmed the readings.",
        "fix_ask": "Please send the corrected readings.",
        "not_found": "Message not found.",
        "reminder": "Reminder: please send the readings of the account {uins} by day {cutoff} "
        "of the month.",
    },
}


def text(language: str, key: str, **fields: object) -> str:
    table = TEXTS.get(language, TEXTS["ru"])
    return table[key].format(**fields)


def history(language: str, lines: list[HistoryLine]) -> str:
    """One line per reading: account, meter and zone, date, value and consumption."""
    t = TEXTS.get(language, TEXTS["ru"])
    out = [t["history_title"]]
    for line in lines:
        zone = f" T{line.zone}" if line.zone > 1 else ""
        used = f", {t['consumption']} {plain(line.consumption)}" if line.consumption else ""
        day = line.taken_on.strftime("%d.%m.%Y")
        out.append(f"{line.uin} {line.meter}{zone}: {day} {plain(line.value)}{used}")
    return "\n".join(out)


def button(language: str, key: str, action: str, argument: object) -> dict[str, str]:
    return {"text": text(language, key), "data": f"{action}:{argument}"}


def review_keyboard(message: StoredMessage) -> Mapping[str, Any]:
    """What the Telegram transport adds to a reply: "yes, correct" / "correct it" on a
    reading that went to review for an implausible jump."""
    if message.status != Status.REVIEW or message.reason != Reason.IMPLAUSIBLE_JUMP:
        return {}
    lang = message.language or "ru"
    return {
        "buttons": [[button(lang, "confirm_yes", CONFIRM, message.id),
                     button(lang, "confirm_fix", FIX, message.id)]]
    }  # fmt: skip
