"""Ranking and selection in the call manager's portal: the ranking under the call's rules with every
application's explanation; a what-if (another budget, other thresholds, another tie-break chain) computed by
the service and shown beside the base ranking, never stored; and fixing the proposal (the rules' or a
scenario's, with reasons) that the decision rests on.

The what-if is a GET form: computing it changes nothing, so its result has an address and the back button
works; fixing is POST-redirect-GET."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls import form as call_form
from services.grants.calls.pages import managed_call
from services.grants.calls.rules import MANAGERS
from services.grants.calls.schemas import CallOut
from services.grants.portal import form_post, visitor
from services.grants.ranking import service
from services.grants.ranking.routes import computed_out, proposal_out
from services.grants.ranking.rules import OUTCOME_LABELS
from services.grants.ranking.schemas import ProposalOut, RankingOut, ScenarioIn
from shared.i18n import N_, _
from shared.portal.formats import decimal, euros_input, parse_euros
from shared.portal.forms import Form, command, sentence
from shared.portal.pages import FormData, Viewer, undone_on_refusal
from shared.problems import NotFound, Problem

SAME_AS_CALL = N_("Dit scenario is gelijk aan de regels van de oproep: wijzig het budget, een drempel of de "
                  "regel bij gelijke stand.")


# ---- the what-if form ---------------------------------------------------------------------------------------

def scenario_form_of(call: CallOut) -> Form:
    """The form as the call publishes its rules: changing a value makes it a scenario."""
    values = {"budget": euros_input(call.total_budget_cents)}
    values |= {f"threshold_{c.position}": "" if c.min_threshold is None else decimal(c.min_threshold)
               for c in call.criteria}
    values |= {f"tie_{slot}": key for slot, key in enumerate(call.tie_break[:call_form.TIE_BREAK_SLOTS], start=1)}
    return Form(values=values)


def read_scenario(form: Form, call: CallOut) -> ScenarioIn | None:
    """What differs from the call's rules; None when the form has an error or changes nothing."""
    budget = form.parsed("budget", lambda v: parse_euros(v, field=_("het budget")))
    thresholds: list[dict[str, Any]] = []
    for criterion in call.criteria:
        key = f"threshold_{criterion.position}"
        text = form.values.get(key, "").strip()
        ceiling = Decimal(criterion.max_score)

        def threshold(typed: str, high: Decimal = ceiling) -> str:
            return call_form.parse_decimal(typed, field=_("de drempel"), high=high)

        value = form.parsed(key, threshold) if text else None
        if text and value is None:
            continue
        if (None if value is None else Decimal(value)) != criterion.min_threshold:
            thresholds.append({"position": criterion.position, "min_threshold": value})
    chain = [form.values[f"tie_{slot}"] for slot in range(1, call_form.TIE_BREAK_SLOTS + 1)
             if form.values.get(f"tie_{slot}")]
    if len(set(chain)) != len(chain):
        form.errors["tie_1"] = _("Elke regel bij gelijke stand mag maar één keer voorkomen.")
    if not form.ok or budget is None:
        return None
    scenario = command(ScenarioIn, {
        "budget_cents": budget if budget != call.total_budget_cents else None, "thresholds": thresholds,
        "tie_break": chain if chain != list(call.tie_break) else None})
    return scenario if scenario != ScenarioIn() else None


def scenario_fields(scenario: ScenarioIn | None) -> dict[str, str]:
    """The scenario as hidden fields of the 'fix this scenario' form."""
    if scenario is None:
        return {}
    fields: dict[str, str] = {}
    if scenario.budget_cents is not None:
        fields["budget_cents"] = str(scenario.budget_cents)
    for override in scenario.thresholds:
        fields[f"threshold_{override.position}"] = "" if override.min_threshold is None else str(
            override.min_threshold)
    if scenario.tie_break is not None:
        fields["tie_break"] = ",".join(scenario.tie_break)
    return fields


def scenario_of_fields(data: Mapping[str, Any]) -> ScenarioIn | None:
    """The hidden fields back into the scenario; None when the proposal follows the call's rules."""
    if data.get("basis") != "scenario":
        return None
    thresholds = [{"position": int(k.removeprefix("threshold_")), "min_threshold": str(v) or None}
                  for k, v in data.items() if k.startswith("threshold_") and k.removeprefix("threshold_").isdigit()]
    budget = str(data.get("budget_cents") or "")
    tie_break = str(data.get("tie_break") or "")
    return command(ScenarioIn, {"budget_cents": int(budget) if budget.isdigit() else None, "thresholds": thresholds,
                                "tie_break": tie_break.split(",") if tie_break else None,
                                "reasons": str(data.get("reasons", "")).strip()})


def side_by_side(base: RankingOut, scenario: RankingOut | None) -> list[dict[str, Any]]:
    """One row per application in the base order, with the scenario's outcome beside it (and whether it moved)."""
    other = {o.application_id: o for o in scenario.outcomes} if scenario else {}
    rows = []
    for outcome in base.outcomes:
        alternative = other.get(outcome.application_id)
        changed = alternative is not None and (alternative.status, alternative.amount_cents, alternative.rank) != (
            outcome.status, outcome.amount_cents, outcome.rank)
        rows.append({"base": outcome, "scenario": alternative, "changed": changed})
    return rows


async def optional_proposal(session: AsyncSession, tenant: str, call_id: uuid.UUID) -> ProposalOut | None:
    """The proposal fixed last, if any: the ranking and decision pages show it."""
    try:
        return proposal_out(await service.latest(session, tenant, call_id))
    except NotFound:
        return None


async def ranking_page(who: Viewer, session: AsyncSession, call_id: uuid.UUID, form: Form | None,
                       fix_form: Form | None = None, status_code: int = 200) -> Template:
    call = await managed_call(session, who, call_id)
    base: RankingOut | None = None
    problem: str | None = None
    try:
        base = computed_out(await service.compute(session, who.tenant, call_id))
    except Problem as exc:
        problem = sentence(exc.detail)
    scenario: ScenarioIn | None = None
    alternative: RankingOut | None = None
    departures: list[str] = []
    asked = form is not None
    form = form or scenario_form_of(call)
    if asked and base is not None:
        try:
            scenario = read_scenario(form, call)
            if scenario is not None:
                computed = await service.compute(session, who.tenant, call_id, scenario)
                alternative = computed_out(computed)
                departures = service.deviations_of(computed.call, scenario)
            elif form.ok:
                form.message = _(SAME_AS_CALL)
        except Problem as exc:
            form.refuse_problem(exc)
    rows = len(call.criteria)
    return who.page("province/ranking.html", {
        "call": call, "base": base, "problem": problem, "form": form, "scenario": alternative,
        "scenario_fields": scenario_fields(scenario if alternative else None),
        "rows": side_by_side(base, alternative) if base else [], "outcomes": OUTCOME_LABELS,
        "proposal": await optional_proposal(session, who.tenant, call_id),
        "tie_options": call_form.tie_break_options(rows), "tie_slots": call_form.TIE_BREAK_SLOTS,
        "fix_form": fix_form or Form(), "deviations": departures,
    }, status_code=status_code)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/rangschikking")
async def ranking(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID) -> Template:
    who = await visitor(request, session, MANAGERS)
    asked = request.query_params.get("wat-als") is not None
    form = Form.posted(dict(request.query_params.items())) if asked else None
    return await ranking_page(who, session, call_id, form)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/rangschikking/voorstel")
async def fix_proposal(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID,
                       data: FormData) -> Template | Redirect:
    who, fix_form = await form_post(request, session, data, MANAGERS)
    scenario: ScenarioIn | None = None
    try:
        scenario = scenario_of_fields(data)
        if scenario is not None and not scenario.reasons:
            fix_form.errors["reasons"] = (_("Leg uit waarom je van de regels van de oproep afwijkt; dit komt in de "
                                          "geschiedenis."))
        if fix_form.ok:
            async with undone_on_refusal(session):
                await service.fix(session, who.person, call_id, scenario)
            who.flash(_("Het voorstel is vastgelegd. De beslissing steunt op dit voorstel."))
            return who.redirect(f"provincie/oproepen/{call_id}/beslissing")
    except Problem as exc:
        fix_form.refuse(sentence(exc.detail))
    # Show the scenario again as it was asked, with the refusal beside the button.
    form = None
    if scenario is not None:
        form = scenario_form_of(await managed_call(session, who, call_id))
        if scenario.budget_cents is not None:
            form.values["budget"] = euros_input(scenario.budget_cents)
        form.values |= {f"threshold_{t.position}": decimal(t.min_threshold) if t.min_threshold is not None else ""
                        for t in scenario.thresholds}
        if scenario.tie_break is not None:
            form.values |= {f"tie_{slot}": "" for slot in range(1, call_form.TIE_BREAK_SLOTS + 1)}
            form.values |= {f"tie_{slot}": key for slot, key in enumerate(scenario.tie_break, start=1)}
    return await ranking_page(who, session, call_id, form, fix_form, status_code=422)


ROUTES = [ranking, fix_proposal]
