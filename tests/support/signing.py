"""Webhook signatures as the providers make them: the generic provider's HMAC-SHA256 of
the raw body (``X-Signature: sha256=<hex>``) and Twilio's own ``RequestValidator``."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from twilio.request_validator import RequestValidator


def signature(secret: str, raw: bytes | str) -> str:
    """The ``X-Signature`` value of ``raw`` signed with ``secret``."""
    body = raw.encode() if isinstance(raw, str) else raw
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_headers(secret: str, raw: bytes | str) -> dict[str, str]:
    return {"X-Signature": signature(secret, raw), "Content-Type": "application/json"}


def signed_sms(secret: str, external_id: str, sender: str, text: str) -> tuple[str, str]:
    """A generic-provider webhook body and its X-Signature header."""
    raw = json.dumps({"id": external_id, "from": sender, "text": text})
    return raw, signature(secret, raw)


def twilio_signature(token: str, url: str, form: Mapping[str, str]) -> str:
    """The ``X-Twilio-Signature`` Twilio's own library computes for ``form`` posted to
    ``url``."""
    return str(RequestValidator(token).compute_signature(url, dict(form)))
