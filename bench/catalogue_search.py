"""The public supplier catalogue at scale: 50,000 organisations in one province (made up, registered through
partners' service layer, so every rule, the search document and the events apply), then 16 concurrent clients
searching it through the gateway, anonymously, as people do: free text (with and without accents), a rubric, a
municipality, and combinations, through the public API and through the catalogue page. Prints p50/p95/p99 per
kind and overall; the limit is p95 < 50 ms. Writes bench/results/catalogue_search.json.

    python -m bench.catalogue_search [--organisations 50000] [--requests 3000] [--clients 16] [--profile test]

Uses the profile's stack (started if needed, as the tests do). The organisations are seeded once: a second run
finds them and only searches. The gateway is (re)started with a rate limit above the benchmark's rate, so that it
measures the search, not the limit a single client address would meet in production."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from devstack.config import StackConfig
from devstack.platform import start_services
from devstack.stack import Stack
from services.partners.organisations import service
from services.partners.organisations.models import Organisation
from services.partners.organisations.rules import RUBRICS
from services.partners.organisations.schemas import OfferingIn, RecognitionIn, RegisterOrganisation, StaffIn
from shared.auth import Principal
from shared.db import Database
from shared.municipalities import of_province

TENANT = "antwerpen"
LIMIT_MS = 50.0
RESULTS = Path(__file__).parent / "results" / "catalogue_search.json"
BATCH = 500

WORDS: dict[str, list[str]] = {
    "catering": ["broodjes", "soep", "maaltijden", "recepties", "vegetarisch", "café", "koffie", "taart"],
    "schoonmaak": ["kantoren", "ramen", "scholen", "glazenwassen", "ontsmetting"],
    "groen": ["tuinen", "snoeien", "maaien", "hagen", "bermen", "bomen"],
    "openbaar-domein": ["wegbewijzering", "zwerfvuil", "routes", "straatmeubilair"],
    "textiel": ["herstellingen", "strijken", "naaien", "werkkledij", "confectie"],
    "drukwerk": ["folders", "affiches", "brochures", "visitekaartjes", "mailings"],
    "verpakking": ["assemblage", "montage", "sorteren", "etiketteren", "ompakken"],
    "hout": ["meubelen", "paletten", "speelgoed", "kasten", "schrijnwerk"],
    "metaal": ["lassen", "plooien", "plaatwerk", "draaien"],
    "logistiek": ["koerier", "verhuis", "opslag", "leveringen", "fietskoerier"],
    "bouw": ["isolatie", "daken", "schilderwerken", "renovatie", "tegels"],
    "kringloop": ["tweedehands", "meubelen", "kledij", "ophaling", "herstelling"],
    "fietsen": ["fietsherstel", "fietsverhuur", "onderhoud", "elektrische"],
    "administratie": ["scannen", "digitaliseren", "data-invoer", "archief"],
    "horeca": ["zaalverhuur", "vergaderzalen", "restaurant", "feesten"],
    "landbouw": ["groenten", "fruit", "kruiden", "aardbeien", "hoeve"],
    "geschenken": ["relatiegeschenken", "kerstpakketten", "manden", "streekproducten"],
    "energie": ["zonnepanelen", "energiescan", "isolatie"],
    "zorg": ["klusjes", "boodschappen", "buurtdiensten", "poetsen"],
    "voedselhulp": ["voedselpakketten", "bedeling", "sociale", "kruidenier"],
}
KINDS = ["maatwerkbedrijf", "maatwerkbedrijf", "lde-initiative", "arbeidszorg", "cooperative", "regular-enterprise"]
NAMES = ["Atelier", "Werkplaats", "De Sleutel", "Het Anker", "Kringloop", "Groenteam", "Buurtwerk", "Samen",
         "De Brug", "Hefboom", "Vonk", "Het Spoor", "Ommekeer", "Den Azalee", "Café Kompas", "Coöperatie Ploeg"]
QUERIES: list[dict[str, str]] = [
    {"q": "catering"}, {"q": "cafe"}, {"q": "groenonderhoud tuinen"}, {"q": "drukwerk folders"},
    {"q": "fietsherstel"}, {"q": "isolatie daken"}, {"q": "tweedehands meubelen"}, {"q": "schoonmaak kantoren"},
    {"q": "koerier"}, {"q": "relatiegeschenken"}, {"q": "coöperatie"}, {"q": "ompakken etiketteren"},
    {"rubric": "groen"}, {"rubric": "drukwerk"}, {"rubric": "catering"},
    {"q": "maaltijden", "rubric": "catering"}, {"q": "snoeien", "municipality": "Turnhout"},
    {"municipality": "Mol"}, {"municipality": "Geel", "rubric": "verpakking"}, {"q": "werkkledij", "kind": "service"},
]


def enterprise_number(index: int) -> str:
    first8 = f"07{index:06d}"
    return f"{first8}{97 - int(first8) % 97:02d}"


def organisation(rng: random.Random, index: int, municipalities: list[str]) -> RegisterOrganisation:
    rubrics = rng.sample(sorted(WORDS), rng.choice([1, 1, 2, 3]))
    offerings = [OfferingIn(rubric=r, kind=rng.choice(["product", "service", "service"]),
                            description=" en ".join(rng.sample(WORDS[r], min(2, len(WORDS[r])))).capitalize())
                 for r in rubrics]
    kind = rng.choice(KINDS)
    recognitions = ([RecognitionIn(kind="maatwerkbedrijf", valid_from=date(2019, 1, 1))]
                    if kind == "maatwerkbedrijf" else [])
    workers = rng.randrange(3, 250)
    return RegisterOrganisation(
        enterprise_number=enterprise_number(index), name=f"{rng.choice(NAMES)} {index}",
        kind=kind, municipality=rng.choice(municipalities),
        description=f"{RUBRICS[rubrics[0]].capitalize()}: {', '.join(WORDS[rubrics[0]][:3])}.",
        offerings=offerings, recognitions=recognitions,
        staff=[StaffIn(year=2025, target_group_workers=workers, supervising_staff=max(1, workers // 8),
                       fte=Decimal(workers) * Decimal("0.85"))])


async def seed(config: StackConfig, wanted: int) -> int:
    """Registers organisations until the province has `wanted`; returns how many were added."""
    db = Database.from_url(config.database_url("partners", "regie_app"), pool_size=4)
    principal = Principal(subject="bench", tenant=TENANT, roles=frozenset({"coordinator"}), username="bench")
    municipalities = [m.code for m in of_province(TENANT)]
    try:
        async with db.transaction(TENANT) as session:
            have = await session.scalar(select(func.count()).select_from(Organisation)) or 0
        rng = random.Random(2026)
        added = 0
        started = time.perf_counter()
        for start in range(have, wanted, BATCH):
            async with db.transaction(TENANT) as session:
                for index in range(start, min(wanted, start + BATCH)):
                    await service.register(session, principal, organisation(rng, 100_000 + index, municipalities))
            added += min(wanted, start + BATCH) - start
            if added % 5000 == 0:
                print(f"  seeded {have + added} organisations ({time.perf_counter() - started:.0f} s)", flush=True)
        return added
    finally:
        await db.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else 0.0


def latencies(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and mean of latencies in ms, as every latency bench writes them."""
    return {"p50_ms": round(percentile(values, 0.5), 1), "p95_ms": round(percentile(values, 0.95), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "mean_ms": round(statistics.mean(values), 1) if values else 0.0}


async def search(config: StackConfig, requests: int, clients: int) -> dict[str, Any]:
    api = f"{config.gateway_url}/{TENANT}/api/partners/public/catalogue"
    page = f"{config.gateway_url}/{TENANT}/catalogus/"
    plan = [(("api", api) if n % 2 == 0 else ("page", page), QUERIES[n % len(QUERIES)]) for n in range(requests)]
    random.Random(7).shuffle(plan)
    timings: dict[str, list[float]] = {"api": [], "page": []}
    failures: list[tuple[int, str]] = []
    queue: asyncio.Queue[tuple[tuple[str, str], dict[str, str]]] = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        for (_, url), params in plan[:40]:  # warm up: connections, plans, caches
            await http.get(url, params=params)

        async def client() -> None:
            while not queue.empty():
                (kind, url), params = queue.get_nowait()
                started = time.perf_counter()
                response = await http.get(url, params=params)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    failures.append((response.status_code, response.text[:200]))
                timings[kind].append(elapsed * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        wall = time.perf_counter() - started
        sample = (await http.get(api, params={"q": "catering"})).json()
    everything = timings["api"] + timings["page"]
    summary: dict[str, Any] = {
        "requests": requests, "clients": clients, "seconds": round(wall, 2),
        "requests_per_second": round(requests / wall, 1), "failures": len(failures),
        "catering_matches": sample.get("total"),
    }
    for kind, values in (("api", timings["api"]), ("page", timings["page"]), ("all", everything)):
        summary[kind] = latencies(values)
    if failures:
        summary["failure_examples"] = failures[:3]
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.catalogue_search", description=__doc__)
    parser.add_argument("--organisations", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--profile", default="test")
    args = parser.parse_args(argv)
    config = StackConfig.from_env(args.profile)
    Stack(config).up()
    os.environ["REGIE_RATE_LIMIT_PER_MINUTE"] = str(max(100_000, args.requests * 10))
    start_services(config, ("partners", "grants", "foodsavers"), restart=True)
    started = time.perf_counter()
    added = asyncio.run(seed(config, args.organisations))
    print(f"catalogue: {args.organisations} organisations in {TENANT} ({added} added in "
          f"{time.perf_counter() - started:.0f} s)", flush=True)
    start_services(config, ("gateway",), restart=True)
    summary = asyncio.run(search(config, args.requests, args.clients))
    summary["organisations"] = args.organisations
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    for kind in ("api", "page", "all"):
        figures = summary[kind]
        print(f"  {kind:<5} p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms")
    print(f"  {summary['requests_per_second']} requests/s at {args.clients} clients, {summary['failures']} failures; "
          f"'catering' matches {summary['catering_matches']}")
    passed = summary["failures"] == 0 and summary["all"]["p95_ms"] < LIMIT_MS
    print(f"  {'ok  ' if passed else 'FAIL'} p95 under {LIMIT_MS:.0f} ms through the gateway with no failures")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
