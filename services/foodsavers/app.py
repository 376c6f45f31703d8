"""foodsavers: the wiring."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from services.foodsavers.donors.routes import DonorController
from services.foodsavers.settings import FoodsaversSettings
from shared.service_app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="foodsavers",
    route_handlers=[DonorController],
    migrations_dir=Path(__file__).parent / "migrations",
    settings=FoodsaversSettings,
    uses_storage=True,
)


def create_app(settings: FoodsaversSettings | None = None) -> Litestar:
    return create_service_app(SPEC, settings)
