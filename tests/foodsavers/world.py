"""What the foodsavers tests share: building a world through the API behind the gateway
(`/<tenant>/api/foodsavers/<path>` → foodsavers' `/<tenant>/<path>`).

Each `register_*` takes an httpx client whose base_url is the gateway (`httpx.Client(base_url=gateway_url)`), the
tenant and a coordinator's token, posts a valid body (every field overridable) and returns the created entry
(asserting 201). Names are made unique per call, so reruns on a kept stack never collide. The `a…` twins do the
same with an `httpx.AsyncClient`. `ensure_driver` gives the driver registered for a demo login (e.g. `driver`),
registering it the first time."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared.municipalities import of_province

WINDOWS = [{"weekday": day, "from": "08:00", "until": "10:00"} for day in range(1, 6)]
"""Monday to Friday, 08:00-10:00."""


def api_path(tenant: str, path: str) -> str:
    """The gateway path of a foodsavers API path: api_path("limburg", "/donors") → "/limburg/api/foodsavers/donors"."""
    return f"/{tenant}/api/foodsavers/{path.lstrip('/')}"


def headers(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def municipality_of(tenant: str) -> str:
    """A municipality (its Dutch name) of the tenant's province."""
    return of_province(tenant)[0].name


def donor_body(tenant: str, **overrides: Any) -> dict[str, Any]:
    return {"name": unique("Colruyt"), "kind": "supermarket", "chain": "Colruyt",
            "street": "Markt 1", "postcode": "8900", "municipality": municipality_of(tenant),
            "opening_hours": "ma-za 8u30-20u", "pickup_windows": WINDOWS,
            "contact_name": "Filiaalverantwoordelijke", "contact_phone": "057 00 00 00",
            "instructions": "Achteraan aan de laadkade aanbellen.", **overrides}


def recipient_body(tenant: str, **overrides: Any) -> dict[str, Any]:
    return {"name": unique("Sint-Vincentius"), "kind": "sint-vincentius", "municipality": municipality_of(tenant),
            "street": "Kerkstraat 2", "postcode": "8900", "delivery_windows": WINDOWS,
            "cold_storage_litres": 600, "freezer_litres": 200, "households": 80, "people_served": 210,
            "favv_number": "20123456", **overrides}


def vehicle_body(tenant: str, **overrides: Any) -> dict[str, Any]:
    return {"name": unique("Koelbestelwagen"), "plate": "1-ABC-123", "refrigerated": True, "capacity_grams": 1_000_000,
            "emission_grams_per_km": 220, **overrides}


def driver_body(tenant: str, **overrides: Any) -> dict[str, Any]:
    return {"name": unique("Leerwerknemer"), "username": f"chauffeur-{uuid.uuid4().hex[:10]}", "phone": "0470 00 00 00",
            **overrides}


BODIES = {"donors": donor_body, "recipients": recipient_body, "vehicles": vehicle_body, "drivers": driver_body}


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return dict(response.json())


def register(client: httpx.Client, tenant: str, token: str, collection: str, **overrides: Any) -> dict[str, Any]:
    body = BODIES[collection](tenant, **overrides)
    return _created(client.post(api_path(tenant, f"/{collection}"), json=body, headers=headers(token)))


def register_donor(client: httpx.Client, tenant: str, token: str, **overrides: Any) -> dict[str, Any]:
    return register(client, tenant, token, "donors", **overrides)


def register_recipient(client: httpx.Client, tenant: str, token: str, **overrides: Any) -> dict[str, Any]:
    return register(client, tenant, token, "recipients", **overrides)


def register_vehicle(client: httpx.Client, tenant: str, token: str, **overrides: Any) -> dict[str, Any]:
    return register(client, tenant, token, "vehicles", **overrides)


def register_driver(client: httpx.Client, tenant: str, token: str, **overrides: Any) -> dict[str, Any]:
    return register(client, tenant, token, "drivers", **overrides)


def ensure_driver(client: httpx.Client, tenant: str, token: str, username: str = "driver",
                  **overrides: Any) -> dict[str, Any]:
    """The driver whose login is `username` (registered now, or found when an earlier test or run did)."""
    response = client.post(api_path(tenant, "/drivers"), json=driver_body(tenant, username=username, **overrides),
                           headers=headers(token))
    if response.status_code == 201:
        return dict(response.json())
    assert response.status_code == 409, response.text
    found = client.get(api_path(tenant, "/drivers"), params={"username": username}, headers=headers(token))
    assert found.status_code == 200, found.text
    (driver,) = found.json()["items"]
    return dict(driver)


async def aregister(client: httpx.AsyncClient, tenant: str, token: str, collection: str,
                    **overrides: Any) -> dict[str, Any]:
    body = BODIES[collection](tenant, **overrides)
    return _created(await client.post(api_path(tenant, f"/{collection}"), json=body, headers=headers(token)))


async def aregister_donor(client: httpx.AsyncClient, tenant: str, token: str, **overrides: Any) -> dict[str, Any]:
    return await aregister(client, tenant, token, "donors", **overrides)


async def aregister_recipient(client: httpx.AsyncClient, tenant: str, token: str,
                              **overrides: Any) -> dict[str, Any]:
    return await aregister(client, tenant, token, "recipients", **overrides)


async def aregister_vehicle(client: httpx.AsyncClient, tenant: str, token: str, **overrides: Any) -> dict[str, Any]:
    return await aregister(client, tenant, token, "vehicles", **overrides)


async def aregister_driver(client: httpx.AsyncClient, tenant: str, token: str, **overrides: Any) -> dict[str, Any]:
    return await aregister(client, tenant, token, "drivers", **overrides)


async def aensure_driver(client: httpx.AsyncClient, tenant: str, token: str, username: str = "driver",
                         **overrides: Any) -> dict[str, Any]:
    response = await client.post(api_path(tenant, "/drivers"),
                                 json=driver_body(tenant, username=username, **overrides), headers=headers(token))
    if response.status_code == 201:
        return dict(response.json())
    assert response.status_code == 409, response.text
    found = await client.get(api_path(tenant, "/drivers"), params={"username": username}, headers=headers(token))
    assert found.status_code == 200, found.text
    (driver,) = found.json()["items"]
    return dict(driver)
