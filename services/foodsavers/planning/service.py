"""Use cases of planning: round series and the rounds they generate, one-off rounds, changing or cancelling one
occurrence, the day's plan. Never commits: the request's unit of work does (a refusal raises and the whole unit
rolls back, so it changes nothing).

Coordinators (and the province's administrator) write; a driver reads their own rounds. The logbook (C) moves a
round to under way and closed; a round that is no longer planned is never changed here (409)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from msgspec import UnsetType
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.foodsavers import portal
from services.foodsavers.planning import rules
from services.foodsavers.planning.models import Round, RoundSeries, RoundStop, SeriesStop
from services.foodsavers.planning.repository import PlanningRepository
from services.foodsavers.planning.rules import RoundStatus, StopKind
from services.foodsavers.planning.schemas import (
    DayPlan,
    DriverDay,
    MyDay,
    RoundChanges,
    RoundIn,
    RoundOut,
    SeriesChanges,
    SeriesIn,
    StopIn,
)
from services.foodsavers.planning.views import person_out, rounds_out
from services.foodsavers.registry.models import Donor, Recipient
from shared.auth import Principal
from shared.i18n import N_, _
from shared.ids import uuid7
from shared.problems import Invalid, NotFound, PreconditionFailed
from shared.versioning import check_version

SERIES_NOT_FOUND = N_("deze reeks ritten bestaat niet (of u hebt er geen toegang toe)")
ROUND_NOT_FOUND = N_("deze rit bestaat niet (of u hebt er geen toegang toe)")


@dataclass(frozen=True)
class PlannedStop:
    """A stop as checked: its kind, its party and its window."""

    kind: str
    donor_id: uuid.UUID | None
    recipient_id: uuid.UUID | None
    window_from: time | None
    window_until: time | None

    def row(self, tenant: str, **owner: Any) -> dict[str, Any]:
        return {"id": uuid7(), "tenant": tenant, "kind": self.kind, "donor_id": self.donor_id,
                "recipient_id": self.recipient_id, "window_from": self.window_from,
                "window_until": self.window_until, **owner}


def is_coordinator(principal: Principal) -> bool:
    return principal.has_any(portal.COORDINATORS)


async def _flush_versioned(session: AsyncSession, what: str) -> None:
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(_("%(what)s werd intussen door iemand anders gewijzigd; laad opnieuw")
                                 % {"what": _(what)}) from exc


# --- checking what was asked ----------------------------------------------------------------------------------

def _name(text: str) -> str:
    name = text.strip()
    if not name:
        raise Invalid(_("geef de reeks een naam"), field="name")
    if len(name) > 200:
        raise Invalid(_("de naam is langer dan 200 tekens"), field="name")
    return name


async def checked_stops(repository: PlanningRepository, kind: str, stops: list[StopIn]) -> list[PlannedStop]:
    """The stops in order, each with a party of this province of the right kind for the round (FEAD: the food
    bank, then local governments; rescue: never the food bank) and a window that does not end before it
    starts."""
    rules.check_stop_kinds([s.kind for s in stops])
    donors = await repository.donors({s.donor_id for s in stops if s.donor_id is not None})
    recipients = await repository.recipients({s.recipient_id for s in stops if s.recipient_id is not None})
    checked = []
    for position, stop in enumerate(stops, start=1):
        field = f"stops[{position - 1}]"
        pickup = stop.kind == StopKind.PICKUP
        own, other = (stop.donor_id, stop.recipient_id) if pickup else (stop.recipient_id, stop.donor_id)
        key, what = ("donor_id", _("schenker")) if pickup else ("recipient_id", _("ontvanger"))
        if other is not None or own is None:
            raise Invalid(_("stop %(position)s: een %(stop)s gebeurt bij een %(what)s: geef %(key)s "
                            "(en geen %(other)s)")
                          % {"position": position, "stop": _(rules.STOP_KINDS[StopKind(stop.kind)]), "what": what,
                             "key": key, "other": "recipient_id" if pickup else "donor_id"}, field=f"{field}.{key}")
        party: Donor | Recipient | None = donors.get(own) if pickup else recipients.get(own)
        if party is None:
            raise Invalid(_("stop %(position)s: %(what)s %(id)s bestaat niet in deze provincie")
                          % {"position": position, "what": what, "id": own}, field=f"{field}.{key}")
        if not party.active:
            raise Invalid(_("stop %(position)s: %(what)s %(name)s is niet meer actief")
                          % {"position": position, "what": what, "name": party.name}, field=f"{field}.{key}")
        rules.check_stop_party(kind, stop.kind, party.kind, party.name, position)
        window_from = rules.parse_time(stop.window_from, f"{field}.window_from") if stop.window_from else None
        window_until = rules.parse_time(stop.window_until, f"{field}.window_until") if stop.window_until else None
        rules.check_window(window_from, window_until, f"{field}.window_until")
        checked.append(PlannedStop(stop.kind, stop.donor_id, stop.recipient_id, window_from, window_until))
    return checked


async def check_driver(repository: PlanningRepository, driver_id: uuid.UUID) -> None:
    driver = (await repository.drivers({driver_id})).get(driver_id)
    if driver is None:
        raise Invalid(_("chauffeur %(id)s bestaat niet in deze provincie") % {"id": driver_id}, field="driver_id")
    if not driver.active:
        raise Invalid(_("chauffeur %(name)s is niet meer actief") % {"name": driver.name}, field="driver_id")


async def check_vehicle(repository: PlanningRepository, vehicle_id: uuid.UUID) -> None:
    vehicle = (await repository.vehicles({vehicle_id})).get(vehicle_id)
    if vehicle is None:
        raise Invalid(_("voertuig %(id)s bestaat niet in deze provincie") % {"id": vehicle_id}, field="vehicle_id")
    if not vehicle.active:
        raise Invalid(_("voertuig %(name)s is niet meer in gebruik") % {"name": vehicle.name}, field="vehicle_id")


async def assign_schedule(repository: PlanningRepository, target: RoundSeries | Round,
                          changes: SeriesChanges | RoundChanges) -> None:
    """The start time, driver and vehicle a change gives (each checked), onto a series or one round."""
    if isinstance(changes.start_time, str):
        target.start_time = rules.parse_time(changes.start_time, "start_time")
    if isinstance(changes.driver_id, uuid.UUID):
        await check_driver(repository, changes.driver_id)
        target.driver_id = changes.driver_id
    if isinstance(changes.vehicle_id, uuid.UUID):
        await check_vehicle(repository, changes.vehicle_id)
        target.vehicle_id = changes.vehicle_id


def _stops_of_series(series: RoundSeries, stops: list[SeriesStop]) -> list[PlannedStop]:
    return [PlannedStop(s.kind, s.donor_id, s.recipient_id, s.window_from, s.window_until) for s in stops]


# --- series -------------------------------------------------------------------------------------------------

async def generate(repository: PlanningRepository, series: RoundSeries, stops: list[PlannedStop],
                   from_day: date, until_day: date) -> int:
    """The series' rounds (with copies of its stops) on its days from `from_day` to `until_day`; a day that
    already has its round keeps it (the unique index per series and day). How many were made."""
    days = rules.occurrence_days(series.weekdays, series.starts_on, series.ends_on, from_day, until_day)
    rows = [{"id": uuid7(), "tenant": repository.tenant, "series_id": series.id, "day": day, "kind": series.kind,
             "status": RoundStatus.PLANNED.value, "start_time": series.start_time, "driver_id": series.driver_id,
             "vehicle_id": series.vehicle_id} for day in days]
    made = await repository.insert_rounds(rows)
    await repository.insert_stops([stop.row(repository.tenant, round_id=row["id"], position=position)
                                   for row in rows if row["id"] in made
                                   for position, stop in enumerate(stops, start=1)])
    return len(made)


async def create_series(session: AsyncSession, principal: Principal, command: SeriesIn,
                        today: date | None = None) -> RoundSeries:
    """A recurring round and its rounds from its start up to its end or six weeks ahead, whichever is sooner
    (a series wholly in the past gets every day up to its end)."""
    repository = PlanningRepository(session, principal.tenant)
    kind = rules.check_kind(command.kind)
    weekdays = rules.checked_weekdays(command.weekdays)
    rules.check_period(command.starts_on, command.ends_on)
    start_time = rules.parse_time(command.start_time, "start_time")
    await check_driver(repository, command.driver_id)
    await check_vehicle(repository, command.vehicle_id)
    stops = await checked_stops(repository, kind, command.stops)
    until = rules.generate_until(command.ends_on, today or rules.today())
    series = RoundSeries(id=uuid7(), tenant=principal.tenant, name=_name(command.name), kind=kind.value,
                         weekdays=weekdays, starts_on=command.starts_on, ends_on=command.ends_on,
                         start_time=start_time, driver_id=command.driver_id, vehicle_id=command.vehicle_id,
                         generated_until=until)
    repository.add(series)
    await session.flush()
    repository.add(*(SeriesStop(**stop.row(principal.tenant, series_id=series.id, position=position))
                     for position, stop in enumerate(stops, start=1)))
    await session.flush()
    await generate(repository, series, stops, series.starts_on, until)
    await session.refresh(series)
    return series


async def get_series(session: AsyncSession, tenant: str, series_id: uuid.UUID) -> RoundSeries:
    series = await PlanningRepository(session, tenant).series(series_id)
    if series is None:
        raise NotFound(_(SERIES_NOT_FOUND))
    return series


async def change_series(session: AsyncSession, principal: Principal, series_id: uuid.UUID,
                        changes: SeriesChanges, expected: int | None, today: date | None = None) -> RoundSeries:
    """Changes the series and, from `effective_from` (default today) on, its planned occurrences nobody changed
    by hand and without logbook entries: they take the new driver, vehicle, start time and stops; those no
    longer on one of its weekdays (or past its new end) go; new days get their round. Edited, cancelled, under
    way and closed rounds stay as they are."""
    repository = PlanningRepository(session, principal.tenant)
    series = await repository.lock_series(series_id)
    if series is None:
        raise NotFound(_(SERIES_NOT_FOUND))
    check_version(series.version, expected, "deze reeks")
    day = today or rules.today()
    effective_from = changes.effective_from or day
    if isinstance(changes.name, str):
        series.name = _name(changes.name)
    if isinstance(changes.weekdays, list):
        series.weekdays = rules.checked_weekdays(changes.weekdays)
    if not isinstance(changes.ends_on, UnsetType):
        rules.check_period(series.starts_on, changes.ends_on)
        series.ends_on = changes.ends_on
    await assign_schedule(repository, series, changes)
    if isinstance(changes.stops, list):
        stops = await checked_stops(repository, series.kind, changes.stops)
        await session.execute(repository.delete(SeriesStop).where(SeriesStop.series_id == series.id))
        repository.add(*(SeriesStop(**stop.row(principal.tenant, series_id=series.id, position=position))
                         for position, stop in enumerate(stops, start=1)))
    else:
        stops = _stops_of_series(series, (await repository.series_stops({series.id}))[series.id])
    until = rules.generate_until(series.ends_on, day)
    series.generated_until = until
    series.updated_at = func.now()
    await _flush_versioned(session, N_("deze reeks"))

    reachable = await repository.reachable_occurrences(series.id, effective_from)
    gone = [r.id for r in reachable
            if not rules.still_occurs(r.day, series.weekdays, series.starts_on, series.ends_on)]
    kept = [r for r in reachable if r.id not in set(gone)]
    await repository.delete_rounds(gone)
    for occurrence in kept:
        occurrence.driver_id, occurrence.vehicle_id = series.driver_id, series.vehicle_id
        occurrence.start_time = series.start_time
        occurrence.updated_at = func.now()
    if isinstance(changes.stops, list) and kept:
        await repository.delete_stops([r.id for r in kept])
        await repository.insert_stops([stop.row(principal.tenant, round_id=r.id, position=position)
                                       for r in kept for position, stop in enumerate(stops, start=1)])
    await _flush_versioned(session, N_("een rit van deze reeks"))
    await generate(repository, series, stops, effective_from, until)
    await session.refresh(series)
    return series


async def extend_series(session: AsyncSession, tenant: str, day: date) -> int:
    """Every active series' rounds up to six weeks after `day` (or its end): what the daily task runs. Series
    another transaction holds are skipped (the next pass takes them); running it twice makes nothing twice."""
    repository = PlanningRepository(session, tenant)
    made = 0
    for series in await repository.series_to_extend(rules.horizon(day)):
        until = rules.generate_until(series.ends_on, day)
        start = series.generated_until + timedelta(days=1) if series.generated_until else series.starts_on
        stops = _stops_of_series(series, (await repository.series_stops({series.id}))[series.id])
        made += await generate(repository, series, stops, start, until)
        # The series' own version stays: a coordinator's edit in progress is not refused for a passing day.
        await session.execute(repository.update(RoundSeries).where(RoundSeries.id == series.id)
                              .values(generated_until=until).execution_options(synchronize_session=False))
    return made


async def series_page(session: AsyncSession, principal: Principal, after: uuid.UUID | None,
                      limit: int) -> list[RoundSeries]:
    return await PlanningRepository(session, principal.tenant).series_page(after=after, limit=limit + 1)


# --- rounds -------------------------------------------------------------------------------------------------

async def get_round(session: AsyncSession, tenant: str, round_id: uuid.UUID) -> Round:
    """The round of this tenant (404 otherwise)."""
    found = await PlanningRepository(session, tenant).round(round_id)
    if found is None:
        raise NotFound(_(ROUND_NOT_FOUND))
    return found


async def stops_of(session: AsyncSession, tenant: str, round_id: uuid.UUID) -> list[RoundStop]:
    """The round's stops in their order."""
    return (await PlanningRepository(session, tenant).stops({round_id}))[round_id]


async def readable_round(session: AsyncSession, principal: Principal, round_id: uuid.UUID) -> Round:
    """The round, for a coordinator, or for the driver who drives it (404 for any other driver)."""
    found = await get_round(session, principal.tenant, round_id)
    if not is_coordinator(principal):
        driver = await PlanningRepository(session, principal.tenant).driver_by_username(principal.username)
        if driver is None or driver.id != found.driver_id:
            raise NotFound(_(ROUND_NOT_FOUND))
    return found


async def create_round(session: AsyncSession, principal: Principal, command: RoundIn) -> Round:
    """A one-off round, outside any series (e.g. an extra FEAD transport)."""
    repository = PlanningRepository(session, principal.tenant)
    kind = rules.check_kind(command.kind)
    start_time = rules.parse_time(command.start_time, "start_time")
    await check_driver(repository, command.driver_id)
    await check_vehicle(repository, command.vehicle_id)
    stops = await checked_stops(repository, kind, command.stops)
    created = Round(id=uuid7(), tenant=principal.tenant, series_id=None, day=command.day, kind=kind.value,
                    status=RoundStatus.PLANNED.value, start_time=start_time, driver_id=command.driver_id,
                    vehicle_id=command.vehicle_id, note=command.note.strip())
    repository.add(created)
    await session.flush()
    await repository.insert_stops([stop.row(principal.tenant, round_id=created.id, position=position)
                                   for position, stop in enumerate(stops, start=1)])
    await session.refresh(created)
    return created


async def _locked_round(repository: PlanningRepository, round_id: uuid.UUID, expected: int | None) -> Round:
    found = await repository.lock_round(round_id)
    if found is None:
        raise NotFound(_(ROUND_NOT_FOUND))
    check_version(found.version, expected, "deze rit")
    rules.editable(found.status)
    return found


async def change_round(session: AsyncSession, principal: Principal, round_id: uuid.UUID, changes: RoundChanges,
                       expected: int | None) -> Round:
    """One occurrence changed by hand: it is marked edited, so its series' later changes leave it alone."""
    repository = PlanningRepository(session, principal.tenant)
    found = await _locked_round(repository, round_id, expected)
    await assign_schedule(repository, found, changes)
    if isinstance(changes.note, str):
        found.note = changes.note.strip()
    if isinstance(changes.stops, list):
        if await repository.with_entries({found.id}):
            rules.editable(RoundStatus.UNDER_WAY)
        stops = await checked_stops(repository, found.kind, changes.stops)
        await repository.delete_stops({found.id})
        await repository.insert_stops([stop.row(principal.tenant, round_id=found.id, position=position)
                                       for position, stop in enumerate(stops, start=1)])
    found.edited = True
    found.updated_at = func.now()
    await _flush_versioned(session, N_("deze rit"))
    await session.refresh(found)
    return found


async def cancel_round(session: AsyncSession, principal: Principal, round_id: uuid.UUID, reason: str,
                       expected: int | None) -> Round:
    """One occurrence cancelled: its series goes on, and its later changes leave this day cancelled."""
    text = reason.strip()
    if not text:
        raise Invalid(_("geef de reden van de annulering"), field="reason")
    repository = PlanningRepository(session, principal.tenant)
    found = await _locked_round(repository, round_id, expected)
    found.status = RoundStatus.CANCELLED.value
    found.edited = True
    found.note = f"{found.note}\n{text}".strip() if found.note else text
    found.updated_at = func.now()
    await _flush_versioned(session, N_("deze rit"))
    await session.refresh(found)
    return found


async def page(session: AsyncSession, principal: Principal, *, from_day: date | None, until_day: date | None,
               driver_id: uuid.UUID | None, kind: str | None, status: str | None,
               after: tuple[date, uuid.UUID] | None, limit: int) -> list[Round]:
    """A page of rounds (limit + 1 rows: the caller sees whether more follow). A driver sees only their own."""
    if kind is not None:
        rules.check_kind(kind)
    if status is not None and status not in rules.STATUSES:
        raise Invalid(_("onbekende status %(status)s") % {"status": repr(status)}, field="status",
                      allowed=list(RoundStatus))
    repository = PlanningRepository(session, principal.tenant)
    if not is_coordinator(principal):
        driver = await repository.driver_by_username(principal.username)
        if driver is None or (driver_id is not None and driver_id != driver.id):
            return []
        driver_id = driver.id
    return await repository.page(from_day=from_day, until_day=until_day, driver_id=driver_id, kind=kind,
                                 status=status, after=after, limit=limit + 1)


async def day_plan(session: AsyncSession, principal: Principal, day: date) -> DayPlan:
    """The day's rounds per driver (drivers by name, rounds by start time), cancelled ones included."""
    repository = PlanningRepository(session, principal.tenant)
    rounds = await rounds_out(repository, await repository.rounds_of_day(day))
    by_driver: dict[uuid.UUID, DriverDay] = {}
    for r in rounds:
        by_driver.setdefault(r.driver.id, DriverDay(driver=r.driver, rounds=[])).rounds.append(r)
    return DayPlan(day=day, drivers=sorted(by_driver.values(), key=lambda d: (d.driver.name, str(d.driver.id))))


async def day_plan_for_driver(session: AsyncSession, principal: Principal, day: date) -> MyDay:
    """What the driver's app loads: the signed-in driver's rounds that day (found by the login's username),
    cancelled ones left out, each with its vehicle and every stop's details."""
    repository = PlanningRepository(session, principal.tenant)
    driver = await repository.driver_by_username(principal.username)
    if driver is None:
        return MyDay(day=day, driver=None, rounds=[])
    rounds = [r for r in await repository.rounds_of_day(day, driver.id) if r.status != RoundStatus.CANCELLED]
    return MyDay(day=day, driver=person_out(driver), rounds=await rounds_out(repository, rounds))


async def round_out(session: AsyncSession, tenant: str, found: Round) -> RoundOut:
    (answer,) = await rounds_out(PlanningRepository(session, tenant), [found])
    return answer
