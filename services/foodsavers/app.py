"""foodsavers: the wiring."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from services.foodsavers.donors.routes import DonorController
from shared.service_app import ServiceSpec, create_service_app
from shared.settings import ServiceSettings

SPEC = ServiceSpec(
    name="foodsavers",
    route_handlers=[DonorController],
    migrations_dir=Path(__file__).parent / "migrations",
    uses_storage=True,
)


def create_app(settings: ServiceSettings | None = None) -> Litestar:
    return create_service_app(SPEC, settings)
