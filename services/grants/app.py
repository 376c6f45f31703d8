"""grants: the wiring."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from services.grants import portal
from services.grants.applications import pages as application_pages
from services.grants.applications import routes as application_routes
from services.grants.applications import rules as application_rules
from services.grants.applications.erasure import erase_drafts
from services.grants.applications.routes import (
    ApplicationController,
    CallApplicationController,
    CoApplicationController,
)
from services.grants.audit.routes import AuditController
from services.grants.awards import manager_pages as award_manager_pages
from services.grants.awards import pages as award_pages
from services.grants.awards import rules as award_rules
from services.grants.awards.reminders import AWARD_PLANS, send_report_reminders
from services.grants.awards.routes import AwardPlanController, AwardRuleController, FollowUpController
from services.grants.calls import pages as call_pages
from services.grants.calls import routes as call_routes
from services.grants.calls import rules as call_rules
from services.grants.calls.routes import CallController, PublicCallController
from services.grants.decisions import manager_pages as decision_manager_pages
from services.grants.decisions import pages as decision_pages
from services.grants.decisions import rules as decision_rules
from services.grants.decisions.handlers import DECISION_NOTIFICATIONS
from services.grants.decisions.routes import ApplicationDecisionController, CallAppealsController, DecisionController
from services.grants.events.handlers import PARTNER_ORGANISATIONS
from services.grants.jury import pages as jury_pages
from services.grants.jury import rules as jury_rules
from services.grants.jury.routes import JuryController
from services.grants.mailings import pages as mail_pages
from services.grants.mailings.routes import MailController
from services.grants.mailings.service import send_outgoing_mail
from services.grants.notices import pages as notice_pages
from services.grants.notices import service as notice_service
from services.grants.notices.mailer import SUBSCRIPTIONS as NOTICES
from services.grants.notices.routes import NoticeController
from services.grants.opendata.routes import OpenDataController, PublicOpenDataController
from services.grants.ranking import pages as ranking_pages
from services.grants.ranking.routes import RankingController
from services.grants.registry.routes import RegistryController
from services.grants.scheduler import close_calls_at_deadline
from services.grants.screening import pages as screening_pages
from services.grants.screening import rules as screening_rules
from services.grants.screening.routes import ScreeningController
from services.grants.settings import GrantsSettings
from shared.privacy.routes import personal_data_controller
from shared.privacy.service import Privacy
from shared.service_app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="grants",
    route_handlers=[personal_data_controller(Privacy("grants", erase_own=erase_drafts)),
                    CallController, PublicCallController, CallApplicationController, ApplicationController,
                    CoApplicationController, ScreeningController, AuditController, RegistryController,
                    JuryController, RankingController, DecisionController, ApplicationDecisionController,
                    CallAppealsController, NoticeController, OpenDataController, PublicOpenDataController,
                    AwardRuleController, AwardPlanController, FollowUpController, MailController,
                    # The portal pages (Dutch paths), each capability's next to its rules.
                    *call_pages.ROUTES, *application_pages.ROUTES, *screening_pages.ROUTES, *jury_pages.ROUTES,
                    *ranking_pages.ROUTES, *decision_pages.ROUTES, *decision_manager_pages.ROUTES,
                    *award_pages.ROUTES, *award_manager_pages.ROUTES, *notice_pages.ROUTES,
                    *mail_pages.ROUTES],
    migrations_dir=Path(__file__).parent / "migrations",
    settings=GrantsSettings,
    subscriptions=[PARTNER_ORGANISATIONS, DECISION_NOTIFICATIONS, AWARD_PLANS, *NOTICES],
    uses_storage=True,
    public_paths=[r"^/[a-z-]+/public/", r"^/[a-z-]+/oproepen/[0-9a-f-]{36}/?$"],
    background=[close_calls_at_deadline, send_report_reminders, send_outgoing_mail],
    templates=portal.TEMPLATES,
    portals=portal.PORTALS,
    # What each constraint means to a person whose write lost a race, from the capability that owns the table.
    constraint_reasons={**application_rules.CONSTRAINT_REASONS, **call_rules.CONSTRAINT_REASONS,
                        **screening_rules.CONSTRAINT_REASONS, **jury_rules.CONSTRAINT_REASONS,
                        **decision_rules.CONSTRAINT_REASONS, **award_rules.CONSTRAINT_REASONS},
    page_header=notice_service.page_header,
    hot_reads=call_routes.HOT_READS,
    hot_writes=application_routes.HOT_WRITES,
)


def create_app(settings: GrantsSettings | None = None) -> Litestar:
    return create_service_app(SPEC, settings)
