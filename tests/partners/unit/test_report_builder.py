"""The report's rows and figures, from a framework in memory: the five-column layout, approved values only,
counted values from the counting rule, progress against the year's target."""

from __future__ import annotations

from decimal import Decimal

from services.partners.plans.rules import Feed, ObjectiveLevel, PlanKind
from services.partners.realisations.rules import RealisationStatus
from services.partners.reports.builder import NOT_APPROVED, NOTHING_YET, Standing, build, progress
from tests.partners.report_world import GENERATED, Counted, World, plan


def westhoek() -> World:
    world = plan()
    one = world.objective("1", "Acties die de netwerking op het grondgebied bevorderen",
                          remarks="Corona: minder events")
    network = world.action(one, "1.1", "Samenwerking en netwerking tussen sociale economie en lokale besturen")
    events = world.indicator(network, "aantal netwerkevents", "events", baseline="0", targets={2020: "4", 2021: "4"})
    people = world.indicator(network, "aantal deelnemers", "deelnemers", targets={2020: "80"})
    world.realise(events, 2020, "1", "trefmoment VDAB, VVSG en lokale besturen op 2/03/2020 met 25 deelnemers")
    world.realise(people, 2020, "25", "alleen het trefmoment", status=RealisationStatus.SUBMITTED)
    world.action(one, "1.2", "Beleidssignalering")
    three = world.objective("3", "Maatschappelijk verantwoord ondernemen")
    food = world.action(three, "3.3", "Voedselherverdeling en circulaire economie")
    world.indicator(food, "ton voedsel geleverd", "ton", targets={2020: "50"}, feed=Feed.COUNTED,
                    rule="food.tonnes-delivered")
    return world


def test_progress_is_the_value_against_the_target_to_one_decimal() -> None:
    assert progress(Decimal("1"), Decimal("3")) == Decimal("33.3")
    assert progress(Decimal("2"), Decimal("3")) == Decimal("66.7")
    assert progress(Decimal("250"), Decimal("200")) == Decimal("125.0")
    assert progress(Decimal("5"), Decimal("0")) is None
    assert progress(None, Decimal("5")) is None
    assert progress(Decimal("5"), None) is None


def test_rows_follow_the_five_columns_with_the_objective_and_action_on_their_first_line_only() -> None:
    world = westhoek()
    report = build(world, world.realisations, {2020: {}}, 2020, GENERATED)
    rows = [row.cells() for row in report.rows()]
    assert [r[0] for r in rows] == ["1 Acties die de netwerking op het grondgebied bevorderen", "", "",
                                    "3 Maatschappelijk verantwoord ondernemen"]
    assert rows[0][1] == "Corona: minder events" and rows[1][1] == ""
    assert [r[2] for r in rows] == [
        "1.1 Samenwerking en netwerking tussen sociale economie en lokale besturen", "", "1.2 Beleidssignalering",
        "3.3 Voedselherverdeling en circulaire economie"]
    assert rows[0][3] == "aantal netwerkevents (events); basiswaarde 0; doel 4"
    assert rows[2][3:] == ("", "")  # an action without indicators still shows


def test_an_approved_value_shows_with_its_progress_and_narrative_an_unapproved_one_does_not() -> None:
    world = westhoek()
    report = build(world, world.realisations, {2020: {}}, 2020, GENERATED)
    events, people, tonnes = report.indicators
    assert events.standing == Standing.APPROVED and events.value == Decimal(1) and events.progress == Decimal("25.0")
    assert events.realisation == ("1 events (25 % van het doel)\n"
                                  "trefmoment VDAB, VVSG en lokale besturen op 2/03/2020 met 25 deelnemers")
    assert people.standing == Standing.PENDING and people.value is None
    assert people.realisation == NOT_APPROVED
    # the next year: nothing entered
    later = list(build(world, world.realisations, {2021: {}}, 2021, GENERATED).indicators)
    assert later[0].realisation == NOTHING_YET and later[0].target == Decimal(4)


def test_a_counted_indicator_takes_the_counted_value_and_says_from_how_many_events() -> None:
    world = westhoek()
    tonnes_id = world.indicators[2].id
    counted = {2020: {tonnes_id: Counted(Decimal("12.5"), [object(), object(), object()])},
               2021: {tonnes_id: Counted(Decimal("30"), [object()])}}
    report = build(world, world.realisations, counted, 2020, GENERATED)
    tonnes = list(report.indicators)[2]
    assert tonnes.standing == Standing.COUNTED and tonnes.value == Decimal("12.5") and tonnes.sources == 3
    assert tonnes.realisation == "12,5 ton (25 % van het doel); geteld uit 3 gebeurtenissen"
    assert [(p.year, p.target, p.value) for p in tonnes.history] == [
        (2020, Decimal(50), Decimal("12.5")), (2021, None, Decimal(30)), (2022, None, Decimal(0))]


def test_the_history_holds_every_year_of_the_period_with_approved_values_only() -> None:
    world = westhoek()
    events = world.indicators[0]
    world.realise(events, 2021, "3", status=RealisationStatus.SENT_BACK)
    report = build(world, world.realisations, {}, 2020, GENERATED)
    first = next(report.indicators)
    assert [(p.year, p.target, p.value) for p in first.history] == [
        (2020, Decimal(4), Decimal(1)), (2021, Decimal(4), None), (2022, None, None)]


def test_a_multi_year_plan_shows_each_operational_objective_under_its_strategic_one() -> None:
    world = plan(title="Meerjarenplan Turnhout", kind=PlanKind.MULTI_YEAR_PLAN)
    sd = world.objective("SD1", "Turnhout is een sociale stad", level=ObjectiveLevel.STRATEGIC)
    od1 = world.objective("OD1.1", "Meer mensen aan het werk", level=ObjectiveLevel.OPERATIONAL, parent=sd)
    od2 = world.objective("OD1.2", "Sociaal aankopen", level=ObjectiveLevel.OPERATIONAL, parent=sd)
    world.action(od1, "A1.1.1", "Wijk-werken uitbouwen")
    world.action(od2, "A1.2.1", "Aankoopbeleid")
    report = build(world, [], {}, 2021, GENERATED)
    assert [o.label for o in report.objectives] == [
        "SD1 Turnhout is een sociale stad\n› OD1.1 Meer mensen aan het werk",
        "SD1 Turnhout is een sociale stad\n› OD1.2 Sociaal aankopen"]
    assert report.kind == "meerjarenplan" and report.years == (2020, 2021, 2022)
    assert report.parties[0] == "Provincie West-Vlaanderen (provincie)"
