"""The configuration turned into each channel's own settings (channels never read the
configuration themselves): part of the composition root, ``gateway.bootstrap``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from channels.email import out as email_out
from channels.email import smtp as email_smtp
from channels.email.imap_session import ImapSettings
from channels.sms import generic, twilio
from channels.sms.provider import SmsProvider
from gateway.config import Config, ConfigError
from gateway.domain.model import Register
from gateway.http.form import WebSettings
from gateway.service.forms import registers_of
from gateway.service.receive import Clock
from storage.db import Database

if TYPE_CHECKING:
    from channels import telegram


def telegram_settings(config: Config) -> telegram.TelegramSettings | None:
    """The bot's settings; None when it is off (no token and nothing else configured)."""
    c = config.telegram
    token, mode, secret = c.token, c.mode, c.webhook_secret
    if not token:
        if mode == "polling" or secret:
            raise ConfigError("telegram.token is empty but the Telegram bot is configured")
        return None
    if mode == "webhook" and not secret:
        raise ConfigError("telegram.webhook_secret is required with telegram.mode = webhook")
    from channels import telegram  # aiogram: only when the bot is on (see bootstrap)

    return telegram.TelegramSettings(token, mode, c.api_base, secret)


def sms_providers(config: Config) -> tuple[SmsProvider, ...]:
    """Every SMS provider, each with the settings of its own section (``sms.<provider>``);
    one that is not configured answers its webhook with 503."""
    return (twilio.Twilio(twilio_settings(config)), generic.Generic(generic_sms_settings(config)))


def twilio_settings(config: Config) -> twilio.TwilioSettings:
    c = config.sms.twilio
    return twilio.TwilioSettings(auth_token=c.auth_token, public_url=c.public_url)


def generic_sms_settings(config: Config) -> generic.GenericSettings:
    c = config.sms.generic
    return generic.GenericSettings(secret=c.secret, send_url=c.send_url)


def web_settings(config: Config) -> WebSettings:
    return WebSettings(rate_limit_per_hour=config.web.rate_limit_per_hour)


def form_registers(
    db: Database, config: Config, clock: Clock
) -> Callable[[str], Awaitable[tuple[Register, ...] | None]]:
    async def registers(uin: str) -> tuple[Register, ...] | None:
        return await registers_of(db.uow, uin, clock(), config.rules)

    return registers


def own_addresses(config: Config) -> tuple[str, ...]:
    return tuple(email_smtp.own_addresses(config.smtp.recipients, config.smtp_out.sender))


def smtp_settings(config: Config) -> email_smtp.SmtpSettings:
    c = config.smtp
    return email_smtp.SmtpSettings(
        host=c.host,
        port=c.port,
        recipients=tuple(c.recipients),
        max_size=c.max_size,
        own=own_addresses(config),
        max_sessions=c.max_sessions,
    )


def imap_settings(config: Config) -> ImapSettings:
    c = config.imap
    return ImapSettings(
        host=c.host,
        port=c.port,
        ssl=c.ssl,
        user=c.user,
        password=c.password,
        folder=c.folder or "INBOX",
        processed_folder=c.processed_folder,
        poll_seconds=float(c.poll_seconds),
        max_size=config.smtp.max_size,
    )


def smarthost(config: Config) -> email_out.Smarthost:
    c = config.smtp_out
    return email_out.Smarthost(
        host=c.host,
        port=c.port,
        starttls=c.starttls,
        user=c.user,
        password=c.password,
        sender=c.sender,
    )
