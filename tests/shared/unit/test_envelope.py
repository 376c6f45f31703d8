from typing import ClassVar

import pytest

from shared.events.envelope import EventData, InvalidEvent, decode, encode, make_envelope, nats_subject


class SomethingHappenedV2(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.partners.organisation.recognition.changed.v2"
    organisation_id: str
    amount_cents: int


def test_subject_carries_service_tenant_and_event_without_version() -> None:
    assert (nats_subject("be.regie.grants.application.submitted.v1", "west-vlaanderen")
            == "grants.west-vlaanderen.application.submitted")


def test_envelope_round_trips_with_cloudevents_fields() -> None:
    envelope = make_envelope(SomethingHappenedV2(organisation_id="o-1", amount_cents=1250),
                             tenant="limburg", subject="o-1", traceparent="00-abc-def-01")
    decoded = decode(encode(envelope))
    assert decoded == envelope
    assert decoded.specversion == "1.0"
    assert decoded.source == "/regie/partners"
    assert decoded.nats_subject == "partners.limburg.organisation.recognition.changed"
    assert decoded.data == {"organisation_id": "o-1", "amount_cents": 1250}
    assert decoded.id[14] == "7"  # a UUIDv7


def test_unversioned_types_and_unknown_tenants_are_refused() -> None:
    with pytest.raises(InvalidEvent):
        nats_subject("be.regie.grants.application.submitted", "limburg")
    with pytest.raises(InvalidEvent):
        make_envelope(SomethingHappenedV2(organisation_id="o", amount_cents=1), tenant="brussel", subject="o")


def test_garbage_is_an_invalid_event_not_a_crash() -> None:
    with pytest.raises(InvalidEvent):
        decode(b"{not json")
    with pytest.raises(InvalidEvent):
        decode(encode(make_envelope(SomethingHappenedV2(organisation_id="o", amount_cents=1),
                                    tenant="limburg", subject="o")).replace(b'"limburg"', b'"nowhere"'))
