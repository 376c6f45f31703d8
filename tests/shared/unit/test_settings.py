import pytest

from shared.settings import ServiceSettings


def test_settings_come_from_the_environment_with_typed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIE_SERVICE", "grants")
    monkeypatch.setenv("REGIE_HTTP_PORT", "48101")
    monkeypatch.setenv("REGIE_S3_SECURE", "true")
    monkeypatch.setenv("REGIE_TENANTS", "limburg, antwerpen")
    settings = ServiceSettings()
    assert settings.service == "grants"
    assert settings.http.port == 48101
    assert settings.storage.secure is True
    assert settings.tenants == ("limburg", "antwerpen")


def test_defaults_fit_one_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REGIE_HTTP_PORT", "REGIE_NATS_STREAM_REPLICAS", "REGIE_TENANTS"):
        monkeypatch.delenv(name, raising=False)
    settings = ServiceSettings()
    assert settings.http.port == 8000
    assert settings.nats.stream_replicas == 1
    assert len(settings.tenants) == 5


@pytest.mark.parametrize("name, value, message", [
    ("REGIE_HTTP_PORT", "achtduizend", "REGIE_HTTP_PORT must be a whole number"),
    ("REGIE_S3_SECURE", "misschien", "REGIE_S3_SECURE must be true or false"),
    ("REGIE_TENANTS", "antwerpen,brussel", "unknown tenants: brussel"),
])
def test_a_wrong_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        ServiceSettings()
