from shared.events.asyncapi import OUTPUT, document, published_events, render


def test_every_published_event_has_a_channel_with_the_tenant_in_its_address() -> None:
    doc = document()
    types = {cls.event_type for cls in published_events()}
    assert "be.regie.partners.organisation.registered.v1" in types
    assert "be.regie.grants.application.awarded.v1" in types
    assert {m["name"] for m in doc["components"]["messages"].values()} == types
    for channel in doc["channels"].values():
        assert "{tenant}" in channel["address"]


def test_the_committed_document_is_in_step_with_the_code() -> None:
    assert OUTPUT.read_text() == render(), "run: python -m shared.events.asyncapi"
