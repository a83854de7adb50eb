"""What a route takes from its path and query, validated at the edge as pydantic models
(``gateway.http.edge.validated``): ids are what an id column holds, days lie in a range
date arithmetic can leave (a day six months before ``0001-01-01`` does not exist)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

# a stored row's id: a positive signed 64-bit integer
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class MessagePath(BaseModel):
    """``/.../{id}/...`` of a message: an id outside 1..2^63-1 names no message (404)."""

    id: Id


class AsOf(BaseModel):
    as_of: Day | None = None


class DayRange(BaseModel):
    since: Day | None = None
    until: Day | None = None


class FormCorrection(BaseModel):
    """One corrected reading of the staff review form (``meter-i``, ``zone-i``, ``value-i``)."""

    meter: str = Field(min_length=1, max_length=100)
    zone: int = Field(ge=1, le=3)
    value: str = Field(min_length=1, max_length=100)
