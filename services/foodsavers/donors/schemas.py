from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class NewDonor(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    kind: str
    address: str


class DonorOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str
    address: str
    created_at: datetime
