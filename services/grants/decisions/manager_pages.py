"""The decision in the call manager's portal: taking it (reference, date) on the fixed proposal, its awarded
and rejected applications with their letters, and handling the appeals. The people a decision concerns read
it on their own pages (pages.py: notices; the applications portal: the letter and the appeal).

Every form is POST-redirect-GET; on a refusal the page comes back with the input and the Dutch message."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls import form as call_form
from services.grants.calls.pages import call_applications, managed_call
from services.grants.calls.rules import MANAGERS
from services.grants.decisions import rules, service
from services.grants.decisions.routes import appeal_out, decision_out
from services.grants.decisions.schemas import AppealChange, AppealOut, DecisionIn, DecisionOut
from services.grants.portal import form_post, visitor
from services.grants.ranking.pages import optional_proposal
from services.grants.ranking.rules import OUTCOME_LABELS
from shared.downloads import stored_file
from shared.i18n import N_, _
from shared.portal.formats import BRUSSELS
from shared.portal.forms import Form, command
from shared.portal.pages import FormData, Viewer, undone_on_refusal
from shared.problems import NotFound, PreconditionFailed, Problem
from shared.storage import ObjectStore

APPEAL_NEXT: dict[rules.AppealStatus, tuple[rules.AppealStatus, ...]] = {
    status: tuple(s for s in rules.AppealStatus if s in following)
    for status, following in rules.APPEAL_TRANSITIONS.items() if following}
"""What a call manager may move an appeal to, in the lifecycle's order (the radio buttons)."""
STALE_APPEAL = N_("Iemand anders behandelde dit beroep intussen; kijk de nieuwe stand na.")
NO_PROPOSAL = N_("Laad de pagina opnieuw: de beslissing noemt het voorstel waarop ze steunt.")
CHANGED_PROPOSAL = N_("Het voorstel werd intussen gewijzigd; bekijk het nieuwe voorstel hieronder en beslis "
                      "opnieuw.")


async def optional_decision(session: AsyncSession, tenant: str, call_id: uuid.UUID) -> DecisionOut | None:
    try:
        return decision_out(*await service.decision_of_call(session, tenant, call_id))
    except NotFound:
        return None


async def appeals_of(session: AsyncSession, who: Viewer, decision: DecisionOut | None) -> dict[uuid.UUID,
                                                                                                list[AppealOut]]:
    if decision is None:
        return {}
    return {line.application_id: [appeal_out(a, last_day) for a, last_day in
                                  await service.appeals(session, who.person, line.application_id)]
            for line in decision.lines}


async def decision_page(who: Viewer, session: AsyncSession, call_id: uuid.UUID, form: Form | None = None,
                        appeal_forms: dict[uuid.UUID, Form] | None = None, status_code: int = 200) -> Template:
    call = await managed_call(session, who, call_id)
    proposal = await optional_proposal(session, who.tenant, call_id)
    decision = await optional_decision(session, who.tenant, call_id)
    titles: dict[uuid.UUID, str] = {}
    if decision is not None or proposal is not None:
        titles = {a.id: a.title for a in await call_applications(session, who.person, call.id)}
    today = datetime.now(BRUSSELS).date().isoformat()
    return who.page("province/decision.html", {
        "call": call, "proposal": proposal, "decision": decision, "titles": titles, "outcomes": OUTCOME_LABELS,
        "form": form or Form(values={"decided_on": today}), "appeals": await appeals_of(session, who, decision),
        "appeal_forms": appeal_forms or {}, "blank_form": Form(), "appeal_labels": rules.APPEAL_LABELS,
        "appeal_next": APPEAL_NEXT,
    }, status_code=status_code)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/beslissing")
async def decision(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID) -> Template:
    who = await visitor(request, session, MANAGERS)
    return await decision_page(who, session, call_id)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/beslissing")
async def decide(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore, call_id: uuid.UUID,
                 data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, MANAGERS)
    reference = form.text("reference", required=_("Vul de referentie van het besluit in, bv. DEP-2027-0412."),
                          max_length=200)
    decided_on = form.parsed("decided_on", lambda v: call_form.parse_date(v).isoformat())
    proposal_id, version = form.values.get("proposal_id", ""), form.values.get("proposal_version", "")
    if not proposal_id or not version.isdigit():
        form.refuse(_(NO_PROPOSAL))
    if form.ok and decided_on is not None:
        try:
            async with undone_on_refusal(session):
                decided = await service.decide(
                    session, who.person, store, call_id,
                    command(DecisionIn, {"reference": reference, "decided_on": decided_on,
                                         "proposal_id": proposal_id}), int(version))
                taken = decision_out(decided.decision, decided.lines)
        except PreconditionFailed:
            form.refuse(_(CHANGED_PROPOSAL))
        except Problem as exc:
            form.refuse_problem(exc, {"decided_on": "decided_on", "reference": "reference"})
        else:
            who.flash(_("De beslissing is genomen: %(awarded)s toegekend, %(rejected)s afgewezen. Elke aanvrager "
                        "krijgt zijn brief en een e-mail.") % {"awarded": taken.awarded, "rejected": taken.rejected})
            return who.redirect(f"provincie/oproepen/{call_id}/beslissing")
    return await decision_page(who, session, call_id, form=form, status_code=422)


@post("/{tenant:str}/provincie/aanvragen/{application_id:uuid}/beroepen/{appeal_id:uuid}")
async def handle_appeal(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                        appeal_id: uuid.UUID, data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, MANAGERS)
    try:
        call_id = uuid.UUID(form.values.get("call_id", ""))
    except ValueError as exc:
        raise NotFound(_("deze oproep bestaat niet")) from exc
    status = form.values.get("status", "")
    reasons = form.text("reasons", max_length=10_000)
    if status not in rules.APPEAL_LABELS:
        form.errors["status"] = _("Kies de nieuwe stand van het beroep.")
    elif status in rules.HANDLED_APPEALS and not reasons:
        form.errors["reasons"] = _("Motiveer de uitspraak: de aanvrager leest ze.")
    if form.ok:
        try:
            async with undone_on_refusal(session):
                await service.handle_appeal(session, who.person, application_id, appeal_id,
                                            command(AppealChange, {"status": status, "reasons": reasons}),
                                            form.version())
        except PreconditionFailed:
            form.refuse(_(STALE_APPEAL))
        except Problem as exc:
            form.refuse_problem(exc)
        else:
            shown = _(rules.APPEAL_LABELS[rules.AppealStatus(status)])
            who.flash(_("Het beroep is nu %(status)s.") % {"status": shown})
            return who.redirect(f"provincie/oproepen/{call_id}/beslissing#beroepen")
    return await decision_page(who, session, call_id, appeal_forms={appeal_id: form}, status_code=422)


@get("/{tenant:str}/provincie/aanvragen/{application_id:uuid}/beslissingsbrief")
async def letter(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                 application_id: uuid.UUID) -> Stream:
    """The decision letter as the applicant receives it, for the call manager."""
    who = await visitor(request, session, MANAGERS)
    _filename, pdf = await service.letter(session, who.person, store, application_id)
    return stored_file(pdf, media_type="application/pdf", file_name=f"beslissing-{application_id}.pdf",
                       inline=True)


ROUTES = [decision, decide, handle_appeal, letter]
