"""grants' own consumer of its decision events (durable "grants-notifications"): raises the notice of the
decision (shared.notices) for the applicant and the organisations involved, with the letter attached and the
application's contact addresses, in the inbox's transaction: the event is applied once, so the notice is raised
once. Its e-mails are grants' notice mailer's (services/grants/notices/mailer.py), through the mail outbox: an
SMTP outage neither holds up the notice nor makes the event fail."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.repository import ApplicationRepository
from services.grants.decisions.repository import DecisionRepository
from services.grants.events.published import ApplicationAwardedV1, ApplicationRejectedV1
from services.grants.notices import contacts
from services.grants.notices import service as notices
from shared.events.consumer import Subscription
from shared.events.envelope import Envelope, InvalidEvent, data_as
from shared.i18n import _
from shared.notices.events import NoticeAttachment
from shared.notices.kinds import NoticeKind, RecipientKind
from shared.portal.formats import day, euros
from shared.tenancy import province_name

log = logging.getLogger("regie.grants.notifications")


async def application_decided(session: AsyncSession, envelope: Envelope) -> None:
    data: ApplicationAwardedV1 | ApplicationRejectedV1
    if envelope.type == ApplicationAwardedV1.event_type:
        data = data_as(envelope, ApplicationAwardedV1)
    else:
        data = data_as(envelope, ApplicationRejectedV1)
    tenant = envelope.tenant
    repository = DecisionRepository(session, tenant)
    application = await ApplicationRepository(session, tenant).get(uuid.UUID(data.application_id))
    letter = await repository.letter_of_application(uuid.UUID(data.application_id))
    decision = await repository.decision(uuid.UUID(data.decision_id))
    if application is None or letter is None or decision is None:
        raise InvalidEvent(f"{envelope.type} {envelope.id}: the application, its letter or decision is unknown")
    amount = data.amount_cents if isinstance(data, ApplicationAwardedV1) else None

    def text() -> tuple[str, str]:
        province = province_name(tenant)
        verdict = _("toegekend: %(amount)s") % {"amount": euros(amount)} if amount is not None else _("afgewezen")
        title = _("Beslissing over uw aanvraag «%(title)s»: %(verdict)s") % {"title": data.title, "verdict": verdict}
        body = _("Beste,\n\nDe %(province)s heeft op %(day)s beslist over uw aanvraag «%(title)s» (besluit "
                 "%(reference)s): %(verdict)s.\n\nDe beslissingsbrief met de motivering per criterium en de manier "
                 "waarop u beroep kunt aantekenen, zit als PDF in bijlage en staat ook in het Regie-portaal bij uw "
                 "aanvraag.\n\nMet vriendelijke groeten,\nDe %(province)s") % {
            "province": province, "day": day(decision.decided_on), "title": data.title,
            "reference": decision.reference, "verdict": verdict}
        return title, body

    recipients = [(RecipientKind.USER, application.applicant_username),
                  (RecipientKind.ORGANISATION, application.applicant_enterprise_number),
                  *((RecipientKind.ORGANISATION, c.enterprise_number) for c in application.co_applicants)]
    notices.raise_notice(session, tenant, kind=NoticeKind.APPLICATION_DECIDED, recipients=recipients,
                         texts=notices.in_every_language(text),
                         link=f"/{tenant}/api/grants/applications/{application.id}/letter",
                         contacts=[contacts.of_application(application.id)],
                         attachments=[NoticeAttachment(object_key=letter.object_key,
                                                       filename=f"beslissing-{decision.reference}.pdf")])
    log.info("decision notice raised", extra={"application_id": data.application_id, "event_id": envelope.id})


DECISION_NOTIFICATIONS = Subscription(
    durable="grants-notifications",
    producer="grants",
    subject="grants.*.application.>",
    handlers={ApplicationAwardedV1.event_type: application_decided,
              ApplicationRejectedV1.event_type: application_decided},
)
