"""The jury of a call in the call manager's portal: composing it (members, their organisation, the chair),
the proposed assignment (load per juror, shortfalls as warnings) and fixing it; the jury overview (mean,
spread, each juror beside their own average, disagreement) with the meeting order; and the consensus form.

The chair is a juror, not a call manager: the overview and the consensus form are open to jurors too, and the
grants service lets only the chair (or a call manager) through. The chair reaches them from the jury portal
(templates/province/chair_links.html, included in the juror's list)."""

from __future__ import annotations

import asyncio
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from services.gateway.portal.access import Visitor, check_csrf, visitor
from services.gateway.portal.applicant import FormData
from services.gateway.portal.forms import Form
from services.gateway.portal.formats import enterprise_number, number, parse_enterprise_number
from services.gateway.portal.grants_client import (
    Assignments, GrantsClient, JuryMemberIn, JuryView, ManagedCall, ServiceProblem,
)
from services.gateway.portal.province import MANAGERS, client
from services.gateway.runtime import InjectedGateway

CHAIR_OR_MANAGERS = (*MANAGERS, "juror")
MEMBER_ROWS = 6


def member_rows(form: Form) -> int:
    rows = [int(m[1]) for key in form.values if (m := re.match(r"member_username_(\d+)$", key))]
    return max([MEMBER_ROWS - 1, *rows]) + 1


def read_members(form: Form) -> tuple[list[JuryMemberIn], str | None]:
    """The filled rows (empty ones are ignored) and the chair's username."""
    members: list[JuryMemberIn] = []
    chair: str | None = None
    seen: set[str] = set()
    for row in range(1, member_rows(form) + 1):
        keys = [f"member_{part}_{row}" for part in ("username", "name", "kbo")]
        if not any(form.values.get(key, "").strip() for key in keys):
            continue
        username = form.text(keys[0], required="Vul de gebruikersnaam in.", max_length=100)
        name = form.text(keys[1], required="Vul de naam in.", max_length=200)
        number_text = form.values.get(keys[2], "").strip()
        enterprise = form.parsed(keys[2], parse_enterprise_number) if number_text else None
        if username in seen:
            form.errors[keys[0]] = "Dit jurylid staat al hoger in de lijst."
        seen.add(username)
        if form.values.get("chair") == str(row):
            chair = username
        members.append(JuryMemberIn(username=username, name=name, enterprise_number=enterprise))
    if not members:
        form.errors["member_username_1"] = "Vul minstens één jurylid in."
    elif chair is None:
        form.errors["chair"] = "Duid de voorzitter aan: een van de ingevulde juryleden."
    return members, chair


def assignment_form(assignments: Assignments) -> Form:
    return Form(values={f"assign_{a.application_id}": ", ".join(a.jurors) for a in assignments.applications})


def read_assignment(form: Form) -> dict[str, list[str]]:
    return {key.removeprefix("assign_"): [u.strip() for u in value.split(",") if u.strip()]
            for key, value in form.values.items() if key.startswith("assign_")}


async def jury_page(who: Visitor, grants: GrantsClient, call_id: uuid.UUID, *, members: Form | None = None,
                    assignment: Form | None = None, propose: bool = False, status_code: int = 200) -> Template:
    call, jury = await asyncio.gather(grants.managed_call(str(call_id)), grants.jury(str(call_id)))
    if members is None:
        members = Form(values={"chair": ""})
        for row, member in enumerate(jury.members, start=1):
            members.values |= {f"member_username_{row}": member.username, f"member_name_{row}": member.name,
                               f"member_kbo_{row}": enterprise_number(member.enterprise_number) if
                               member.enterprise_number else ""}
            if member.is_chair:
                members.values["chair"] = str(row)
    shown: Assignments | None = None
    problem: str | None = None
    if jury.members and call.status != "draft":
        try:
            shown = await (grants.propose_assignments(str(call_id)) if propose else grants.assignments(str(call_id)))
        except ServiceProblem as exc:
            problem = exc.message
    if assignment is None and shown is not None:
        assignment = assignment_form(shown)
    return who.page("province/jury.html", {
        "call": call, "jury": jury, "members": members, "member_rows": member_rows(members),
        "assignments": shown, "assignment": assignment or Form(), "assignment_problem": problem,
    }, status_code=status_code)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/jury")
async def jury(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
               gateway: InjectedGateway, voorstel: FromQuery[bool] = False) -> Template:
    """With ?voorstel=1 the service's balanced proposal (nothing stored) instead of the fixed assignment."""
    who = await visitor(request, tenant, gateway, MANAGERS)
    return await jury_page(who, client(who, gateway), call_id, propose=voorstel)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/jury")
async def compose(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                  gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, MANAGERS)
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    members, chair = read_members(form)
    if form.ok:
        try:
            await grants.compose_jury(str(call_id), members, chair)
        except ServiceProblem as exc:
            form.refuse(exc.message)
        else:
            who.flash(f"De jury is samengesteld: {len(members)} leden, voorzitter {chair}.")
            return Redirect(f"/{tenant}/provincie/oproepen/{call_id}/jury")
    return await jury_page(who, grants, call_id, members=form, status_code=422)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/jury/toewijzing")
async def fix_assignment(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                         gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, MANAGERS)
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    try:
        await grants.fix_assignments(str(call_id), read_assignment(form))
    except ServiceProblem as exc:
        form.refuse(exc.message)
        return await jury_page(who, grants, call_id, assignment=form, propose=True, status_code=exc.status)
    who.flash("De toewijzing is vastgelegd. De juryleden zien hun aanvragen nu in het juryportaal.")
    return Redirect(f"/{tenant}/provincie/oproepen/{call_id}/jury")


# ---- the overview, the meeting order and the consensus (managers and the chair) ---------------------------

def calibration(value: Any) -> str:
    """+4,5 / −2 / 0: how far a score sits from the juror's own average."""
    amount = Decimal(str(value))
    sign = "+" if amount > 0 else "−" if amount < 0 else "±"
    return f"{sign}{number(abs(amount))}"


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/juryoverzicht")
async def overview(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                   gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, CHAIR_OR_MANAGERS)
    grants = client(who, gateway)
    call, view, order = await asyncio.gather(grants.managed_call(str(call_id)), grants.jury_view(str(call_id)),
                                             grants.meeting_order(str(call_id)))
    return who.page("province/jury_view.html", {
        "call": call, "view": view, "order": order, "is_manager": who.holds(*MANAGERS),
        "titles": {a.application_id: a.title for a in view.applications}, "calibration": calibration,
        "criteria": {c.id: c for c in call.criteria},
    })


def consensus_form(view: JuryView, application_id: str) -> Form:
    item = next((a for a in view.applications if a.application_id == application_id), None)
    form = Form()
    if item is None:
        return form
    source = item.consensus.scores if item.consensus else item.criterion_means
    form.values = {f"score_{criterion}": number(score) for criterion, score in source.items()}
    form.values["minutes"] = item.consensus.minutes if item.consensus else ""
    form.values["version"] = str(item.consensus.version if item.consensus else 0)
    return form


def read_consensus(form: Form, call: ManagedCall) -> dict[str, str]:
    scores: dict[str, str] = {}
    for criterion in call.criteria:
        key = f"score_{criterion.id}"
        raw = form.values.get(key, "").strip().replace(",", ".")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = Decimal(-1)
        decimals = -int(value.as_tuple().exponent) if value.is_finite() else 99
        if not 0 <= value <= criterion.max_score or decimals > 2:
            form.errors[key] = f"Geef een score van 0 tot {criterion.max_score}, bv. 7 of 7,5."
            continue
        scores[criterion.id] = str(value)
    form.text("minutes", required="Vat de bespreking samen: de aanvrager leest dit als motivering.",
              max_length=10_000)
    return scores


async def consensus_page(who: Visitor, grants: GrantsClient, call_id: uuid.UUID, application_id: uuid.UUID,
                         form: Form | None = None, status_code: int = 200) -> Template:
    call, view = await asyncio.gather(grants.managed_call(str(call_id)), grants.jury_view(str(call_id)))
    item = next((a for a in view.applications if a.application_id == str(application_id)), None)
    return who.page("province/consensus.html", {
        "call": call, "item": item, "form": form or consensus_form(view, str(application_id)),
        "is_manager": who.holds(*MANAGERS), "calibration": calibration,
    }, status_code=status_code if item else 404)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/consensus/{application_id:uuid}")
async def consensus(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                    application_id: FromPath[uuid.UUID], gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, CHAIR_OR_MANAGERS)
    return await consensus_page(who, client(who, gateway), call_id, application_id)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/consensus/{application_id:uuid}")
async def record_consensus(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                           application_id: FromPath[uuid.UUID], gateway: InjectedGateway,
                           data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, CHAIR_OR_MANAGERS)
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    scores = read_consensus(form, await grants.managed_call(str(call_id)))
    if form.ok:
        try:
            await grants.record_consensus(str(application_id), int(form.values.get("version") or 0), scores,
                                          form.values["minutes"].strip())
        except ServiceProblem as exc:
            form.refuse("Iemand anders legde intussen een consensus vast voor deze aanvraag; laad de pagina "
                        "opnieuw om ze te zien." if exc.status == 412 else exc.message, exc.fields)
        else:
            who.flash("De consensus en het verslag zijn vastgelegd.")
            return Redirect(f"/{tenant}/provincie/oproepen/{call_id}/juryoverzicht#a-{application_id}")
    return await consensus_page(who, grants, call_id, application_id, form, status_code=422)


ROUTES = [jury, compose, fix_assignment, overview, consensus, record_consensus]
