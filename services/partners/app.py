"""partners: the wiring. Each capability brings its API controllers (routes.py), its portal pages (pages.py)
and, for facts, the other services' events it keeps."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from services.partners import portal
from services.partners.audit import routes as audit_routes
from services.partners.catalogue import pages as catalogue_pages
from services.partners.catalogue import routes as catalogue_routes
from services.partners.facts.handlers import SUBSCRIPTIONS as FACT_SUBSCRIPTIONS
from services.partners.organisations import pages as organisation_pages
from services.partners.organisations import routes as organisation_routes
from services.partners.organisations import rules as organisation_rules
from services.partners.organisations.days import announce_recognition_days
from services.partners.organisations.erasure import erase_contacts
from services.partners.overview import pages as overview_pages
from services.partners.plans import pages as plan_pages
from services.partners.plans import routes as plan_routes
from services.partners.plans import rules as plan_rules
from services.partners.realisations import pages as realisation_pages
from services.partners.realisations import routes as realisation_routes
from services.partners.realisations import rules as realisation_rules
from services.partners.reports import pages as report_pages
from services.partners.reports import routes as report_routes
from services.partners.settings import PartnersSettings
from shared.notices import service as notices
from shared.privacy.routes import personal_data_controller
from shared.privacy.service import Privacy
from shared.service_app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="partners",
    route_handlers=[personal_data_controller(Privacy("partners", erase_own=erase_contacts)),
        *organisation_routes.CONTROLLERS, *catalogue_routes.CONTROLLERS, *plan_routes.CONTROLLERS,
        *realisation_routes.CONTROLLERS, *report_routes.CONTROLLERS, *audit_routes.CONTROLLERS,
        # The portal pages (Dutch paths), each capability's next to its rules.
        *organisation_pages.ROUTES, *catalogue_pages.ROUTES, *plan_pages.ROUTES, *realisation_pages.ROUTES,
        *report_pages.ROUTES, *overview_pages.ROUTES,
    ],
    migrations_dir=Path(__file__).parent / "migrations",
    settings=PartnersSettings,
    subscriptions=[*FACT_SUBSCRIPTIONS, *notices.subscriptions("partners")],
    page_header=notices.page_header,
    hot_reads=organisation_routes.HOT_READS,
    background=[announce_recognition_days],
    uses_storage=True,
    public_paths=portal.PUBLIC_PATHS,
    templates=portal.TEMPLATES,
    portals=portal.PORTALS,
    # What each constraint means to a person whose write lost a race, from the capability that owns the table.
    constraint_reasons={**organisation_rules.CONSTRAINT_REASONS, **plan_rules.CONSTRAINT_REASONS,
                        **realisation_rules.CONSTRAINT_REASONS},
)


def create_app(settings: PartnersSettings | None = None) -> Litestar:
    return create_service_app(SPEC, settings)
