from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class RegisterOrganisation(msgspec.Struct, forbid_unknown_fields=True):
    enterprise_number: str
    name: str = msgspec.field()
    kind: str
    municipality: str


class OrganisationOut(msgspec.Struct):
    id: uuid.UUID
    enterprise_number: str
    name: str
    kind: str
    municipality: str
    created_at: datetime


class OrganisationPage(msgspec.Struct):
    items: list[OrganisationOut]
    next_cursor: str | None
