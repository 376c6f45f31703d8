"""The 360Giving package built from awarded grants validates against the standard's schema, offline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import msgspec

from services.grants.opendata.routes import ENCODER
from services.grants.opendata.rules import AwardedGrant, package
from tests.grants.three_sixty_giving import errors


def awarded(application_id: str = "0193a8c2-0000-7000-8000-000000000001", amount: int = 4_000_012) -> AwardedGrant:
    return AwardedGrant(
        tenant="oost-vlaanderen", application_id=application_id, title="Schoolvis",
        summary="Aquaponics naast de traditionele boerderijactiviteiten.", requested_cents=5_000_000,
        amount_cents=amount, decided_on=date(2026, 11, 20), duration_months=18, applicant_name="Agrado VOF",
        applicant_enterprise_number="0123456749", co_applicants=[("Apart vzw", "0456789044")],
        call_id="0193a8c2-0000-7000-8000-0000000000ca", call_title="Projectsubsidies sociale economie",
        decision_reference="DEP-2026-0042")


def encoded(document: object) -> dict:
    return json.loads(ENCODER.encode(document))


def test_a_package_of_awarded_grants_validates_against_the_360giving_schema() -> None:
    document = encoded(package("oost-vlaanderen", "Provincie Oost-Vlaanderen", [awarded()],
                               datetime(2026, 11, 22, 10, 0, tzinfo=UTC)))
    assert errors(document) == []
    grant = document["grants"][0]
    assert grant["id"] == "360G-regie-oost-vlaanderen-0193a8c2-0000-7000-8000-000000000001"
    assert grant["recipientOrganization"] == [{"id": "BE-BCE_KBO-0123456749", "name": "Agrado VOF"}]
    assert grant["fundingOrganization"] == [{"id": "360G-regie-org-oost-vlaanderen",
                                             "name": "Provincie Oost-Vlaanderen"}]
    assert grant["amountAwarded"] == 40000.12 and grant["currency"] == "EUR"
    assert grant["awardDate"] == "2026-11-20T00:00:00+01:00"
    assert grant["plannedDates"] == [{"startDate": "2026-11-20T00:00:00+01:00", "duration": 18}]
    assert "Apart vzw (BE-BCE_KBO-0456789044)" in grant["description"]


def test_amounts_are_json_numbers_with_their_cents_not_strings() -> None:
    raw = ENCODER.encode(package("limburg", "Provincie Limburg", [awarded(amount=1_234_505)],
                                 datetime(2026, 11, 22, tzinfo=UTC)))
    assert b'"amountAwarded":12345.05' in raw


def test_the_validator_catches_a_package_the_standard_refuses() -> None:
    document = encoded(package("limburg", "Provincie Limburg", [awarded()], datetime(2026, 11, 22, tzinfo=UTC)))
    del document["grants"][0]["fundingOrganization"]
    document["grants"][0]["currency"] = "EURO"
    assert len(errors(document)) >= 2
    assert errors({**document, "grants": []})  # a package holds at least one grant
    assert msgspec.json.decode(ENCODER.encode({"x": 1})) == {"x": 1}
