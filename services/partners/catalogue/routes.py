"""The public catalogue API (no login, so `public_session`, scoped to the province the URL names): the search of
social-economy suppliers and the fact sheet of a municipality."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.catalogue import service
from services.partners.catalogue.schemas import (
    CatalogueResults,
    EmployerOut,
    FactSheetOut,
    FoodOut,
    GrantOut,
    MunicipalityOut,
    PlanOut,
)
from services.partners.organisations import rules
from shared.i18n import _
from shared.municipalities import Municipality, of_province
from shared.problems import NotFound
from shared.tenancy import is_tenant


def known_tenant(tenant: str) -> str:
    if not is_tenant(tenant):
        raise NotFound(_("%(tenant)s is geen provincie") % {"tenant": repr(tenant)})
    return tenant


def municipality_out(m: Municipality) -> MunicipalityOut:
    return MunicipalityOut(code=m.code, name=m.name, slug=m.slug, province=m.province)


class CatalogueController(Controller):
    path = "/{tenant:str}/public"
    tags = ["catalogue"]

    @get("/catalogue")
    async def search(self, tenant: str, public_session: AsyncSession,
                     q: str | None = Parameter(default=None),
                     rubric: list[str] | None = Parameter(default=None),
                     kind: str | None = Parameter(default=None),
                     municipality: str | None = Parameter(default=None),
                     limit: int = Parameter(default=20),
                     cursor: str | None = Parameter(default=None)) -> CatalogueResults:
        asked = service.checked_search(q=q, rubrics=rubric or [], kind=kind, municipality=municipality,
                                       limit=limit, cursor=cursor)
        return await service.answer(public_session, known_tenant(tenant), asked)

    @get("/municipalities")
    async def municipalities(self, tenant: str) -> list[MunicipalityOut]:
        return [municipality_out(m) for m in of_province(known_tenant(tenant))]

    @get("/municipalities/{code_or_slug:str}")
    async def fact_sheet(self, tenant: str, code_or_slug: str, public_session: AsyncSession) -> FactSheetOut:
        sheet = await service.fact_sheet(public_session, known_tenant(tenant), code_or_slug)
        return FactSheetOut(
            municipality=municipality_out(sheet.municipality),
            organisations=[EmployerOut(
                id=e.organisation.id, name=e.organisation.name, kind=e.organisation.kind,
                kind_label=rules.label_of(rules.KINDS, e.organisation.kind), social_economy=e.social_economy,
                year=e.latest.year if e.latest else None,
                target_group_workers=e.latest.target_group_workers if e.latest else None,
                supervising_staff=e.latest.supervising_staff if e.latest else None,
                fte=f"{e.latest.fte:.2f}" if e.latest else None) for e in sheet.employers],
            staff_totals={k: (f"{v:.2f}" if k == "fte" else str(int(v))) for k, v in sheet.staff_totals.items()},
            plans=[PlanOut(id=p.id, kind=p.kind, title=p.title, status=p.status, starts_on=p.starts_on,
                           ends_on=p.ends_on) for p in sheet.plans],
            grants=[GrantOut(title=g.title, amount_cents=g.amount_cents, awarded_at=g.awarded_at,
                             enterprise_numbers=list(g.enterprise_numbers)) for g in sheet.grants],
            granted_cents=sheet.granted_cents,
            food=FoodOut(grams=sheet.food_grams, deliveries=sheet.food_deliveries, recipients=sheet.food_recipients,
                         people_served=sheet.food_people_served))


CONTROLLERS = [CatalogueController]
