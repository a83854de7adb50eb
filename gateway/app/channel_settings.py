"""The configuration turned into each channel's own settings (channels never read the
configuration themselves): part of the composition root, ``gateway.app.factory``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from channels.email import out as email_out
from channels.email import smtp as email_smtp
from channels.email.imap_session import ImapSettings
from channels.sms import generic, twilio
from channels.sms.provider import SmsProvider
from channels.voice.twilio import VoiceSettings
from gateway.config import Config, ConfigError
from gateway.domain.model import Register
from gateway.http.form import WebSettings
from gateway.service import ocr
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
    _http_url("telegram.api_base", c.api_base)
    from aiogram.utils.token import TokenValidationError, validate_token

    from channels import telegram  # aiogram: only when the bot is on (see gateway.app.factory)

    try:
        validate_token(token)
    except TokenValidationError:
        raise ConfigError("telegram.token is not a bot token (from @BotFather)") from None
    return telegram.TelegramSettings(token, mode, c.api_base, secret)


def check_channels(config: Config) -> None:
    """``run``'s check before anything starts: raises ``ConfigError`` naming the first key
    that stops a configured channel from working (an app built without it answers that
    channel's webhook with 503)."""
    telegram_settings(config)
    sms = config.sms
    if sms.twilio.public_url:
        _required("sms.twilio.auth_token", sms.twilio.auth_token, "sms.twilio.public_url is set")
        _http_url("sms.twilio.public_url", sms.twilio.public_url)
    voice_settings(config)
    if sms.generic.send_url:
        # replies are signed with it, and without it no message comes in to reply to
        _required("sms.generic.secret", sms.generic.secret, "sms.generic.send_url is set")
        _http_url("sms.generic.send_url", sms.generic.send_url)
    if config.smtp.enabled:
        smtp_settings(config)
    if config.imap.host:
        imap_settings(config)
    if config.ocr.enabled and not ocr.available():
        raise ConfigError("ocr.enabled needs the ocr extra: pip install 'meter-gateway[ocr]'")


def _required(key: str, value: str, because: str) -> None:
    if not value:
        raise ConfigError(f"{key} is required when {because}")


def _http_url(key: str, value: str) -> None:
    try:
        url = urlsplit(value)
        good = url.scheme in ("http", "https") and bool(url.hostname)
    except ValueError:  # a malformed address, an unclosed IPv6 bracket
        good = False
    if not good:
        raise ConfigError(f"{key} must be an http(s) URL, got {value!r}")


def sms_providers(config: Config) -> tuple[SmsProvider, ...]:
    """Every SMS provider, each with the settings of its own section (``sms.<provider>``);
    one that is not configured answers its webhook with 503."""
    return (twilio.Twilio(twilio_settings(config)), generic.Generic(generic_sms_settings(config)))


def twilio_settings(config: Config) -> twilio.TwilioSettings:
    c = config.sms.twilio
    return twilio.TwilioSettings(auth_token=c.auth_token, public_url=c.public_url)


def voice_settings(config: Config) -> VoiceSettings:
    """The phone line's: its own auth token, else the SMS webhook's (one Twilio account)."""
    c = config.voice.twilio
    token = c.auth_token or config.sms.twilio.auth_token
    if c.enabled:
        _required(
            "voice.twilio.auth_token",
            token,
            "voice.twilio.enabled is true and sms.twilio.auth_token is empty",
        )
        if c.public_url:
            _http_url("voice.twilio.public_url", c.public_url)
    return VoiceSettings(enabled=c.enabled, auth_token=token, public_url=c.public_url)


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


def ocr_settings(config: Config) -> ocr.OcrSettings:
    c = config.ocr
    return ocr.OcrSettings(workers=c.workers, max_size=c.max_size, max_pixels=c.max_pixels)


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
    _required("imap.user", c.user, "imap.host is set")
    _required("imap.password", c.password, "imap.host is set")
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
