"""Tenants are the five Flemish provinces. One realm per province in Keycloak, one `tenant` column on every
tenant-owned row, the tenant in every NATS subject and object key."""

from __future__ import annotations

TENANTS: dict[str, str] = {
    "antwerpen": "Provincie Antwerpen",
    "limburg": "Provincie Limburg",
    "oost-vlaanderen": "Provincie Oost-Vlaanderen",
    "vlaams-brabant": "Provincie Vlaams-Brabant",
    "west-vlaanderen": "Provincie West-Vlaanderen",
}


def is_tenant(value: str) -> bool:
    return value in TENANTS


def display_name(tenant: str) -> str:
    return TENANTS[tenant]
