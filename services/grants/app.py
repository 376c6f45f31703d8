"""grants: the wiring."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from services.grants.calls.routes import CallController
from services.grants.events.handlers import PARTNER_ORGANISATIONS
from services.grants.registry.routes import RegistryController
from shared.service_app import ServiceSpec, create_service_app
from shared.settings import ServiceSettings

SPEC = ServiceSpec(
    name="grants",
    route_handlers=[CallController, RegistryController],
    migrations_dir=Path(__file__).parent / "migrations",
    subscriptions=[PARTNER_ORGANISATIONS],
    uses_storage=True,
)


def create_app(settings: ServiceSettings | None = None) -> Litestar:
    return create_service_app(SPEC, settings)
