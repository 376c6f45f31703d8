"""The foodsavers demo: Foodsavers Westhoek's first half year (15 June – 31 December 2020) in west-vlaanderen,
through foodsavers' own API with the demo users' tokens (devstack/demo_foodsavers_content.py says what), so every
rule, total and event applies as it would for a real driver:

1. the registry (three Colruyt branches, the food bank for FEAD, six food-aid organisations in five
   municipalities, the five local governments as FEAD receivers, one refrigerated van, the three drivers, who are
   the demo logins `driver`, `driver2` and `driver3`) by the coordinator;
2. planning: one rescue series per weekday (drivers rotate by day, the coast and inland routes alternate) and the
   weekly FEAD transport from October; the rounds on public holidays cancelled;
3. per round one sync batch as the driver's phone sends it (`POST /{t}/sync` as the round's driver, ids made by
   the "phone" — deterministic, so an interrupted load resumes without counting twice) with pickups, deliveries
   and the closing, from a seeded plan whose rescued food delivered is exactly 5,700,000 g, 52% of it fresh
   produce; a few refused lines, two van-full flags and one round whose mass balance does not hold;
4. the report "Foodsavers Westhoek 2020 (15/06 – 31/12)" by the flat method, published (frozen).

Safe to run twice: what exists (by name, by title; a round already closed or cancelled) is left alone."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from devstack import demo_foodsavers_content as content
from devstack.demo_foodsavers_content import Place, Series

Token = Callable[[str, str], dict[str, str]]
BRUSSELS = ZoneInfo("Europe/Brussels")
NAMESPACE = uuid.UUID("5f1b0c1e-9d8e-4e3a-9c59-6f0d5e7a2020")
"""The ids the demo's "phones" make are uuid5 in this namespace of what they name: the same on every run."""
UNIT = 100
"""Weights are planned in units of 100 g."""
CHILLED_DAYS = {"dairy": 4, "meat-fish": 1, "prepared-meals": 1}
"""Use-by date of chilled surplus: days after the pickup."""


@dataclass
class Line:
    category: str
    grams: int
    refused_grams: int = 0
    refused_reason: str = ""


@dataclass
class Pickup:
    donor: str
    lines: list[Line]
    van_full: bool = False
    left_behind_grams: int = 0


@dataclass
class Load:
    """What one round carries: the pickups per donor, the deliveries per recipient (grams per category)."""

    series: Series
    day: date
    pickups: list[Pickup] = field(default_factory=list)
    deliveries: list[tuple[str, dict[str, int]]] = field(default_factory=list)

    def delivered(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for _, grams in self.deliveries:
            for category, g in grams.items():
                total[category] = total.get(category, 0) + g
        return total


def apportion(units: int, weights: list[float]) -> list[int]:
    """`units` split over `weights` in whole units, summing exactly (largest remainder)."""
    total = sum(weights)
    if total <= 0:
        return [0] * len(weights)
    shares = [units * w / total for w in weights]
    whole = [int(s) for s in shares]
    for i in sorted(range(len(shares)), key=lambda i: whole[i] - shares[i])[:units - sum(whole)]:
        whole[i] += 1
    return whole


def driving_days(series: Series) -> Iterator[date]:
    day = series.starts_on
    while day <= content.PERIOD[1]:
        if day.isoweekday() == series.weekday and day not in content.HOLIDAYS:
            yield day
        day += timedelta(days=1)


def plan(seed: int = 2020) -> dict[tuple[str, date], Load]:
    """Every round's load, from a seeded RNG: the rescued food delivered sums to content.RESCUED_GRAMS split
    exactly by content.MIX; FEAD rounds carry dry goods from the food bank."""
    rng = random.Random(seed)
    recipients = {r.name: r for r in content.RECIPIENTS}
    loads = {(s.name, day): Load(s, day) for s in content.SERIES for day in driving_days(s)}
    rescue = sorted((load for load in loads.values() if load.series.kind == "rescue"), key=lambda lo: lo.day)
    per_round: list[dict[str, int]] = [{} for _ in rescue]
    for category, percent in content.MIX.items():
        occasional = category in ("meat-fish", "prepared-meals")
        weights = [0.0 if occasional and rng.random() < 0.25 else rng.uniform(0.5, 1.5) for _ in rescue]
        for i, units in enumerate(apportion(content.RESCUED_GRAMS * percent // 100 // UNIT, weights)):
            per_round[i][category] = units * UNIT
    for load, grams in zip(rescue, per_round, strict=True):
        names = load.series.recipients
        split = {c: apportion(g // UNIT, [int(str(recipients[n].extra["people_served"])) * rng.uniform(0.8, 1.2)
                                          for n in names]) for c, g in grams.items()}
        load.deliveries = [(name, {c: units[i] * UNIT for c, units in split.items() if units[i]})
                           for i, name in enumerate(names)]
        picked = dict(grams)
        if load.day == content.MASS_BALANCE_DAY:
            picked["fresh-produce"] += 6_000  # a crate not entered at delivery
        donors = load.series.donors
        by_donor = {c: apportion(g // UNIT, [rng.uniform(0.3, 1.0) for _ in donors]) for c, g in picked.items()}
        for i, donor in enumerate(donors):
            lines = [Line(c, units[i] * UNIT) for c, units in by_donor.items() if units[i]]
            for line in lines:
                if rng.random() < 0.03:
                    line.refused_grams = rng.randrange(5, 31) * UNIT
                    line.refused_reason = rng.choice(content.REFUSED_REASONS)
            full = content.VAN_FULL.get(load.day)
            van_full = full is not None and full[0] == donor
            load.pickups.append(Pickup(donor, lines, van_full, full[1] if full and van_full else 0))
    for load in loads.values():
        if load.series.kind != "fead":
            continue
        aid = rng.randrange(250, 451) * 1000
        load.pickups = [Pickup(load.series.donors[0], [Line("dry", aid)])]
        shares = apportion(aid // UNIT, [rng.uniform(0.7, 1.3) for _ in load.series.recipients])
        load.deliveries = [(name, {"dry": u * UNIT}) for name, u in zip(load.series.recipients, shares, strict=True)]
    return loads


def at(day: date, clock: time, minutes: int = 0) -> str:
    """A Brussels time of `day`, `minutes` after `clock`, as UTC ISO-8601 Z."""
    local = datetime.combine(day, clock, BRUSSELS) + timedelta(minutes=minutes)
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def phone_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def sync_batch(load: Load, round_: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """The batch the driver's phone sends for the whole round: `ids` maps donor and recipient names to ids; the
    round's stops (with their party ids) give each entry its stop."""
    stops = {str(s.get("donor_id") or s.get("recipient_id") or s.get("party_id")): s["id"]
             for s in round_.get("stops", [])}
    start = time.fromisoformat(load.series.start_time)
    key = (load.series.name, load.day)
    pickups = []
    for n, pickup in enumerate(load.pickups):
        picked_at = at(load.day, start, 30 + 35 * n)
        lines = []
        for m, line in enumerate(pickup.lines):
            days = CHILLED_DAYS.get(line.category)
            kind, best = (("use-by", load.day + timedelta(days=days)) if days
                          else ("best-before", load.day + timedelta(days=180)) if line.category == "dry"
                          else ("none", None))
            celsius = None if days is None else f"{3 + (m * 7 + n * 3) % 30 / 10:.1f}"
            lines.append({"id": phone_id(*key, "pickup", n, m), "category": line.category, "grams": line.grams,
                          "refused_grams": line.refused_grams, "refused_reason": line.refused_reason,
                          "date_kind": kind, "best_date": best.isoformat() if best else None, "celsius": celsius})
        if (load.day, n) == content.EXPIRED_LINE:
            # A line the driver weighed although its use-by date had passed: the service blocks it (its weight
            # is kept as refused, in the food-safety register); what was loaded stays as planned.
            lines.append({"id": phone_id(*key, "pickup", n, "expired"), "category": "dairy", "grams": 2500,
                          "refused_grams": 0, "refused_reason": "", "date_kind": "use-by",
                          "best_date": (load.day - timedelta(days=1)).isoformat(), "celsius": "4.2"})
        donor_id = ids[pickup.donor]
        pickups.append({"id": phone_id(*key, "pickup", n), "round_id": round_["id"], "stop_id": stops.get(donor_id),
                        "donor_id": donor_id, "picked_up_at": picked_at, "van_full": pickup.van_full,
                        "left_behind_grams": pickup.left_behind_grams,
                        "note": "Koelcel vol, kratten blijven staan." if pickup.van_full else "", "lines": lines})
    first_delivery = 30 + 35 * len(load.pickups) + 40
    deliveries = []
    for n, (recipient, grams) in enumerate(load.deliveries):
        recipient_id = ids[recipient]
        deliveries.append({
            "id": phone_id(*key, "delivery", n), "round_id": round_["id"], "stop_id": stops.get(recipient_id),
            "recipient_id": recipient_id, "delivered_at": at(load.day, start, first_delivery + 35 * n),
            "confirmed_by": "Verantwoordelijke van dienst", "note": "",
            "lines": [{"id": phone_id(*key, "delivery", n, category), "category": category, "grams": g}
                      for category, g in sorted(grams.items())]})
    closing = {"round_id": round_["id"], "km": load.series.km, "left_in_van_grams": 0, "discarded_grams": 0,
               "closed_at": at(load.day, start, first_delivery + 35 * len(load.deliveries))}
    return {"pickups": pickups, "deliveries": deliveries, "closings": [closing]}


def body_of(place: Place) -> dict[str, Any]:
    return {"name": place.name, "kind": place.kind, "municipality": place.municipality, "street": place.street,
            "postcode": place.postcode, **place.extra}


class FoodsaversDemo:
    def __init__(self, http: httpx.Client, foodsavers: str, token: Token, tenant: str = content.TENANT) -> None:
        self.http = http
        self.tenant = tenant
        self.base = f"{foodsavers}/{tenant}"
        self.token = token

    def coordinator(self) -> dict[str, str]:
        return self.token(self.tenant, "coordinator")

    def call(self, method: str, path: str, user: str = "coordinator", expect: tuple[int, ...] = (200, 201),
             **kwargs: Any) -> httpx.Response:
        headers = {**self.token(self.tenant, user), **kwargs.pop("headers", {})}
        response = self.http.request(method, f"{self.base}{path}", headers=headers, **kwargs)
        if response.status_code not in expect:
            raise RuntimeError(f"foodsavers demo: {method} {path}: {response.status_code} {response.text[:500]}")
        return response

    def listing(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a cursor-paginated list (or a plain JSON list)."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            body = self.call("GET", path, params={"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
                             ).json()
            if isinstance(body, list):
                return body
            found += body["items"]
            cursor = body.get("next_cursor")
            if not cursor:
                return found

    def seed(self) -> dict[str, int]:
        counts = {"foodsavers registry entries": 0, "foodsavers rounds logged": 0, "foodsavers reports": 0}
        ids = self.registry(counts)
        series = self.planning(ids)
        loads = plan()
        for round_ in self.listing("/rounds", **{"from": content.PERIOD[0].isoformat(),
                                                 "until": content.PERIOD[1].isoformat()}):
            name = series.get(str(round_.get("series_id")))
            if name is None or round_["status"] in ("closed", "cancelled"):
                continue
            day = date.fromisoformat(round_["day"])
            if day in content.HOLIDAYS:
                self.call("POST", f"/rounds/{round_['id']}/cancel", json={"reason": content.HOLIDAYS[day]},
                          headers={"If-Match": f'"{round_["version"]}"'})
                continue
            load = loads.get((name, day))
            if load is None:
                continue
            if "stops" not in round_:
                round_ = self.call("GET", f"/rounds/{round_['id']}").json()
            answer = self.call("POST", "/sync", user=load.series.driver, json=sync_batch(load, round_, ids)).json()
            if answer["refused"]:
                raise RuntimeError(f"foodsavers demo: {day} {name}: refused {answer['refused'][:3]}")
            counts["foodsavers rounds logged"] += 1
        counts["foodsavers reports"] += self.report()
        self.today(ids)
        return counts

    def today(self, ids: dict[str, str]) -> None:
        """A round for `driver` every day from the first run on (open-ended, so the service keeps it six weeks
        ahead): whoever tries the driver's app finds today's round with its stops."""
        if any(s["name"] == content.CURRENT_SERIES for s in self.listing("/series")):
            return
        route = content.SERIES[0]
        stops = [{"kind": "pickup", "donor_id": ids[d]} for d in route.donors]
        stops += [{"kind": "delivery", "recipient_id": ids[r]} for r in route.recipients]
        self.call("POST", "/series", json={
            "name": content.CURRENT_SERIES, "kind": "rescue", "weekdays": [1, 2, 3, 4, 5, 6, 7],
            "starts_on": datetime.now(BRUSSELS).date().isoformat(), "ends_on": None, "start_time": "08:00",
            "driver_id": ids["driver"], "vehicle_id": ids["vehicle"], "stops": stops},
            headers={"Idempotency-Key": phone_id("series", content.CURRENT_SERIES)})

    def registry(self, counts: dict[str, int]) -> dict[str, str]:
        """Name (or driver login) → id of everything the demo registers, registering what is missing."""
        ids: dict[str, str] = {}
        places = (*content.DONORS, content.FOOD_BANK), (*content.RECIPIENTS, *content.LOCAL_GOVERNMENTS)
        for collection, entries in zip(("donors", "recipients"), places, strict=True):
            for place in entries:
                ids[place.name] = self.ensure(collection, place.name, body_of(place), counts)
        ids["vehicle"] = self.ensure("vehicles", str(content.VEHICLE["name"]), content.VEHICLE, counts)
        for username, name in content.DRIVERS.items():
            existing = self.listing("/drivers", username=username)
            mine = [d for d in existing if d["username"] == username]
            if mine:
                ids[username] = mine[0]["id"]
            else:
                ids[username] = self.call("POST", "/drivers", json={"name": name, "username": username}).json()["id"]
                counts["foodsavers registry entries"] += 1
        return ids

    def ensure(self, collection: str, name: str, body: dict[str, Any], counts: dict[str, int]) -> str:
        same = [e for e in self.listing(f"/{collection}", q=name) if e["name"] == name]
        if same:
            return str(same[0]["id"])
        counts["foodsavers registry entries"] += 1
        return str(self.call("POST", f"/{collection}", json=body).json()["id"])

    def planning(self, ids: dict[str, str]) -> dict[str, str]:
        """Series id → name of the demo's series, creating what is missing (with its rounds)."""
        existing = {s["name"]: str(s["id"]) for s in self.listing("/series")}
        for series in content.SERIES:
            if series.name in existing:
                continue
            stops = [{"kind": "pickup", "donor_id": ids[d]} for d in series.donors]
            stops += [{"kind": "delivery", "recipient_id": ids[r]} for r in series.recipients]
            created = self.call("POST", "/series", json={
                "name": series.name, "kind": series.kind, "weekdays": [series.weekday],
                "starts_on": series.starts_on.isoformat(), "ends_on": content.PERIOD[1].isoformat(),
                "start_time": series.start_time, "driver_id": ids[series.driver], "vehicle_id": ids["vehicle"],
                "stops": stops}, headers={"Idempotency-Key": phone_id("series", series.name)}).json()
            existing[series.name] = str(created["id"])
        return {id_: name for name, id_ in existing.items() if name in {s.name for s in content.SERIES}}

    def report(self) -> int:
        """The half year's report by the flat method, published; 0 when it exists."""
        reports = self.call("GET", "/impact/reports").json()
        if any(r["title"] == content.REPORT_TITLE for r in reports):
            return 0
        created = self.call("POST", "/impact/reports", json={
            "title": content.REPORT_TITLE, "period_from": content.PERIOD[0].isoformat(),
            "period_until": content.PERIOD[1].isoformat(), "method": {"name": "vlak"}})
        report = created.json()
        etag = created.headers.get("ETag") or f'"{report.get("version", 1)}"'
        self.call("POST", f"/impact/reports/{report['id']}/publish", headers={"If-Match": etag})
        return 1
