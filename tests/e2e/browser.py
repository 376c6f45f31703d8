"""What the portal's browser tests share: Debian's chromium through Playwright, a Dutch-speaking browser context,
logging in and out through the real Keycloak, and setting up grants data through the API with real tokens."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page

from tests.support import bearer

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
"""A few bytes that start like a PDF: enough for the service's type sniffing."""


def log_in(page: Page, gateway_url: str, tenant: str, username: str, next_path: str = "") -> None:
    """Through the realm's own login form, as a person would; lands on `next_path` (or the tenant's home)."""
    target = f"/{tenant}/{next_path.lstrip('/')}" if next_path else f"/{tenant}/"
    page.goto(f"{gateway_url}/{tenant}/aanmelden?next={target}")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord", exact=True).fill("demo")
    page.locator("#kc-login").click()
    page.wait_for_url(f"{gateway_url}{target}")


def log_out(page: Page, gateway_url: str, tenant: str) -> None:
    """With the header's button (a POST with the session's CSRF token), as a person does."""
    page.goto(f"{gateway_url}/{tenant}/")
    page.locator("form.account__logout").get_by_role("button").click()
    page.wait_for_url(f"{gateway_url}/{tenant}/")


def api(method: str, url: str, token: str, expected: int | tuple[int, ...] = (200, 201), **kwargs: Any) -> Any:
    response = httpx.request(method, url, headers=bearer(token, **kwargs.pop("headers", {})), timeout=20, **kwargs)
    wanted = (expected,) if isinstance(expected, int) else expected
    assert response.status_code in wanted, f"{method} {url}: {response.status_code} {response.text}"
    return response.json() if response.content else None


def if_match(read: dict[str, Any]) -> dict[str, str]:
    """If-Match with the version a read (or the answer to a write) showed."""
    return {"If-Match": f'"{read["version"]}"'}


def screened_eligible(grants_url: str, tenant: str, manager_token: str, application_id: str) -> None:
    """The call manager records the application eligible through the grants API (only an eligible application
    is assigned to the jury, ranked and awarded)."""
    url = f"{grants_url}/{tenant}/applications/{application_id}/screening"
    screening = api("GET", url, manager_token)
    api("PUT", url, manager_token, headers={"If-Match": f'"{screening["version"]}"'},
        json={"result": "eligible", "reasons": "Alle voorwaarden van het reglement zijn vervuld."})


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def published_call(grants_url: str, tenant: str, manager_token: str, title: str, closes_in: timedelta,
                   **terms: Any) -> dict[str, Any]:
    """A call drafted and published by the call manager through the grants API, open since a minute ago."""
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "title": title,
        "aim": "Reguliere ondernemingen en sociale-economieondernemingen innoveren samen.",
        "rules_text": "Artikel 1. De provincie kent subsidies toe aan samenwerkingsprojecten.\n"
                      "Artikel 2. Elke mede-aanvrager bevestigt zijn deelname.",
        "legal_basis": "Besluit van de provincieraad van 26 juni 2026",
        "total_budget_cents": 25_000_000, "max_per_project_cents": 5_000_000, "cofinancing_rate_bp": 8000,
        "opens_at": iso(now - timedelta(minutes=1)), "closes_at": iso(now + closes_in), "appeal_days": 30,
        "jurors_per_application": 2, "tie_break": ["criterion:1", "submitted_at:asc"],
        "eligibility": {"social_economy_coapplicant": True, "min_coapplicants": 1},
        "required_attachments": [{"code": "begroting", "label": "Gedetailleerde begroting",
                                  "types": ["application/pdf"]}],
        "criteria": [
            {"name": "Innovatie", "weight": "60", "max_score": 10, "description": "Hoe vernieuwend is het project?"},
            {"name": "Samenwerking", "weight": "40", "max_score": 10, "min_threshold": "4",
             "description": "Hoe sterk is het partnerschap met de sociale economie?"},
        ],
    } | terms
    drafted = api("POST", f"{grants_url}/{tenant}/calls", manager_token, json=body)
    return api("POST", f"{grants_url}/{tenant}/calls/{drafted['id']}/publish", manager_token,
               headers={"If-Match": f'"{drafted["version"]}"'})


def unique(title: str) -> str:
    """Titles that differ per run: the test stack keeps its data between runs."""
    return f"{title} {random.randrange(10_000):04d}"
