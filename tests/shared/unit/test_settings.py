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


STRONG = "Zq7-vN2pL9xR4sT8wY1cB6mK3hJ5dF0g"


@pytest.mark.parametrize("name,value", [
    ("REGIE_S3_SECRET_KEY", "regie-dev-secret"),
    ("REGIE_S3_SECRET_KEY", "dev-only-regie-s3-grants"),
    ("REGIE_S3_SECRET_KEY", "short-Secret-1"),
    ("REGIE_S3_SECRET_KEY", "ab" * 20),
    ("REGIE_DATABASE_URL", "postgresql+asyncpg://regie_app:regie-app-dev@db:5432/grants"),
    ("REGIE_DIRECTORY_CLIENT_SECRET", "dev-only-regie-directory-secret"),
])
def test_a_known_or_weak_secret_is_refused_with_a_public_address(monkeypatch: pytest.MonkeyPatch, name: str,
                                                                  value: str) -> None:
    monkeypatch.setenv("REGIE_KEYCLOAK_URL", "https://regie.example.be/auth")
    monkeypatch.setenv("REGIE_S3_SECRET_KEY", STRONG)
    monkeypatch.setenv("REGIE_DATABASE_URL", f"postgresql+asyncpg://regie_app:{STRONG}@db:5432/grants")
    monkeypatch.delenv("REGIE_ALLOW_WEAK_SECRETS", raising=False)
    assert ServiceSettings().production  # real secrets: it starts
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name.split("_URL")[0]):
        ServiceSettings()
    monkeypatch.setenv("REGIE_ALLOW_WEAK_SECRETS", "true")  # a throwaway test cluster says so
    assert not ServiceSettings().production
    monkeypatch.setenv("REGIE_ALLOW_WEAK_SECRETS", "false")
    monkeypatch.setenv("REGIE_KEYCLOAK_URL", "http://127.0.0.1:22180")  # a developer's machine
    assert not ServiceSettings().production


@pytest.fixture
def public_address(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Served at an https address with real secrets and no scanner named yet."""
    monkeypatch.setenv("REGIE_KEYCLOAK_URL", "https://regie.example.be/auth")
    monkeypatch.setenv("REGIE_S3_SECRET_KEY", STRONG)
    monkeypatch.delenv("REGIE_ALLOW_WEAK_SECRETS", raising=False)
    monkeypatch.delenv("REGIE_CLAMD_URL", raising=False)
    return monkeypatch


def test_a_service_that_stores_uploads_does_not_start_in_production_without_a_virus_scanner(
        public_address: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="REGIE_CLAMD_URL is not set"):
        ServiceSettings().refuse_unscanned_uploads()
    public_address.setenv("REGIE_CLAMD_URL", "tls://clamd:3311")
    settings = ServiceSettings()
    settings.refuse_unscanned_uploads()  # it starts
    assert settings.scanner.clamd_url == "tls://clamd:3311"
    public_address.setenv("REGIE_CLAMD_URL", "clamd:3310")
    with pytest.raises(ValueError, match="REGIE_CLAMD_URL must look like tcp://host:3310 or tls://host:3311"):
        ServiceSettings()


@pytest.mark.parametrize("url, starts", [
    ("tls://clamd:3311", True),
    ("tcp://clamd:3310", False),  # every upload across the pod network in clear
    ("tcp://clamd.regie.svc.cluster.local:3310", False),
    ("tcp://127.0.0.1:3310", True),  # clamd in the same pod or on the same machine: no network crossed
    ("tcp://localhost:3310", True),
])
def test_in_production_uploads_reach_a_scanner_over_the_network_only_through_tls(
        public_address: pytest.MonkeyPatch, url: str, starts: bool) -> None:
    public_address.setenv("REGIE_CLAMD_URL", url)
    settings = ServiceSettings()
    if starts:
        settings.refuse_unscanned_uploads()
    else:
        with pytest.raises(ValueError, match="in clear"):
            settings.refuse_unscanned_uploads()
    public_address.setenv("REGIE_KEYCLOAK_URL", "http://127.0.0.1:22180")  # a developer's machine: anything goes
    ServiceSettings().refuse_unscanned_uploads()


def test_each_service_that_takes_uploads_refuses_to_start_in_production_without_a_scanner(
        public_address: pytest.MonkeyPatch) -> None:
    from services.foodsavers.app import SPEC as FOODSAVERS
    from services.grants.app import SPEC as GRANTS
    from services.partners.app import SPEC as PARTNERS
    from shared.service_app import create_service_app

    for spec in (GRANTS, PARTNERS, FOODSAVERS):
        assert spec.uses_storage
        with pytest.raises(ValueError, match="REGIE_CLAMD_URL"):
            create_service_app(spec, ServiceSettings())


def test_without_a_scanner_a_developer_machine_still_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIE_KEYCLOAK_URL", "http://127.0.0.1:22180")
    monkeypatch.delenv("REGIE_CLAMD_URL", raising=False)
    ServiceSettings().refuse_unscanned_uploads()  # its uploads are refused (503) instead: shared.storage
