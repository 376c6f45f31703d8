"""The driver's app as foodsavers serves it: the shell for a driver (as the gateway forwards a page: the bearer
token and the session's CSRF token as headers), refused to other roles; and what makes it installable and usable
offline, through the gateway without a login (a browser fetches a manifest and its icons without cookies): the web
app manifest (name, scope and start_url on the driver's path, standalone, 192 and 512 px PNG icons), the service
worker (a JavaScript type, revalidated at every visit, its scope the app's path) and the app's script and style."""

from __future__ import annotations

import json
import re
import struct

import httpx
import pytest

from services.foodsavers.registry.categories import LABELS, STORAGE, Category, Storage
from tests.conftest import Platform, Tokens
from tests.support import bearer

TENANT = "vlaams-brabant"
CSRF = "test-csrf-token"


@pytest.fixture(scope="module")
def foodsavers_url(platform: Platform) -> str:
    return str(platform.url("foodsavers"))


def page(foodsavers_url: str, tokens: Tokens, path: str, user: str = "driver") -> httpx.Response:
    return httpx.get(f"{foodsavers_url}/{TENANT}/chauffeur/{path}",
                     headers=bearer(tokens(TENANT, user), **{"x-csrf-token": CSRF}), timeout=30)


def test_the_shell_is_there_for_a_driver_with_the_csrf_token_the_categories_and_the_app(
        foodsavers_url: str, tokens: Tokens) -> None:
    shell = page(foodsavers_url, tokens, "")
    assert shell.status_code == 200, shell.text
    assert shell.headers["content-type"].startswith("text/html")
    assert shell.headers["cache-control"] == "no-store"
    html = shell.text
    assert '<html lang="nl-BE">' in html and "Mijn rit van vandaag" in html
    assert f'<meta name="csrf-token" content="{CSRF}">' in html
    assert f'data-tenant="{TENANT}"' in html
    assert f'<script src="/{TENANT}/chauffeur/static/app.js" defer></script>' in html
    assert f'href="/{TENANT}/chauffeur/static/driver.css"' in html
    # no inline script: the gateway's CSP is default-src 'self'
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    # every category is offered on each pickup line, with how it is kept (chilled and frozen ask a temperature)
    for category in Category:
        assert f'<option value="{category.value}" data-storage="{STORAGE[category].value}">{LABELS[category]}' in html
    assert {STORAGE[c] for c in Category} >= {Storage.CHILLED, Storage.FROZEN}
    for label in ("Gewicht meegenomen (kg)", "Gemeten temperatuur (°C)", "te gebruiken tot",
                  "ten minste houdbaar tot", "Geweigerd (kg", "Bestelwagen vol", "Ontvangen door (naam)",
                  "Gereden kilometers", "Nog in de bestelwagen (kg)", "Nu verzenden", "Nog niet verzonden"):
        assert label in html, label
    assert 'capture="environment"' in html and 'accept="image/*"' in html


@pytest.mark.parametrize("user", ["partner", "coordinator"])
def test_the_shell_is_refused_to_who_is_not_a_driver(foodsavers_url: str, tokens: Tokens, user: str) -> None:
    refused = page(foodsavers_url, tokens, "", user=user)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "rol" in refused.json()["detail"]


def test_the_shell_needs_a_login(foodsavers_url: str) -> None:
    assert httpx.get(f"{foodsavers_url}/{TENANT}/chauffeur/", timeout=30).status_code == 401


def test_through_the_gateway_without_login_the_shell_sends_to_the_login_and_back(gateway_url: str) -> None:
    answer = httpx.get(f"{gateway_url}/{TENANT}/chauffeur/", timeout=30)
    assert answer.status_code in (302, 303)
    assert answer.headers["location"].startswith(f"/{TENANT}/aanmelden?next=/{TENANT}/chauffeur/")


def test_the_manifest_makes_the_app_installable_on_the_drivers_path(gateway_url: str) -> None:
    answer = httpx.get(f"{gateway_url}/{TENANT}/chauffeur/manifest.webmanifest", timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(answer.text)
    assert manifest["name"] == "Regie chauffeur"
    assert manifest["start_url"] == manifest["scope"] == f"/{TENANT}/chauffeur/"
    assert manifest["display"] == "standalone" and manifest["lang"] == "nl-BE"
    sizes = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert set(sizes) == {"192x192", "512x512"}
    for size, icon in sizes.items():
        assert icon["type"] == "image/png" and icon["src"].startswith(f"/{TENANT}/chauffeur/")
        png = httpx.get(f"{gateway_url}{icon['src']}", timeout=30)
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png.content[16:24])
        assert f"{width}x{height}" == size


def test_the_service_worker_is_javascript_revalidated_each_visit_and_keeps_the_shell(gateway_url: str) -> None:
    answer = httpx.get(f"{gateway_url}/{TENANT}/chauffeur/sw.js", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["cache-control"] == "no-cache"
    script = answer.text
    for kept in ("static/app.js", "static/driver.css", "/static/regie.css", "my/day", "caches.open",
                 "addEventListener('fetch'"):
        assert kept in script, kept


def test_the_apps_script_and_style_are_served_and_anything_else_is_not(gateway_url: str) -> None:
    script = httpx.get(f"{gateway_url}/{TENANT}/chauffeur/static/app.js", timeout=30)
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    for part in ("indexedDB", "randomUUID", "/sync", "x-csrf-token", "nog niet verzonden", "serviceWorker"):
        assert part in script.text, part
    style = httpx.get(f"{gateway_url}/{TENANT}/chauffeur/static/driver.css", timeout=30)
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    assert "min-height: 3rem" in style.text  # touch targets of at least 48 px
    for missing in ("static/pages.py", "static/..%2Fpages.py", "static/sw.js.bak"):
        assert httpx.get(f"{gateway_url}/{TENANT}/chauffeur/{missing}", timeout=30).status_code in (400, 404)
    assert httpx.get(f"{gateway_url}/atlantis/chauffeur/manifest.webmanifest", timeout=30).status_code == 404
