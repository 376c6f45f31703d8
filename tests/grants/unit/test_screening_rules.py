from __future__ import annotations

from services.grants.screening.rules import ScreeningFacts, automatic_checks


def facts(**changes) -> ScreeningFacts:
    values = dict(required_attachments={"begroting": "Gedetailleerde begroting"}, attachment_codes={"begroting"},
                  requested_cents=4_000_000, total_cost_cents=5_000_000, max_per_project_cents=5_000_000,
                  cofinancing_rate_bp=8_000, co_applicants=[("0111111111", "Compaan")],
                  social_economy_numbers={"0111111111"}, social_economy_required=True, min_coapplicants=1)
    values.update(changes)
    return ScreeningFacts(**values)


def failed(checks) -> dict[str, str]:
    return {c.code: c.reason for c in checks if not c.passed}


def test_an_application_that_meets_every_rule_passes_with_reasons() -> None:
    checks = automatic_checks(facts())
    assert failed(checks) == {}
    assert [c.code for c in checks] == ["required_attachments", "maximum_per_project", "cofinancing",
                                        "min_coapplicants", "social_economy_coapplicant"]
    assert "Compaan" in checks[-1].reason


def test_a_missing_attachment_is_named_by_its_label() -> None:
    assert failed(automatic_checks(facts(attachment_codes=set()))) == {
        "required_attachments": "ontbrekende verplichte bijlage(n): Gedetailleerde begroting"}


def test_the_maximum_per_project_is_inclusive() -> None:
    assert failed(automatic_checks(facts(requested_cents=5_000_000, total_cost_cents=10_000_000))) == {}
    assert "hoger dan het maximum van € 50.000,00" in failed(automatic_checks(
        facts(requested_cents=5_000_001, total_cost_cents=10_000_000)))["maximum_per_project"]


def test_the_cofinancing_rate_is_checked_exactly_in_cents() -> None:
    assert "cofinancing" not in failed(automatic_checks(facts(requested_cents=4_000_000, total_cost_cents=5_000_000)))
    reason = failed(automatic_checks(facts(requested_cents=4_000_001, total_cost_cents=5_000_000)))["cofinancing"]
    assert "80 %" in reason and "€ 40.000,00" in reason


def test_a_social_economy_partner_must_be_known_to_the_registry_when_the_call_asks_for_one() -> None:
    assert "social_economy_coapplicant" in failed(automatic_checks(facts(social_economy_numbers=set())))
    assert "social_economy_coapplicant" not in failed(automatic_checks(
        facts(social_economy_numbers=set(), social_economy_required=False)))


def test_too_few_co_applicants_fail_when_the_call_sets_a_minimum() -> None:
    assert failed(automatic_checks(facts(co_applicants=[], min_coapplicants=1)))["min_coapplicants"] == \
        "de oproep vraagt minstens 1 mede-aanvrager(s); er zijn er 0"
