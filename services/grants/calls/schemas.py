from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class DraftCall(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    rules_text: str = ""


class CallOut(msgspec.Struct):
    id: uuid.UUID
    title: str
    status: str
    rules_text: str
    created_at: datetime
    version: int
