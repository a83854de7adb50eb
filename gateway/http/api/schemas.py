"""The bodies of the JSON API (``/api/v1``) as pydantic models: handlers build their answers
from these, and the OpenAPI document (``gateway.http.api.openapi``) is generated from them, so
the two cannot drift apart.

Decimal values travel as strings written as people write them ("104.25", "5123", "0": see
``gateway.domain.model.plain``), so nothing is lost to floating point. Models read the domain
records directly: ``Message.model_validate(record)``; serialise with ``dump(model)``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from gateway.domain.model import Channel, MessageRecord, Service, Status, plain, public_status
from gateway.domain.volumes import Method


def _plain(value: Any) -> Any:
    return plain(value) if isinstance(value, Decimal) else value


DecimalStr = Annotated[
    str,
    BeforeValidator(_plain),
    Field(
        pattern=r"^-?\d+(\.\d+)?$",
        description='a decimal as written: no exponent, no trailing zeros ("104.25", "5123")',
    ),
]
# an aware datetime as ``datetime.isoformat()`` writes it ("2026-11-20T09:00:00+00:00")
IsoDateTime = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Period = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
MessageStatus = Literal["accepted", "review", "rejected"]  # pending is shown as review
REASON = "a reason code (docs/messages.md: `no_uin`, `implausible_jump`, `processing`...) or null"


class Schema(BaseModel):
    """What every API body shares: built from domain records' attributes as well as dicts."""

    model_config = ConfigDict(from_attributes=True)


class Error(Schema):
    """Every 4xx/5xx answer of the API."""

    error: str = Field(description="what went wrong, for people")


class MessageReading(Schema):
    """A reading as part of the message it came in."""

    meter: str
    zone: int = Field(ge=1, le=3)
    value: DecimalStr
    consumption: DecimalStr | None = Field(description="since the previous accepted reading")
    period: Period
    status: Status


class Message(Schema):
    """An inbound message, what became of it and what was answered (docs/api.md)."""

    id: int
    channel: Channel
    external_id: str = Field(description="the channel's id of the message")
    sender: str
    status: MessageStatus
    reason: str | None = Field(description=REASON)
    readings: list[MessageReading]
    reply: str | None = Field(description="the text answered to the customer")
    received_at: IsoDateTime

    @model_validator(mode="before")
    @classmethod
    def _as_shown(cls, data: Any) -> Any:
        """A stored message as it leaves the gateway: ``pending`` (not decided yet) is shown
        as ``review`` with reason ``processing`` (``gateway.domain.model.public_status``)."""
        if isinstance(data, MessageRecord):
            status, reason = public_status(data.status, data.reason)
            return replace(data, status=status, reason=reason)
        return data


class Reading(Schema):
    """A stored reading of an account."""

    id: int
    meter: str
    zone: int = Field(ge=1, le=3)
    value: DecimalStr
    consumption: DecimalStr | None
    period: Period
    taken_on: date = Field(
        validation_alias=AliasChoices("taken_on", "date"),
        serialization_alias="date",
        description="the day the reading was taken",
    )
    status: Status
    reason: str | None = Field(description=REASON)
    source: str = Field(
        description="where it came from: a channel, an import, or an event (removal, "
        "installation, inspection, failure, recommissioning: docs/billing.md)"
    )
    message_id: int | None = Field(description="the message it came in, if any")


class Volume(Schema):
    """A closed period's billed volume of one register (the export's columns)."""

    uin: str
    meter: str
    zone: int = Field(ge=1, le=3)
    period: Period
    method: Method
    volume: DecimalStr
    correction: DecimalStr
    reading_start: DecimalStr | None
    reading_end: DecimalStr | None


class InspectionMeter(Schema):
    meter: str
    service: Service
    last_reading: date | None = Field(description="the last accepted reading, null if none")


class Inspection(Schema):
    """An open account with a meter unread for six months or more."""

    uin: str
    last_reading: date | None
    meters: list[InspectionMeter]


Item = TypeVar("Item", bound=BaseModel)


class ReviewItem(Message):
    """A message in review, with what a reviewer needs to decide it."""

    text: str = Field(description="the message exactly as received")
    uin: str | None = Field(description="the UIN the parser found")
    ambiguous: list[dict[str, Any]] = Field(
        description="for reason `ambiguous`: every value each reading can be"
    )


class CorrectedReading(Schema):
    meter: str
    zone: int = Field(default=1, ge=1, le=3)
    value: str = Field(description="the reading as a decimal string", min_length=1)


class ReviewAccept(Schema):
    """A correction or a reassignment; omit the body to accept the parse as it stands."""

    uin: str | None = Field(default=None, description="file the message under this UIN")
    readings: list[CorrectedReading] = Field(default_factory=list)


class ReviewReject(Schema):
    reason: str = Field(default="", description="the text for the customer (required)")


class Page(Schema, Generic[Item]):
    """One page of a list: ask again with ``cursor=next`` until it is null."""

    # in the schema of every Page[X] too (a parametrised class has no docstring of its own)
    model_config = ConfigDict(json_schema_extra={"description": __doc__})

    items: list[Item]
    next: str | None = Field(description="the cursor of the next page; null on the last")


def dump(model: BaseModel) -> Any:
    """The JSON value of a body: decimals as strings, dates ISO-8601, public field names."""
    return model.model_dump(mode="json", by_alias=True)
