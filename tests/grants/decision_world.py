"""A small call in review, written straight into the database (as the request role, under the tenant): the
call with two criteria, five applications (one ineligible), two jurors' submitted reviews and one consensus.
What the decision tests care about is what ranking and the decision do with them; calls, applications and
the jury have their own API tests.

Hand-computed (Innovatie weight 60, max 10, threshold 5; Samenwerking weight 40, max 10 → total 6·s1 + 4·s2),
budget € 100.000, partial funding from 50 %:
  Schoolvis           9 / 9  → 90,00  asks 60.000 → funded 60.000 (40.000 left)
  Le Petit Botanique  8 / 8  → 80,00  asks 50.000 → first misfit: partially funded with 40.000 (consensus)
  Schilder je dak     7 / 7  → 70,00  asks 30.000 → budget used up: not funded
  Druk-Werk           4 / 10 → 64,00  asks 20.000 → excluded by the threshold on Innovatie (4 < 5)
  Vol+Maakt           ineligible at screening (no budget attached)
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
from sqlalchemy import text

from devstack.realms import enterprise_number as demo_number
from services.grants.applications.models import Application, CoApplicant
from services.grants.calls.models import Call, Criterion
from services.grants.jury.models import Consensus, Review, ReviewScore
from services.grants.screening.models import Screening
from shared.db import Database
from shared.ids import uuid7
from tests.support import bearer
from tests.support import random_enterprise_number as random_number

K = 100_000  # € 1.000 in cents
PROJECTS = {  # title → (innovation, cooperation, requested)
    "Schoolvis": (9, 9, 60 * K),
    "Le Petit Botanique": (8, 8, 50 * K),
    "Schilder je dak waterdicht": (7, 7, 30 * K),
    "Druk-Werk, Sociaal Werk": (4, 10, 20 * K),
}
INELIGIBLE = "Vol+Maakt"
CONSENSUS_MINUTES = "Na bespreking: de samenwerking met de maatwerkbedrijven is sterk en concreet uitgewerkt."


@dataclass
class World:
    grants: str
    tenant: str
    call_id: uuid.UUID
    apps: dict[str, uuid.UUID]  # title → id
    tokens: object
    app_db: Database
    co_applicant_number: str = ""
    reference: str = field(default_factory=lambda: f"DEP-{random.randrange(10**6):06d}")

    def url(self, path: str) -> str:
        return f"{self.grants}/{self.tenant}{path}"

    def as_(self, username: str, **headers: str) -> dict[str, str]:
        return bearer(self.tokens(self.tenant, username), **headers)  # type: ignore[operator]


async def call_in_review(platform, tokens, stack_config, tenant: str, *, appeal_days: int = 30) -> World:
    app_db = Database.from_url(stack_config.database_url("grants", "regie_app"), pool_size=2)
    call_id = uuid7()
    innovation, cooperation = uuid7(), uuid7()
    apps = {title: uuid7() for title in [*PROJECTS, INELIGIBLE]}
    now = datetime.now(UTC)
    applicant_number = demo_number(tenant, "applicant")
    co_number = random_number()
    async with app_db.transaction(tenant) as session:
        session.add(Call(id=call_id, tenant=tenant, title="Projectsubsidies sociale economie (beslissingstest)",
                         status="in-review", created_by="call-manager", total_budget_cents=100 * K,
                         max_per_project_cents=60 * K, partial_funding=True, partial_funding_min_bp=5000,
                         appeal_days=appeal_days, tie_break=["criterion:1", "requested_amount:asc"],
                         legal_basis="Provincieraadsbesluiten van 25 mei 2016 en 2 maart 2017",
                         opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=20)))
        await session.flush()
        session.add_all([
            Criterion(id=innovation, tenant=tenant, call_id=call_id, position=1, name="Innovatie",
                      weight=Decimal(60), max_score=10, min_threshold=Decimal(5)),
            Criterion(id=cooperation, tenant=tenant, call_id=call_id, position=2, name="Samenwerking",
                      weight=Decimal(40), max_score=10),
        ])
        for i, (title, app_id) in enumerate(apps.items()):
            requested = PROJECTS.get(title, (0, 0, 10 * K))[2]
            session.add(Application(
                id=app_id, tenant=tenant, call_id=call_id, applicant_sub="s",
                # the demo user "applicant" and its organisation applied for the first three only
                applicant_username="applicant" if i < 3 else f"aanvrager-{i}",
                applicant_enterprise_number=applicant_number if i < 3 else random_number(),
                applicant_name=f"Aanvrager van {title}", title=title, summary=f"Samenvatting van {title}.",
                requested_cents=requested, total_cost_cents=requested * 2, duration_months=18,
                status="ineligible" if title == INELIGIBLE else "eligible",
                submitted_at=now - timedelta(days=21, minutes=-i), snapshot={"title": title}, content_hash="0" * 64))
        await session.flush()
        session.add(CoApplicant(id=uuid7(), tenant=tenant, application_id=apps["Schoolvis"],
                                enterprise_number=co_number,
                                name="Apart vzw", role="social-economy-enterprise", confirmed_at=now,
                                confirmed_by="partner"))
        session.add(Screening(application_id=apps[INELIGIBLE], tenant=tenant, automatic_passed=False,
                              checks=[{"code": "required_attachments", "passed": False,
                                       "reason": "de verplichte bijlage 'begroting' ontbreekt"}],
                              result="ineligible", reasons="Geen gedetailleerde begroting.",
                              screened_by="call-manager"))
        await session.execute(text("UPDATE applications SET applicant_email = :email WHERE id = ANY(:ids)"),
                              {"email": f"applicant@{tenant}.regie.test", "ids": list(apps.values())})
        for title, (s1, s2, _) in PROJECTS.items():
            for juror in ("juror", "juror2"):
                review_id = uuid7()
                session.add(Review(id=review_id, tenant=tenant, call_id=call_id, application_id=apps[title],
                                   username=juror, status="submitted", submitted_at=now,
                                   weighted_total=Decimal(6 * s1 + 4 * s2)))
                await session.flush()
                session.add_all([
                    ReviewScore(id=uuid7(), tenant=tenant, review_id=review_id, criterion_id=innovation,
                                score=Decimal(s1), justification=f"{juror}: innovatie van {title} verdient {s1}."),
                    ReviewScore(id=uuid7(), tenant=tenant, review_id=review_id, criterion_id=cooperation,
                                score=Decimal(s2), justification=f"{juror}: samenwerking verdient {s2}."),
                ])
        session.add(Consensus(application_id=apps["Le Petit Botanique"], tenant=tenant, call_id=call_id,
                              scores={str(innovation): "8", str(cooperation): "8"}, weighted_total=Decimal(80),
                              minutes=CONSENSUS_MINUTES, recorded_by="jury-chair"))
    return World(platform.url("grants"), tenant, call_id, apps, tokens, app_db, co_number)


def decide(world: World, decided_on: date | str, *, reference: str | None = None, user: str = "call-manager",
           call_id: uuid.UUID | None = None) -> httpx.Response:
    """The decision request on the call's current proposal: its id in the body, its version in If-Match (a
    made-up proposal, version 1, while none is fixed)."""
    call = call_id or world.call_id
    current = httpx.get(world.url(f"/calls/{call}/ranking/proposal"), headers=world.as_("call-manager"))
    proposal_id, version = ((current.json()["id"], current.json()["version"]) if current.status_code == 200
                            else (str(uuid7()), 1))
    day = decided_on if isinstance(decided_on, str) else decided_on.isoformat()
    return httpx.post(world.url(f"/calls/{call}/decision"), headers=world.as_(user, **{"If-Match": f'"{version}"'}),
                      json={"reference": world.reference if reference is None else reference, "decided_on": day,
                            "proposal_id": proposal_id}, timeout=30)


async def notified_days_ago(world: World, days: int) -> None:
    """As if the decision had been published `days` ago: its notification, from which the appeal period runs,
    moved back (the database clock that sets it cannot be moved)."""
    async with world.app_db.transaction(world.tenant) as session:
        await session.execute(text("UPDATE decisions SET notified_on = notified_on - CAST(:days AS integer) "
                                   "WHERE call_id = :call_id"), {"days": days, "call_id": world.call_id})
    await world.app_db.dispose()


def fix_and_decide(world: World, decided_on: date) -> dict:
    fixed = httpx.post(world.url(f"/calls/{world.call_id}/ranking/proposal"), headers=world.as_("call-manager"))
    assert fixed.status_code == 201, fixed.text
    decided = decide(world, decided_on)
    assert decided.status_code in (200, 201), decided.text
    return decided.json()


