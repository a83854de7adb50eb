"""Webhook signatures (issue 17, items 2 and 8): verified over the raw body before anything
is parsed, and exactly as strict as the provider: what Twilio's own ``RequestValidator``
accepts (the oracle here) is accepted, what it refuses is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

from aiohttp.test_utils import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from channels.sms.twilio import form_fields, twilio_valid
from tests.e2e.conftest import GENERIC_SECRET, TWILIO_TOKEN, TWILIO_URL
from tests.e2e.test_sms import messages
from tests.hostile.test_http_edge import FORM, client

__all__ = ["client"]

VALIDATOR = RequestValidator(TWILIO_TOKEN)
FIELDS = [
    ("MessageSid", "SM9001"),
    ("From", "+79990000001"),
    ("To", "+17377"),
    ("Body", "1234567 05123 02010"),
]


async def post_form(client: TestClient, body: bytes, signature: str, **headers: str):  # type: ignore[no-untyped-def]
    return await client.post(
        "/sms/twilio",
        data=body,
        headers={"Content-Type": FORM, "X-Twilio-Signature": signature, **headers},
    )


async def test_signatures_are_checked_before_the_body_is_parsed(client: TestClient) -> None:
    """Unsigned bodies no form parser could read get the signature's 403, not a parser's
    error text (or a 500)."""
    cases = [
        (b"Body=%FF%FE&From=\xff", FORM),
        (b"a=" + b"&a=" * 5000, FORM),  # more fields than any form has
        (b"\x00" * 100, "application/json"),
    ]
    for body, content_type in cases:
        resp = await client.post(
            "/sms/twilio",
            data=body,
            headers={"Content-Type": content_type, "X-Twilio-Signature": "x"},
        )
        assert resp.status == 403, body[:20]
        assert (await resp.json()) == {"error": "invalid X-Twilio-Signature"}
        signed = "sha256=" + hmac.new(b"wrong", body, hashlib.sha256).hexdigest()
        resp = await client.post("/sms/inbound", data=body, headers={"X-Signature": signed})
        assert (resp.status, await resp.json()) == (403, {"error": "invalid X-Signature"})
    assert await messages(client) == []


async def test_twilio_signed_over_the_url_with_its_default_port_is_accepted(
    client: TestClient,
) -> None:
    url = TWILIO_URL.replace("gateway.example.org", "gateway.example.org:443")
    signature = VALIDATOR.compute_signature(url, dict(FIELDS))
    assert VALIDATOR.validate(TWILIO_URL, dict(FIELDS), signature)  # the oracle accepts it
    resp = await post_form(client, urlencode(FIELDS).encode(), signature)
    assert resp.status == 200 and "Показания приняты" in await resp.text()


async def test_twilio_signed_over_a_repeated_identical_field_is_accepted(
    client: TestClient,
) -> None:
    fields = [*FIELDS, ("NumMedia", "0"), ("NumMedia", "0")]
    params = MultiDict(fields)
    signature = VALIDATOR.compute_signature(TWILIO_URL, params)
    assert VALIDATOR.validate(TWILIO_URL, params, signature)
    resp = await post_form(client, urlencode(fields).encode(), signature)
    assert resp.status == 200
    # what the oracle refuses stays refused: the duplicate value counted twice
    payload = TWILIO_URL + "".join(k + v for k, v in sorted(fields))
    twice = base64.b64encode(
        hmac.new(TWILIO_TOKEN.encode(), payload.encode(), hashlib.sha1).digest()
    ).decode()
    assert not VALIDATOR.validate(TWILIO_URL, params, twice)
    assert (await post_form(client, urlencode(fields).encode(), twice)).status == 403


async def test_twilio_hmac_sha256_settings_are_honoured(client: TestClient) -> None:
    settings_header = "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"
    signature = VALIDATOR.compute_signature(TWILIO_URL, dict(FIELDS), "HMAC_SHA256")
    headers = {"X-Twilio-Webhooks-Signature-Settings": settings_header}
    resp = await post_form(client, urlencode(FIELDS).encode(), signature, **headers)
    assert resp.status == 200
    unknown = {"X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_MD5"}
    assert (await post_form(client, urlencode(FIELDS).encode(), signature, **unknown)).status == 403


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
URLS = st.sampled_from(
    [
        "https://gw.example.org/sms/twilio",
        "https://gw.example.org:443/sms/twilio",
        "https://gw.example.org:8443/sms/twilio?x=1",
        "http://gw.example.org/sms/twilio",
        "http://gw.example.org:80/sms/twilio",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    url=URLS,
    signed_url=URLS,
    fields=st.lists(st.tuples(st.sampled_from(["Body", "From", "a", "A", "b"]), TEXT), max_size=6),
    algorithm=st.sampled_from(["HMAC_SHA1", "HMAC_SHA256"]),
    repeat=st.booleans(),
)
def test_twilio_verification_agrees_with_request_validator(
    url: str, signed_url: str, fields: list[tuple[str, str]], algorithm: str, repeat: bool
) -> None:
    """Over the raw urlencoded body, for any URL pair and fields: the gateway accepts
    exactly what ``RequestValidator.validate`` accepts."""
    sent = fields + fields[:1] if repeat else fields
    body = urlencode(sent).encode()
    parsed = form_fields(body, FORM, None)
    signature = VALIDATOR.compute_signature(signed_url, MultiDict(sent), algorithm)
    header = "" if algorithm == "HMAC_SHA1" else f"algorithm={algorithm}"
    headers = {"X-Twilio-Signature": signature, "X-Twilio-Webhooks-Signature-Settings": header}
    oracle = VALIDATOR.validate(url, MultiDict(sent), signature, algorithm)
    assert twilio_valid(url, parsed, TWILIO_TOKEN, headers) == oracle


def test_the_generic_signature_is_over_the_raw_bytes() -> None:
    """The generic provider signs the bytes it sends; the gateway's check takes them as
    they came (a re-serialised JSON would differ in spacing)."""
    from channels.sms.generic import hmac_signature

    body = b'{"id": "1",  "from": "+7"}'
    digest = hmac.new(GENERIC_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac_signature(body, GENERIC_SECRET) == f"sha256={digest}"
