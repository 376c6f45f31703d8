"""Ranking, selection and decision in the call manager's portal: the ranking under the call's rules with every
application's explanation; a what-if (another budget, other thresholds, another tie-break chain) computed by
the service and shown beside the base ranking, never stored; fixing the proposal (the rules' or a scenario's,
with reasons); the decision (reference, date) with its awarded and rejected applications and their letters;
and the appeals with their handling.

The what-if is a GET form: computing it changes nothing, so its result has an address and the back button
works; fixing and deciding are POST-redirect-GET."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from services.gateway.portal import call_form
from services.gateway.portal.access import Visitor, check_csrf, visitor
from services.gateway.portal.applicant import FormData
from services.gateway.portal.formats import BRUSSELS, euros_input, number, parse_euros
from services.gateway.portal.forms import Form
from services.gateway.portal.grants_client import (
    Appeal, Decision, GrantsClient, ManagedCall, Proposal, Ranking, Scenario, ServiceProblem, ThresholdOverride,
)
from services.gateway.portal.province import MANAGERS, client
from services.gateway.runtime import InjectedGateway

OUTCOMES: dict[str, str] = {
    "funded": "gefinancierd", "partially-funded": "gedeeltelijk gefinancierd", "not-funded": "niet gefinancierd",
    "excluded": "uitgesloten", "unscored": "nog geen scores", "awarded": "toegekend", "rejected": "afgewezen",
}
APPEAL_LABELS: dict[str, str] = {"received": "ontvangen", "under-review": "in behandeling", "upheld": "gegrond",
                                 "dismissed": "ongegrond"}
APPEAL_NEXT: dict[str, tuple[str, ...]] = {"received": ("under-review",), "under-review": ("upheld", "dismissed")}


# ---- the what-if form ---------------------------------------------------------------------------------------

def scenario_form_of(call: ManagedCall) -> Form:
    """The form as the call publishes its rules: changing a value makes it a scenario."""
    values = {"budget": euros_input(call.total_budget_cents)}
    values |= {f"threshold_{c.position}": "" if c.min_threshold is None else number(c.min_threshold)
               for c in call.criteria}
    values |= {f"tie_{slot}": key for slot, key in enumerate(call.tie_break[:call_form.TIE_BREAK_SLOTS], start=1)}
    return Form(values=values)


def read_scenario(form: Form, call: ManagedCall) -> Scenario | None:
    """What differs from the call's rules; None when the form has an error or changes nothing."""
    budget = form.parsed("budget", lambda v: parse_euros(v, field="het budget"))
    thresholds: list[ThresholdOverride] = []
    for criterion in call.criteria:
        key = f"threshold_{criterion.position}"
        text = form.values.get(key, "").strip()
        value = None if not text else form.parsed(key, lambda v, c=criterion: call_form.parse_decimal(
            v, field="de drempel", high=Decimal(c.max_score)))
        if text and value is None:
            continue
        current = None if criterion.min_threshold is None else Decimal(str(criterion.min_threshold))
        if (None if value is None else Decimal(value)) != current:
            thresholds.append(ThresholdOverride(position=criterion.position, min_threshold=value))
    chain = [form.values[f"tie_{slot}"] for slot in range(1, call_form.TIE_BREAK_SLOTS + 1)
             if form.values.get(f"tie_{slot}")]
    if len(set(chain)) != len(chain):
        form.errors["tie_1"] = "Elke regel bij gelijke stand mag maar één keer voorkomen."
    if not form.ok or budget is None:
        return None
    scenario = Scenario(budget_cents=budget if budget != call.total_budget_cents else None, thresholds=thresholds,
                        tie_break=chain if chain != list(call.tie_break) else None)
    return scenario if scenario != Scenario() else None


def scenario_fields(scenario: Scenario | None) -> dict[str, str]:
    """The scenario as hidden fields of the 'fix this scenario' form."""
    if scenario is None:
        return {}
    fields: dict[str, str] = {}
    if scenario.budget_cents is not None:
        fields["budget_cents"] = str(scenario.budget_cents)
    for override in scenario.thresholds:
        fields[f"threshold_{override.position}"] = "" if override.min_threshold is None else override.min_threshold
    if scenario.tie_break is not None:
        fields["tie_break"] = ",".join(scenario.tie_break)
    return fields


def scenario_of_fields(data: dict[str, Any]) -> Scenario | None:
    if data.get("basis") != "scenario":
        return None
    thresholds = [ThresholdOverride(position=int(k.removeprefix("threshold_")), min_threshold=str(v) or None)
                  for k, v in data.items() if k.startswith("threshold_") and k.removeprefix("threshold_").isdigit()]
    budget = str(data.get("budget_cents") or "")
    tie_break = str(data.get("tie_break") or "")
    return Scenario(budget_cents=int(budget) if budget.isdigit() else None, thresholds=thresholds,
                    tie_break=tie_break.split(",") if tie_break else None, reasons=str(data.get("reasons", "")).strip())


def side_by_side(base: Ranking, scenario: Ranking | None) -> list[dict[str, Any]]:
    """One row per application in the base order, with the scenario's outcome beside it (and whether it moved)."""
    other = {o.application_id: o for o in scenario.outcomes} if scenario else {}
    rows = []
    for outcome in base.outcomes:
        alternative = other.get(outcome.application_id)
        changed = alternative is not None and (alternative.status, alternative.amount_cents, alternative.rank) != (
            outcome.status, outcome.amount_cents, outcome.rank)
        rows.append({"base": outcome, "scenario": alternative, "changed": changed})
    return rows


async def optional_proposal(grants: GrantsClient, call_id: str) -> Proposal | None:
    try:
        return await grants.proposal(call_id)
    except ServiceProblem as exc:
        if exc.is_not_found:
            return None
        raise


async def ranking_page(who: Visitor, grants: GrantsClient, call_id: uuid.UUID, form: Form | None,
                       fix_form: Form | None = None, status_code: int = 200) -> Template:
    call = await grants.managed_call(str(call_id))
    base: Ranking | None = None
    problem: str | None = None
    try:
        base = await grants.ranking(str(call_id))
    except ServiceProblem as exc:
        problem = exc.message
    scenario: Scenario | None = None
    alternative: Ranking | None = None
    asked = form is not None
    form = form or scenario_form_of(call)
    if asked and base is not None:
        scenario = read_scenario(form, call)
        if scenario is not None:
            try:
                alternative = await grants.scenario(str(call_id), scenario)
            except ServiceProblem as exc:
                form.refuse(exc.message, exc.fields)
        elif form.ok:
            form.message = ("Dit scenario is gelijk aan de regels van de oproep: wijzig het budget, een drempel of "
                            "de regel bij gelijke stand.")
    rows = len(call.criteria)
    return who.page("province/ranking.html", {
        "call": call, "base": base, "problem": problem, "form": form, "scenario": alternative,
        "scenario_fields": scenario_fields(scenario if alternative else None), "rows": side_by_side(base, alternative)
        if base else [], "outcomes": OUTCOMES, "proposal": await optional_proposal(grants, str(call_id)),
        "tie_options": call_form.tie_break_options(rows), "tie_slots": call_form.TIE_BREAK_SLOTS,
        "fix_form": fix_form or Form(),
    }, status_code=status_code)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/rangschikking")
async def ranking(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                  gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, MANAGERS)
    asked = request.query_params.get("wat-als") is not None
    form = Form.posted(dict(request.query_params)) if asked else None
    return await ranking_page(who, client(who, gateway), call_id, form, status_code=200)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/rangschikking/voorstel")
async def fix_proposal(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                       gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, MANAGERS)
    check_csrf(data, who)
    grants = client(who, gateway)
    scenario = scenario_of_fields(data)
    fix_form = Form.posted(data)
    if scenario is not None and not scenario.reasons:
        fix_form.errors["reasons"] = ("Leg uit waarom je van de regels van de oproep afwijkt; dit komt in de "
                                      "geschiedenis.")
    if fix_form.ok:
        try:
            await grants.fix_proposal(str(call_id), scenario)
        except ServiceProblem as exc:
            fix_form.refuse(exc.message)
        else:
            who.flash("Het voorstel is vastgelegd. De beslissing steunt op dit voorstel.")
            return Redirect(f"/{tenant}/provincie/oproepen/{call_id}/beslissing")
    # Show the scenario again as it was asked, with the refusal beside the button.
    form = None
    if scenario is not None:
        call = await grants.managed_call(str(call_id))
        form = scenario_form_of(call)
        if scenario.budget_cents is not None:
            form.values["budget"] = euros_input(scenario.budget_cents)
        form.values |= {f"threshold_{t.position}": number(t.min_threshold) if t.min_threshold else ""
                        for t in scenario.thresholds}
        if scenario.tie_break is not None:
            form.values |= {f"tie_{slot}": "" for slot in range(1, call_form.TIE_BREAK_SLOTS + 1)}
            form.values |= {f"tie_{slot}": key for slot, key in enumerate(scenario.tie_break, start=1)}
    return await ranking_page(who, grants, call_id, form, fix_form, status_code=422)


# ---- the decision, the letters and the appeals ---------------------------------------------------------------

async def optional_decision(grants: GrantsClient, call_id: str) -> Decision | None:
    try:
        return await grants.decision(call_id)
    except ServiceProblem as exc:
        if exc.is_not_found:
            return None
        raise


async def appeals_of(grants: GrantsClient, decision: Decision | None) -> dict[str, list[Appeal]]:
    if decision is None:
        return {}
    found = await asyncio.gather(*(grants.appeals(line.application_id) for line in decision.lines))
    return {line.application_id: appeals for line, appeals in zip(decision.lines, found, strict=True)}


async def decision_page(who: Visitor, grants: GrantsClient, call_id: uuid.UUID, form: Form | None = None,
                        appeal_forms: dict[str, Form] | None = None, problems: list[str] | None = None,
                        status_code: int = 200) -> Template:
    call, proposal, decision = await asyncio.gather(
        grants.managed_call(str(call_id)), optional_proposal(grants, str(call_id)),
        optional_decision(grants, str(call_id)))
    titles: dict[str, str] = {}
    if decision is not None or proposal is not None:
        titles = {a.id: a.title for a in await grants.call_applications(call.id)}
    today = datetime.now(BRUSSELS).date().isoformat()
    return who.page("province/decision.html", {
        "call": call, "proposal": proposal, "decision": decision, "titles": titles, "outcomes": OUTCOMES,
        "form": form or Form(values={"decided_on": today}), "appeals": await appeals_of(grants, decision),
        "appeal_forms": appeal_forms or {}, "appeal_labels": APPEAL_LABELS, "appeal_next": APPEAL_NEXT,
        "problems": problems or [],
    }, status_code=status_code)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/beslissing")
async def decision(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                   gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, MANAGERS)
    return await decision_page(who, client(who, gateway), call_id)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/beslissing")
async def decide(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                 gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, MANAGERS)
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    reference = form.text("reference", required="Vul de referentie van het besluit in, bv. DEP-2027-0412.",
                          max_length=200)
    decided_on = form.parsed("decided_on", lambda v: call_form.parse_date(v).isoformat())
    if form.ok and decided_on is not None:
        try:
            taken = await grants.decide(str(call_id), reference, decided_on)
        except ServiceProblem as exc:
            form.refuse(exc.message, exc.fields, {"decided_on": "decided_on", "reference": "reference"})
        else:
            who.flash(f"De beslissing is genomen: {taken.awarded} toegekend, {taken.rejected} afgewezen. "
                      "Elke aanvrager krijgt zijn brief en een e-mail.")
            return Redirect(f"/{tenant}/provincie/oproepen/{call_id}/beslissing")
    return await decision_page(who, grants, call_id, form=form, status_code=422)


@post("/{tenant:str}/provincie/aanvragen/{application_id:uuid}/beroepen/{appeal_id:uuid}")
async def handle_appeal(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                        appeal_id: FromPath[uuid.UUID], gateway: InjectedGateway,
                        data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, MANAGERS)
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    call_id = uuid.UUID(form.values.get("call_id", ""))
    status = form.values.get("status", "")
    reasons = form.text("reasons", max_length=10_000)
    if status not in APPEAL_LABELS:
        form.errors["status"] = "Kies de nieuwe stand van het beroep."
    elif status in {"upheld", "dismissed"} and not reasons:
        form.errors["reasons"] = "Motiveer de uitspraak: de aanvrager leest ze."
    if form.ok:
        try:
            await grants.handle_appeal(str(application_id), str(appeal_id), int(form.values.get("version") or 0),
                                       status, reasons)
        except ServiceProblem as exc:
            form.refuse("Iemand anders behandelde dit beroep intussen; kijk de nieuwe stand na."
                        if exc.status == 412 else exc.message, exc.fields)
        else:
            who.flash(f"Het beroep is nu {APPEAL_LABELS[status]}.")
            return Redirect(f"/{tenant}/provincie/oproepen/{call_id}/beslissing#beroepen")
    return await decision_page(who, grants, call_id, appeal_forms={str(appeal_id): form}, status_code=422)


ROUTES = [ranking, fix_proposal, decision, decide, handle_appeal]
