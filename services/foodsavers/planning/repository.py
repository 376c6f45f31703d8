"""Every query on round series, rounds and their stops, each from the tenant-scoped base statement; and the few
registry rows planning shows beside them (donors, recipients, drivers, vehicles by id)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import exists, func, or_, tuple_
from sqlalchemy.dialects.postgresql import insert

from services.foodsavers.logbook.models import Delivery, Pickup
from services.foodsavers.planning.models import Round, RoundSeries, RoundStop, SeriesStop
from services.foodsavers.registry.models import Donor, Driver, Recipient, Vehicle
from shared.db import TenantRepository


class PlanningRepository(TenantRepository):
    # --- series -----------------------------------------------------------------------------------------
    async def series(self, series_id: uuid.UUID) -> RoundSeries | None:
        return await self.session.scalar(self.select(RoundSeries).where(RoundSeries.id == series_id))

    async def lock_series(self, series_id: uuid.UUID) -> RoundSeries | None:
        """FOR UPDATE, read afresh: two changes of one series (or a change and the daily extension) take turns."""
        return await self.session.scalar(
            self.select(RoundSeries).where(RoundSeries.id == series_id).with_for_update()
            .execution_options(populate_existing=True))

    async def series_page(self, *, after: uuid.UUID | None, limit: int) -> list[RoundSeries]:
        statement = self.select(RoundSeries)
        if after is not None:
            statement = statement.where(RoundSeries.id > after)
        return list((await self.session.scalars(statement.order_by(RoundSeries.id).limit(limit))).all())

    async def series_stops(self, series_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[SeriesStop]]:
        found: dict[uuid.UUID, list[SeriesStop]] = {i: [] for i in series_ids}
        if not series_ids:
            return found
        for stop in await self.session.scalars(
                self.select(SeriesStop).where(SeriesStop.series_id.in_(list(series_ids)))
                .order_by(SeriesStop.series_id, SeriesStop.position)):
            found[stop.series_id].append(stop)
        return found

    async def series_to_extend(self, until: date) -> list[RoundSeries]:
        """Active series whose rounds stop short of `until` and of their end, locked (SKIP LOCKED: a series
        another replica or a coordinator's change holds is left for the next pass)."""
        return list((await self.session.scalars(
            self.select(RoundSeries)
            .where(RoundSeries.active.is_(True),
                   or_(RoundSeries.generated_until.is_(None), RoundSeries.generated_until < until),
                   or_(RoundSeries.ends_on.is_(None), RoundSeries.generated_until.is_(None),
                       RoundSeries.generated_until < RoundSeries.ends_on))
            .order_by(RoundSeries.id).with_for_update(skip_locked=True)
            .execution_options(populate_existing=True))).all())

    # --- rounds -----------------------------------------------------------------------------------------
    async def round(self, round_id: uuid.UUID) -> Round | None:
        return await self.session.scalar(self.select(Round).where(Round.id == round_id))

    async def lock_round(self, round_id: uuid.UUID) -> Round | None:
        return await self.session.scalar(
            self.select(Round).where(Round.id == round_id).with_for_update()
            .execution_options(populate_existing=True))

    async def stops(self, round_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[RoundStop]]:
        found: dict[uuid.UUID, list[RoundStop]] = {i: [] for i in round_ids}
        if not round_ids:
            return found
        for stop in await self.session.scalars(
                self.select(RoundStop).where(RoundStop.round_id.in_(list(round_ids)))
                .order_by(RoundStop.round_id, RoundStop.position)):
            found[stop.round_id].append(stop)
        return found

    async def stop_counts(self, round_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not round_ids:
            return {}
        rows = await self.session.execute(
            self.select(RoundStop, RoundStop.round_id, func.count()).where(RoundStop.round_id.in_(list(round_ids)))
            .group_by(RoundStop.round_id))
        return {round_id: count for round_id, count in rows.tuples()}

    def has_entries(self) -> Any:
        """SQL: the round has a pickup or a delivery in the logbook."""
        return or_(exists().where(Pickup.round_id == Round.id), exists().where(Delivery.round_id == Round.id))

    async def with_entries(self, round_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        if not round_ids:
            return set()
        ids = list(round_ids)
        picked = await self.session.scalars(self.select(Pickup, Pickup.round_id).where(Pickup.round_id.in_(ids)))
        delivered = await self.session.scalars(
            self.select(Delivery, Delivery.round_id).where(Delivery.round_id.in_(ids)))
        return set(picked) | set(delivered)

    async def reachable_occurrences(self, series_id: uuid.UUID, effective_from: date) -> list[Round]:
        """The series' planned, untouched occurrences without logbook entries from `effective_from` on, locked:
        what a change of the series rewrites or removes."""
        return list((await self.session.scalars(
            self.select(Round)
            .where(Round.series_id == series_id, Round.day >= effective_from, Round.status == "planned",
                   Round.edited.is_(False), ~self.has_entries())
            .order_by(Round.day).with_for_update().execution_options(populate_existing=True))).all())

    async def occurrence_days(self, series_id: uuid.UUID, from_day: date) -> set[date]:
        """The days from `from_day` on on which the series has a round (whatever its state)."""
        return set(await self.session.scalars(
            self.select(Round, Round.day).where(Round.series_id == series_id, Round.day >= from_day)))

    async def insert_rounds(self, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
        """Inserts series occurrences, skipping a day the series already has (the unique index
        uq_rounds_series_day): the ids of the rounds actually inserted."""
        if not rows:
            return set()
        inserted: set[uuid.UUID] = set()
        for start in range(0, len(rows), 1000):
            statement = (insert(Round).values(list(rows[start:start + 1000]))
                         .on_conflict_do_nothing(index_elements=["series_id", "day"],
                                                 index_where=Round.series_id.isnot(None))
                         .returning(Round.id))
            inserted |= set((await self.session.scalars(statement)).all())
        return inserted

    async def insert_stops(self, rows: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(rows), 2000):
            await self.session.execute(insert(RoundStop).values(list(rows[start:start + 2000])))

    async def delete_stops(self, round_ids: Collection[uuid.UUID]) -> None:
        if round_ids:
            await self.session.execute(self.delete(RoundStop).where(RoundStop.round_id.in_(list(round_ids))))

    async def delete_rounds(self, round_ids: Collection[uuid.UUID]) -> None:
        if round_ids:
            await self.delete_stops(round_ids)
            await self.session.execute(self.delete(Round).where(Round.id.in_(list(round_ids)))
                                       .execution_options(synchronize_session=False))

    async def page(self, *, from_day: date | None, until_day: date | None, driver_id: uuid.UUID | None,
                   kind: str | None, status: str | None, after: tuple[date, uuid.UUID] | None,
                   limit: int) -> list[Round]:
        """Rounds in a stable order (day, then id), after the cursor."""
        statement = self.select(Round)
        if from_day is not None:
            statement = statement.where(Round.day >= from_day)
        if until_day is not None:
            statement = statement.where(Round.day <= until_day)
        if driver_id is not None:
            statement = statement.where(Round.driver_id == driver_id)
        if kind is not None:
            statement = statement.where(Round.kind == kind)
        if status is not None:
            statement = statement.where(Round.status == status)
        if after is not None:
            statement = statement.where(tuple_(Round.day, Round.id) > tuple_(*after))
        return list((await self.session.scalars(statement.order_by(Round.day, Round.id).limit(limit))).all())

    async def rounds_of_day(self, day: date, driver_id: uuid.UUID | None = None) -> list[Round]:
        statement = self.select(Round).where(Round.day == day)
        if driver_id is not None:
            statement = statement.where(Round.driver_id == driver_id)
        return list((await self.session.scalars(statement.order_by(Round.start_time, Round.id))).all())

    async def rounds_between(self, from_day: date, until_day: date) -> list[Round]:
        return list((await self.session.scalars(
            self.select(Round).where(Round.day >= from_day, Round.day <= until_day)
            .order_by(Round.day, Round.start_time, Round.id))).all())

    # --- the registry rows planning shows ------------------------------------------------------------------
    async def donors(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Donor]:
        if not ids:
            return {}
        return {d.id: d for d in await self.session.scalars(self.select(Donor).where(Donor.id.in_(list(ids))))}

    async def recipients(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Recipient]:
        if not ids:
            return {}
        return {r.id: r for r in await self.session.scalars(
            self.select(Recipient).where(Recipient.id.in_(list(ids))))}

    async def drivers(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Driver]:
        if not ids:
            return {}
        return {d.id: d for d in await self.session.scalars(self.select(Driver).where(Driver.id.in_(list(ids))))}

    async def vehicles(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Vehicle]:
        if not ids:
            return {}
        return {v.id: v for v in await self.session.scalars(
            self.select(Vehicle).where(Vehicle.id.in_(list(ids))))}

    async def driver_by_username(self, username: str) -> Driver | None:
        if not username:
            return None
        return await self.session.scalar(
            self.select(Driver).where(Driver.username == username).order_by(Driver.active.desc(), Driver.id)
            .limit(1))

    async def active(self, model: type[Donor] | type[Recipient] | type[Driver] | type[Vehicle]) -> list[Any]:
        """The model's active entries by name: what a form offers to choose from."""
        return list((await self.session.scalars(
            self.select(model).where(model.active.is_(True)).order_by(model.name, model.id))).all())

