"""partners: the wiring."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from services.partners.organisations.routes import OrganisationController
from services.partners.settings import PartnersSettings
from shared.service_app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="partners",
    route_handlers=[OrganisationController],
    migrations_dir=Path(__file__).parent / "migrations",
    settings=PartnersSettings,
)


def create_app(settings: PartnersSettings | None = None) -> Litestar:
    return create_service_app(SPEC, settings)
