"""The jury through the real grants process: composition and balanced assignment, conflicts that hide an
application completely (detected from the registry and declared), scoring with justifications, the others'
scores only after one's own, optimistic concurrency, the consensus, and the audit trail of every score.

Screened-eligible applications are written straight into the database (as the request role, under the tenant):
what matters here is what the jury does with them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from devstack.realms import enterprise_number as demo_number
from services.grants.applications.models import Application, CoApplicant
from services.grants.calls.models import Call, Criterion
from shared.audit import AuditEntry
from shared.db import Database
from shared.ids import uuid7
from shared.problems import TYPE_PREFIX
from tests.support import bearer, stream_events
from tests.support import random_enterprise_number as random_number

TENANT = "limburg"
JURORS = ("juror", "juror2", "juror3", "jury-chair")


@dataclass
class World:
    grants: str
    call_id: uuid.UUID
    criteria: dict[str, uuid.UUID]  # name → id
    apps: dict[str, uuid.UUID]  # label → id
    app_db: Database
    owner_db: Database
    tokens: object

    def url(self, path: str) -> str:
        return f"{self.grants}/{TENANT}{path}"

    def as_(self, username: str, **headers: str) -> dict[str, str]:
        return bearer(self.tokens(TENANT, username), **headers)  # type: ignore[operator]

    def scores(self, innovation: str | int, cooperation: str | int, why: str = "Goed onderbouwd plan.") -> dict:
        return {"scores": [
            {"criterion_id": str(self.criteria["Innovatie"]), "score": str(innovation), "justification": why},
            {"criterion_id": str(self.criteria["Samenwerking"]), "score": str(cooperation), "justification": why},
        ]}


def as_seen(world: World, user: str, path: str) -> dict[str, str]:
    """The user's headers with If-Match: the ETag of `path` as it reads now."""
    read = httpx.get(world.url(path), headers=world.as_(user))
    assert read.status_code == 200, read.text
    return world.as_(user, **{"If-Match": read.headers["etag"]})


def with_my_review(world: World, user: str, target: str) -> dict[str, str]:
    """The juror's headers with If-Match: the version of their review as they read it (0: none yet)."""
    read = httpx.get(world.url(f"/jury/applications/{target}"), headers=world.as_(user))
    review = read.json().get("review") if read.status_code == 200 else None
    return world.as_(user, **{"If-Match": f'"{review["version"] if review else 0}"'})


@pytest.fixture(scope="module")
async def world(platform, tokens, stack_config) -> AsyncIterator[World]:
    app_db = Database.from_url(stack_config.database_url("grants", "regie_app"), pool_size=2)
    owner_db = Database.from_url(stack_config.database_url("grants", "regie_owner"), pool_size=2)
    call_id = uuid7()
    criteria = {"Innovatie": uuid7(), "Samenwerking": uuid7()}
    labels = ("with_juror_as_co_applicant", "b", "c", "d", "e")
    apps = {label: uuid7() for label in labels}
    apps["ineligible"] = uuid7()
    now = datetime.now(UTC)
    async with app_db.transaction(TENANT) as session:
        session.add(Call(id=call_id, tenant=TENANT, title="Sociale innovatie (jurytest)", status="in-review",
                         created_by="call-manager", jurors_per_application=2, spread_limit=Decimal(10),
                         opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1)))
        await session.flush()
        session.add_all([
            Criterion(id=criteria["Innovatie"], tenant=TENANT, call_id=call_id, position=1, name="Innovatie",
                      weight=Decimal(60), max_score=10),
            Criterion(id=criteria["Samenwerking"], tenant=TENANT, call_id=call_id, position=2, name="Samenwerking",
                      weight=Decimal(40), max_score=5),
        ])
        for i, (label, app_id) in enumerate(apps.items()):
            session.add(Application(
                id=app_id, tenant=TENANT, call_id=call_id, applicant_sub="s", applicant_username="applicant",
                applicant_enterprise_number=random_number(), applicant_name=f"Aanvrager {label}",
                title=f"Project {label}", status="ineligible" if label == "ineligible" else "eligible",
                submitted_at=now - timedelta(days=2, minutes=-i), snapshot={"title": f"Project {label}"},
                content_hash="0" * 64))
        await session.flush()
        # The registry says: the organisation of "juror" co-applies here.
        session.add(CoApplicant(id=uuid7(), tenant=TENANT, application_id=apps["with_juror_as_co_applicant"],
                                enterprise_number=demo_number(TENANT, "juror"), name="Organisatie van Jan",
                                role="social-economy-enterprise"))
    world = World(platform.url("grants"), call_id, criteria, apps, app_db, owner_db, tokens)
    composed = httpx.put(world.url(f"/calls/{call_id}/jury"),
                         headers=as_seen(world, "call-manager", f"/calls/{call_id}/jury"), json={
        "members": [{"username": u, "name": u.title(), "enterprise_number": demo_number(TENANT, u)} for u in JURORS],
        "chair": "jury-chair"})
    assert composed.status_code == 200, composed.text
    yield world
    await app_db.dispose()
    await owner_db.dispose()


@pytest.fixture(scope="module")
def assignments(world: World) -> dict[str, list[str]]:
    """The proposal, fixed as proposed."""
    proposal = httpx.post(world.url(f"/calls/{world.call_id}/assignments/proposal"), headers=world.as_("call-manager"))
    assert proposal.status_code == 200, proposal.text
    body = proposal.json()
    fixed = httpx.put(world.url(f"/calls/{world.call_id}/assignments"), headers=world.as_(
        "call-manager", **{"If-Match": proposal.headers["etag"]}), json={
        "assignments": [{"application_id": a["application_id"], "jurors": a["jurors"]} for a in body["applications"]]})
    assert fixed.status_code == 200, fixed.text
    return {a["application_id"]: a["jurors"] for a in fixed.json()["applications"]}


async def audit_of(world: World, application_id: uuid.UUID, action: str) -> list[AuditEntry]:
    async with world.app_db.transaction(TENANT) as session:
        return list((await session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "application", AuditEntry.entity_id == str(application_id),
            AuditEntry.action == action).order_by(AuditEntry.at))).all())


def test_the_proposal_is_balanced_never_conflicted_and_leaves_out_ineligible_applications(world: World) -> None:
    response = httpx.post(world.url(f"/calls/{world.call_id}/assignments/proposal"), headers=world.as_("call-manager"))
    assert response.status_code == 200, response.text
    body = response.json()
    by_app = {a["application_id"]: a for a in body["applications"]}
    assert str(world.apps["ineligible"]) not in by_app
    assert len(by_app) == 5
    conflicted = by_app[str(world.apps["with_juror_as_co_applicant"])]
    assert conflicted["conflicted"] == ["juror"] and "juror" not in conflicted["jurors"]
    assert all(len(a["jurors"]) == 2 and a["shortfall"] is None for a in by_app.values())
    loads = [load["load"] for load in body["loads"]]
    assert sum(loads) == 10 and max(loads) - min(loads) <= 1
    assert body["fixed"] is False


def test_fixing_assignments_refuses_a_conflicted_juror(world: World) -> None:
    refused = httpx.put(world.url(f"/calls/{world.call_id}/assignments"),
                        headers=as_seen(world, "call-manager", f"/calls/{world.call_id}/assignments"), json={
        "assignments": [{"application_id": str(world.apps["with_juror_as_co_applicant"]),
                         "jurors": ["juror", "juror2"]}]})
    assert refused.status_code == 422
    assert "belangenconflict" in refused.json()["detail"]


def test_a_juror_reaching_a_call_manager_endpoint_gets_403(world: World) -> None:
    for method, path in (("PUT", "/jury"), ("POST", "/assignments/proposal"), ("PUT", "/assignments")):
        response = httpx.request(method, world.url(f"/calls/{world.call_id}{path}"), headers=world.as_("juror"),
                                 json={"members": [], "assignments": []})
        assert response.status_code == 403, (path, response.text)
        assert response.json()["type"] == TYPE_PREFIX + "forbidden"


def test_a_juror_of_another_province_gets_401(world: World, tokens) -> None:
    response = httpx.get(world.url("/jury/applications"), headers=bearer(tokens("antwerpen", "juror")))
    assert response.status_code == 401
    assert response.json()["type"] == TYPE_PREFIX + "wrong-tenant"


def test_a_registry_detected_conflict_hides_the_application_from_the_juror(world: World, assignments) -> None:
    conflicted = world.apps["with_juror_as_co_applicant"]
    mine = httpx.get(world.url("/jury/applications"), headers=world.as_("juror"),
                     params={"call_id": str(world.call_id)})
    assert mine.status_code == 200, mine.text
    listed = {a["application_id"] for a in mine.json()}
    assert listed == {a for a, jurors in assignments.items() if "juror" in jurors}
    assert str(conflicted) not in listed
    for method, path, body in (
            ("GET", f"/jury/applications/{conflicted}", None), ("GET", f"/applications/{conflicted}/reviews", None),
            ("PUT", f"/applications/{conflicted}/review", world.scores(5, 3)),
            ("POST", f"/applications/{conflicted}/review/submit", None),
            ("POST", f"/applications/{conflicted}/conflict", {"has_conflict": False})):
        response = httpx.request(method, world.url(path), headers=world.as_("juror", **{"If-Match": '"0"'}),
                                 json=body)
        assert response.status_code == 404, (path, response.text)


def test_a_declared_conflict_hides_the_application_and_my_draft(world: World, assignments) -> None:
    target = next(a for a, jurors in assignments.items() if "juror" in jurors)
    draft = httpx.put(world.url(f"/applications/{target}/review"),
                      headers=with_my_review(world, "juror", target), json=world.scores(7, 3))
    assert draft.status_code == 200, draft.text
    scoring = httpx.get(world.url(f"/jury/applications/{target}"), headers=world.as_("juror")).json()
    assert scoring["review"]["status"] == "draft"
    no_reason = httpx.post(world.url(f"/applications/{target}/conflict"), headers=world.as_("juror"),
                           json={"has_conflict": True})
    assert no_reason.status_code == 422
    declared = httpx.post(world.url(f"/applications/{target}/conflict"), headers=world.as_("juror"),
                          json={"has_conflict": True, "reason": "Mijn partner werkt bij de aanvrager."})
    assert declared.status_code == 200, declared.text
    listed = {a["application_id"]
              for a in httpx.get(world.url("/jury/applications"), headers=world.as_("juror")).json()}
    assert target not in listed
    assert httpx.get(world.url(f"/jury/applications/{target}"), headers=world.as_("juror")).status_code == 404
    assert httpx.put(world.url(f"/applications/{target}/review"), headers=with_my_review(world, "juror", target),
                     json=world.scores(7, 3)).status_code == 404
    again = httpx.post(world.url(f"/applications/{target}/conflict"), headers=world.as_("juror"),
                       json={"has_conflict": False})
    assert again.status_code == 404  # it does not exist for me any more
    # the call manager sees the declared conflict; the assignment is gone
    fixed = httpx.get(world.url(f"/calls/{world.call_id}/assignments"), headers=world.as_("call-manager")).json()
    row = next(a for a in fixed["applications"] if a["application_id"] == target)
    assert "juror" in row["conflicted"] and "juror" not in row["jurors"]


def test_scores_above_the_maximum_and_missing_justifications_are_refused(world: World, assignments) -> None:
    target = next(a for a, jurors in assignments.items() if "juror2" in jurors)
    too_high = httpx.put(world.url(f"/applications/{target}/review"), headers=with_my_review(world, "juror2", target),
                         json=world.scores(7, 6))
    assert too_high.status_code == 422
    assert "tussen 0 en 5" in too_high.json()["detail"]
    unjustified = world.scores(7, 4)
    unjustified["scores"][1]["justification"] = "   "
    saved = httpx.put(world.url(f"/applications/{target}/review"),
                      headers=with_my_review(world, "juror2", target), json=unjustified)
    assert saved.status_code == 200, saved.text  # a draft may be incomplete
    submitted = httpx.post(world.url(f"/applications/{target}/review/submit"),
                           headers=with_my_review(world, "juror2", target))
    assert submitted.status_code == 422
    assert submitted.json()["unjustified"] == ["Samenwerking"]


def test_a_stale_if_match_is_refused_with_412(world: World, assignments) -> None:
    target = next(a for a, jurors in assignments.items() if "juror3" in jurors)
    first = httpx.put(world.url(f"/applications/{target}/review"),
                      headers=with_my_review(world, "juror3", target), json=world.scores(5, 2))
    assert first.status_code == 200, first.text
    version = first.json()["version"]
    assert first.headers["etag"] == f'"{version}"'
    if_match = world.as_("juror3", **{"If-Match": f'"{version}"'})
    second = httpx.put(world.url(f"/applications/{target}/review"), headers=if_match,
                       json=world.scores(6, 2))
    assert second.status_code == 200 and second.json()["version"] == version + 1
    stale = httpx.put(world.url(f"/applications/{target}/review"), headers=if_match,
                      json=world.scores(9, 2))
    assert stale.status_code == 412
    assert stale.json()["type"] == TYPE_PREFIX + "precondition-failed"
    kept = httpx.get(world.url(f"/jury/applications/{target}"), headers=world.as_("juror3")).json()["review"]
    assert Decimal(kept["scores"][0]["score"]) == Decimal(6) and kept["version"] == version + 1


async def test_others_scores_are_visible_only_after_submitting_my_own_and_every_score_is_audited(
        world: World, assignments, stack_config) -> None:
    target = next(a for a, jurors in assignments.items() if "juror" not in jurors)
    first, second = assignments[target]
    done = httpx.put(world.url(f"/applications/{target}/review"), headers=with_my_review(world, first, target),
                     json=world.scores(8, 4, "Sterk vernieuwend."))
    assert done.status_code == 200, done.text
    assert httpx.post(world.url(f"/applications/{target}/review/submit"),
                      headers=with_my_review(world, first, target)).status_code == 200
    before = httpx.get(world.url(f"/applications/{target}/reviews"), headers=world.as_(second))
    assert before.status_code == 403
    assert "pas nadat u uw eigen beoordeling hebt ingediend" in before.json()["detail"]
    # the chair and the call manager see the submitted review already
    for viewer in ("jury-chair", "call-manager"):
        seen = httpx.get(world.url(f"/applications/{target}/reviews"), headers=world.as_(viewer))
        assert seen.status_code == 200 and [r["username"] for r in seen.json()] == [first]
    httpx.put(world.url(f"/applications/{target}/review"), headers=with_my_review(world, second, target),
              json=world.scores(4, 2, "Weinig nieuw."))
    submitted = httpx.post(world.url(f"/applications/{target}/review/submit"),
                           headers=with_my_review(world, second, target))
    assert submitted.status_code == 200, submitted.text
    assert Decimal(submitted.json()["weighted_total"]) == Decimal("40.00")  # (0.4×60 + 0.4×40)/100 × 100
    after = httpx.get(world.url(f"/applications/{target}/reviews"), headers=world.as_(second))
    assert after.status_code == 200
    by_juror = {r["username"]: r for r in after.json()}
    assert set(by_juror) == {first, second}
    assert by_juror[first]["scores"][0]["justification"] == "Sterk vernieuwend."
    assert Decimal(by_juror[first]["weighted_total"]) == Decimal("80.00")
    # submitted is final
    changed = httpx.put(world.url(f"/applications/{target}/review"),
                        headers=with_my_review(world, second, target), json=world.scores(9, 5))
    assert changed.status_code == 409
    again = httpx.post(world.url(f"/applications/{target}/review/submit"),
                       headers=with_my_review(world, second, target))
    assert again.status_code == 200 and again.json()["submitted_at"] == submitted.json()["submitted_at"]
    # one audit entry per score, naming juror, criterion, score and justification
    entries = await audit_of(world, uuid.UUID(target), "score.submitted")
    assert len(entries) == 4
    mine = [e for e in entries if e.actor == second]
    assert {e.after["criterion"] for e in mine} == {"Innovatie", "Samenwerking"}
    assert {e.after["justification"] for e in mine} == {"Weinig nieuw."}
    assert {Decimal(e.after["score"]) for e in mine} == {Decimal(4), Decimal(2)}
    # and review.submitted was published, once per juror (not again for the repeated submit)
    events = await stream_events(stack_config.nats_url, f"grants.{TENANT}.review.submitted", "application_id",
                                 target, at_least=2)
    assert sorted(e["juror"] for e in events) == sorted([first, second])
    # the jury view: mean 60, spread 20 > limit 10 → disagreement; calibration against each juror's average
    view = httpx.get(world.url(f"/calls/{world.call_id}/jury-view"), headers=world.as_("call-manager"))
    assert view.status_code == 200, view.text
    row = next(a for a in view.json()["applications"] if a["application_id"] == target)
    assert Decimal(row["mean"]) == Decimal("60.00") and Decimal(row["spread"]) == Decimal("20.00")
    assert row["disagreement"] is True
    for juror in row["jurors"]:
        assert Decimal(juror["calibration"]) == Decimal(juror["weighted_total"]) - Decimal(juror["juror_average"])


async def test_the_chair_records_the_consensus_with_minutes_and_the_audit_keeps_before_and_after(
        world: World, assignments) -> None:
    target = str(world.apps["e"])
    body = {"scores": [{"criterion_id": str(world.criteria["Innovatie"]), "score": "7"},
                       {"criterion_id": str(world.criteria["Samenwerking"]), "score": "3"}],
            "minutes": "Besproken op 12 mei; de jury volgt de meerderheid."}
    refused = httpx.put(world.url(f"/applications/{target}/consensus"),
                        headers=world.as_("juror2", **{"If-Match": '"0"'}), json=body)
    assert refused.status_code == 403
    first = httpx.put(world.url(f"/applications/{target}/consensus"),
                      headers=world.as_("jury-chair", **{"If-Match": '"0"'}), json=body)
    assert first.status_code == 200, first.text
    assert Decimal(first.json()["weighted_total"]) == Decimal("66.00")  # (0.7×60 + 0.6×40)
    version = first.json()["version"]
    second = httpx.put(world.url(f"/applications/{target}/consensus"),
                       headers=world.as_("call-manager", **{"If-Match": f'"{version}"'}),
                       json={**body, "minutes": "Herzien na nazicht van de begroting."})
    assert second.status_code == 200, second.text
    stale = httpx.put(world.url(f"/applications/{target}/consensus"),
                      headers=world.as_("jury-chair", **{"If-Match": f'"{version}"'}), json=body)
    assert stale.status_code == 412
    entries = await audit_of(world, uuid.UUID(target), "consensus.recorded")
    assert [e.actor for e in entries] == ["jury-chair", "call-manager"]
    assert entries[0].before is None and entries[1].before["minutes"] == body["minutes"]
    assert entries[1].after["minutes"] == "Herzien na nazicht van de begroting."
    view = httpx.get(world.url(f"/calls/{world.call_id}/jury-view"), headers=world.as_("jury-chair")).json()
    row = next(a for a in view["applications"] if a["application_id"] == target)
    assert row["consensus"]["recorded_by"] == "call-manager"


def test_the_meeting_order_needs_no_more_moves_than_the_naive_order(world: World, assignments) -> None:
    response = httpx.get(world.url(f"/calls/{world.call_id}/meeting-order"), headers=world.as_("call-manager"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["moves"] <= body["naive_moves"]
    assert {i["application_id"] for i in body["items"]} == {str(a) for k, a in world.apps.items() if k != "ineligible"}
    conflicted = next(i for i in body["items"] if i["application_id"] == str(world.apps["with_juror_as_co_applicant"]))
    assert "juror" in conflicted["absent"]
    leaves = sum(len(i["leave"]) + len(i["reenter"]) for i in body["items"]) + len(body["return_at_end"])
    assert leaves == body["moves"]
    assert httpx.get(world.url(f"/calls/{world.call_id}/meeting-order"), headers=world.as_("juror2")).status_code == 403


def test_an_assigned_juror_reads_the_application_a_conflicted_or_unassigned_one_does_not(
        world: World, assignments) -> None:
    conflicted = world.apps["with_juror_as_co_applicant"]
    mine = httpx.get(world.url("/jury/applications"), headers=world.as_("juror"),
                     params={"call_id": str(world.call_id)}).json()
    assert mine, "the juror should still have assigned applications"
    assigned = {a["application_id"] for a in mine}
    for application_id in assigned:
        readable = httpx.get(world.url(f"/applications/{application_id}"), headers=world.as_("juror"))
        assert readable.status_code == 200, readable.text
        assert readable.json()["id"] == application_id
    assert httpx.get(world.url(f"/applications/{conflicted}"), headers=world.as_("juror")).status_code == 404
    for application_id in {str(a) for a in world.apps.values()} - assigned:
        response = httpx.get(world.url(f"/applications/{application_id}"), headers=world.as_("juror"))
        assert response.status_code == 404, application_id
