"""Every query of the public catalogue and the municipalities' fact sheets, each from the tenant-scoped base
statement.

The search runs on the catalogue's own index alone (catalogue/models.py: Dutch stemming, accents folded, GIN
indexes PostgreSQL can use, which it cannot under `organisations`' Row-Level Security, and the facets a search
filters and counts by). A supplier is an organisation with at least one offering, or a social-economy enterprise
(by kind, or by a recognition valid today): the counts per rubric need no such check, since an organisation with
an offering is a supplier. Only the page's organisations and their matching offerings are read from
`organisations` and `offerings`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, Text, cast, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import noload

from services.partners.catalogue.models import CatalogueEntry
from services.partners.facts.models import FoodDelivery, GrantAward
from services.partners.organisations.models import Offering, Organisation, StaffFigure
from services.partners.organisations.rules import RUBRICS
from services.partners.plans.models import Plan
from services.partners.plans.repository import PlanRepository
from services.partners.plans.rules import OPEN_TERMS
from shared.db import TenantRepository

CONFIG: ColumnElement[object] = literal_column("'regie_dutch'::regconfig")
_LAST_WORD = re.compile(r"(?:^|\s)(\w+)$")


@dataclass(frozen=True)
class Filters:
    q: str = ""
    rubrics: tuple[str, ...] = ()
    kind: str | None = None
    municipality: str | None = None
    """NIS code"""


@dataclass(frozen=True)
class Found:
    organisations: list[Organisation]
    matching: dict[uuid.UUID, list[Offering]]
    counts: dict[str, int]
    total: int



def text_query(q: str) -> ColumnElement[object] | None:
    """The tsquery of what a person typed (websearch syntax: "quotes", or, -not), the last word also as a
    prefix ("fiets" finds "fietsherstel") while it is being typed. The prefix word is reduced to letters and
    digits, so nothing typed can become tsquery syntax."""
    q = q.strip()
    if not q:
        return None
    whole = func.websearch_to_tsquery(CONFIG, q)
    match = _LAST_WORD.search(q)
    if match is None or q.count('"') % 2 or q[: match.start(1)].rstrip().lower().endswith((" or", "-")) \
            or q[: match.start(1)].rstrip().lower() == "or":
        return once(whole)
    word = match.group(1)
    prefix = func.to_tsquery(CONFIG, word + ":*")
    rest = q[: match.start(1)].strip()
    typed = func.websearch_to_tsquery(CONFIG, word).op("||")(prefix)
    return once(typed if not rest else func.websearch_to_tsquery(CONFIG, rest).op("&&")(typed))


def once(query: ColumnElement[object]) -> ColumnElement[object]:
    """The tsquery as a scalar subquery: computed once per statement (an InitPlan), where the expression itself,
    built from bound parameters in a generic plan, would be parsed again for every row."""
    return select(query).scalar_subquery()


def offer(rubric: str, kind: str) -> str:
    """An offering as the index keeps it (catalogue_index.offers)."""
    return f"{rubric}/{kind}"


class CatalogueRepository(TenantRepository):
    """Searches read the catalogue's index alone (its GIN indexes on the words, rubrics and offerings); the
    organisations of a page and their offerings are then read under `organisations`' policy."""

    def __init__(self, session: AsyncSession, tenant: str) -> None:
        super().__init__(session, tenant)
        self._asked: dict[str, ColumnElement[object] | None] = {}

    async def asked_text(self, q: str) -> ColumnElement[object] | None:
        """The tsquery of what was typed, or None when it asks nothing: no text, or only stop words ("de", "en"),
        which match everything rather than nothing. Asked of PostgreSQL once per repository (a search's page,
        count, facets and offerings share it), so that the search itself is a plain match the index answers."""
        if q not in self._asked:
            query = text_query(q)
            nodes = await self.session.scalar(select(func.numnode(query))) if query is not None else 0
            self._asked[q] = query if nodes else None
        return self._asked[q]

    def _entries(self, query: ColumnElement[object] | None, filters: Filters, *,
                 rubrics: bool = True) -> list[ColumnElement[bool]]:
        """The conditions on the index for the filters (the rubric filter only when `rubrics`). A supplier offers
        something or is a social-economy enterprise; offering something of the rubrics or kind asked makes it
        one, so then no further check is needed."""
        conditions: list[ColumnElement[bool]] = [CatalogueEntry.tenant == self.tenant]
        if query is not None:
            conditions.append(CatalogueEntry.search_vector.op("@@")(query))
        if filters.municipality is not None:
            conditions.append(CatalogueEntry.municipality == filters.municipality)
        chosen = list(filters.rubrics) if rubrics else []
        if chosen and filters.kind is not None:
            conditions.append(CatalogueEntry.offers.overlap(cast(array([offer(r, filters.kind) for r in chosen]),
                                                                 ARRAY(Text))))
        elif chosen:
            conditions.append(CatalogueEntry.rubrics.overlap(cast(array(chosen), ARRAY(Text))))
        elif filters.kind is not None:
            conditions.append(CatalogueEntry.offers.overlap(cast(array([offer(r, filters.kind) for r in RUBRICS]),
                                                                 ARRAY(Text))))
        else:
            conditions.append(or_(CatalogueEntry.social_economy, func.cardinality(CatalogueEntry.rubrics) > 0))
        return conditions

    def _offering_filter(self, rubrics: Sequence[str], kind: str | None) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if rubrics:
            conditions.append(Offering.rubric.in_(list(rubrics)))
        if kind is not None:
            conditions.append(Offering.kind == kind)
        return conditions

    async def page(self, filters: Filters, offset: int, limit: int) -> list[uuid.UUID]:
        """The ids of one page: by relevance (ts_rank) then name, or by name without text."""
        query = await self.asked_text(filters.q)
        order: list[Any] = [CatalogueEntry.name, CatalogueEntry.organisation_id]
        if query is not None:
            order.insert(0, func.ts_rank(CatalogueEntry.search_vector, query).desc())
        return list((await self.session.scalars(
            select(CatalogueEntry.organisation_id).where(*self._entries(query, filters))
            .order_by(*order).offset(offset).limit(limit))).all())

    async def total(self, filters: Filters) -> int:
        query = await self.asked_text(filters.q)
        return await self.session.scalar(
            select(func.count()).select_from(CatalogueEntry).where(*self._entries(query, filters))) or 0

    async def organisations(self, ids: Sequence[uuid.UUID]) -> list[Organisation]:
        """The organisations of a page, in the page's order."""
        if not ids:
            return []
        by_id = {o.id: o for o in (await self.session.scalars(
            self.select(Organisation).where(Organisation.id.in_(list(ids))).options(noload(Organisation.staff)))).all()}
        return [by_id[i] for i in ids if i in by_id]

    async def counts_per_rubric(self, filters: Filters) -> dict[str, int]:
        """Suppliers per rubric over the text, municipality and kind filters (not the rubric filter, so the
        facets say what choosing another rubric would give)."""
        query = await self.asked_text(filters.q)
        # Each entry's rubrics (or its rubric/kind offerings) as rows; an entry holds each at most once.
        source = CatalogueEntry.rubrics if filters.kind is None else CatalogueEntry.offers
        unnested = (select(func.unnest(source).label("value"))
                    .where(*self._entries(query, filters, rubrics=False)).subquery())
        rubric = unnested.c.value if filters.kind is None else func.split_part(unnested.c.value, "/", 1)
        statement = select(rubric, func.count()).group_by(rubric)
        if filters.kind is not None:
            statement = statement.where(func.split_part(unnested.c.value, "/", 2) == filters.kind)
        return {str(r): int(count) for r, count in (await self.session.execute(statement)).tuples()}

    async def matching_offerings(self, organisation_ids: Sequence[uuid.UUID],
                                 filters: Filters) -> dict[uuid.UUID, list[Offering]]:
        """For each organisation on the page, its offerings of the chosen rubrics and kind; of those, the ones
        whose description matches the text when any does. Without text, nothing: the offerings loaded with the
        organisations are filtered by `offered`."""
        if not organisation_ids:
            return {}
        query = await self.asked_text(filters.q)
        if query is None:
            return {}
        text_match = func.to_tsvector(CONFIG, Offering.description).op("@@")(query)
        rows = (await self.session.execute(
            self.select(Offering, Offering, text_match.label("matches"))
            .where(Offering.organisation_id.in_(list(organisation_ids)),
                   *self._offering_filter(filters.rubrics, filters.kind))
            .order_by(Offering.organisation_id, Offering.position))).tuples().all()
        found: dict[uuid.UUID, list[tuple[Offering, bool]]] = {}
        for offering, matches in rows:
            found.setdefault(offering.organisation_id, []).append((offering, bool(matches)))
        return {organisation_id: [o for o, m in pairs if m] or [o for o, _ in pairs]
                for organisation_id, pairs in found.items()}

    # -- the fact sheet of a municipality ------------------------------------------------------------------------

    async def based_in(self, code: str) -> list[Organisation]:
        return list((await self.session.scalars(
            self.select(Organisation).where(Organisation.municipality == code)
            .order_by(Organisation.name, Organisation.id))).all())

    async def latest_staff(self, organisation_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, StaffFigure]:
        """Each organisation's figures of its latest year."""
        if not organisation_ids:
            return {}
        rows = await self.session.scalars(
            self.select(StaffFigure).where(StaffFigure.organisation_id.in_(list(organisation_ids)))
            .order_by(StaffFigure.organisation_id, StaffFigure.year.desc())
            .distinct(StaffFigure.organisation_id))
        return {row.organisation_id: row for row in rows}

    async def public_plans_covering(self, code: str) -> list[Plan]:
        """The plans that cover the municipality, once signed (drafts and negotiations are not public)."""
        plans = await PlanRepository(self.session, self.tenant).plans_covering(code)
        return [p for p in plans if p.status not in OPEN_TERMS]

    async def grants_to(self, enterprise_numbers: Sequence[str], limit: int = 50) -> list[GrantAward]:
        """Grants awarded to any of these organisations (as applicant or co-applicant), newest first."""
        if not enterprise_numbers:
            return []
        overlapping = GrantAward.enterprise_numbers.op("&&")(
            cast(array(list(enterprise_numbers)), ARRAY(String(10))))
        return list((await self.session.scalars(
            self.select(GrantAward).where(overlapping).order_by(GrantAward.awarded_at.desc()).limit(limit))).all())

    async def food_delivered_in(self, code: str) -> tuple[int, int, int, int]:
        """(grams, deliveries, recipients, people served) delivered to food-aid organisations there."""
        row = (await self.session.execute(self.select(
            FoodDelivery, func.coalesce(func.sum(FoodDelivery.grams), 0), func.count(),
            func.count(func.distinct(FoodDelivery.recipient_id)),
            func.coalesce(func.sum(FoodDelivery.people_served), 0))
            .where(FoodDelivery.municipality == code))).one()
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def offered(organisation: Organisation, filters: Filters) -> list[Offering]:
    """Its offerings of the chosen rubrics and kind (all of them without those filters)."""
    return [o for o in organisation.offerings if (not filters.rubrics or o.rubric in filters.rubrics)
            and (filters.kind is None or o.kind == filters.kind)]
