"""Calls through the real grants process: drafting, publication with its checks, the public page, the
lifecycle, versions, roles and tenants, and call.published in the stream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.problems import TYPE_PREFIX
from tests.support import bearer, stream_events

TENANT = "limburg"


def call_payload(*, opens_at: datetime | None = None, closes_at: datetime | None = None, **changes: Any) -> dict:
    now = datetime.now(UTC)
    payload = {
        "title": "Innovatie via samenwerking tussen reguliere en sociale-economieondernemingen",
        "rules_text": "Reglement projectsubsidies sociale economie.",
        "legal_basis": "Provincieraadsbesluit van 25 mei 2016",
        "aim": "Een hefboom in ondernemerschap.",
        "total_budget_cents": 25_000_000,
        "max_per_project_cents": 5_000_000,
        "cofinancing_rate_bp": 8_000,
        "opens_at": (opens_at or now - timedelta(minutes=1)).isoformat(),
        "closes_at": (closes_at or now + timedelta(days=30)).isoformat(),
        "appeal_days": 30,
        "tie_break": ["criterion:1", "requested_amount:asc", "submitted_at:asc"],
        "eligibility": {"social_economy_coapplicant": True, "min_coapplicants": 1,
                        "rules": ["Het project loopt in de provincie."]},
        "required_attachments": [{"code": "begroting", "label": "Gedetailleerde begroting",
                                  "types": ["application/pdf"], "max_bytes": 2048}],
        "criteria": [
            {"name": "Innovatief karakter", "weight": "40", "max_score": 10, "min_threshold": "5"},
            {"name": "Samenwerking", "weight": 35, "max_score": 10},
            {"name": "Tewerkstelling van kansengroepen", "weight": "25", "max_score": 10},
        ],
    }
    payload.update(changes)
    return payload


def published_call(grants: str, manager: str, tenant: str = TENANT, **changes: Any) -> dict:
    drafted = httpx.post(f"{grants}/{tenant}/calls", json=call_payload(**changes), headers=bearer(manager))
    assert drafted.status_code == 201, drafted.text
    published = httpx.post(f"{grants}/{tenant}/calls/{drafted.json()['id']}/publish",
                           headers=bearer(manager, **{"If-Match": drafted.headers["etag"]}))
    assert published.status_code == 200, published.text
    return published.json()


async def test_a_published_call_is_announced_and_its_public_page_lists_what_an_applicant_needs(
        platform, tokens, stack_config) -> None:
    grants = platform.url("grants")
    closes = datetime(2031, 3, 31, 12, 0, tzinfo=UTC) + timedelta(hours=-2)  # 12:00 Brussels summer time
    call = published_call(grants, tokens(TENANT, "call-manager"), closes_at=closes)
    assert call["status"] == "published" and call["status_label"] == "gepubliceerd"

    page = httpx.get(f"{grants}/{TENANT}/public/calls/{call['id']}")  # no token
    assert page.status_code == 200, page.text
    public = page.json()
    assert public["closes"]["local"] == "2031-03-31T12:00:00+02:00"
    assert public["closes"]["text"] == "maandag 31 maart 2031 om 12:00"
    assert public["closes"]["utc"] == "2031-03-31T10:00:00Z"
    assert public["total_budget_text"] == "€ 250.000,00" and public["max_per_project_text"] == "€ 50.000,00"
    assert public["cofinancing_text"] == "80 %"
    assert [(c["position"], c["name"], c["weight"], c["min_threshold"]) for c in public["criteria"]][0] == (
        1, "Innovatief karakter", "40.00", "5.00")
    assert public["required_attachments"] == [{"code": "begroting", "label": "Gedetailleerde begroting",
                                               "types": ["application/pdf"], "max_bytes": 2048}]
    rules = " ".join(public["eligibility_rules"])
    assert "sociale-economieonderneming" in rules and "Het project loopt in de provincie." in rules
    assert public["tie_break_rules"] == ["1. de hoogste score op criterium 1 (Innovatief karakter)",
                                         "2. het laagste gevraagde bedrag", "3. de vroegste indiening"]
    assert public["appeal_days"] == 30 and "30 dagen" in public["appeal_text"]

    events = await stream_events(stack_config.nats_url, f"grants.{TENANT}.call.published", "call_id", call["id"])
    assert len(events) == 1
    assert events[0]["closes_at"] == "2031-03-31T10:00:00Z" and events[0]["total_budget_cents"] == 25_000_000


def test_publication_refuses_an_incomplete_call_and_names_every_reason(platform, tokens) -> None:
    grants = platform.url("grants")
    manager = tokens(TENANT, "call-manager")
    drafted = httpx.post(f"{grants}/{TENANT}/calls", headers=bearer(manager), json=call_payload(
        total_budget_cents=1_000_00, max_per_project_cents=2_000_00, cofinancing_rate_bp=0,
        closes_at=datetime.now(UTC) - timedelta(days=1), opens_at=datetime.now(UTC) - timedelta(days=2),
        tie_break=["criterion:7", "alphabetical"],
        criteria=[{"name": "Innovatie", "weight": "0", "max_score": 10, "min_threshold": "12"}]))
    assert drafted.status_code == 201, drafted.text
    refused = httpx.post(f"{grants}/{TENANT}/calls/{drafted.json()['id']}/publish",
                         headers=bearer(manager, **{"If-Match": drafted.headers["etag"]}))
    assert refused.status_code == 422
    problems = " | ".join(refused.json()["problems"])
    for reason in ("maximum per project kan niet groter", "cofinancieringsgraad", "in het verleden",
                   "gewicht moet groter dan 0", "drempel", "criterium 7", "alphabetical"):
        assert reason in problems, reason
    assert httpx.get(f"{grants}/{TENANT}/calls/{drafted.json()['id']}",
                     headers=bearer(manager)).json()["status"] == "draft"


def test_a_time_without_offset_is_refused(platform, tokens) -> None:
    refused = httpx.post(f"{platform.url('grants')}/{TENANT}/calls", headers=bearer(tokens(TENANT, "call-manager")),
                         json={"title": "Zonder tijdzone", "closes_at": "2031-03-31T12:00:00"})
    assert refused.status_code == 422 and "tijdzone" in refused.json()["detail"]


def test_a_stale_version_gets_412_and_a_published_call_can_no_longer_be_edited(platform, tokens) -> None:
    grants = platform.url("grants")
    manager = tokens(TENANT, "call-manager")
    drafted = httpx.post(f"{grants}/{TENANT}/calls", json=call_payload(), headers=bearer(manager))
    url = f"{grants}/{TENANT}/calls/{drafted.json()['id']}"
    version = drafted.headers["etag"]
    changed = httpx.patch(url, json={"total_budget_cents": 30_000_000,
                                     "criteria": [{"name": "Alles", "weight": "100", "max_score": 20}],
                                     "tie_break": ["criterion:1"]},
                          headers=bearer(manager, **{"If-Match": version}))
    assert changed.status_code == 200, changed.text
    assert changed.json()["total_budget_cents"] == 30_000_000 and len(changed.json()["criteria"]) == 1
    stale = httpx.patch(url, json={"title": "Overschreven?"}, headers=bearer(manager, **{"If-Match": version}))
    assert stale.status_code == 412 and stale.json()["type"] == TYPE_PREFIX + "precondition-failed"
    assert httpx.get(url, headers=bearer(manager)).json()["title"] != "Overschreven?"
    published = httpx.post(f"{url}/publish", headers=bearer(manager, **{"If-Match": changed.headers["etag"]}))
    assert published.status_code == 200, published.text
    late = httpx.patch(url, json={"title": "Na publicatie"},
                       headers=bearer(manager, **{"If-Match": published.headers["etag"]}))
    assert late.status_code == 409 and "gepubliceerd" in late.json()["detail"]


def test_illegal_transitions_are_refused_with_the_current_state_in_dutch(platform, tokens) -> None:
    grants = platform.url("grants")
    manager = tokens(TENANT, "call-manager")
    call = published_call(grants, manager)
    url = f"{grants}/{TENANT}/calls/{call['id']}"
    current = bearer(manager, **{"If-Match": f'"{call["version"]}"'})
    review = httpx.post(f"{url}/start-review", headers=current)
    assert review.status_code == 409
    assert review.json()["detail"] == "de oproep is gepubliceerd en kan niet naar 'in beoordeling'"
    assert review.json()["status_now"] == "published"
    assert httpx.post(f"{url}/archive", headers=current).status_code == 409
    early = httpx.post(f"{url}/close", headers=bearer(manager))
    assert early.status_code == 409 and "sluit pas op" in early.json()["detail"]
    assert httpx.post(f"{url}/publish", headers=current).status_code == 409


def test_roles_and_provinces_are_enforced_on_calls(platform, tokens) -> None:
    grants = platform.url("grants")
    juror = httpx.post(f"{grants}/{TENANT}/calls", json=call_payload(), headers=bearer(tokens(TENANT, "juror")))
    assert juror.status_code == 403
    other_province = httpx.post(f"{grants}/{TENANT}/calls", json=call_payload(),
                                headers=bearer(tokens("antwerpen", "call-manager")))
    assert other_province.status_code == 401 and other_province.json()["type"] == TYPE_PREFIX + "wrong-tenant"
    manager = tokens(TENANT, "call-manager")
    draft = httpx.post(f"{grants}/{TENANT}/calls", json=call_payload(), headers=bearer(manager)).json()
    applicant = bearer(tokens(TENANT, "applicant"))
    assert httpx.get(f"{grants}/{TENANT}/calls/{draft['id']}", headers=applicant).status_code == 404
    assert httpx.get(f"{grants}/{TENANT}/public/calls/{draft['id']}").status_code == 404
    assert draft["id"] not in {c["id"] for c in httpx.get(f"{grants}/{TENANT}/calls", headers=applicant).json()}
    # the public page of one province does not show another's call
    published = published_call(grants, manager)
    assert httpx.get(f"{grants}/antwerpen/public/calls/{published['id']}").status_code == 404
