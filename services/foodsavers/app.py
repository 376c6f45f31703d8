"""foodsavers: the wiring. Each capability brings its API controllers (routes.py) and its portal pages
(pages.py): the registry, planning, the logbook the drivers' phones fill, food safety, impact, the driver's app
and the coordinator's dashboard."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from services.foodsavers import portal
from services.foodsavers.dashboard import pages as dashboard_pages
from services.foodsavers.driver import pages as driver_pages
from services.foodsavers.impact import pages as impact_pages
from services.foodsavers.impact import routes as impact_routes
from services.foodsavers.impact import rules as impact_rules
from services.foodsavers.logbook import routes as logbook_routes
from services.foodsavers.planning import days as planning_days
from services.foodsavers.planning import pages as planning_pages
from services.foodsavers.planning import routes as planning_routes
from services.foodsavers.registry import pages as registry_pages
from services.foodsavers.registry import routes as registry_routes
from services.foodsavers.registry import rules as registry_rules
from services.foodsavers.registry.erasure import erase_registry_people
from services.foodsavers.safety import pages as safety_pages
from services.foodsavers.safety import routes as safety_routes
from services.foodsavers.settings import FoodsaversSettings
from shared.notices import service as notices
from shared.privacy.routes import personal_data_controller
from shared.privacy.service import Privacy
from shared.service_app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="foodsavers",
    route_handlers=[personal_data_controller(Privacy("foodsavers", erase_own=erase_registry_people,
                                                   people=("drivers",))),
        *registry_routes.CONTROLLERS, *planning_routes.CONTROLLERS, *logbook_routes.CONTROLLERS,
        *safety_routes.CONTROLLERS, *impact_routes.CONTROLLERS,
        # The portal pages (Dutch paths), each capability's next to its rules.
        *driver_pages.ROUTES, *dashboard_pages.ROUTES, *registry_pages.ROUTES, *planning_pages.ROUTES,
        *safety_pages.ROUTES, *impact_pages.ROUTES,
    ],
    migrations_dir=Path(__file__).parent / "migrations",
    settings=FoodsaversSettings,
    background=[planning_days.extend_round_series],
    subscriptions=notices.subscriptions("foodsavers"),
    page_header=notices.page_header,
    uses_storage=True,
    templates=portal.TEMPLATES,
    portals=portal.PORTALS,
    constraint_reasons={**registry_rules.CONSTRAINT_REASONS, **impact_rules.CONSTRAINT_REASONS},
)


def create_app(settings: FoodsaversSettings | None = None) -> Litestar:
    return create_service_app(SPEC, settings)
