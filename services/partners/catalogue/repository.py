"""Every query of the public catalogue and the municipalities' fact sheets, each from the tenant-scoped base
statement.

The search runs on the catalogue's own index (catalogue/models.py: Dutch stemming, accents folded, a GIN index
PostgreSQL can use, which it cannot under `organisations`' Row-Level Security). A supplier is an
organisation with at least one offering, or a social-economy enterprise (by kind, or by a recognition valid
today): the counts per rubric need no such check, since an organisation with an offering is a supplier, so they
read the offerings' (tenant, rubric, organisation_id) index alone unless a text or municipality filter asks for
the organisations too."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, exists, false, func, literal_column, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import noload

from services.partners.catalogue.models import CatalogueEntry
from services.partners.facts.models import FoodDelivery, GrantAward
from services.partners.organisations.models import Offering, Organisation, Recognition, StaffFigure
from services.partners.organisations.rules import SOCIAL_ECONOMY_KINDS, SOCIAL_ECONOMY_RECOGNITIONS
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


class CatalogueRepository(TenantRepository):
    def _supplier(self, today: date) -> ColumnElement[bool]:
        """Correlated probes of the (organisation_id) indexes, one row each, after the cheap kind check: written
        as EXISTS under an OR, PostgreSQL would hash every offering and recognition of the tenant per query."""
        offers = select(true()).where(Offering.organisation_id == Organisation.id).limit(1).scalar_subquery()
        recognised = select(true()).where(
            Recognition.organisation_id == Organisation.id,
            Recognition.kind.in_([str(k) for k in SOCIAL_ECONOMY_RECOGNITIONS]),
            Recognition.valid_from <= today,
            or_(Recognition.valid_until.is_(None), Recognition.valid_until >= today)).limit(1).scalar_subquery()
        return or_(Organisation.kind.in_([str(k) for k in SOCIAL_ECONOMY_KINDS]),
                   func.coalesce(offers, false()), func.coalesce(recognised, false()))

    def _offering_filter(self, rubrics: Sequence[str], kind: str | None) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if rubrics:
            conditions.append(Offering.rubric.in_(list(rubrics)))
        if kind is not None:
            conditions.append(Offering.kind == kind)
        return conditions

    async def asked_text(self, q: str) -> ColumnElement[object] | None:
        """The tsquery of what was typed, or None when it asks nothing: no text, or only stop words ("de", "en"),
        which match everything rather than nothing. Asked of PostgreSQL once, so that the search itself is a
        plain match the index answers."""
        query = text_query(q)
        if query is None or not await self.session.scalar(select(func.numnode(query))):
            return None
        return query

    def _matching_ids(self, query: ColumnElement[object]) -> Select[Any]:
        """The ids of this province's organisations whose entry matches, from the catalogue's index. Planned on
        its own (a MATERIALIZED common table expression): inside a join PostgreSQL tends to scan the whole index
        table rather than ask its GIN index, not knowing how few rows the text will match."""
        matching = (select(CatalogueEntry.organisation_id)
                    .where(CatalogueEntry.tenant == self.tenant, CatalogueEntry.search_vector.op("@@")(query))
                    .cte("matching").prefix_with("MATERIALIZED"))
        return select(matching.c.organisation_id)

    def _organisation_filter(self, query: ColumnElement[object] | None,
                             municipality: str | None) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if query is not None:
            conditions.append(Organisation.id.in_(self._matching_ids(query)))
        if municipality is not None:
            conditions.append(Organisation.municipality == municipality)
        return conditions

    def _matched(self, filters: Filters, query: ColumnElement[object] | None, today: date) -> Select[Any]:
        """The suppliers matching every filter (the rubric filter included)."""
        statement = self.select(Organisation, Organisation.id).where(
            *self._organisation_filter(query, filters.municipality))
        offering_conditions = self._offering_filter(filters.rubrics, filters.kind)
        if offering_conditions:
            # Offering a product/service of these rubrics makes it a supplier: no further check needed.
            statement = statement.where(exists().where(
                Offering.organisation_id == Organisation.id, Offering.tenant == self.tenant, *offering_conditions))
        else:
            statement = statement.where(self._supplier(today))
        return statement

    async def page(self, filters: Filters, today: date, offset: int, limit: int) -> list[uuid.UUID]:
        """The ids of one page: by relevance (ts_rank) then name, or by name without text."""
        query = await self.asked_text(filters.q)
        order: list[Any] = [Organisation.name, Organisation.id]
        statement = self._matched(filters, query, today)
        if query is not None:
            statement = statement.join(CatalogueEntry, CatalogueEntry.organisation_id == Organisation.id)
            order.insert(0, func.ts_rank(CatalogueEntry.search_vector, query).desc())
        return list((await self.session.scalars(statement.order_by(*order).offset(offset).limit(limit))).all())

    async def total(self, filters: Filters, today: date) -> int:
        matched = self._matched(filters, await self.asked_text(filters.q), today)
        return await self.session.scalar(select(func.count()).select_from(matched.subquery())) or 0

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
        statement = (self.select(Offering, Offering.rubric, func.count(func.distinct(Offering.organisation_id)))
                     .where(*self._offering_filter((), filters.kind)).group_by(Offering.rubric))
        organisation_conditions = self._organisation_filter(query, filters.municipality)
        if organisation_conditions:
            statement = statement.join(Organisation, and_(Organisation.id == Offering.organisation_id,
                                                          Organisation.tenant == self.tenant)).where(
                *organisation_conditions)
        return {rubric: count for rubric, count in (await self.session.execute(statement)).tuples()}

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
