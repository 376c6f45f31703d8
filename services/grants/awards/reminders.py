"""Reminders for progress and final reports, and the default plan when an award is announced.

The reminder worker runs in every replica (a ServiceSpec.background task). Each round, per tenant: one short
read finds up to `BATCH` awaited reports inside their reminder window that have not had today's reminder (a
reminded report is not picked again, so a backlog never hides the newer ones), the pure `rules.due_reminders`
decides what is due today (Brussels, by the database clock unless a test passes `today`), and then each
reminder has a transaction of its own: the report is locked FOR UPDATE SKIP LOCKED (a report another replica
is handling is skipped), the reminder is claimed in `report_reminders` (unique per report and kind: a claim
that finds a row sends nothing), the notice (report due: in the person's list, and by e-mail through grants'
notice mailer and mail outbox, which delivers it with retries) and the audit entry are added. A refused or
failing e-mail therefore rolls back nothing: not its own claim, not the others'; it is retried or shown to the
province admin as undeliverable.

`AWARD_PLANS` is a durable consumer of grants' own `application.awarded`: it makes the default plan from the
call's rule (idempotent: a plan that exists is left alone)."""

from __future__ import annotations

import logging
import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.repository import ApplicationRepository
from services.grants.awards import rules
from services.grants.awards.repository import AwardRepository
from services.grants.awards.service import ensure_plan
from services.grants.calls.repository import CallRepository
from services.grants.events.published import ApplicationAwardedV1
from services.grants.notices import service as notices
from services.grants.settings import GrantsSettings
from shared.audit import record
from shared.db import Database
from shared.events.consumer import Subscription
from shared.events.envelope import Envelope, data_as
from shared.ids import uuid7
from shared.notices.kinds import NoticeKind
from shared.portal.formats import day
from shared.service_app import Runtime
from shared.tenancy import province_name

log = logging.getLogger("regie.grants.reminders")

BATCH = 100
DEFAULT_WINDOW = rules.AwardRule().reminder_days_before


async def remind_tenant(db: Database, tenant: str, *, today: date | None = None) -> list[tuple[str, str]]:
    """One round for one tenant; returns the (report id, kind) reminders this call claimed."""
    async with db.transaction(tenant) as session:
        repository = AwardRepository(session, tenant)
        today = today or await CallRepository(session, tenant).brussels_today()
        awaiting = await repository.reports_awaiting_reminder(today, DEFAULT_WINDOW, BATCH)
        already = await repository.reminders_sent([r.id for r, _ in awaiting])
    due = rules.due_reminders([rules.AwaitedReport(str(r.id), r.status, r.due_on, days) for r, days in awaiting],
                              today, already)
    sent_now: list[tuple[str, str]] = []
    for report_id, kind in due:
        try:
            if await _remind(db, tenant, uuid.UUID(report_id), kind, today):
                sent_now.append((report_id, kind))
        except Exception:
            log.exception("a report reminder failed", extra={"report_id": report_id, "kind": kind, "tenant": tenant})
    return sent_now


async def _remind(db: Database, tenant: str, report_id: uuid.UUID, kind: rules.ReminderKind, today: date) -> bool:
    """Claims, records and stages one reminder in a transaction of its own."""
    async with db.transaction(tenant) as session:
        repository = AwardRepository(session, tenant)
        locked = await repository.lock_report_awaiting_reminder(report_id, today, DEFAULT_WINDOW)
        if locked is None:
            return False
        report, _plan = locked
        application = await ApplicationRepository(session, tenant).get(report.application_id)
        if application is None:
            return False
        recipients = [application.applicant_email] if application.applicant_email else []
        if not await repository.claim_reminder({"id": uuid7(), "report_id": report.id, "kind": kind,
                                                "recipients": recipients}):
            return False
        link = f"/{tenant}/api/grants/applications/{application.id}/award-plan"
        notices.tell_applicant(session, tenant, application, kind=NoticeKind.REPORT_DUE, link=link,
                               render=lambda: rules.reminder_text(kind, report.kind, application.title,
                                                                  day(report.due_on), province_name(tenant)))
        record(session, tenant=tenant, actor="system", action=f"report.{report.kind}.reminder_{kind}",
               entity="application", entity_id=application.id, before=None,
               after={"due_on": report.due_on.isoformat(), "recipients": recipients})
    log.info("report reminder claimed", extra={"application_id": str(application.id), "report": report.kind,
                                               "kind": kind, "tenant": tenant})
    return True


async def send_report_reminders(runtime: Runtime) -> None:
    """The background task: a round per tenant every `reminders.poll_seconds` until the service stops."""
    configured = runtime.settings if isinstance(runtime.settings, GrantsSettings) else GrantsSettings()

    async def remind(tenant: str) -> None:
        await remind_tenant(runtime.db, tenant)

    await runtime.every_tenant(configured.reminders.poll_seconds, "sending report reminders", log, remind)


async def application_awarded(session: AsyncSession, envelope: Envelope) -> None:
    data = data_as(envelope, ApplicationAwardedV1)
    _plan, created = await ensure_plan(session, envelope.tenant, uuid.UUID(data.application_id), actor="system")
    if created:
        log.info("default payment plan made", extra={"application_id": data.application_id, "event_id": envelope.id})


AWARD_PLANS = Subscription(
    durable="grants-award-plans",
    producer="grants",
    subject="grants.*.application.awarded",
    handlers={ApplicationAwardedV1.event_type: application_awarded},
)
