"""grants' own consumer of its decision events (durable "grants-notifications"): leaves an in-portal notice
for the applicant and the organisations involved, and stages the e-mail to the applicant with the letter
attached in the e-mail outbox (services/grants/mailings), all in the inbox's transaction: the event is applied
once, so the notice is left and the e-mail queued once. The relay is not touched here: an SMTP outage neither
holds up the notice nor makes the event fail; the outbox's sender delivers the e-mail when the relay answers."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.repository import ApplicationRepository
from services.grants.decisions.repository import DecisionRepository
from services.grants.events.published import ApplicationAwardedV1, ApplicationRejectedV1
from services.grants.mailings import service as mailings
from services.grants.notices import service as notices
from services.grants.notices.rules import RecipientKind
from shared.events.consumer import Subscription
from shared.events.envelope import Envelope, InvalidEvent, data_as
from shared.portal.formats import day, euros
from shared.tenancy import display_name

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
    province = display_name(tenant)
    verdict = (f"toegekend: {euros(data.amount_cents)}" if isinstance(data, ApplicationAwardedV1)
               else "afgewezen")
    title = f"Beslissing over uw aanvraag «{data.title}»: {verdict}"
    body = (f"Beste,\n\nDe {province} heeft op {day(decision.decided_on)} beslist over uw aanvraag «{data.title}» "
            f"(besluit {decision.reference}): {verdict}.\n\nDe beslissingsbrief met de motivering per criterium en "
            "de manier waarop u beroep kunt aantekenen, zit als PDF in bijlage en staat ook in het Regie-portaal "
            f"bij uw aanvraag.\n\nMet vriendelijke groeten,\nDe {province}\n")
    link = f"/{tenant}/api/grants/applications/{application.id}/letter"
    recipients = [(RecipientKind.USER, application.applicant_username),
                  (RecipientKind.ORGANISATION, application.applicant_enterprise_number),
                  *((RecipientKind.ORGANISATION, c.enterprise_number) for c in application.co_applicants)]
    await notices.leave(session, tenant, recipients, title=title, body=body, link=link, dedupe_key=envelope.id)
    if mailings.enqueue(session, tenant, purpose="decision", recipients=data.recipients, subject=title, body=body,
                        reference=link, attachments=[mailings.AttachmentRef(
                            letter.object_key, f"beslissing-{decision.reference}.pdf")]) is not None:
        log.info("decision e-mail queued", extra={"application_id": data.application_id, "event_id": envelope.id})


DECISION_NOTIFICATIONS = Subscription(
    durable="grants-notifications",
    producer="grants",
    subject="grants.*.application.>",
    handlers={ApplicationAwardedV1.event_type: application_decided,
              ApplicationRejectedV1.event_type: application_decided},
)
