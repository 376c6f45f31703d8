"""The logbook's use cases: the phone's sync (pickups, deliveries and closings in one batch, each keyed by the
id the phone made), closing a round with its mass balance, a round's logbook, a pickup's photo. Never commits.

The sync, per item:
- every item is keyed by the phone's id: stored once however often the batch comes (`ON CONFLICT (id) DO
  NOTHING`; a retry answers "already-stored"); an id already used for other content is refused, never
  overwritten;
- a bad line is refused with its reason (it stays on the phone) and the rest is stored with its header; a bad
  header refuses the header and its lines;
- the food-safety rules judge each pickup line on entry (safety.rules): a passed use-by date or a temperature
  the tenant refuses stores the line with its weight moved to refused, and the register keeps it; a
  temperature the tenant flags is accepted, flagged, registered and raises the round's temperature flag;
- the totals (impact.totals) grow by the NEW lines only, in the same transaction, once per batch.

Events (through the outbox, in the same transaction):
- pickup.logged once per pickup, at the sync that stores its header, carrying the lines stored with it;
- delivery.completed at each sync that stores lines of a delivery, carrying the lines it stored (its grams,
  CO2-eq and value are theirs): usually once, with every line; again for a line that came later (the bad line
  corrected and sent again), with that line only. Consumers add the grams of every event of a delivery (partners
  does), so each line counts once;
- round.closed at closing, with the round's totals and whether its mass balance holds.
A FEAD delivery carries co2_eq_grams = 0 and value_cents = 0: EU food aid carried, not surplus rescued."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.events.published import (
    CategoryGramsV1,
    DeliveryCompletedV1,
    PickupLoggedV1,
    RoundClosedV1,
)
from services.foodsavers.impact import methods, totals
from services.foodsavers.impact.totals import Delta, Flow
from services.foodsavers.logbook import repository as repo
from services.foodsavers.logbook import rules
from services.foodsavers.logbook.models import Delivery, DeliveryLine, Pickup, PickupLine
from services.foodsavers.logbook.rules import Refusal, RefusalType, brussels_day
from services.foodsavers.logbook.schemas import ClosingIn, RefusedOut, StoredOut, SyncIn, SyncOut
from services.foodsavers.planning.models import Round
from services.foodsavers.portal import COORDINATORS
from services.foodsavers.registry.categories import FRESH
from services.foodsavers.safety import rules as safety
from services.foodsavers.safety import service as safety_service
from services.foodsavers.safety.models import RoundFlag
from services.foodsavers.safety.rules import Balance, Finding
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.events.outbox import stage
from shared.i18n import _
from shared.problems import Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge
from shared.storage import PHOTOS, ObjectStore, ObjectStream, StoredObject

PHOTO_MAX_BYTES = 8 * 1024 * 1024


def is_coordinator(principal: Principal) -> bool:
    return principal.has_any(COORDINATORS)


def round_refusal(principal: Principal, found: repo.RoundRow | None) -> Refusal | None:
    """Whether the principal may log on the round: it exists, is theirs (a coordinator may log on any), and
    is neither cancelled nor closed."""
    if found is None:
        return rules.UNKNOWN_ROUND
    if not is_coordinator(principal) and found.driver_username != principal.username:
        return rules.OTHER_DRIVER
    return rules.ROUND_REFUSALS.get(found.status)


@dataclass
class Batch:
    """What one sync collects on its way: the answer, and the rows to insert per table as columns."""

    stored: list[StoredOut] = field(default_factory=list)
    refused: list[RefusedOut] = field(default_factory=list)
    pickups: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    pickup_lines: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    deliveries: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    delivery_lines: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    verdicts: dict[uuid.UUID, safety.Verdict] = field(default_factory=dict)
    typed: dict[uuid.UUID, tuple[Any, ...]] = field(default_factory=dict)
    """Per id: what the phone sent (the identity an earlier copy must have)."""
    answers: dict[uuid.UUID, int] = field(default_factory=dict)
    """Per id: its place in `stored` (set to already-stored or refused after the insert)."""
    seen: set[uuid.UUID] = field(default_factory=set)

    def refuse(self, item_id: Any, kind: str, refusal: Refusal) -> None:
        self.refused.append(RefusedOut(id=str(item_id), kind=kind, field=refusal.field, type=refusal.type,
                                       reason=refusal.reason))

    def keep(self, item_id: uuid.UUID, kind: str, *, flags: list[str] | None = None,
             blocked: str | None = None) -> None:
        self.answers[item_id] = len(self.stored)
        self.stored.append(StoredOut(id=str(item_id), kind=kind, outcome="stored", flags=flags or [],
                                     blocked=blocked))


async def sync(session: AsyncSession, principal: Principal, body: SyncIn, now: datetime | None = None) -> SyncOut:
    """Stores what the phone sends (see the module's docstring); the answer names every item: stored (new or
    already), or refused with its reason."""
    now = now or datetime.now(UTC)
    tenant = principal.tenant
    lines = sum(len(p.lines) for p in body.pickups) + sum(len(d.lines) for d in body.deliveries)
    if lines > rules.MAX_LINES:
        raise PayloadTooLarge(_("een zending mag hoogstens %(max)s lijnen tellen, deze telt er %(lines)s: "
                                "verstuur ze in delen") % {"max": rules.MAX_LINES, "lines": lines},
                              max_lines=rules.MAX_LINES)
    ids = [_uuid(p.round_id) for p in body.pickups] + [_uuid(d.round_id) for d in body.deliveries] + [
        _uuid(c.round_id) for c in body.closings]
    rounds = await repo.rounds(session, tenant, [i for i in ids if i is not None])
    donors = await repo.donors(session, tenant, [i for p in body.pickups if (i := _uuid(p.donor_id))])
    recipients = await repo.recipients(session, tenant, [i for d in body.deliveries if (i := _uuid(d.recipient_id))])
    stop_ids = [p.stop_id for p in body.pickups] + [d.stop_id for d in body.deliveries]
    stops = await repo.stops(session, tenant, [i for s in stop_ids if (i := _uuid(s))])
    limits = safety.limits_with_defaults(await repo.limits(session, tenant)) if body.pickups else {}
    batch = Batch()
    for pickup in body.pickups:
        _judge_pickup(batch, principal, pickup, rounds, donors, stops, limits, now)
    for delivery in body.deliveries:
        _judge_delivery(batch, principal, delivery, rounds, recipients, stops, now)

    new_pickups = await repo.insert(session, repo.INSERT_PICKUPS, tenant, batch.pickups)
    reused = await _retries(session, tenant, batch, "pickups", batch.pickups, new_pickups, "pickup")
    _drop_lines(batch, batch.pickup_lines, "pickups", reused, "pickup-line")
    new_pickup_lines = await repo.insert(session, repo.INSERT_PICKUP_LINES, tenant, batch.pickup_lines)
    await _retries(session, tenant, batch, "pickup_lines", batch.pickup_lines, new_pickup_lines, "pickup-line")
    new_deliveries = await repo.insert(session, repo.INSERT_DELIVERIES, tenant, batch.deliveries)
    reused = await _retries(session, tenant, batch, "deliveries", batch.deliveries, new_deliveries, "delivery")
    _drop_lines(batch, batch.delivery_lines, "deliveries", reused, "delivery-line")
    new_delivery_lines = await repo.insert(session, repo.INSERT_DELIVERY_LINES, tenant, batch.delivery_lines)
    await _retries(session, tenant, batch, "delivery_lines", batch.delivery_lines, new_delivery_lines,
                   "delivery-line")

    await _effects(session, tenant, batch, rounds, donors, recipients, new_pickups, new_pickup_lines,
                   new_deliveries, new_delivery_lines)
    for closing in body.closings:
        await _close_from_sync(session, principal, batch, closing, rounds, now)
    return SyncOut(stored=batch.stored, refused=batch.refused)


def _uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Header:
    """A pickup's or delivery's header as judged: its id, round, party (donor or recipient) and time."""

    id: uuid.UUID
    round: repo.RoundRow
    party_id: uuid.UUID
    at: datetime


PARTIES = {"pickup": ("donor_id", "deze schenker bestaat niet", "schenker", "ophaling"),
           "delivery": ("recipient_id", "deze ontvanger bestaat niet", "ontvanger", "levering")}


def _judge_header(batch: Batch, principal: Principal, item: Any, kind: str, at: datetime | Refusal,
                  rounds: dict[uuid.UUID, repo.RoundRow], parties: dict[uuid.UUID, repo.Party],
                  stops: dict[uuid.UUID, repo.StopRow], more: Refusal | None = None) -> Header | None:
    """The checks a pickup and a delivery share: a valid id, a round the principal may log on (open), a known
    donor or recipient, a stop of that round and party, a time not in the future. Refused: the header and
    its lines are answered refused, and None comes back. A header twice in the batch: answered once more."""
    field, unknown, party_word, what = PARTIES[kind]
    item_id = _uuid(item.id)
    round_id = _uuid(item.round_id)
    found = rounds.get(round_id) if round_id else None
    party_id = _uuid(getattr(item, field))
    stop_id = _uuid(item.stop_id)
    refusal: Refusal | None
    if item_id is None:
        refusal = Refusal("id", f"de id van deze {what} is geen geldige id")
    elif round_id is None:
        refusal = Refusal("round_id", "de rit ontbreekt")
    else:
        refusal = round_refusal(principal, found)
    if refusal is None:
        if party_id is None or party_id not in parties:
            refusal = Refusal(field, unknown, RefusalType.NOT_FOUND)
        elif item.stop_id not in (None, "") and (
                stop_id is None or (stop := stops.get(stop_id)) is None or found is None
                or stop.round_id != found.id or getattr(stop, field) != party_id):
            refusal = Refusal("stop_id", f"deze stop hoort niet bij deze rit en {party_word}")
        elif isinstance(at, Refusal):
            refusal = at
        elif more is not None:
            refusal = more
        elif item_id in batch.seen:
            batch.stored.append(StoredOut(id=str(item_id), kind=kind, outcome="already-stored"))
            return None
    if refusal is not None or item_id is None or found is None or party_id is None or isinstance(at, Refusal):
        refusal = refusal or Refusal("id", f"deze {what} is onvolledig")
        batch.refuse(item.id, kind, refusal)
        for line in item.lines:
            batch.refuse(line.id, f"{kind}-line", Refusal(refusal.field, f"de {what} is geweigerd: {refusal.reason}",
                                                          refusal.type))
        return None
    batch.seen.add(item_id)
    return Header(item_id, found, party_id, at)


def _judge_pickup(batch: Batch, principal: Principal, pickup: Any, rounds: dict[uuid.UUID, repo.RoundRow],
                  donors: dict[uuid.UUID, repo.Party], stops: dict[uuid.UUID, repo.StopRow],
                  limits: dict[Any, safety.Limit], now: datetime) -> None:
    at = rules.a_moment(pickup.picked_up_at, "picked_up_at", now, "de ophaling")
    left_behind = rules.grams_of(pickup.left_behind_grams or 0, "left_behind_grams", None,
                                 "het achtergelaten gewicht")
    header = _judge_header(batch, principal, pickup, "pickup", at, rounds, donors, stops,
                           left_behind if isinstance(left_behind, Refusal) else None)
    if header is None:
        return
    pickup_id, found, donor_id, at = header.id, header.round, header.party_id, header.at
    stop_id = _uuid(pickup.stop_id)
    assert isinstance(left_behind, int)
    columns = batch.pickups
    columns["ids"].append(pickup_id)
    columns["rounds"].append(found.id)
    columns["stops"].append(stop_id)
    columns["donors"].append(donor_id)
    columns["ats"].append(at)
    columns["van_full"].append(pickup.van_full is True)
    columns["left_behind"].append(left_behind)
    columns["notes"].append(rules.a_text(pickup.note, 2000))
    columns["drivers"].append(found.driver_id)
    batch.typed[pickup_id] = (found.id, donor_id, at)
    batch.keep(pickup_id, "pickup")
    day = brussels_day(at)
    for line in pickup.lines:
        line_id = _new_line_id(batch, line.id, "pickup-line")
        if line_id is None:
            continue
        checked = rules.check_pickup_line(line, line_id, found.capacity_grams)
        if isinstance(checked, Refusal):
            batch.refuse(line.id, "pickup-line", checked)
            continue
        batch.seen.add(line_id)
        verdict = safety.judge_line(checked.category, checked.date_kind, checked.best_date, checked.celsius, day,
                                    limits)
        grams, refused, reason = checked.grams, checked.refused_grams, checked.refused_reason
        if verdict.blocked is not None:
            grams, refused, reason = 0, checked.grams + checked.refused_grams, verdict.blocked
        lc = batch.pickup_lines
        lc["ids"].append(line_id)
        lc["pickups"].append(pickup_id)
        lc["rounds"].append(found.id)
        lc["donors"].append(donor_id)
        lc["ats"].append(at)
        lc["categories"].append(checked.category.value)
        lc["grams"].append(grams)
        lc["refused"].append(refused)
        lc["reasons"].append(reason)
        lc["date_kinds"].append(checked.date_kind.value)
        lc["best_dates"].append(checked.best_date)
        lc["celsius"].append(checked.celsius)
        lc["flags"].append(verdict.flags[0] if verdict.flags else "")
        if verdict.finding is not None:
            batch.verdicts[line_id] = verdict
        batch.typed[line_id] = (pickup_id, checked.category.value, checked.grams + checked.refused_grams)
        batch.keep(line_id, "pickup-line", flags=list(verdict.flags), blocked=verdict.blocked)


def _new_line_id(batch: Batch, raw: Any, kind: str) -> uuid.UUID | None:
    """A line's id as the phone made it, when this batch has not met it yet; None (with the line refused, or
    answered already-stored when it came twice in the batch) otherwise."""
    line_id = _uuid(raw)
    if line_id is None:
        batch.refuse(raw, kind, Refusal("id", "de id van deze lijn is geen geldige id"))
        return None
    if line_id in batch.seen:
        batch.stored.append(StoredOut(id=str(line_id), kind=kind, outcome="already-stored"))
        return None
    return line_id


def _judge_delivery(batch: Batch, principal: Principal, delivery: Any, rounds: dict[uuid.UUID, repo.RoundRow],
                    recipients: dict[uuid.UUID, repo.Party], stops: dict[uuid.UUID, repo.StopRow],
                    now: datetime) -> None:
    at = rules.a_moment(delivery.delivered_at, "delivered_at", now, "de levering")
    header = _judge_header(batch, principal, delivery, "delivery", at, rounds, recipients, stops)
    if header is None:
        return
    delivery_id, found, recipient_id, at = header.id, header.round, header.party_id, header.at
    stop_id = _uuid(delivery.stop_id)
    columns = batch.deliveries
    columns["ids"].append(delivery_id)
    columns["rounds"].append(found.id)
    columns["stops"].append(stop_id)
    columns["recipients"].append(recipient_id)
    columns["ats"].append(at)
    columns["confirmed"].append(rules.a_text(delivery.confirmed_by, 200))
    columns["notes"].append(rules.a_text(delivery.note, 2000))
    columns["drivers"].append(found.driver_id)
    batch.typed[delivery_id] = (found.id, recipient_id, at)
    batch.keep(delivery_id, "delivery")
    for line in delivery.lines:
        line_id = _new_line_id(batch, line.id, "delivery-line")
        if line_id is None:
            continue
        checked = rules.check_delivery_line(line, line_id, found.capacity_grams)
        if isinstance(checked, Refusal):
            batch.refuse(line.id, "delivery-line", checked)
            continue
        batch.seen.add(line_id)
        lc = batch.delivery_lines
        lc["ids"].append(line_id)
        lc["deliveries"].append(delivery_id)
        lc["rounds"].append(found.id)
        lc["recipients"].append(recipient_id)
        lc["ats"].append(at)
        lc["categories"].append(checked.category.value)
        lc["grams"].append(checked.grams)
        batch.typed[line_id] = (delivery_id, checked.category.value, checked.grams)
        batch.keep(line_id, "delivery-line")


def _drop_lines(batch: Batch, columns: dict[str, list[Any]], parent: str, refused: set[uuid.UUID],
                kind: str) -> None:
    """The lines of headers refused after the insert (an id reused): refused with them, not inserted."""
    if not refused or not columns.get("ids"):
        return
    keep = [n for n, p in enumerate(columns[parent]) if p not in refused]
    for n, line_id in enumerate(columns["ids"]):
        if columns[parent][n] in refused:
            batch.refuse(line_id, kind, Refusal("id", "de ophaling of levering van deze lijn is geweigerd: haar id "
                                                      "werd al gebruikt", RefusalType.ID_REUSED))
    dropped = {columns["ids"][n] for n in range(len(columns["ids"])) if n not in set(keep)}
    for name in list(columns):
        columns[name] = [columns[name][n] for n in keep]
    batch.stored[:] = [s for s in batch.stored if uuid.UUID(s.id) not in dropped or s.outcome != "stored"]
    batch.answers = {uuid.UUID(s.id): n for n, s in enumerate(batch.stored)}


IDENTITY = {
    "pickups": "round_id, donor_id, picked_up_at",
    "deliveries": "round_id, recipient_id, delivered_at",
    "pickup_lines": "pickup_id, category, grams + refused_grams, grams, refused_reason, flags",
    "delivery_lines": "delivery_id, category, grams",
}
WHATS = {"pickups": "ophaling", "deliveries": "levering", "pickup_lines": "lijn", "delivery_lines": "lijn"}


async def _retries(session: AsyncSession, tenant: str, batch: Batch, table: str, columns: dict[str, list[Any]],
                   new: set[uuid.UUID], kind: str) -> set[uuid.UUID]:
    """The items of the batch an earlier sync stored: already-stored when they are the same, refused when the
    id was used for something else (never overwritten). Answers the refused ids."""
    old = [i for i in columns.get("ids", []) if i not in new]
    if not old:
        return set()
    found = await repo.stored(session, tenant, table, IDENTITY[table], old)
    reused: set[uuid.UUID] = set()
    for item_id in old:
        answer = batch.stored[batch.answers[item_id]]
        earlier = found.get(item_id)
        typed = batch.typed[item_id]
        if earlier is not None and tuple(earlier[:3]) == typed:
            answer.outcome = "already-stored"
            if table == "pickup_lines":
                answer.flags = list(earlier[5] or [])
                answer.blocked = earlier[4] if earlier[3] == 0 and safety.is_safety_reason(earlier[4]) else None
            continue
        reused.add(item_id)
        batch.refuse(item_id, kind, Refusal("id", f"deze id werd al gebruikt voor een andere {WHATS[table]}: "
                                                  "maak een nieuwe registratie", RefusalType.ID_REUSED))
    if reused:
        batch.stored[:] = [s for s in batch.stored if uuid.UUID(s.id) not in reused]
        batch.answers = {uuid.UUID(s.id): n for n, s in enumerate(batch.stored)}
    return reused


def _column_rows(columns: dict[str, list[Any]], wanted: set[uuid.UUID]) -> list[dict[str, Any]]:
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*(columns[n] for n in names), strict=True)
            if values[0] in wanted]


async def _effects(session: AsyncSession, tenant: str, batch: Batch, rounds: dict[uuid.UUID, repo.RoundRow],
                   donors: dict[uuid.UUID, repo.Party], recipients: dict[uuid.UUID, repo.Party],
                   new_pickups: set[uuid.UUID], new_pickup_lines: set[uuid.UUID], new_deliveries: set[uuid.UUID],
                   new_delivery_lines: set[uuid.UUID]) -> None:
    """What the new rows bring: totals, register entries and flags, rounds under way and stops done, events."""
    pickups = {r["ids"]: r for r in _column_rows(batch.pickups, new_pickups)}
    pickup_lines = _column_rows(batch.pickup_lines, new_pickup_lines)
    deliveries_all = {r["ids"]: r for r in _column_rows(batch.deliveries, set(batch.deliveries.get("ids", [])))}
    delivery_lines = _column_rows(batch.delivery_lines, new_delivery_lines)
    deltas: list[Delta] = []
    started: dict[uuid.UUID, datetime] = {}
    done: dict[uuid.UUID, datetime] = {}
    for line in pickup_lines:
        found = rounds[line["rounds"]]
        donor = donors[line["donors"]]
        day = brussels_day(line["ats"])
        if line["grams"]:
            deltas.append(Delta(day, Flow.PICKED_UP, line["categories"], found.kind, line["grams"],
                                donor_id=donor.id, municipality=donor.municipality))
        if line["refused"]:
            deltas.append(Delta(day, Flow.REFUSED, line["categories"], found.kind, line["refused"],
                                donor_id=donor.id, municipality=donor.municipality))
    for line in delivery_lines:
        found = rounds[line["rounds"]]
        recipient = recipients[line["recipients"]]
        deltas.append(Delta(brussels_day(line["ats"]), Flow.DELIVERED, line["categories"], found.kind,
                            line["grams"], recipient_id=recipient.id, municipality=recipient.municipality))
    await totals.add(session, tenant, deltas)

    for header in (*pickups.values(), *(deliveries_all[i] for i in new_deliveries)):
        at = header["ats"]
        if header["rounds"] not in started or at < started[header["rounds"]]:
            started[header["rounds"]] = at
        if header["stops"] is not None:
            done[header["stops"]] = at
    await repo.start_rounds(session, tenant,
                            {r: at for r, at in started.items() if rounds[r].status == "planned"})
    await repo.stops_done(session, tenant, done)

    # Food safety: the register and the round's flags.
    entries = []
    flagged: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for line in pickup_lines:
        verdict = batch.verdicts.get(line["ids"])
        if verdict is None or verdict.finding is None:
            continue
        detail = dict(verdict.detail)
        entries.append({"kind": verdict.finding.value, "outcome": "refused" if verdict.blocked else "flagged",
                        "round_id": line["rounds"], "pickup_id": line["pickups"], "line_id": line["ids"],
                        "donor_id": line["donors"], "category": line["categories"],
                        "grams": line["refused"] if verdict.blocked else line["grams"],
                        "detail": {**detail, "reason": verdict.blocked or safety.FINDING_LABELS[verdict.finding]},
                        "occurred_at": line["ats"]})
        if not verdict.blocked:
            flagged[line["rounds"]].append({"line_id": str(line["ids"]), "category": line["categories"], **detail})
    await safety_service.register(session, tenant, entries)
    for round_id, lines in flagged.items():
        await safety_service.raise_flag(session, tenant, round_id, Finding.TEMPERATURE,
                                        {"lines": {item["line_id"]: item for item in lines}})
    for pickup in pickups.values():
        if pickup["van_full"]:
            await safety_service.raise_flag(session, tenant, pickup["rounds"], Finding.VAN_FULL, {
                "pickups": {str(pickup["ids"]): {"donor_id": str(pickup["donors"]),
                                                 "donor_name": donors[pickup["donors"]].name,
                                                 "left_behind_grams": pickup["left_behind"],
                                                 "picked_up_at": pickup["ats"].isoformat()}}})

    # Events.
    lines_of: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for line in pickup_lines:
        lines_of[line["pickups"]].append(line)
    for pickup_id, pickup in pickups.items():
        mine = lines_of.get(pickup_id, [])
        stage(session, PickupLoggedV1(
            pickup_id=str(pickup_id), round_id=str(pickup["rounds"]), donor_id=str(pickup["donors"]),
            donor_name=donors[pickup["donors"]].name, picked_up_at=pickup["ats"],
            grams=sum(li["grams"] for li in mine), refused_grams=sum(li["refused"] for li in mine),
            fresh_grams=sum(li["grams"] for li in mine if li["categories"] in FRESH),
            lines=_per_category(mine), van_full=pickup["van_full"], left_behind_grams=pickup["left_behind"]),
            tenant=tenant, subject=str(pickup_id))
    delivered_of: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for line in delivery_lines:
        delivered_of[line["deliveries"]].append(line)
    if not delivered_of:
        return
    method = await methods.current_method(session, tenant)
    for delivery_id, mine in delivered_of.items():
        header = deliveries_all[delivery_id]
        found = rounds[header["rounds"]]
        recipient = recipients[header["recipients"]]
        by_category: dict[str, int] = defaultdict(int)
        for line in mine:
            by_category[line["categories"]] += line["grams"]
        impact = methods.gross_impact(method, by_category)
        rescued = found.kind != "fead"
        stage(session, DeliveryCompletedV1(
            delivery_id=str(delivery_id), round_id=str(found.id), recipient_id=str(recipient.id),
            recipient_name=recipient.name, recipient_enterprise_number=recipient.enterprise_number,
            recipient_municipality=recipient.municipality, delivered_at=header["ats"], grams=impact.grams,
            fresh_grams=impact.fresh_grams, co2_eq_grams=impact.co2_eq_grams if rescued else 0,
            value_cents=impact.value_cents if rescued else 0, people_served=recipient.people_served,
            lines=_per_category(mine), round_kind=found.kind), tenant=tenant, subject=str(delivery_id))


def _per_category(lines: list[dict[str, Any]]) -> list[CategoryGramsV1]:
    grams: dict[str, int] = defaultdict(int)
    for line in lines:
        grams[line["categories"]] += line["grams"]
    return [CategoryGramsV1(category=c, grams=g) for c, g in sorted(grams.items())]


# --- closing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Closed:
    round: repo.RoundRow
    balance: Balance
    totals: dict[str, Any]


async def _close_from_sync(session: AsyncSession, principal: Principal, batch: Batch, closing: ClosingIn,
                           rounds: dict[uuid.UUID, repo.RoundRow], now: datetime) -> None:
    round_id = _uuid(closing.round_id)
    found = rounds.get(round_id) if round_id else None
    refusal = round_refusal(principal, found)
    if found is not None and found.status == "closed" and refusal is rules.ROUND_REFUSALS["closed"]:
        batch.stored.append(StoredOut(id=str(found.id), kind="closing", outcome="already-stored"))
        return
    at = rules.a_moment(closing.closed_at, "closed_at", now, "de afsluiting") if closing.closed_at else now
    km = closing.km
    checks: list[Refusal | None] = [
        refusal,
        at if isinstance(at, Refusal) else None,
        None if km is None or (isinstance(km, int) and not isinstance(km, bool) and 0 <= km <= 2000)
        else Refusal("km", f"{km!r} km kan niet: geef de gereden afstand in hele kilometer (0 tot 2000)"),
    ]
    left = rules.grams_of(closing.left_in_van_grams or 0, "left_in_van_grams", None, "wat nog in de bestelwagen zit")
    discarded = rules.grams_of(closing.discarded_grams or 0, "discarded_grams", None, "het weggegooide gewicht")
    checks += [left if isinstance(left, Refusal) else None, discarded if isinstance(discarded, Refusal) else None]
    problem = next((c for c in checks if c is not None), None)
    if problem is not None or found is None:
        batch.refuse(closing.round_id, "closing", problem or rules.UNKNOWN_ROUND)
        return
    assert isinstance(at, datetime) and isinstance(left, int) and isinstance(discarded, int)
    await _close(session, principal, found, at, km, left, discarded)
    rounds[found.id] = repo.RoundRow(**{**found.__dict__, "status": "closed"})
    batch.stored.append(StoredOut(id=str(found.id), kind="closing", outcome="stored"))


async def _close(session: AsyncSession, principal: Principal, found: repo.RoundRow, at: datetime, km: int | None,
                 left_in_van: int, discarded: int) -> Closed:
    figures = await repo.figures(session, principal.tenant, found.id)
    picked, delivered = sum(figures.picked_up.values()), sum(figures.delivered.values())
    refused = sum(figures.refused.values())
    balance = Balance(picked, delivered, discarded, left_in_van)
    categories = sorted({*figures.picked_up, *figures.delivered, *figures.refused})
    round_totals: dict[str, Any] = {
        "picked_up": picked, "delivered": delivered, "refused": refused, "left_in_van": left_in_van,
        "discarded": discarded, "deliveries": figures.deliveries, "balanced": balance.holds,
        "difference": balance.difference,
        "per_category": {c: {"picked_up": figures.picked_up.get(c, 0), "delivered": figures.delivered.get(c, 0),
                             "refused": figures.refused.get(c, 0)} for c in categories},
    }
    await session.execute(text("""
        UPDATE rounds SET status = 'closed', closed_at = :at, closed_by = :by, km = COALESCE(:km, km),
                          totals = CAST(:totals AS jsonb), started_at = COALESCE(started_at, :at),
                          updated_at = now(), version = version + 1
         WHERE id = :id AND tenant = :tenant"""), {
        "at": at, "by": principal.username or principal.subject, "km": km, "totals": json.dumps(round_totals),
        "id": found.id, "tenant": principal.tenant})
    if not balance.holds:
        await safety_service.raise_flag(session, principal.tenant, found.id, Finding.MASS_BALANCE,
                                        balance.as_detail())
    stage(session, RoundClosedV1(
        round_id=str(found.id), day=found.day, kind=found.kind, picked_up_grams=picked, delivered_grams=delivered,
        refused_grams=refused, left_in_van_grams=left_in_van, deliveries=figures.deliveries,
        balanced=balance.holds, km=km if km is not None else found.km), tenant=principal.tenant,
        subject=str(found.id))
    return Closed(found, balance, round_totals)


async def close_round(session: AsyncSession, principal: Principal, round_id: uuid.UUID, *, km: int | None,
                      left_in_van_grams: int, discarded_grams: int, closed_at: datetime | None = None) -> Closed:
    """Closes the round (its driver or a coordinator): its totals kept on it, its mass balance judged (a flag
    for the coordinator when it does not hold), round.closed announced. 409 when closed already or cancelled."""
    now = datetime.now(UTC)
    found = (await repo.rounds(session, principal.tenant, [round_id])).get(round_id)
    refusal = round_refusal(principal, found)
    if found is None:
        raise NotFound(_("deze rit bestaat niet"))
    if refusal is rules.OTHER_DRIVER:
        raise Forbidden(_(refusal.reason))
    if refusal is not None:
        raise Conflict(_(refusal.reason), status_now=found.status)
    at = closed_at.astimezone(UTC) if closed_at else now
    if at > now + rules.CLOCK_SKEW:
        raise Invalid(_("het tijdstip van de afsluiting ligt in de toekomst"), field="closed_at")
    if km is not None and not 0 <= km <= 2000:
        raise Invalid(_("%(km)s km kan niet: geef de gereden afstand in hele kilometer (0 tot 2000)") % {"km": km},
                      field="km")
    for name, value in (("left_in_van_grams", left_in_van_grams), ("discarded_grams", discarded_grams)):
        if value < 0:
            raise Invalid(_("een gewicht kan niet negatief zijn"), field=name)
    return await _close(session, principal, found, at, km, left_in_van_grams, discarded_grams)


# --- reading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundLogbook:
    round: Round
    driver_name: str
    pickups: list[tuple[Pickup, str, list[PickupLine]]]
    """Each pickup with its donor's name and its lines."""
    deliveries: list[tuple[Delivery, str, list[DeliveryLine]]]
    balance: Balance
    refused_grams: int
    flags: list[RoundFlag]


async def round_logbook(session: AsyncSession, tenant: str, round_id: uuid.UUID) -> RoundLogbook:
    """A round's pickups and deliveries with their lines, its mass balance (as closed, or as it stands) and its
    flags. NotFound for a round of no one in this tenant."""
    found = (await session.scalars(select(Round).where(Round.tenant == tenant, Round.id == round_id))).first()
    if found is None:
        raise NotFound(_("deze rit bestaat niet"))
    driver = (await session.execute(text("SELECT name FROM drivers WHERE id = :id"), {"id": found.driver_id})).scalar()
    pickups = (await session.scalars(select(Pickup).where(Pickup.tenant == tenant, Pickup.round_id == round_id)
                                     .order_by(Pickup.picked_up_at, Pickup.id))).all()
    pickup_lines = (await session.scalars(select(PickupLine).where(
        PickupLine.tenant == tenant, PickupLine.round_id == round_id).order_by(PickupLine.id))).all()
    deliveries = (await session.scalars(select(Delivery).where(
        Delivery.tenant == tenant, Delivery.round_id == round_id).order_by(Delivery.delivered_at, Delivery.id))).all()
    delivery_lines = (await session.scalars(select(DeliveryLine).where(
        DeliveryLine.tenant == tenant, DeliveryLine.round_id == round_id).order_by(DeliveryLine.id))).all()
    names: dict[uuid.UUID, str] = dict((await session.execute(text(
        "SELECT id, name FROM donors WHERE id = ANY(CAST(:d AS uuid[])) UNION ALL "
        "SELECT id, name FROM recipients WHERE id = ANY(CAST(:r AS uuid[]))"),
        {"d": list({p.donor_id for p in pickups}), "r": list({d.recipient_id for d in deliveries})})).tuples().all())
    flags = (await session.scalars(select(RoundFlag).where(RoundFlag.tenant == tenant, RoundFlag.round_id == round_id)
                                   .order_by(RoundFlag.raised_at, RoundFlag.id))).all()
    totals_now = found.totals or {}
    picked = sum(li.grams for li in pickup_lines)
    delivered = sum(li.grams for li in delivery_lines)
    balance = Balance(picked, delivered, int(totals_now.get("discarded", 0)), int(totals_now.get("left_in_van", 0)))
    return RoundLogbook(
        round=found, driver_name=driver or "",
        pickups=[(p, names.get(p.donor_id, ""), [li for li in pickup_lines if li.pickup_id == p.id]) for p in pickups],
        deliveries=[(d, names.get(d.recipient_id, ""), [li for li in delivery_lines if li.delivery_id == d.id])
                    for d in deliveries],
        balance=balance, refused_grams=sum(li.refused_grams for li in pickup_lines), flags=list(flags))


async def may_read_round(session: AsyncSession, principal: Principal, round_id: uuid.UUID) -> None:
    """A coordinator reads every round; a driver their own (403 otherwise, 404 when there is none)."""
    row = (await session.execute(text(
        "SELECT d.username FROM rounds r JOIN drivers d ON d.id = r.driver_id WHERE r.tenant = :t AND r.id = :id"),
        {"t": principal.tenant, "id": round_id})).first()
    if row is None:
        raise NotFound(_("deze rit bestaat niet"))
    if not is_coordinator(principal) and row[0] != principal.username:
        raise Forbidden(_("deze rit is van een andere chauffeur"))


# --- photos -------------------------------------------------------------------------------------------------


async def _pickup_of(session: AsyncSession, principal: Principal, pickup_id: uuid.UUID) -> Pickup:
    pickup = (await session.scalars(select(Pickup).where(Pickup.tenant == principal.tenant, Pickup.id == pickup_id)
                                    )).first()
    if pickup is None:
        raise NotFound(_("deze ophaling bestaat niet (nog niet gesynchroniseerd?)"))
    await may_read_round(session, principal, pickup.round_id)
    return pickup


async def put_photo(units: UnitOfWork, principal: Principal, store: ObjectStore, pickup_id: uuid.UUID, *,
                    content_type: str, chunks: AsyncIterable[bytes]) -> StoredObject:
    """The pickup's photo (JPEG, PNG or WebP, at most 8 MB) into object storage under
    <tenant>/pickups/<pickup id>/<file id>, then recorded on the pickup in a short transaction; a second photo
    replaces the first (the earlier object is removed once the new one is recorded)."""
    async with units() as session:
        await _pickup_of(session, principal, pickup_id)
    uploaded = await store.upload(chunks, tenant=principal.tenant, aggregate="pickups", aggregate_id=str(pickup_id),
                                  filename=f"foto-{pickup_id}", claimed_type=content_type, accepted=PHOTOS,
                                  max_bytes=PHOTO_MAX_BYTES)
    async with store.removed_unless_kept(uploaded.key) as upload:
        async with units() as session:
            pickup = await _pickup_of(session, principal, pickup_id)
            before = pickup.photo_key
            pickup.photo_key = uploaded.key
            await session.flush()
            upload.kept = True
    if before and before != uploaded.key:
        try:
            await store.remove(before)
        except Exception:  # noqa: BLE001 - an orphaned earlier photo costs storage, never correctness
            pass
    return uploaded


async def read_photo(session: AsyncSession, principal: Principal, store: ObjectStore,
                     pickup_id: uuid.UUID) -> tuple[str, ObjectStream]:
    pickup = await _pickup_of(session, principal, pickup_id)
    if not pickup.photo_key:
        raise NotFound(_("deze ophaling heeft geen foto"))
    found = await store.stream(pickup.photo_key, principal.tenant)
    kind = await asyncio.to_thread(store.client.stat_object, store.bucket, pickup.photo_key)
    return str(kind.content_type or "application/octet-stream"), found

