"""The plans' portal pages, served by partners (as the gateway forwards them: the bearer token and the session's
CSRF token as headers): the coordinator's start page, a new plan through the form, a plan's page with its status
moves, documents, framework forms and audit trail, all working without JavaScript; and the partner's read-only
view of its own plans."""

from __future__ import annotations

import re
import uuid
from html import unescape

import httpx
import pytest

from tests.partners.plans_world import PDF, PlansApi
from tests.support import EICAR_SIGNATURE, infected_pdf

TENANT = "oost-vlaanderen"
CSRF = "test-csrf-token"


@pytest.fixture(scope="module")
def api(partners_url: str, tokens) -> PlansApi:  # type: ignore[no-untyped-def]
    return PlansApi(partners_url, tokens, TENANT)


def page(api: PlansApi, path: str, user: str = "coordinator") -> httpx.Response:
    return httpx.get(api.url(path), headers=api.as_(user, **{"x-csrf-token": CSRF}), timeout=30)


def form(api: PlansApi, path: str, fields: dict[str, str], user: str = "coordinator") -> httpx.Response:
    return httpx.post(api.url(path), data={"_csrf": CSRF, **fields},
                      headers=api.as_(user, **{"x-csrf-token": CSRF}), timeout=30)


def text_of(response: httpx.Response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)))


def test_an_infected_document_on_the_plan_page_is_refused_in_the_readers_language(api: PlansApi) -> None:
    plan = api.new_plan(title=f"Overeenkomst met een besmet bestand {uuid.uuid4().hex[:6]}")
    refused = httpx.post(api.url(f"/samenwerking/plannen/{plan['id']}/documenten"),
                         data={"_csrf": CSRF, "kind": "signed"},
                         files={"file": ("overeenkomst.pdf", infected_pdf(), "application/pdf")},
                         headers=api.as_("coordinator", **{"x-csrf-token": CSRF, "Accept-Language": "fr-BE"}),
                         timeout=30)
    assert refused.status_code == 422, refused.text
    # the page's sentence: its first letter a capital
    assert f"Overeenkomst.pdf contient un virus ({EICAR_SIGNATURE}) et n'a pas été enregistré." in text_of(refused)
    assert api.get(f"/plans/{plan['id']}/documents").json() == []


def test_the_coordinators_start_page_leads_to_every_part_of_the_portal(api: PlansApi) -> None:
    start = page(api, "/samenwerking/")
    assert start.status_code == 200, start.text
    for link in ("samenwerking/organisaties/", "samenwerking/plannen/", "samenwerking/realisaties/", "overzicht/"):
        assert f'href="/{TENANT}/{link}"' in start.text
        assert page(api, f"/{link}").status_code == 200, link  # every part it leads to is there
    assert page(api, "/samenwerking/", user="partner").status_code == 403


def test_a_coordinator_makes_a_plan_through_the_form_and_works_on_it_on_its_page(api: PlansApi) -> None:
    title = f"Regionale samenwerkingsovereenkomst Westhoek {uuid.uuid4().hex[:6]}"
    refused = form(api, "/samenwerking/plannen/nieuw", {"kind": "agreement", "title": title,
                                                        "starts_on": "2025-01-01", "ends_on": "2026-12-31",
                                                        "municipalities": "Ieper, Atlantis"})
    assert refused.status_code == 422 and "Atlantis" in text_of(refused)
    assert f'value="{title}"' in refused.text  # what was typed stays
    created = form(api, "/samenwerking/plannen/nieuw", {
        "kind": "agreement", "title": title, "starts_on": "2025-01-01", "ends_on": "2026-12-31",
        "municipalities": "Ieper, Poperinge, Veurne, Diksmuide", "parties": "VDAB; partner\nDVV Westhoek; trekker"})
    assert created.status_code in (302, 303), created.text
    plan_path = created.headers["location"]
    plan_id = plan_path.rstrip("/").rsplit("/", 1)[1]
    shown = page(api, f"/samenwerking/plannen/{plan_id}")
    assert shown.status_code == 200
    assert "Ieper, Poperinge, Veurne, Diksmuide" in text_of(shown) and "DVV Westhoek" in text_of(shown)
    assert "Naar ‘in onderhandeling’" in text_of(shown)
    listed = page(api, "/samenwerking/plannen/?status=draft")
    assert title in text_of(listed)

    objective = form(api, f"/samenwerking/plannen/{plan_id}/doelstellingen",
                     {"title": "Acties die de netwerking op het grondgebied bevorderen"})
    assert objective.status_code in (302, 303), objective.text
    framework = api.get(f"/plans/{plan_id}").json()
    objective_id = framework["objectives"][0]["id"]
    action = form(api, f"/samenwerking/plannen/{plan_id}/doelstellingen/{objective_id}/acties",
                  {"title": "Samenwerking en netwerking"})
    assert action.status_code in (302, 303)
    action_id = api.get(f"/plans/{plan_id}").json()["objectives"][0]["actions"][0]["id"]
    no_rule = form(api, f"/samenwerking/plannen/{plan_id}/acties/{action_id}/indicatoren",
                   {"name": "toegekende projecten", "unit": "projecten", "feed": "counted", "rule": ""})
    assert no_rule.status_code == 422 and "telregel" in text_of(no_rule)
    indicator = form(api, f"/samenwerking/plannen/{plan_id}/acties/{action_id}/indicatoren",
                     {"name": "aantal netwerkevents", "unit": "aantal", "baseline": "0", "feed": "entered"})
    assert indicator.status_code in (302, 303), indicator.text
    made = api.get(f"/plans/{plan_id}").json()["objectives"][0]["actions"][0]["indicators"][0]
    outside = form(api, f"/samenwerking/plannen/{plan_id}/indicatoren/{made['id']}/streefwaarden",
                   {"year": "2030", "value": "1", "version": str(made["version"])})
    assert outside.status_code == 422 and "buiten de looptijd" in text_of(outside)
    target = form(api, f"/samenwerking/plannen/{plan_id}/indicatoren/{made['id']}/streefwaarden",
                  {"year": "2025", "value": "2", "version": str(made["version"])})
    assert target.status_code in (302, 303), target.text

    moved = form(api, f"/samenwerking/plannen/{plan_id}/status",
                 {"to": "negotiating", "reasons": "ontwerp rondgestuurd", "version": "1"})
    assert moved.status_code in (302, 303), moved.text
    stale = form(api, f"/samenwerking/plannen/{plan_id}/status", {"to": "signed", "version": "1"})
    assert stale.status_code == 412
    unsigned = form(api, f"/samenwerking/plannen/{plan_id}/status", {"to": "signed", "version": "2"})
    assert unsigned.status_code == 409 and "ondertekend document" in text_of(unsigned)
    uploaded = httpx.post(api.url(f"/samenwerking/plannen/{plan_id}/documenten"),
                          data={"_csrf": CSRF, "kind": "signed"},
                          files={"file": ("overeenkomst.pdf", PDF, "application/pdf")},
                          headers=api.as_("coordinator", **{"x-csrf-token": CSRF}), timeout=30)
    assert uploaded.status_code in (302, 303), uploaded.text
    final = page(api, f"/samenwerking/plannen/{plan_id}")
    body = text_of(final)
    assert "overeenkomst.pdf" in body and "aantal netwerkevents" in body
    assert "status gewijzigd" in body and "ontwerp rondgestuurd" in body and "streefwaarde vastgelegd" in body
    document = api.get(f"/plans/{plan_id}/documents").json()[0]
    assert document["sha256"] in final.text
    download = page(api, f"/samenwerking/plannen/{plan_id}/documenten/{document['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert form(api, f"/samenwerking/plannen/{plan_id}/status", {"to": "signed", "version": "2"},
                user="partner").status_code == 403


def test_a_form_post_without_the_sessions_csrf_token_is_refused(api: PlansApi) -> None:
    plan = api.new_plan(title=f"CSRF {uuid.uuid4().hex[:6]}")
    forged = httpx.post(api.url(f"/samenwerking/plannen/{plan['id']}/status"),
                        data={"_csrf": "iets anders", "to": "negotiating", "version": "1"},
                        headers=api.as_("coordinator", **{"x-csrf-token": CSRF}), timeout=30)
    assert forged.status_code == 403
    assert api.fresh(plan)["status"] == "draft"


def test_a_partner_sees_its_own_plans_read_only(api: PlansApi) -> None:
    mine = api.new_plan(title=f"Plan van de partner {uuid.uuid4().hex[:6]}",
                        parties=[{"organisation_id": api.organisation_of("partner"), "role": "uitvoerder"}])
    other = api.new_plan(title=f"Plan van iemand anders {uuid.uuid4().hex[:6]}")
    listed = page(api, "/partner/plannen/", user="partner")
    assert listed.status_code == 200
    assert mine["title"] in text_of(listed) and other["title"] not in text_of(listed)
    shown = page(api, f"/partner/plannen/{mine['id']}", user="partner")
    assert shown.status_code == 200 and mine["title"] in text_of(shown)
    # No form of the plan's own (the header's language switch posts to the gateway, not to the plan).
    # Only the header's forms (logging out, the language): nothing on the page changes the plan.
    assert re.findall(r'<form[^>]*action="([^"]*)"', shown.text) == [f"/{TENANT}/afmelden", f"/{TENANT}/taal"]
    assert f'href="/{TENANT}/partner/realisaties/{mine["id"]}"' in shown.text
    assert page(api, f"/partner/plannen/{other['id']}", user="partner").status_code == 404
    assert page(api, f"/samenwerking/plannen/{mine['id']}", user="partner").status_code == 403
