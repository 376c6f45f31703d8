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
import os
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select

from bench.load import wrk_run
from bench.summary import save
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


async def search(config: StackConfig, clients: int, seconds: float) -> dict[str, Any]:
    """wrk (bench.load) with `clients` connections for `seconds`, anonymously through the gateway: the public API
    and the catalogue page, each with every query in turn (mixed, as people use them); then each alone for its
    own figures."""
    api = [f"/{TENANT}/api/partners/public/catalogue?{urlencode(q)}" for q in QUERIES]
    page = [f"/{TENANT}/catalogus/?{urlencode(q)}" for q in QUERIES]
    async with httpx.AsyncClient(timeout=30) as http:
        for path in api + page:  # warm up: connections, plans, caches
            await http.get(config.gateway_url + path)
        sample = (await http.get(config.gateway_url + api[0])).json()
    mixed = [path for pair in zip(api, page, strict=True) for path in pair]
    summary: dict[str, Any] = {"clients": clients, "catering_matches": sample.get("total")}
    summary["all"] = wrk_run(config.gateway_url, mixed, {}, connections=clients, seconds=seconds)
    summary["api"] = wrk_run(config.gateway_url, api, {}, connections=clients, seconds=seconds / 2)
    summary["page"] = wrk_run(config.gateway_url, page, {}, connections=clients, seconds=seconds / 2)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.catalogue_search", description=__doc__)
    parser.add_argument("--organisations", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--profile", default="test")
    args = parser.parse_args(argv)
    config = StackConfig.from_env(args.profile)
    Stack(config).up()
    os.environ["REGIE_RATE_LIMIT_PER_MINUTE"] = "10000000"
    os.environ["REGIE_TOKEN_RATE_LIMIT_PER_MINUTE"] = "10000000"
    start_services(config, ("partners", "grants", "foodsavers"), restart=True)
    started = time.perf_counter()
    added = asyncio.run(seed(config, args.organisations))
    print(f"catalogue: {args.organisations} organisations in {TENANT} ({added} added in "
          f"{time.perf_counter() - started:.0f} s)", flush=True)
    start_services(config, ("gateway",), restart=True)
    summary = asyncio.run(search(config, args.clients, args.seconds))
    summary["organisations"] = args.organisations
    save(RESULTS, summary)
    for kind in ("all", "api", "page"):
        f = summary[kind]
        print(f"  {kind:<5} p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, p99 {f['p99_ms']} ms, "
              f"{f['requests_per_second']} requests/s, {f['failures']} failures")
    print(f"  at {args.clients} connections; 'catering' matches {summary['catering_matches']}")
    passed = all(summary[k]["failures"] == 0 for k in ("all", "api", "page")) and summary["all"]["p95_ms"] < LIMIT_MS
    summary["pass"] = passed
    save(RESULTS, summary)
    print(f"  {'ok  ' if passed else 'FAIL'} p95 under {LIMIT_MS:.0f} ms through the gateway with no failures")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
