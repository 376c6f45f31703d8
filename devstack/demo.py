"""Demo data for `make run`, loaded through the services' own APIs (so every rule and event applies) with
the demo users' real tokens. Safe to run twice: what exists is left alone. The grants demo (a decided call with
its history, an open call) is devstack/demo_grants.py.

Built from public facts of Flemish provinces (../shared/data/demo-facts.json); organisations and places
are public, enterprise numbers are made up (valid mod-97, not the real ones)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import httpx

from devstack.config import StackConfig
from devstack.demo_foodsavers import FoodsaversDemo
from devstack.demo_grants import GrantsDemo
from devstack.demo_partners import PartnersDemo, entry_fields
from devstack.demo_partners_content import ENTRIES
from devstack.platform import service_url
from devstack.processes import log
from devstack.realms import enterprise_number as user_enterprise_number


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    kind: str
    municipality: str
    acts_for: str | None = None  # the demo user (applicant…, juror, partner) who works here: its number


ORGANISATIONS: dict[str, list[DemoOrganisation]] = {
    "oost-vlaanderen": [
        DemoOrganisation("Agrado VOF", "regular-enterprise", "Gent", acts_for="applicant"),
        DemoOrganisation("Apart vzw", "maatwerkbedrijf", "Gent", acts_for="partner"),
        DemoOrganisation("Compaan", "maatwerkbedrijf", "Gent", acts_for="applicant2"),
        DemoOrganisation("Biofresh", "regular-enterprise", "Gent", acts_for="applicant3"),
        DemoOrganisation("Vzw Labeur", "maatwerkbedrijf", "Gent", acts_for="applicant4"),
        DemoOrganisation("Rubberroof", "regular-enterprise", "Gent", acts_for="applicant5"),
        DemoOrganisation("Gandae vzw", "maatwerkbedrijf", "Gent", acts_for="applicant6"),
        # the juror sits in the jury for the brewery; applicant8 applies for it (devstack/realms.py COLLEAGUES)
        DemoOrganisation("Brouwerij Van Steenberge", "regular-enterprise", "Evergem", acts_for="juror"),
        DemoOrganisation("Starterslabo Oost-Vlaanderen", "cooperative", "Gent", acts_for="applicant7"),
    ],
    "west-vlaanderen": [
        DemoOrganisation("Sint-Vincentiusvereniging Diksmuide", "food-aid", "Diksmuide", acts_for="partner"),
        DemoOrganisation("Sociale kruidenier Veurne", "food-aid", "Veurne"),
        DemoOrganisation("Voedselbank West-Vlaanderen", "food-aid", "Kuurne"),
        DemoOrganisation("DVV Westhoek", "intermunicipal", "Ieper"),
        DemoOrganisation("Stad Diksmuide", "municipality", "Diksmuide"),
        DemoOrganisation("De Kringwinkel Westhoek", "maatwerkbedrijf", "Ieper", acts_for="applicant"),
    ],
    "antwerpen": [
        DemoOrganisation("Routedokter", "lde-initiative", "Geel", acts_for="partner"),
        DemoOrganisation("Digidak Schilde", "welfare", "Schilde"),
        DemoOrganisation("OCMW Mol", "ocmw", "Mol"),
        DemoOrganisation("VDAB Antwerpen", "vdab", "Antwerpen"),
        DemoOrganisation("Bakkerij De Kempen", "regular-enterprise", "Balen", acts_for="applicant"),
    ],
    "limburg": [
        DemoOrganisation("Maatwerkbedrijf Limburg", "maatwerkbedrijf", "Hasselt", acts_for="partner"),
        DemoOrganisation("Groenbedrijf Haspengouw", "regular-enterprise", "Sint-Truiden", acts_for="applicant"),
    ],
    "vlaams-brabant": [
        DemoOrganisation("Arbeidszorg Pajottenland", "arbeidszorg", "Lennik", acts_for="partner"),
        DemoOrganisation("Drukkerij Hageland", "regular-enterprise", "Leuven", acts_for="applicant"),
    ],
}

def made_up_enterprise_number(tenant: str, name: str) -> str:
    digest = int(hashlib.sha256(f"{tenant}/{name}".encode()).hexdigest(), 16)
    first8 = f"0{5_000_000 + digest % 4_000_000:07d}"
    return f"{first8}{97 - int(first8) % 97:02d}"


def organisation_number(tenant: str, name: str) -> str:
    """The enterprise number of a demo organisation: its demo user's, else a made-up one."""
    organisation = next(o for o in ORGANISATIONS[tenant] if o.name == name)
    return number_of(tenant, organisation)


def demo_organisation_number(tenant: str, name: str) -> str | None:
    """The enterprise number of the demo organisation named so, or None for a name that is not one."""
    organisation = next((o for o in ORGANISATIONS.get(tenant, []) if o.name == name), None)
    return number_of(tenant, organisation) if organisation is not None else None


def number_of(tenant: str, organisation: DemoOrganisation) -> str:
    return (user_enterprise_number(tenant, organisation.acts_for) if organisation.acts_for
            else made_up_enterprise_number(tenant, organisation.name))


class DemoLoader:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.http = httpx.Client(timeout=20)
        self.tokens: dict[tuple[str, str], str] = {}

    def token(self, tenant: str, username: str) -> dict[str, str]:
        if (tenant, username) not in self.tokens:
            response = self.http.post(
                f"{self.config.keycloak_url}/realms/{tenant}/protocol/openid-connect/token",
                data={"grant_type": "password", "client_id": "regie-cli", "username": username, "password": "demo"})
            response.raise_for_status()
            self.tokens[(tenant, username)] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[(tenant, username)]}"}

    def load(self) -> dict[str, int]:
        counts = {"organisations": 0}
        partners, foodsavers, grants = (service_url(self.config, s) for s in ("partners", "foodsavers", "grants"))
        for tenant, organisations in ORGANISATIONS.items():
            for organisation in organisations:
                response = self.http.post(
                    f"{partners}/{tenant}/organisations", headers=self.token(tenant, "coordinator"),
                    json={"enterprise_number": organisation_number(tenant, organisation.name),
                          "name": organisation.name, "kind": organisation.kind,
                          "municipality": organisation.municipality,
                          **entry_fields(ENTRIES.get(tenant, {}).get(organisation.name))})
                if response.status_code == 201:
                    counts["organisations"] += 1
                elif response.status_code != 409:  # 409: loaded before
                    response.raise_for_status()
        counts |= GrantsDemo(self.http, grants, self.token, organisation_number).seed()
        counts |= PartnersDemo(self.http, partners, self.token, demo_organisation_number).seed()
        counts |= FoodsaversDemo(self.http, foodsavers, self.token).seed()
        return counts


def load_demo(config: StackConfig) -> None:
    counts = DemoLoader(config).load()
    log("demo data loaded: " + ", ".join(f"{n} new {what}" for what, n in counts.items()))
