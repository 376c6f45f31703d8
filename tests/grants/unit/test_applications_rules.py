from __future__ import annotations

import hashlib

from services.grants.applications import rules


def snapshot(**application_changes) -> dict:
    application = {"application_id": "a1", "call_id": "c1",
                   "applicant": {"enterprise_number": "0404616494", "name": "Agrado VOF"},
                   "title": "Schoolvis", "summary": "Aquaponics", "requested_cents": 4_000_000,
                   "total_cost_cents": 5_000_000, "duration_months": 18,
                   "budget_lines": [{"description": "Installatie", "amount_cents": 5_000_000}],
                   **application_changes}
    co = [{"enterprise_number": "0999999999", "name": "B", "role": "other", "confirmed_at": "2027-01-01T10:00:00Z",
           "confirmed_by": "partner"},
          {"enterprise_number": "0111111111", "name": "A", "role": "social-economy-enterprise",
           "confirmed_at": "2027-01-01T09:00:00Z", "confirmed_by": "partner"}]
    attachments = [{"id": "f2", "code": "plan", "filename": "plan.pdf", "content_type": "application/pdf",
                    "size_bytes": 10, "sha256": "b" * 64},
                   {"id": "f1", "code": "begroting", "filename": "b.pdf", "content_type": "application/pdf",
                    "size_bytes": 20, "sha256": "a" * 64}]
    return rules.snapshot(application=application, co_applicants=co, attachments=attachments)


def test_canonical_json_sorts_keys_and_drops_whitespace_so_equal_content_hashes_equally() -> None:
    assert rules.canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    assert rules.canonical_json({"a": 1, "b": 2}) == rules.canonical_json({"b": 2, "a": 1})


def test_the_snapshot_orders_partners_and_attachments_so_insertion_order_does_not_change_the_hash() -> None:
    frozen = snapshot()
    assert [c["name"] for c in frozen["co_applicants"]] == ["A", "B"]
    assert [a["code"] for a in frozen["attachments"]] == ["begroting", "plan"]
    assert rules.content_hash(frozen) == hashlib.sha256(rules.canonical_json(frozen)).hexdigest()
    assert len(rules.content_hash(frozen)) == 64


def test_any_change_of_content_changes_the_hash() -> None:
    assert rules.content_hash(snapshot()) != rules.content_hash(snapshot(requested_cents=4_000_001))
    assert rules.content_hash(snapshot()) == rules.content_hash(snapshot())


def test_only_changes_to_what_partners_agreed_to_ask_for_their_confirmation_again() -> None:
    before = {"title": "Schoolvis", "requested_cents": 10, "budget_lines": []}
    assert rules.agreed_terms_changed(before, {**before, "requested_cents": 11})
    assert rules.agreed_terms_changed(before, {**before, "budget_lines": [{"description": "x", "amount_cents": 1}]})
    assert not rules.agreed_terms_changed(before, dict(before))


def test_a_draft_may_not_hold_negative_amounts_or_an_impossible_duration() -> None:
    problems = rules.draft_problems(title=" ", requested_cents=-1, total_cost_cents=0, duration_months=0,
                                    budget_lines=[{"description": "", "amount_cents": -5}])
    assert len(problems) == 5
    assert rules.draft_problems(title="Schoolvis", requested_cents=0, total_cost_cents=0, duration_months=12,
                                budget_lines=[]) == []


def test_unconfirmed_partners_are_named() -> None:
    assert rules.unconfirmed([{"name": "A", "confirmed_at": None}, {"name": "B", "confirmed_at": "x"}]) == ["A"]
