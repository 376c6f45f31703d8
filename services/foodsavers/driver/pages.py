"""The driver's app, /<tenant>/chauffeur/: one page (the app shell) and what makes it an installable, offline-first
web app: its script, stylesheet, icons, web app manifest and service worker, all served from this path so the
service worker's scope is the app.

The shell is the same every day: the day plan, the food categories' temperature rules and the phone's queue are
drawn by static/app.js, which loads the plan from the API (GET /<tenant>/api/foodsavers/my/day), keeps every entry
in IndexedDB with the phone's own id and syncs it to POST /<tenant>/api/foodsavers/sync when there is signal.
The categories come with the shell (registry/categories.py is code, the same for every province), so the forms
work on a phone that never reached the API today.

Only the shell needs a signed-in driver. The script, stylesheet, icons, manifest and service worker hold no
data: they are served without login, because a browser fetches a manifest and its icons without cookies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from services.foodsavers import portal
from services.foodsavers.registry.categories import LABELS, STORAGE, Category
from shared import i18n
from shared.i18n import _
from shared.problems import NotFound
from shared.tenancy import display_name, is_tenant

STATIC = Path(__file__).parent / "static"
FILES: dict[str, str] = {
    "app.js": "text/javascript; charset=utf-8",
    "driver.css": "text/css; charset=utf-8",
    "icon-192.png": "image/png",
    "icon-512.png": "image/png",
}
"""What the app loads besides its page, by name, with its media type."""
REVALIDATE = {"cache-control": "no-cache"}
"""The browser (and the service worker) may keep a copy, but asks each time whether it is still current: a new
release reaches the phones at their next signal."""
APP_NAME = "Regie chauffeur"


def known_tenant(tenant: str) -> str:
    if not is_tenant(tenant):
        raise NotFound(_("onbekende provincie %(tenant)s") % {"tenant": repr(tenant)})
    return tenant


def categories() -> list[dict[str, str]]:
    """The categories as the forms offer them: code, label (in the driver's language) and how they are kept (a
    chilled or frozen line asks for its temperature)."""
    return [{"code": c.value, "label": _(LABELS[c]), "storage": STORAGE[c].value} for c in Category]


@get("/{tenant:str}/chauffeur/")
async def shell(request: Request[Any, Any, Any], tenant: str) -> Template:
    who = portal.visitor(request, portal.DRIVERS)
    return who.page("driver/app.html", {"categories": categories(), "app_name": APP_NAME,
                                        "locale": i18n.locale().replace("_", "-")})


@get("/{tenant:str}/chauffeur/manifest.webmanifest", exclude_from_auth=True, sync_to_thread=False)
def manifest(tenant: str) -> Response[dict[str, Any]]:
    base = f"/{known_tenant(tenant)}/chauffeur/"
    body = {
        "name": APP_NAME,
        "short_name": _("Chauffeur"),
        "description": _("De rit van vandaag: ophalingen en leveringen registreren, ook zonder bereik "
                         "(%(province)s).") % {"province": display_name(tenant)},
        "lang": i18n.HTML_LANG[i18n.language()],
        "id": base,
        "start_url": base,
        "scope": base,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f7f9",
        "theme_color": "#0b5d8e",
        "icons": [
            {"src": f"{base}static/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": f"{base}static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
        ],
    }
    return Response(body, media_type="application/manifest+json", headers=REVALIDATE)


@get("/{tenant:str}/chauffeur/sw.js", exclude_from_auth=True, sync_to_thread=False)
def service_worker(tenant: str) -> Response[bytes]:
    known_tenant(tenant)
    return Response((STATIC / "sw.js").read_bytes(), media_type="text/javascript; charset=utf-8",
                    headers=REVALIDATE)


@get("/{tenant:str}/chauffeur/static/{name:str}", exclude_from_auth=True, sync_to_thread=False)
def static_file(tenant: str, name: str) -> Response[bytes]:
    known_tenant(tenant)
    media_type = FILES.get(name)
    if media_type is None:
        raise NotFound(_("dit bestand bestaat niet"))
    return Response((STATIC / name).read_bytes(), media_type=media_type, headers=REVALIDATE)


ROUTES: list[ControllerRouterHandler] = [shell, manifest, service_worker, static_file]
