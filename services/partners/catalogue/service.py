"""The public catalogue's use cases: search the suppliers, and the fact sheet of a municipality. Read only; the
API and the pages both call these, so both show the same rules and labels."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from services.partners.catalogue.repository import CatalogueRepository, Filters, Found, offered
from services.partners.catalogue.schemas import CatalogueResults, ContactOut, OfferingHit, RubricCount, Supplier
from services.partners.facts.models import GrantAward
from services.partners.organisations import rules
from services.partners.organisations import service as organisations
from services.partners.organisations.models import Offering, Organisation, Recognition, StaffFigure
from services.partners.organisations.rules import OFFERING_KINDS, RUBRICS
from services.partners.plans.models import Plan
from shared import cache as shared_cache
from shared.db import TENANT_KEY
from shared.i18n import _
from shared.municipalities import Municipality, find, name_of
from shared.problems import BadRequest, Invalid, NotFound

MAX_QUERY = 200
MAX_PAGE = 100


@dataclass(frozen=True)
class Search:
    filters: Filters
    offset: int
    limit: int


def cursor_of(offset: int) -> str:
    """An opaque cursor: the position of the next page in the ranked results (relevance then name order is not
    a key a person's next page could resume from, and nobody pages deep into a catalogue)."""
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def offset_of(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError as exc:  # not base64 (binascii.Error), not ASCII, or not UTF-8 once decoded
        raise BadRequest(_("ongeldige cursor")) from exc
    if not raw.startswith("o") or not raw[1:].isdigit() or int(raw[1:]) > 100_000:
        raise BadRequest(_("ongeldige cursor"))
    return int(raw[1:])


def checked_search(*, q: str | None, rubrics: list[str], kind: str | None, municipality: str | None,
                   limit: int, cursor: str | None) -> Search:
    """What a person asked, checked: an unknown rubric, kind or municipality is a 422 that names the valid
    ones."""
    q = (q or "").strip()
    if len(q) > MAX_QUERY:
        raise Invalid(_("de zoektekst is langer dan %(max)s tekens") % {"max": MAX_QUERY}, field="q")
    unknown = [r for r in rubrics if r not in RUBRICS]
    if unknown:
        raise Invalid(_("onbekende rubriek %(rubric)s; geldig zijn: %(valid)s")
                      % {"rubric": repr(unknown[0]), "valid": ", ".join(RUBRICS)}, field="rubric")
    if kind and kind not in OFFERING_KINDS:
        raise Invalid(_("onbekende soort %(kind)s; geldig zijn: product, service") % {"kind": repr(kind)}, field="kind")
    code = None
    if municipality:
        found = find(municipality)
        if found is None:
            raise Invalid(_("%(municipality)s is geen Vlaamse gemeente") % {"municipality": repr(municipality)},
                      field="municipality")
        code = found.code
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(_("limit ligt tussen 1 en %(max)s") % {"max": MAX_PAGE}, field="limit")
    return Search(Filters(q=q, rubrics=tuple(dict.fromkeys(rubrics)), kind=kind or None, municipality=code),
                  offset_of(cursor), limit)


class BriefCache(shared_cache.BriefCache):
    """Searches kept a few seconds per process: each answer (`answer`), and the counts a search's pages share (per
    rubric and in all: they visit every matching supplier, thousands for one common word). A
    public catalogue is read far more often than it changes, and the same searches come back (a rubric, a
    municipality, a common word). A change of an organisation, its offerings or recognitions committed in this
    process forgets its province's searches at once (`forget_on_commit`); one made through another replica shows
    within TTL + GRACE seconds (an answer past TTL still serves others while one request searches again)."""

    TTL = 15.0
    GRACE = 15.0
    SIZE = 4096


CACHE = BriefCache()
CATALOGUED = (Organisation, Offering, Recognition)
"""What a search reads: a change to any of these changes answers."""
CHANGED_KEY = "regie.catalogue-changed"


@event.listens_for(Session, "after_flush")
def _note_catalogue_change(session: Session, _: object) -> None:
    if any(isinstance(row, CATALOGUED) for row in (*session.new, *session.dirty, *session.deleted)):
        session.info[CHANGED_KEY] = session.info.get(TENANT_KEY)


@event.listens_for(Session, "after_commit")
def forget_on_commit(session: Session) -> None:
    """The province's searches forgotten once a change to what they read is committed (not before: a search
    in between would read and keep the old rows)."""
    if CHANGED_KEY in session.info:
        tenant = session.info.pop(CHANGED_KEY)
        CACHE.forget(lambda key: key[1] == tenant)


@event.listens_for(Session, "after_rollback")
def _drop_catalogue_change(session: Session) -> None:
    session.info.pop(CHANGED_KEY, None)


async def search(session: AsyncSession, tenant: str, asked: Search) -> tuple[Found, str | None]:
    """The page of results and the cursor of the next page (None on the last)."""
    repository = CatalogueRepository(session, tenant)
    day = organisations.today()
    f = asked.filters
    page = await repository.page(f, asked.offset, asked.limit)
    if asked.offset == 0 and len(page) < asked.limit:
        total = len(page)  # all of it on the first page: nothing to count
    else:
        total = await CACHE.get(("total", tenant, day, f), lambda: repository.total(f))
    counts = await CACHE.get(("rubrics", tenant, f.q, f.kind, f.municipality), lambda: repository.counts_per_rubric(f))
    rows = await repository.organisations(page)
    matching = await repository.matching_offerings(page, f) if f.q else {o.id: offered(o, f) for o in rows}
    found = Found(organisations=rows, matching=matching, counts=counts, total=total)
    after = asked.offset + asked.limit
    return found, cursor_of(after) if after < total else None


def results_out(found: Found, next_cursor: str | None) -> CatalogueResults:
    """What the API answers and the page shows: plain values, kept as they are by the brief cache."""
    day = organisations.today()
    items = [Supplier(
        id=o.id, name=o.name, kind=o.kind, kind_label=rules.label_of(rules.KINDS, o.kind),
        municipality=o.municipality, municipality_name=name_of(o.municipality), description=o.description,
        rubrics=sorted({f.rubric for f in o.offerings}),
        offerings=[OfferingHit(rubric=f.rubric, rubric_label=rules.label_of(rules.RUBRICS, f.rubric), kind=f.kind,
                               kind_label=rules.label_of(rules.OFFERING_KINDS, f.kind), description=f.description)
                   for f in found.matching.get(o.id, [])],
        contact=ContactOut(street=o.street, postcode=o.postcode, email=o.email, phone=o.phone, website=o.website),
        social_economy=organisations.is_social_economy(o, day)) for o in found.organisations]
    counts = [RubricCount(rubric=code, label=label, count=found.counts.get(code, 0))
              for code, label in rules.RUBRICS.items()]
    return CatalogueResults(items=items, counts=counts, total=found.total, next_cursor=next_cursor)


async def answer(session: AsyncSession, tenant: str, asked: Search) -> CatalogueResults:
    """The search's answer, kept (BriefCache): its page and the API answer it from memory for those few seconds,
    and people asking the same at once share one search."""

    async def searched() -> CatalogueResults:
        return results_out(*await search(session, tenant, asked))

    return await CACHE.get(("answer", tenant, organisations.today(), asked), searched)


@dataclass
class Employer:
    organisation: Organisation
    latest: StaffFigure | None
    social_economy: bool


@dataclass
class FactSheet:
    municipality: Municipality
    employers: list[Employer]
    plans: list[Plan]
    grants: list[GrantAward]
    food_grams: int
    food_deliveries: int
    food_recipients: int
    food_people_served: int
    staff_totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def granted_cents(self) -> int:
        return sum(g.amount_cents for g in self.grants)


def municipality_of(tenant: str, code_or_slug: str) -> Municipality:
    """A municipality of this province (a fact sheet of another province's municipality is that province's)."""
    found = find(code_or_slug)
    if found is None or found.province != tenant:
        raise NotFound(_("%(municipality)s is geen gemeente van deze provincie") % {"municipality": repr(code_or_slug)})
    return found


async def fact_sheet(session: AsyncSession, tenant: str, code_or_slug: str) -> FactSheet:
    municipality = municipality_of(tenant, code_or_slug)
    repository = CatalogueRepository(session, tenant)
    based = await repository.based_in(municipality.code)
    latest = await repository.latest_staff([o.id for o in based])
    day = organisations.today()
    employers = [Employer(o, latest.get(o.id), organisations.is_social_economy(o, day)) for o in based]
    grams, deliveries, recipients, people = await repository.food_delivered_in(municipality.code)
    figures = [e.latest for e in employers if e.latest is not None]
    return FactSheet(
        municipality=municipality, employers=employers,
        plans=await repository.public_plans_covering(municipality.code),
        grants=await repository.grants_to([o.enterprise_number for o in based]),
        food_grams=grams, food_deliveries=deliveries, food_recipients=recipients, food_people_served=people,
        staff_totals={"target_group_workers": Decimal(sum(f.target_group_workers for f in figures)),
                      "supervising_staff": Decimal(sum(f.supervising_staff for f in figures)),
                      "fte": sum((f.fte for f in figures), Decimal(0))})
