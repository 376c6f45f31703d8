"""Notices from every service in one list per person, on the real processes (grants, partners, foodsavers, the
gateway), NATS and devstack's SMTP sink (a real aiosmtpd server):

- a realisation sent back in partners reaches the partner's list at grants, in the reader's language, and the
  unread count in partners' own page header; marking it read at grants lowers partners' count too;
- its e-mail goes to the partner's address in the language of their last visit, as multipart/alternative with
  a plain-text and an HTML part; once the partner turns that kind off, the next one is in the list but mailed
  no more; an unknown kind is refused with a problem;
- a food-safety flag in foodsavers is a notice for the province's coordinators (a role), in grants' list and in
  foodsavers' page header;
- a juror assigned applications who never signed in gets the e-mail at their account's address, in their
  account's language, found in the realm's directory."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, TypeVar

import httpx
import pytest

from devstack import mailsink
from tests.foodsavers.logbook_world import a_round, pickup, pickup_line
from tests.partners.api.facts_world import World, plan_in
from tests.support import bearer

TENANT = "limburg"
PLACES = "Extra plaatsen sociale economie"
COUNT = re.compile(r'class="badge unread-count">(\d+)<')
T = TypeVar("T")


def eventually(check: Callable[[], T], within: float = 30.0) -> T:
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


class Notices:
    """A person's notices as grants serves them through the gateway."""

    def __init__(self, gateway_url: str, tokens: Any, tenant: str = TENANT) -> None:
        self.base, self.tokens, self.tenant = f"{gateway_url}/{tenant}/api/grants/notices", tokens, tenant

    def of(self, user: str, language: str = "nl") -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.base}/", params={"limit": 200}, timeout=30,
                           headers=bearer(self.tokens(self.tenant, user), **{"Accept-Language": language}))
        assert answer.status_code == 200, answer.text
        return list(answer.json())

    def unread(self, user: str) -> int:
        answer = httpx.get(f"{self.base}/unread-count", headers=bearer(self.tokens(self.tenant, user)), timeout=30)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["unread"])


def header_count(url: str, token: str) -> int:
    """The unread count in the header of a portal page served straight by a service."""
    page = httpx.get(url, headers=bearer(token), timeout=30)
    assert page.status_code == 200, page.text[:500]
    assert f'href="/{TENANT}/berichten/"' in page.text or "/berichten/" in page.text
    found = COUNT.search(page.text)
    return int(found.group(1)) if found else 0


def mails_to(stack_config: Any, address: str, since_ns: int) -> list[EmailMessage]:
    return [m for m in mailsink.received_since(stack_config, since_ns) if address in str(m["To"])]


def submit_and_send_back(world: World, reasons: str) -> str:
    submitted = httpx.post(world.url(f"/indicators/{world.indicators[PLACES]}/realisations"),
                           headers=world.as_("partner"), json={"year": 2026, "value": "185", "narrative": "185."})
    assert submitted.status_code == 201, submitted.text
    realisation = submitted.json()
    sent_back = httpx.post(world.url(f"/realisations/{realisation['id']}/send-back"),
                           headers=world.as_("coordinator", **{"If-Match": '"1"'}), json={"reasons": reasons})
    assert sent_back.status_code == 200, sent_back.text
    return str(realisation["id"])


def about_plan(notices: list[dict[str, Any]], world: World) -> list[dict[str, Any]]:
    return [n for n in notices if n["link"] == f"/{world.tenant}/partner/plannen/{world.plan_id}"]


@pytest.fixture
def world(platform, partners_url: str, tokens) -> World:  # type: ignore[no-untyped-def]
    return plan_in(World(partners_url, TENANT, tokens))


def test_a_realisation_sent_back_in_partners_is_in_the_list_at_grants_and_counted_in_partners_header(
        world: World, gateway_url: str, partners_url: str, tokens: Any) -> None:
    notices = Notices(gateway_url, tokens)
    submit_and_send_back(world, "De bewijsstukken ontbreken.")
    (notice,) = eventually(lambda: about_plan(notices.of("partner"), world))
    assert (notice["kind"], notice["source"], notice["read_at"]) == ("realisation.sent-back", "partners", None)
    assert PLACES in notice["title"] and "teruggestuurd" in notice["title"]
    assert "De bewijsstukken ontbreken." in notice["body"]
    (french,) = about_plan(notices.of("partner", "fr"), world)
    assert "renvoyée" in french["title"] and french["id"] == notice["id"]
    assert not about_plan(notices.of("coordinator"), world)  # for the partner and its organisation only

    page = f"{partners_url}/{TENANT}/partner/plannen/"
    token = tokens(TENANT, "partner")
    unread = notices.unread("partner")
    assert unread >= 1
    assert eventually(lambda: header_count(page, token) == unread), (header_count(page, token), unread)
    read = httpx.post(f"{notices.base}/{notice['id']}/read", headers=bearer(token), timeout=30)
    assert read.status_code == 200, read.text
    assert notices.unread("partner") == unread - 1
    # partners hears of the mark through grants' notice.read event and counts one fewer.
    assert eventually(lambda: header_count(page, token) == unread - 1), header_count(page, token)


def test_the_e_mail_follows_the_persons_language_and_choice_and_is_multipart(
        world: World, gateway_url: str, tokens: Any, stack_config: Any) -> None:
    address = f"partner@{TENANT}.regie.test"
    grants_page = f"{stack_config.http_url('grants')}/{TENANT}/berichten/"
    token = tokens(TENANT, "partner")
    seen = httpx.get(grants_page, headers=bearer(token, **{"Accept-Language": "fr-BE,fr;q=0.9"}), timeout=30)
    assert seen.status_code == 200 and 'lang="fr-BE"' in seen.text
    preferences = f"{gateway_url}/{TENANT}/api/grants/notices/preferences"
    everything = httpx.put(preferences, headers=bearer(token), timeout=30, json={
        "by_email": ["realisation.sent-back", "realisation.approved"]})
    assert everything.status_code == 200, everything.text
    chosen = {k["kind"]: k["by_email"] for k in everything.json()["kinds"]}
    assert chosen["realisation.sent-back"] and not chosen["application.decided"]
    assert everything.json()["email"] == address and everything.json()["language"] == "fr"

    since = time.time_ns()
    submit_and_send_back(world, "Het cijfer klopt niet met de aanwezigheidslijsten.")
    (mail,) = eventually(lambda: [m for m in mails_to(stack_config, address, since)
                                  if world.plan_id in m.get_body(("plain",)).get_content()])
    assert mail.get_content_type() == "multipart/alternative" and mail["Content-Language"] == "fr-BE"
    assert "renvoyée" in str(mail["Subject"]) and PLACES in str(mail["Subject"])
    plain, html = mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()
    assert "Het cijfer klopt niet met de aanwezigheidslijsten." in plain and "Corrigez-la" in plain
    assert f"{gateway_url}/{TENANT}/partner/plannen/{world.plan_id}" in plain
    assert f"/{TENANT}/berichten/voorkeuren" in plain
    assert '<html lang="fr-BE">' in html and "Corrigez-la" in html and "Voir dans le portail" in html

    refused = httpx.put(preferences, headers=bearer(token), timeout=30, json={"by_email": ["nieuwsbrief"]})
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    off = httpx.put(preferences, headers=bearer(token), timeout=30, json={"by_email": ["realisation.approved"]})
    assert off.status_code == 200, off.text
    notices = Notices(gateway_url, tokens)
    again = plan_in(World(world.partners, TENANT, tokens))
    since = time.time_ns()
    submit_and_send_back(again, "Nog steeds onvolledig.")
    assert eventually(lambda: about_plan(notices.of("partner"), again))
    # The notice is in the list, so grants has decided its e-mails in the same transaction: none for the partner.
    outbox = httpx.get(f"{gateway_url}/{TENANT}/api/grants/mail/", params={"limit": 200}, timeout=30,
                       headers=bearer(tokens(TENANT, "province-admin")))
    assert outbox.status_code == 200, outbox.text
    assert not [m for m in outbox.json()["items"]
                if m["reference"].endswith(again.plan_id) and address in m["recipients"]]
    assert not [m for m in mails_to(stack_config, address, since)
                if again.plan_id in m.get_body(("plain",)).get_content()]
    back = httpx.put(preferences, headers=bearer(token), timeout=30,
                     json={"by_email": ["realisation.sent-back", "realisation.approved"]})
    assert back.status_code == 200


def test_a_food_safety_flag_is_a_notice_for_the_coordinators(
        platform: Any, gateway_url: str, tokens: Any, stack_config: Any) -> None:
    notices = Notices(gateway_url, tokens)
    before = {n["id"] for n in notices.of("coordinator")}
    with httpx.Client(base_url=gateway_url, timeout=60) as client:
        world = a_round(client, TENANT, tokens)
        world.synced({"pickups": [pickup(world, pickup_line("bread", 1_000), van_full=True,
                                         left_behind_grams=5_000)]})

    def new_flags() -> list[dict[str, Any]]:
        return [n for n in notices.of("coordinator") if n["id"] not in before and n["kind"] == "round.flagged"]

    (flag,) = eventually(new_flags)
    assert flag["source"] == "foodsavers" and flag["link"] == f"/{TENANT}/voedsel/veiligheid/"
    assert world.day.strftime("%-d") in flag["title"]
    assert not [n for n in notices.of("driver") if n["id"] == flag["id"]]  # a role's notice, not everyone's
    page = f"{stack_config.http_url('foodsavers')}/{TENANT}/voedsel/veiligheid/"
    token = tokens(TENANT, "coordinator")
    assert eventually(lambda: header_count(page, token) == notices.unread("coordinator"))


async def test_a_juror_who_never_signed_in_hears_of_the_assignment_by_e_mail_in_the_accounts_language(
        platform: Any, tokens: Any, stack_config: Any) -> None:
    """Nobody saw this juror on a page: grants finds their address and language in the realm's directory."""
    from tests.grants.decision_world import INELIGIBLE, call_in_review

    tenant, username = "limburg", f"jurylid-{uuid.uuid4().hex[:8]}"
    address = f"{username}@{tenant}.regie.test"
    async with httpx.AsyncClient(timeout=30) as http:
        admin = {"Authorization": "Bearer " + (await http.post(
            f"{stack_config.keycloak_url}/realms/master/protocol/openid-connect/token",
            data={"grant_type": "password", "client_id": "admin-cli", "username": stack_config.keycloak_admin,
                  "password": stack_config.keycloak_admin_password})).json()["access_token"]}
        users = f"{stack_config.keycloak_url}/admin/realms/{tenant}/users"
        created = await http.post(users, headers=admin, json={
            "username": username, "email": address, "enabled": True, "emailVerified": True, "firstName": "Jo",
            "lastName": "Peeters", "attributes": {"locale": ["en"]}})
        assert created.status_code == 201, created.text
        user_id = created.headers["location"].rsplit("/", 1)[-1]
        role = (await http.get(f"{stack_config.keycloak_url}/admin/realms/{tenant}/roles/juror", headers=admin)).json()
        granted = await http.post(f"{users}/{user_id}/role-mappings/realm", headers=admin, json=[role])
        assert granted.status_code == 204, granted.text
        world = await call_in_review(platform, tokens, stack_config, tenant)
        try:
            jury = httpx.get(world.url(f"/calls/{world.call_id}/jury"), headers=world.as_("call-manager"))
            members = [{"username": m, "name": m} for m in ("juror", "juror2", username)]
            composed = httpx.put(world.url(f"/calls/{world.call_id}/jury"), json={"members": members},
                                 headers=world.as_("call-manager", **{"If-Match": jury.headers["etag"]}))
            assert composed.status_code == 200, composed.text
            current = httpx.get(world.url(f"/calls/{world.call_id}/assignments"), headers=world.as_("call-manager"))
            since = time.time_ns()
            fixed = httpx.put(world.url(f"/calls/{world.call_id}/assignments"), json={"assignments": [
                {"application_id": str(app_id), "jurors": ["juror", "juror2", username]}
                for title, app_id in world.apps.items() if title != INELIGIBLE]},
                headers=world.as_("call-manager", **{"If-Match": current.headers["etag"]}))
            assert fixed.status_code == 200, fixed.text
            (mail,) = eventually(lambda: mails_to(stack_config, address, since), within=45)
            assert mail["Content-Language"] == "en"
            eligible = len([title for title in world.apps if title != INELIGIBLE])
            assert str(mail["Subject"]).startswith(f"You have {eligible} applications to review in «"), mail["Subject"]
            plain = mail.get_body(("plain",)).get_content()
            assert "Declare for each application whether you have a conflict of interest" in plain
            assert f"/{tenant}/jury/" in plain
        finally:
            await world.app_db.dispose()
            await http.delete(f"{users}/{user_id}", headers=admin)
