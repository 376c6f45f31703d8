"""What the plans API accepts and returns. Dates are Brussels calendar days (ISO), times UTC; baselines,
targets and values are decimal strings. Kinds, statuses, levels and feeds are the English codes of
plans/rules.py, each answered with its Dutch label beside it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import msgspec
from msgspec import UNSET, UnsetType


class PartyIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str = ""
    """Required unless `organisation_id` names a registered organisation (its name is taken then)."""
    role: str = ""
    organisation_id: uuid.UUID | None = None


class DraftPlan(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    title: str
    starts_on: date
    ends_on: date
    summary: str = ""
    municipalities: list[str] = msgspec.field(default_factory=list)
    """Names or NIS codes; stored and answered as NIS codes (with their names)."""
    parties: list[PartyIn] = msgspec.field(default_factory=list)


class PlanChanges(msgspec.Struct, forbid_unknown_fields=True):
    """PATCH: only the fields given change; `parties` and `municipalities` are replaced as a whole. Parties,
    period and municipalities only while the plan is a draft or being negotiated."""

    title: str | UnsetType = UNSET
    summary: str | UnsetType = UNSET
    starts_on: date | UnsetType = UNSET
    ends_on: date | UnsetType = UNSET
    municipalities: list[str] | UnsetType = UNSET
    parties: list[PartyIn] | UnsetType = UNSET


class StatusChange(msgspec.Struct, forbid_unknown_fields=True):
    to: str
    reasons: str = ""


class TargetIn(msgspec.Struct, forbid_unknown_fields=True):
    value: Decimal


class IndicatorIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    unit: str
    baseline: Decimal | None = None
    feed: str = "entered"
    rule: str | None = None
    targets: dict[int, Decimal] = msgspec.field(default_factory=dict)
    """{year: target}, only in a whole framework; one by one through PUT …/targets/{year}."""


class IndicatorChanges(msgspec.Struct, forbid_unknown_fields=True):
    name: str | UnsetType = UNSET
    unit: str | UnsetType = UNSET
    baseline: Decimal | None | UnsetType = UNSET
    feed: str | UnsetType = UNSET
    rule: str | None | UnsetType = UNSET


class ActionIn(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    code: str | None = None
    """"1.1"; made from the objective's code and the action's place when left out."""
    indicators: list[IndicatorIn] = msgspec.field(default_factory=list)


class ObjectiveIn(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    code: str | None = None
    level: str | None = None
    """policy (agreement), strategic or operational (multi-year plan); left out: the only one its place allows."""
    parent_id: uuid.UUID | None = None
    """Only when adding one objective: the strategic objective an operational one belongs to."""
    remarks: str = ""
    objectives: list[ObjectiveIn] = msgspec.field(default_factory=list)
    """In a whole framework: the operational objectives under a strategic one."""
    actions: list[ActionIn] = msgspec.field(default_factory=list)


class FrameworkIn(msgspec.Struct, forbid_unknown_fields=True):
    objectives: list[ObjectiveIn]


class PartyOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    role: str
    organisation_id: uuid.UUID | None


class MunicipalityOut(msgspec.Struct):
    code: str
    name: str


class DocumentOut(msgspec.Struct):
    id: uuid.UUID
    kind: str
    kind_label: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class TargetOut(msgspec.Struct):
    year: int
    value: Decimal


class IndicatorOut(msgspec.Struct):
    id: uuid.UUID
    plan_id: uuid.UUID
    action_id: uuid.UUID
    name: str
    unit: str
    baseline: Decimal | None
    feed: str
    feed_label: str
    rule: str | None
    rule_label: str | None
    position: int
    targets: list[TargetOut]
    version: int


class ActionOut(msgspec.Struct):
    id: uuid.UUID
    objective_id: uuid.UUID
    code: str
    title: str
    position: int
    indicators: list[IndicatorOut]


class ObjectiveOut(msgspec.Struct):
    id: uuid.UUID
    parent_id: uuid.UUID | None
    level: str
    level_label: str
    code: str
    title: str
    remarks: str
    position: int
    objectives: list[ObjectiveOut]
    actions: list[ActionOut]


class PlanSummary(msgspec.Struct):
    id: uuid.UUID
    kind: str
    kind_label: str
    title: str
    status: str
    status_label: str
    starts_on: date
    ends_on: date
    municipalities: list[MunicipalityOut]
    version: int


class PlanOut(msgspec.Struct):
    id: uuid.UUID
    kind: str
    kind_label: str
    title: str
    summary: str
    status: str
    status_label: str
    allowed_moves: list[str]
    starts_on: date
    ends_on: date
    municipalities: list[MunicipalityOut]
    parties: list[PartyOut]
    documents: list[DocumentOut]
    objectives: list[ObjectiveOut]
    created_by: str
    created_at: datetime
    version: int


class PlanPage(msgspec.Struct):
    items: list[PlanSummary]
    next_cursor: str | None
