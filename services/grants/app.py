"""grants: the wiring."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from services.grants.applications.routes import (
    ApplicationController,
    CallApplicationController,
    CoApplicationController,
)
from services.grants.audit.routes import AuditController
from services.grants.awards.reminders import AWARD_PLANS, send_report_reminders
from services.grants.awards.routes import AwardPlanController, AwardRuleController, FollowUpController
from services.grants.calls.routes import CallController, PublicCallController
from services.grants.decisions.handlers import DECISION_NOTIFICATIONS
from services.grants.decisions.routes import ApplicationDecisionController, DecisionController, NoticeController
from services.grants.events.handlers import PARTNER_ORGANISATIONS
from services.grants.jury.routes import JuryController
from services.grants.opendata.routes import OpenDataController, PublicOpenDataController
from services.grants.ranking.routes import RankingController
from services.grants.registry.routes import RegistryController
from services.grants.scheduler import close_calls_at_deadline
from services.grants.screening.routes import ScreeningController
from shared.service_app import ServiceSpec, create_service_app
from shared.settings import ServiceSettings

SPEC = ServiceSpec(
    name="grants",
    route_handlers=[CallController, PublicCallController, CallApplicationController, ApplicationController,
                    CoApplicationController, ScreeningController, AuditController, RegistryController,
                    JuryController, RankingController, DecisionController, ApplicationDecisionController,
                    NoticeController, OpenDataController, PublicOpenDataController, AwardRuleController,
                    AwardPlanController, FollowUpController],
    migrations_dir=Path(__file__).parent / "migrations",
    subscriptions=[PARTNER_ORGANISATIONS, DECISION_NOTIFICATIONS, AWARD_PLANS],
    uses_storage=True,
    public_paths=[r"^/[a-z-]+/public/"],
    background=[close_calls_at_deadline, send_report_reminders],
)


def create_app(settings: ServiceSettings | None = None) -> Litestar:
    return create_service_app(SPEC, settings)
