"""The registry API (behind the gateway at /<tenant>/api/foodsavers/…): donors, recipients, vehicles and drivers
(coordinators write, coordinators and drivers read), and the food categories. Lists page by cursor (`limit`,
`cursor`), filter by `active` and `q` (a part of the name), in a stable order. Every change carries If-Match with
the version read (428 without, 412 when stale); nothing is deleted: `{"active": false}` deactivates."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from litestar import Response, get, patch, post
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers import portal
from services.foodsavers.registry import rules, service
from services.foodsavers.registry.categories import FOOD, FRESH, LABELS, STORAGE, Category
from services.foodsavers.registry.models import Donor, Driver, Recipient, Vehicle
from services.foodsavers.registry.repository import Entry, RegistryRepository
from services.foodsavers.registry.schemas import (
    CategoryList,
    CategoryOut,
    DonorChanges,
    DonorIn,
    DonorOut,
    DonorPage,
    DriverChanges,
    DriverIn,
    DriverOut,
    DriverPage,
    RecipientChanges,
    RecipientIn,
    RecipientOut,
    RecipientPage,
    VehicleChanges,
    VehicleIn,
    VehicleOut,
    VehiclePage,
)
from shared.auth import Principal, require_roles
from shared.i18n import _
from shared.municipalities import name_of
from shared.problems import BadRequest
from shared.versioning import IfMatch, etag, expected_version

WRITERS = require_roles(*portal.COORDINATORS)
READERS = require_roles(*portal.READERS)
Out = TypeVar("Out")


def donor_out(d: Donor) -> DonorOut:
    return DonorOut(
        id=d.id, name=d.name, kind=d.kind, kind_label=rules.label_of(rules.DONOR_KINDS, d.kind), chain=d.chain,
        address=d.address, street=d.street, postcode=d.postcode, municipality=d.municipality,
        municipality_name=name_of(d.municipality) if d.municipality else "", opening_hours=d.opening_hours,
        pickup_windows=d.pickup_windows, contact_name=d.contact_name, contact_phone=d.contact_phone,
        contact_email=d.contact_email, instructions=d.instructions, favv_number=d.favv_number, active=d.active,
        version=d.version, created_at=d.created_at, updated_at=d.updated_at)


def recipient_out(r: Recipient) -> RecipientOut:
    return RecipientOut(
        id=r.id, name=r.name, kind=r.kind, kind_label=rules.label_of(rules.RECIPIENT_KINDS, r.kind),
        enterprise_number=r.enterprise_number, street=r.street, postcode=r.postcode, municipality=r.municipality,
        municipality_name=name_of(r.municipality), delivery_windows=r.delivery_windows,
        cold_storage_litres=r.cold_storage_litres, freezer_litres=r.freezer_litres, households=r.households,
        people_served=r.people_served, favv_number=r.favv_number, contact_name=r.contact_name,
        contact_phone=r.contact_phone, contact_email=r.contact_email, instructions=r.instructions, active=r.active,
        version=r.version, created_at=r.created_at, updated_at=r.updated_at)


def vehicle_out(v: Vehicle) -> VehicleOut:
    return VehicleOut(id=v.id, name=v.name, plate=v.plate, refrigerated=v.refrigerated,
                      capacity_grams=v.capacity_grams, emission_grams_per_km=v.emission_grams_per_km,
                      active=v.active, version=v.version, created_at=v.created_at)


def driver_out(d: Driver) -> DriverOut:
    return DriverOut(id=d.id, name=d.name, username=d.username, phone=d.phone, active=d.active, version=d.version,
                     created_at=d.created_at)


def versioned(body: Out, version: int, status_code: int = 200) -> Response[Out]:
    return Response(body, status_code=status_code, headers={"ETag": etag(version)})


def cursor_of(cursor: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(cursor) if cursor else None
    except ValueError as exc:
        raise BadRequest(_("ongeldige cursor %(cursor)s: geef de next_cursor van de vorige pagina")
                         % {"cursor": repr(cursor)}) from exc


async def listed(session: AsyncSession, principal: Principal, model: type[Entry], limit: int, cursor: str | None,
                 active: bool | None, q: str | None, **equal: Any) -> tuple[list[Entry], str | None]:
    """One page of entries and the cursor of the next (None on the last page)."""
    rows = await RegistryRepository(session, principal.tenant).page(
        model, after=cursor_of(cursor), limit=limit + 1, active=active, text=(q or "").strip()[:100], **equal)
    return rows[:limit], str(rows[limit - 1].id) if len(rows) > limit else None


LIMIT = Parameter(default=50, ge=1, le=500)
CURSOR = Parameter(default=None)
ACTIVE = Parameter(default=None, description="true: only active entries; false: only deactivated ones")
Q = Parameter(default=None, description="a part of the name")


@dataclass(frozen=True)
class Collection:
    """One kind of entry as the API serves it: POST, GET one and PATCH are made alike for each (`entry_routes`);
    each list is written out below, with the filters that kind has."""

    path: str
    model: type[Any]
    create: type[Any]
    changes: type[Any]
    out: type[Any]
    to_out: Callable[[Any], Any]
    created: Callable[[AsyncSession, Principal, Any], Awaitable[Any]]
    updated: Callable[[AsyncSession, Principal, uuid.UUID, Any, int | None], Awaitable[Any]]


def entry_routes(c: Collection) -> list[ControllerRouterHandler]:
    """POST /{tenant}/<path>, GET and PATCH /{tenant}/<path>/{id} for one kind of entry. The handlers' types are
    the collection's (set on `__annotations__`, which Litestar reads for decoding and the OpenAPI document)."""

    async def create(data: Any, session: AsyncSession, principal: Principal) -> Any:
        entry = await c.created(session, principal, data)
        return versioned(c.to_out(entry), entry.version, 201)

    async def get_one(entry_id: uuid.UUID, session: AsyncSession, principal: Principal) -> Any:
        entry = await service.get_entry(session, principal.tenant, c.model, entry_id)
        return versioned(c.to_out(entry), entry.version)

    async def update(entry_id: uuid.UUID, data: Any, session: AsyncSession, principal: Principal,
                     if_match: IfMatch = None) -> Any:
        entry = await c.updated(session, principal, entry_id, data, expected_version(if_match))
        return versioned(c.to_out(entry), entry.version)

    common = {"session": AsyncSession, "principal": Principal, "return": Response[c.out]}  # type: ignore[name-defined]
    create.__annotations__ = {"data": c.create, **common}
    get_one.__annotations__ = {"entry_id": uuid.UUID, **common}
    update.__annotations__ = {"entry_id": uuid.UUID, "data": c.changes, "if_match": IfMatch, **common}
    for handler in (create, get_one, update):
        handler.__name__ = handler.__qualname__ = f"{handler.__name__}_{c.path}"
    entry = f"/{{tenant:str}}/{c.path}/{{entry_id:uuid}}"
    return [post(f"/{{tenant:str}}/{c.path}", guards=[WRITERS], tags=["registry"])(create),
            get(entry, guards=[READERS], tags=["registry"])(get_one),
            patch(entry, guards=[WRITERS], tags=["registry"])(update)]


COLLECTIONS = (
    Collection("donors", Donor, DonorIn, DonorChanges, DonorOut, donor_out, service.create_donor,
               service.update_donor),
    Collection("recipients", Recipient, RecipientIn, RecipientChanges, RecipientOut, recipient_out,
               service.create_recipient, service.update_recipient),
    Collection("vehicles", Vehicle, VehicleIn, VehicleChanges, VehicleOut, vehicle_out, service.create_vehicle,
               service.update_vehicle),
    Collection("drivers", Driver, DriverIn, DriverChanges, DriverOut, driver_out, service.create_driver,
               service.update_driver),
)


@get("/{tenant:str}/donors", guards=[READERS], tags=["registry"])
async def list_donors(session: AsyncSession, principal: Principal, limit: int = LIMIT, cursor: str | None = CURSOR,
                      active: bool | None = ACTIVE, q: str | None = Q,
                      kind: str | None = Parameter(default=None)) -> DonorPage:
    rows, after = await listed(session, principal, Donor, limit, cursor, active, q, kind=kind)
    return DonorPage(items=[donor_out(d) for d in rows], next_cursor=after)


@get("/{tenant:str}/recipients", guards=[READERS], tags=["registry"])
async def list_recipients(session: AsyncSession, principal: Principal, limit: int = LIMIT,
                          cursor: str | None = CURSOR, active: bool | None = ACTIVE, q: str | None = Q,
                          kind: str | None = Parameter(default=None),
                          municipality: str | None = Parameter(default=None)) -> RecipientPage:
    code = None
    if municipality:
        problems: rules.Problems = []
        code = rules.municipality(principal.tenant, municipality, problems)
        rules.refuse(problems)
    rows, after = await listed(session, principal, Recipient, limit, cursor, active, q, kind=kind,
                               municipality=code)
    return RecipientPage(items=[recipient_out(r) for r in rows], next_cursor=after)


@get("/{tenant:str}/vehicles", guards=[READERS], tags=["registry"])
async def list_vehicles(session: AsyncSession, principal: Principal, limit: int = LIMIT,
                        cursor: str | None = CURSOR, active: bool | None = ACTIVE, q: str | None = Q) -> VehiclePage:
    rows, after = await listed(session, principal, Vehicle, limit, cursor, active, q)
    return VehiclePage(items=[vehicle_out(v) for v in rows], next_cursor=after)


@get("/{tenant:str}/drivers", guards=[READERS], tags=["registry"])
async def list_drivers(session: AsyncSession, principal: Principal, limit: int = LIMIT, cursor: str | None = CURSOR,
                       active: bool | None = ACTIVE, q: str | None = Q,
                       username: str | None = Parameter(default=None)) -> DriverPage:
    rows, after = await listed(session, principal, Driver, limit, cursor, active, q,
                               username=username.strip().lower() if username else None)
    return DriverPage(items=[driver_out(d) for d in rows], next_cursor=after)


def categories() -> list[CategoryOut]:
    return [CategoryOut(code=str(c), label=LABELS[c], storage=str(STORAGE[c]), fresh=c in FRESH, food=c in FOOD)
            for c in Category]


@get("/{tenant:str}/categories", guards=[READERS], tags=["registry"])
async def list_categories() -> CategoryList:
    """The eight categories a driver weighs per line: Dutch label, how each is kept, whether it counts as fresh."""
    return CategoryList(items=categories())


CONTROLLERS: list[ControllerRouterHandler] = [
    *(route for c in COLLECTIONS for route in entry_routes(c)),
    list_donors, list_recipients, list_vehicles, list_drivers, list_categories]
