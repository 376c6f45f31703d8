"""The organisation and catalogue pages, served by partners (as the gateway forwards them: the bearer token and
the session's CSRF token as headers, the form's `_csrf` field): a partner edits its entry and its recognition
change waits with before and after shown; a coordinator refuses without reasons (the message beside the field)
and approves; registering with bad input brings the form back with the message beside the field; the public
catalogue and the fact sheet answer without login."""

from __future__ import annotations

import random
import string
from typing import Any

import httpx

from devstack.realms import enterprise_number as demo_number
from tests.support import bearer
from tests.support import random_enterprise_number as enterprise_number

CSRF = "test-csrf-token"


def page_headers(token: str) -> dict[str, str]:
    return {**bearer(token), "x-csrf-token": CSRF}


def post_form(url: str, token: str, fields: dict[str, Any]) -> httpx.Response:
    return httpx.post(url, headers=page_headers(token), data={"_csrf": CSRF, **fields}, follow_redirects=False)


def test_a_partner_edits_its_entry_and_a_recognition_change_waits_with_before_and_after(
        partners_url, tokens) -> None:
    tenant = "vlaams-brabant"
    coordinator, partner = tokens(tenant, "coordinator"), tokens(tenant, "partner2")
    registered = httpx.post(f"{partners_url}/{tenant}/organisations", headers=bearer(coordinator), json={
        "enterprise_number": demo_number(tenant, "partner2"), "name": "Kringloop Pajottenland",
        "kind": "cooperative", "municipality": "Pajottegem"})
    assert registered.status_code in (201, 409), registered.text
    mine = httpx.get(f"{partners_url}/{tenant}/organisations/mine", headers=bearer(partner)).json()
    if mine["pending_change"]:
        httpx.post(f"{partners_url}/{tenant}/organisation-changes/{mine['pending_change']['id']}/refuse",
                   headers={**bearer(coordinator), "If-Match": str(mine["pending_change"]["version"])},
                   json={"reasons": "opgeruimd"})
        mine = httpx.get(f"{partners_url}/{tenant}/organisations/mine", headers=bearer(partner)).json()
    reset = httpx.patch(f"{partners_url}/{tenant}/organisations/{mine['id']}",
                        headers={**bearer(coordinator), "If-Match": str(mine["version"])},
                        json={"recognitions": [], "kind": "cooperative"})
    assert reset.status_code == 200, reset.text
    mine = reset.json()

    landing = httpx.get(f"{partners_url}/{tenant}/partner/", headers=page_headers(partner))
    assert landing.status_code == 200 and mine["name"] in landing.text
    edit = httpx.get(f"{partners_url}/{tenant}/partner/organisatie/bewerken", headers=page_headers(partner))
    assert edit.status_code == 200 and 'name="off_rubric_1"' in edit.text and 'name="name"' not in edit.text

    bad = post_form(f"{partners_url}/{tenant}/partner/organisatie/bewerken", partner, {
        "version": str(mine["version"]), "description": "Kringloop en herstel",
        "staff_year_1": "2024", "staff_workers_1": "-4", "staff_supervisors_1": "1", "staff_fte_1": "3,5"})
    assert bad.status_code == 422
    assert 'id="e-staff_workers_1"' in bad.text and "negatief" in bad.text
    assert 'value="Kringloop en herstel"' not in bad.text  # a textarea keeps it as its content
    assert "Kringloop en herstel</textarea>" in bad.text

    saved = post_form(f"{partners_url}/{tenant}/partner/organisatie/bewerken", partner, {
        "version": str(mine["version"]), "description": "Kringloop en herstel",
        "off_rubric_1": "kringloop", "off_kind_1": "service", "off_desc_1": "Herstel van meubelen",
        "rec_kind_1": "arbeidszorg", "rec_from_1": "2024-01-01",
        "staff_year_1": "2024", "staff_workers_1": "4", "staff_supervisors_1": "1", "staff_fte_1": "3,5"})
    assert saved.status_code in (302, 303), saved.text
    after = httpx.get(f"{partners_url}/{tenant}/organisations/mine", headers=bearer(partner)).json()
    assert after["description"] == "Kringloop en herstel" and after["staff"][0]["fte"] == "3.50"
    assert after["recognitions"] == [] and after["pending_change"] is not None
    landing = httpx.get(f"{partners_url}/{tenant}/partner/", headers=page_headers(partner)).text
    assert "wacht op goedkeuring" in landing and "Voor" in landing and "Na" in landing

    # the coordinator's side: refuse without reasons → the message beside the field; then approve
    change = after["pending_change"]
    queue = httpx.get(f"{partners_url}/{tenant}/samenwerking/organisaties/wijzigingen/",
                      headers=page_headers(coordinator))
    assert queue.status_code == 200 and "Kringloop" in queue.text and "arbeidszorg" in queue.text
    base = f"{partners_url}/{tenant}/samenwerking/organisaties/wijzigingen/{change['id']}"
    empty = post_form(f"{base}/weigeren", coordinator, {"version": str(change["version"]), "reasons": ""})
    assert empty.status_code == 422 and 'id="e-reasons"' in empty.text
    approved = post_form(f"{base}/goedkeuren", coordinator, {"version": str(change["version"])})
    assert approved.status_code in (302, 303), approved.text
    again = post_form(f"{base}/goedkeuren", coordinator, {"version": str(change["version"])})
    assert again.status_code in (409, 412)
    page = httpx.get(f"{partners_url}/{tenant}/samenwerking/organisaties/{mine['id']}",
                     headers=page_headers(coordinator))
    assert page.status_code == 200 and "arbeidszorg" in page.text and "goedgekeurd" in page.text
    assert httpx.get(f"{partners_url}/{tenant}/samenwerking/organisaties/",
                     headers=page_headers(partner)).status_code == 403


def test_a_coordinator_registers_through_the_form_and_bad_input_comes_back_beside_the_field(
        partners_url, tokens) -> None:
    tenant = "west-vlaanderen"
    coordinator = tokens(tenant, "coordinator")
    url = f"{partners_url}/{tenant}/samenwerking/organisaties/nieuw"
    form = httpx.get(url, headers=page_headers(coordinator))
    assert form.status_code == 200 and '<option value="Diksmuide">' in form.text
    bad = post_form(url, coordinator, {"enterprise_number": "0123.456.748", "name": "Westhoek Groen",
                                       "kind": "maatwerkbedrijf", "municipality": "Diksmuide",
                                       "rec_kind_1": "arbeidszorg", "rec_from_1": "2024-01-01",
                                       "rec_until_1": "2023-01-01"})
    assert bad.status_code == 422
    assert 'id="e-enterprise_number"' in bad.text and "controlegetal" in bad.text
    assert 'value="Westhoek Groen"' in bad.text
    number = enterprise_number()
    dates = post_form(url, coordinator, {"enterprise_number": number, "name": "Westhoek Groen",
                                         "kind": "maatwerkbedrijf", "municipality": "Diksmuide",
                                         "rec_kind_1": "arbeidszorg", "rec_from_1": "2024-01-01",
                                         "rec_until_1": "2023-01-01"})
    assert dates.status_code == 422 and 'id="e-rec_until_1"' in dates.text
    good = post_form(url, coordinator, {"enterprise_number": number, "name": "Westhoek Groen",
                                        "kind": "maatwerkbedrijf", "municipality": "Diksmuide",
                                        "off_rubric_1": "groen", "off_kind_1": "service",
                                        "off_desc_1": "Onderhoud van begraafplaatsen"})
    assert good.status_code in (302, 303), good.text
    listed = httpx.get(f"{partners_url}/{tenant}/samenwerking/organisaties/", params={"q": "Westhoek Groen"},
                       headers=page_headers(coordinator))
    assert listed.status_code == 200 and "Westhoek Groen" in listed.text


def test_the_public_catalogue_and_fact_sheet_pages_answer_without_login(partners_url, gateway_url, tokens) -> None:
    tag = "zq" + "".join(random.choices(string.ascii_lowercase, k=8))
    created = httpx.post(f"{partners_url}/limburg/organisations", headers=bearer(tokens("limburg", "coordinator")),
                         json={"enterprise_number": enterprise_number(), "name": f"Fietsatelier {tag}",
                               "kind": "lde-initiative", "municipality": "Tongeren-Borgloon",
                               "offerings": [{"rubric": "fietsen", "kind": "service",
                                              "description": f"Herstel van {tag} fietsen"}],
                               "staff": [{"year": 2024, "target_group_workers": 7, "supervising_staff": 2,
                                          "fte": "6.5"}]})
    assert created.status_code == 201, created.text
    page = httpx.get(f"{partners_url}/limburg/catalogus/", params={"q": tag})
    assert page.status_code == 200 and f"Fietsatelier {tag}" in page.text
    assert "1 leverancier<" in page.text
    assert 'value="fietsen"' in page.text and "fietsherstel en -verhuur <span class=\"muted\">(1)</span>" in page.text
    narrowed = httpx.get(f"{partners_url}/limburg/catalogus/", params={"q": tag, "rubriek": "catering"})
    assert "0 leveranciers" in narrowed.text
    wrong = httpx.get(f"{partners_url}/limburg/catalogus/", params={"rubriek": "ruimtevaart"})
    assert wrong.status_code == 422 and "onbekende rubriek" in wrong.text.lower()
    listed = httpx.get(f"{partners_url}/limburg/catalogus/gemeenten/")
    assert listed.status_code == 200 and "/limburg/catalogus/gemeenten/tongeren-borgloon" in listed.text
    sheet = httpx.get(f"{partners_url}/limburg/catalogus/gemeenten/tongeren-borgloon")
    assert sheet.status_code == 200 and f"Fietsatelier {tag}" in sheet.text
    assert "<h1>Tongeren-Borgloon</h1>" in sheet.text
    assert httpx.get(f"{partners_url}/limburg/catalogus/gemeenten/gent").status_code == 404
    through_gateway = httpx.get(f"{gateway_url}/limburg/catalogus/", params={"q": tag})
    assert through_gateway.status_code == 200 and f"Fietsatelier {tag}" in through_gateway.text
    # the gateway's API proxy asks every caller for a token (any role of the province will do)
    api = httpx.get(f"{gateway_url}/limburg/api/partners/public/catalogue", params={"q": tag},
                    headers=bearer(tokens("limburg", "applicant")))
    assert api.status_code == 200 and api.json()["total"] == 1


def test_the_catalogue_page_kept_a_while_shows_a_change_at_once_in_each_language_and_nobody_elses_account(
        partners_url, tokens) -> None:
    """The search and results of the page are kept as long as their answer: asking again shows the same page, a
    registration or a rename committed meanwhile shows at once, each language has its own, and what a signed-in
    coordinator was shown (their account bar, their CSRF token) is never shown to the next, anonymous, visitor."""
    tag = "zq" + "".join(random.choices(string.ascii_lowercase, k=8))
    coordinator = tokens("antwerpen", "coordinator")

    def register(name: str) -> dict[str, Any]:
        made = httpx.post(f"{partners_url}/antwerpen/organisations", headers=bearer(coordinator), json={
            "enterprise_number": enterprise_number(), "name": name, "kind": "cooperative", "municipality": "Mol",
            "offerings": [{"rubric": "drukwerk", "kind": "service", "description": f"Folders ({tag})"}]})
        assert made.status_code == 201, made.text
        return made.json()

    def page(**headers: str) -> httpx.Response:
        shown = httpx.get(f"{partners_url}/antwerpen/catalogus/", params={"q": tag}, headers=headers)
        assert shown.status_code == 200, shown.text
        return shown

    first = register(f"Drukkerij Eerst {tag}")
    dutch = page()
    assert f"Drukkerij Eerst {tag}" in dutch.text and "1 leverancier<" in dutch.text
    assert page().text == dutch.text
    french = page(**{"accept-language": "fr"})
    assert f"Drukkerij Eerst {tag}" in french.text and "Catalogue de l" in french.text
    assert "Catalogus sociale economie</h1>" not in french.text

    signed_in = page(**page_headers(coordinator))
    assert 'class="account__name"' in signed_in.text and CSRF in signed_in.text
    anonymous = page()
    assert 'class="account__name"' not in anonymous.text and CSRF not in anonymous.text

    register(f"Drukkerij Tweede {tag}")
    assert "2 leveranciers<" in page().text
    renamed = httpx.patch(f"{partners_url}/antwerpen/organisations/{first['id']}",
                          json={"name": f"Drukkerij Hernoemd {tag}"},
                          headers={**bearer(coordinator), "If-Match": str(first["version"])})
    assert renamed.status_code == 200, renamed.text
    after = page(**{"accept-language": "fr"}).text
    assert f"Drukkerij Hernoemd {tag}" in after and f"Drukkerij Eerst {tag}" not in after
