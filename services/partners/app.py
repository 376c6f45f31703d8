"""partners: the wiring."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from services.partners.organisations.routes import OrganisationController
from shared.service_app import ServiceSpec, create_service_app
from shared.settings import ServiceSettings

SPEC = ServiceSpec(
    name="partners",
    route_handlers=[OrganisationController],
    migrations_dir=Path(__file__).parent / "migrations",
)


def create_app(settings: ServiceSettings | None = None) -> Litestar:
    return create_service_app(SPEC, settings)
