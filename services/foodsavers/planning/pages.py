"""The planning in the coordinator's portal (`/<tenant>/voedsel/planning/`): the week's rounds per driver and day
(with a week navigator) and the series; a series form (new and change, with the day the change applies from); a
round's page with its stops in order, the forms to change or cancel that one occurrence, and a FEAD round's
transfer form.

Every form is POST-redirect-GET; on a refusal the page comes back with the Dutch reasons and the input kept.
Handlers call the planning service directly, in the request's unit of work (a refusal inside a savepoint)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers import portal
from services.foodsavers.planning import rules, service, transfer_form
from services.foodsavers.planning.repository import PlanningRepository
from services.foodsavers.planning.schemas import RoundChanges, SeriesChanges, SeriesIn, SeriesOut, StopIn
from services.foodsavers.planning.views import rounds_out, series_out, summaries_out
from services.foodsavers.portal import translated
from services.foodsavers.registry.models import Donor, Driver, Recipient, Vehicle
from shared.downloads import FileFormat, made_file
from shared.i18n import _
from shared.portal.forms import Form, reasons
from shared.portal.pages import FormData, Viewer, undone_on_refusal
from shared.problems import Problem

BASE = "voedsel/planning"
STOP_ROWS = 8
"""How many stop rows the series form offers (enough for a day's round; more through the API)."""
SERIES_FIELDS = {"name": "name", "kind": "kind", "weekdays": "weekdays", "starts_on": "starts_on",
                 "ends_on": "ends_on", "start_time": "start_time", "driver_id": "driver_id",
                 "vehicle_id": "vehicle_id", "stops": "stop_1", "effective_from": "effective_from"}


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# ---- the week ----------------------------------------------------------------------------------------------

@get("/{tenant:str}/voedsel/planning/")
async def week(request: Request[Any, Any, Any], session: AsyncSession, week: str | None = None) -> Template:
    who = portal.visitor(request, portal.COORDINATORS)
    try:
        start = monday_of(date.fromisoformat(week)) if week else monday_of(rules.today())
    except ValueError:
        start = monday_of(rules.today())
    days = [start + timedelta(days=n) for n in range(7)]
    repository = PlanningRepository(session, who.tenant)
    rounds = await summaries_out(repository, await repository.rounds_between(days[0], days[-1]))
    drivers: dict[uuid.UUID, str] = {}
    grid: dict[tuple[uuid.UUID, date], list[Any]] = {}
    for r in sorted(rounds, key=lambda r: (r.driver.name, r.start_time)):
        drivers.setdefault(r.driver.id, r.driver.name)
        grid.setdefault((r.driver.id, r.day), []).append(r)
    series = await series_out(repository, await repository.series_page(after=None, limit=500))
    return who.page("coordinator/planning/week.html", {
        "section": "planning", "days": days, "drivers": sorted(drivers.items(), key=lambda d: d[1]), "grid": grid,
        "previous": (start - timedelta(days=7)).isoformat(), "next": (start + timedelta(days=7)).isoformat(),
        "this_week": monday_of(rules.today()).isoformat(), "series": series,
        "weekdays": translated(rules.WEEKDAYS_SHORT),
        "round_count": len(rounds)})


# ---- a series' form -----------------------------------------------------------------------------------------

async def choices(session: AsyncSession, who: Viewer) -> dict[str, Any]:
    repository = PlanningRepository(session, who.tenant)
    stops = [(f"pickup:{d.id}", _("ophaling — %(name)s") % {"name": d.name}) for d in await repository.active(Donor)]
    stops += [(f"delivery:{r.id}", _("levering — %(name)s") % {"name": r.name})
              for r in await repository.active(Recipient)]
    return {"driver_options": [(str(d.id), d.name) for d in await repository.active(Driver)],
            "vehicle_options": [(str(v.id), _("%(name)s (koel)") % {"name": v.name} if v.refrigerated else v.name)
                                for v in await repository.active(Vehicle)],
            "stop_options": stops, "kind_options": [(k.value, _(label)) for k, label in rules.ROUND_KINDS.items()],
            "weekday_names": translated(rules.WEEKDAYS),
            "stop_rows": range(1, STOP_ROWS + 1)}


def series_values(series: SeriesOut) -> dict[str, str]:
    values = {"name": series.name, "kind": series.kind, "starts_on": series.starts_on.isoformat(),
              "ends_on": series.ends_on.isoformat() if series.ends_on else "", "start_time": series.start_time,
              "driver_id": str(series.driver.id), "vehicle_id": str(series.vehicle.id),
              "effective_from": rules.today().isoformat(), "version": str(series.version)}
    values.update({f"wd{d}": "on" for d in series.weekdays})
    for stop in series.stops:
        values[f"stop_{stop.position}"] = f"{stop.kind}:{stop.party_id}"
        values[f"from_{stop.position}"] = stop.window_from or ""
        values[f"until_{stop.position}"] = stop.window_until or ""
    return values


async def series_form_page(session: AsyncSession, who: Viewer, form: Form, series: SeriesOut | None = None,
                           status_code: int = 200) -> Template:
    return who.page("coordinator/planning/series.html", {
        "section": "planning", "form": form, "series": series, **await choices(session, who)},
        status_code=status_code)


@get("/{tenant:str}/voedsel/planning/reeksen/nieuw")
async def new_series(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = portal.visitor(request, portal.COORDINATORS)
    values = {"kind": "rescue", "start_time": "08:00", "starts_on": rules.today().isoformat(),
              **{f"wd{d}": "on" for d in range(1, 6)}}
    return await series_form_page(session, who, Form(values=values))


def read_day(form: Form, name: str, required: bool = True) -> date | None:
    raw = form.text(name, required=_("Geef een datum.") if required else None)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        form.errors[name] = _("Geef een datum als jjjj-mm-dd (bv. 2026-01-05).")
        return None


def read_id(form: Form, name: str, message: str) -> uuid.UUID | None:
    raw = form.text(name, required=message)
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        form.errors[name] = message
        return None


def read_stops(form: Form) -> list[StopIn]:
    stops = []
    for row in range(1, STOP_ROWS + 1):
        chosen = form.values.get(f"stop_{row}", "").strip()
        if not chosen:
            continue
        kind, _sep, party = chosen.partition(":")
        try:
            party_id = uuid.UUID(party)
        except ValueError:
            form.errors[f"stop_{row}"] = _("Kies een schenker of ontvanger uit de lijst.")
            continue
        stops.append(StopIn(kind=kind, donor_id=party_id if kind == "pickup" else None,
                            recipient_id=party_id if kind == "delivery" else None,
                            window_from=form.text(f"from_{row}") or None,
                            window_until=form.text(f"until_{row}") or None))
    if not stops:
        form.errors["stop_1"] = _("Kies minstens één stop.")
    return stops


def read_weekdays(form: Form) -> list[int]:
    days = [d for d in range(1, 8) if form.values.get(f"wd{d}")]
    if not days:
        form.errors["weekdays"] = _("Kies minstens één weekdag.")
    return days


@post("/{tenant:str}/voedsel/planning/reeksen/nieuw")
async def create_series(request: Request[Any, Any, Any], session: AsyncSession,
                        data: FormData) -> Template | Redirect:
    who, form = portal.form_post(request, data, portal.COORDINATORS)
    name = form.text("name", required=_("Geef de reeks een naam."), max_length=200)
    starts_on, ends_on = read_day(form, "starts_on"), read_day(form, "ends_on", required=False)
    driver_id = read_id(form, "driver_id", _("Kies een chauffeur."))
    vehicle_id = read_id(form, "vehicle_id", _("Kies een voertuig."))
    weekdays, stops = read_weekdays(form), read_stops(form)
    start_time = form.text("start_time", required=_("Geef het vertrekuur."))
    if form.ok and starts_on and driver_id and vehicle_id:
        try:
            async with undone_on_refusal(session):
                series = await service.create_series(session, who.person, SeriesIn(
                    name=name, kind=form.values.get("kind", ""), weekdays=weekdays, starts_on=starts_on,
                    ends_on=ends_on, start_time=start_time, driver_id=driver_id, vehicle_id=vehicle_id,
                    stops=stops))
        except Problem as exc:
            form.refuse_problem(exc, SERIES_FIELDS)
        else:
            who.flash(_("De reeks ‘%(name)s’ is aangemaakt, met haar ritten.") % {"name": series.name})
            return who.redirect(f"{BASE}/reeksen/{series.id}")
    return await series_form_page(session, who, form, status_code=422)


async def the_series(session: AsyncSession, who: Viewer, series_id: uuid.UUID) -> SeriesOut:
    found = await service.get_series(session, who.tenant, series_id)
    (answer,) = await series_out(PlanningRepository(session, who.tenant), [found])
    return answer


@get("/{tenant:str}/voedsel/planning/reeksen/{series_id:uuid}")
async def series_page(request: Request[Any, Any, Any], session: AsyncSession, series_id: uuid.UUID) -> Template:
    who = portal.visitor(request, portal.COORDINATORS)
    series = await the_series(session, who, series_id)
    return await series_form_page(session, who, Form(values=series_values(series)), series)


@post("/{tenant:str}/voedsel/planning/reeksen/{series_id:uuid}")
async def change_series(request: Request[Any, Any, Any], session: AsyncSession, series_id: uuid.UUID,
                        data: FormData) -> Template | Redirect:
    who, form = portal.form_post(request, data, portal.COORDINATORS)
    series = await the_series(session, who, series_id)
    name = form.text("name", required=_("Geef de reeks een naam."), max_length=200)
    ends_on = read_day(form, "ends_on", required=False)
    effective_from = read_day(form, "effective_from")
    driver_id = read_id(form, "driver_id", _("Kies een chauffeur."))
    vehicle_id = read_id(form, "vehicle_id", _("Kies een voertuig."))
    weekdays, stops = read_weekdays(form), read_stops(form)
    start_time = form.text("start_time", required=_("Geef het vertrekuur."))
    if form.ok and driver_id and vehicle_id:
        try:
            async with undone_on_refusal(session):
                await service.change_series(session, who.person, series_id, SeriesChanges(
                    name=name, weekdays=weekdays, ends_on=ends_on, start_time=start_time, driver_id=driver_id,
                    vehicle_id=vehicle_id, stops=stops, effective_from=effective_from), form.version())
        except Problem as exc:
            form.refuse_problem(exc, SERIES_FIELDS)
        else:
            who.flash(_("De reeks is gewijzigd; ritten die met de hand gewijzigd of geannuleerd werden, bleven zoals "
                        "ze waren."))
            return who.redirect(f"{BASE}/reeksen/{series_id}")
    return await series_form_page(session, who, form, series, status_code=422)


# ---- a round ----------------------------------------------------------------------------------------------

async def round_page(session: AsyncSession, who: Viewer, round_id: uuid.UUID, form: Form | None = None,
                     problems: list[str] | None = None, status_code: int = 200) -> Template:
    found = await service.get_round(session, who.tenant, round_id)
    (shown,) = await rounds_out(PlanningRepository(session, who.tenant), [found])
    values = {"start_time": shown.start_time, "driver_id": str(shown.driver.id),
              "vehicle_id": str(shown.vehicle.id), "note": shown.note, "version": str(shown.version)}
    return who.page("coordinator/planning/round.html", {
        "section": "planning", "r": shown, "form": form or Form(values=values), "problems": problems or [],
        "editable": shown.status == rules.RoundStatus.PLANNED, "fead": shown.kind == rules.RoundKind.FEAD,
        "week": monday_of(shown.day).isoformat(), **await choices(session, who)}, status_code=status_code)


@get("/{tenant:str}/voedsel/planning/ritten/{round_id:uuid}")
async def round_view(request: Request[Any, Any, Any], session: AsyncSession, round_id: uuid.UUID) -> Template:
    who = portal.visitor(request, portal.COORDINATORS)
    return await round_page(session, who, round_id)


@post("/{tenant:str}/voedsel/planning/ritten/{round_id:uuid}")
async def change_round(request: Request[Any, Any, Any], session: AsyncSession, round_id: uuid.UUID,
                       data: FormData) -> Template | Redirect:
    who, form = portal.form_post(request, data, portal.COORDINATORS)
    driver_id = read_id(form, "driver_id", _("Kies een chauffeur."))
    vehicle_id = read_id(form, "vehicle_id", _("Kies een voertuig."))
    start_time = form.text("start_time", required=_("Geef het vertrekuur."))
    if form.ok and driver_id and vehicle_id:
        try:
            async with undone_on_refusal(session):
                await service.change_round(session, who.person, round_id, RoundChanges(
                    start_time=start_time, driver_id=driver_id, vehicle_id=vehicle_id, note=form.text("note")),
                    form.version())
        except Problem as exc:
            form.refuse_problem(exc, {"start_time": "start_time", "driver_id": "driver_id",
                                      "vehicle_id": "vehicle_id"})
        else:
            who.flash(_("Deze rit is gewijzigd; latere wijzigingen van de reeks laten hem zoals hij is."))
            return who.redirect(f"{BASE}/ritten/{round_id}")
    return await round_page(session, who, round_id, form, status_code=422)


@post("/{tenant:str}/voedsel/planning/ritten/{round_id:uuid}/annuleren")
async def cancel_round(request: Request[Any, Any, Any], session: AsyncSession, round_id: uuid.UUID,
                       data: FormData) -> Template | Redirect:
    who, form = portal.form_post(request, data, portal.COORDINATORS)
    try:
        async with undone_on_refusal(session):
            await service.cancel_round(session, who.person, round_id, form.text("reason"), form.version())
    except Problem as exc:
        return await round_page(session, who, round_id, problems=[_("De rit werd niet geannuleerd:"), *reasons(exc)],
                                status_code=exc.status)
    who.flash(_("De rit is geannuleerd; de reeks loopt verder."))
    return who.redirect(f"{BASE}/ritten/{round_id}")


@get("/{tenant:str}/voedsel/planning/ritten/{round_id:uuid}/overdrachtsdocument.pdf")
async def transfer_form_pdf(request: Request[Any, Any, Any], session: AsyncSession,
                            round_id: uuid.UUID) -> Response[bytes]:
    who = portal.visitor(request, portal.COORDINATORS)
    form = await transfer_form.transfer_form(session, who.person, round_id)
    content = await asyncio.to_thread(transfer_form.render, form)
    return made_file(content, FileFormat.PDF, form.file_name.removesuffix(".pdf"), inline=True)


ROUTES: list[ControllerRouterHandler] = [week, new_series, create_series, series_page, change_series, round_view,
                                         change_round, cancel_round, transfer_form_pdf]
