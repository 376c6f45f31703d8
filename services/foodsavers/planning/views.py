"""Series and rounds in the API's shape (what the pages show too): each with its driver, vehicle and stops, a
stop with its party's name, address, window and arrival instructions. The registry rows come in one query per
kind for a whole list of rounds."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import time
from typing import Any

from services.foodsavers.planning import rules
from services.foodsavers.planning.models import Round, RoundSeries, RoundStop, SeriesStop
from services.foodsavers.planning.repository import PlanningRepository
from services.foodsavers.planning.schemas import (
    PersonOut,
    RoundOut,
    RoundSummary,
    SeriesOut,
    SeriesStopOut,
    StopOut,
    VehicleOut,
)
from services.foodsavers.registry.models import Donor, Driver, Recipient, Vehicle
from shared.municipalities import name_of

UNKNOWN = "(onbekend)"


def person_out(driver: Driver | None, driver_id: uuid.UUID | None = None) -> PersonOut:
    if driver is None:
        return PersonOut(id=driver_id or uuid.UUID(int=0), name=UNKNOWN)
    return PersonOut(id=driver.id, name=driver.name)


def vehicle_out(vehicle: Vehicle | None, vehicle_id: uuid.UUID | None = None) -> VehicleOut:
    if vehicle is None:
        return VehicleOut(id=vehicle_id or uuid.UUID(int=0), name=UNKNOWN, capacity_grams=0, refrigerated=False)
    return VehicleOut(id=vehicle.id, name=vehicle.name, capacity_grams=vehicle.capacity_grams,
                      refrigerated=vehicle.refrigerated)


def address_of(party: Donor | Recipient) -> str:
    """One line: the donor's address as registered, else street, postcode and municipality."""
    if isinstance(party, Donor) and party.address.strip():
        return party.address.strip()
    place = " ".join(p for p in (party.postcode, name_of(party.municipality) if party.municipality else "") if p)
    return ", ".join(p for p in (party.street, place) if p)


def party_window(windows: Sequence[dict[str, Any]], weekday: int) -> tuple[str | None, str | None]:
    """The party's own window that ISO weekday (pickup or delivery), if it registered one."""
    for window in windows or []:
        if window.get("weekday") == weekday:
            return window.get("from"), window.get("until")
    return None, None


def stop_out(stop: RoundStop, weekday: int, donors: dict[uuid.UUID, Donor],
             recipients: dict[uuid.UUID, Recipient]) -> StopOut:
    party: Donor | Recipient | None
    if stop.kind == rules.StopKind.PICKUP:
        party_id = stop.donor_id or uuid.UUID(int=0)
        party = donors.get(party_id)
        windows = party.pickup_windows if party is not None else []
    else:
        party_id = stop.recipient_id or uuid.UUID(int=0)
        party = recipients.get(party_id)
        windows = party.delivery_windows if isinstance(party, Recipient) else []
    own_from, own_until = party_window(windows, weekday)
    window_from = rules.clock(stop.window_from) or own_from
    window_until = rules.clock(stop.window_until) or own_until
    return StopOut(
        id=stop.id, position=stop.position, kind=stop.kind, kind_label=rules.STOP_KINDS[rules.StopKind(stop.kind)],
        party_id=party_id, name=party.name if party else UNKNOWN, address=address_of(party) if party else "",
        municipality=name_of(party.municipality) if party and party.municipality else "",
        window_from=window_from, window_until=window_until, instructions=party.instructions if party else "",
        contact_name=party.contact_name if party else "", contact_phone=party.contact_phone if party else "",
        done_at=stop.done_at)


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def common(r: Round, drivers: dict[uuid.UUID, Driver], vehicles: dict[uuid.UUID, Vehicle]) -> dict[str, Any]:
    """The fields of schemas.RoundBase."""
    return {"id": r.id, "series_id": r.series_id, "day": r.day, "kind": r.kind, "kind_label": rules.kind_label(r.kind),
            "status": r.status, "status_label": rules.status_label(r.status), "start_time": _clock(r.start_time),
            "driver": person_out(drivers.get(r.driver_id), r.driver_id),
            "vehicle": vehicle_out(vehicles.get(r.vehicle_id), r.vehicle_id), "edited": r.edited, "note": r.note,
            "version": r.version}


async def registry_rows(repository: PlanningRepository, planned: Sequence[Round] | Sequence[RoundSeries],
                        stops: Mapping[uuid.UUID, Sequence[RoundStop] | Sequence[SeriesStop]]) -> tuple[
        dict[uuid.UUID, Donor], dict[uuid.UUID, Recipient], dict[uuid.UUID, Driver], dict[uuid.UUID, Vehicle]]:
    """The donors and recipients of the stops, and the drivers and vehicles of the rounds or series: one query
    each."""
    every_stop = [s for listed in stops.values() for s in listed]
    return (await repository.donors({s.donor_id for s in every_stop if s.donor_id is not None}),
            await repository.recipients({s.recipient_id for s in every_stop if s.recipient_id is not None}),
            await repository.drivers({p.driver_id for p in planned}),
            await repository.vehicles({p.vehicle_id for p in planned}))


async def rounds_out(repository: PlanningRepository, rounds: Sequence[Round]) -> list[RoundOut]:
    """The rounds with their driver, vehicle and stops in detail."""
    stops = await repository.stops({r.id for r in rounds})
    donors, recipients, drivers, vehicles = await registry_rows(repository, rounds, stops)
    return [RoundOut(**common(r, drivers, vehicles), km=r.km, started_at=r.started_at, closed_at=r.closed_at,
                     stops=[stop_out(s, r.day.isoweekday(), donors, recipients) for s in stops[r.id]])
            for r in rounds]


async def summaries_out(repository: PlanningRepository, rounds: Sequence[Round]) -> list[RoundSummary]:
    counts = await repository.stop_counts({r.id for r in rounds})
    drivers = await repository.drivers({r.driver_id for r in rounds})
    vehicles = await repository.vehicles({r.vehicle_id for r in rounds})
    return [RoundSummary(**common(r, drivers, vehicles), stop_count=counts.get(r.id, 0)) for r in rounds]


async def series_out(repository: PlanningRepository, found: Sequence[RoundSeries]) -> list[SeriesOut]:
    stops = await repository.series_stops({s.id for s in found})
    donors, recipients, drivers, vehicles = await registry_rows(repository, found, stops)

    def name_of_party(party_id: uuid.UUID | None) -> str:
        if party_id in donors:
            return donors[party_id].name
        if party_id in recipients:
            return recipients[party_id].name
        return UNKNOWN

    return [SeriesOut(
        id=s.id, name=s.name, kind=s.kind, kind_label=rules.kind_label(s.kind), weekdays=list(s.weekdays),
        starts_on=s.starts_on, ends_on=s.ends_on, start_time=_clock(s.start_time),
        driver=person_out(drivers.get(s.driver_id), s.driver_id),
        vehicle=vehicle_out(vehicles.get(s.vehicle_id), s.vehicle_id), generated_until=s.generated_until,
        active=s.active,
        stops=[SeriesStopOut(position=t.position, kind=t.kind, kind_label=rules.STOP_KINDS[rules.StopKind(t.kind)],
                             party_id=t.donor_id or t.recipient_id or uuid.UUID(int=0),
                             name=name_of_party(t.donor_id or t.recipient_id),
                             window_from=rules.clock(t.window_from), window_until=rules.clock(t.window_until))
               for t in stops[s.id]],
        version=s.version) for s in found]
