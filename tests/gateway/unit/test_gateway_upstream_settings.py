"""The gateway's rule for the services' URLs: in production (a public https issuer, real secrets) every service is
reached over https, checked against REGIE_UPSTREAM_CA_FILE; on a developer machine plain HTTP stays the default."""

from __future__ import annotations

import pytest

from services.gateway.settings import GatewaySettings
from shared.settings import AuthSettings, ServiceSettings

STRONG = "Zq7-vN2pL9xR4sT8wY1cB6mK3hJ5dF0g"
HTTPS = {"grants_url": "https://grants:8000", "partners_url": "https://partners:8000",
         "foodsavers_url": "https://foodsavers:8000"}


def production() -> ServiceSettings:
    settings = ServiceSettings(auth=AuthSettings(keycloak_url="https://regie.example.be/auth"),
                               allow_weak_secrets=False)
    assert settings.production
    return settings


def test_in_production_every_service_is_reached_over_https() -> None:
    settings = GatewaySettings(service=production(), public_url="https://regie.example.be", session_secret=STRONG,
                               upstream_ca_file="/etc/regie-tls/internal-ca.crt", **HTTPS)
    assert all(url.startswith("https://") for url in settings.upstreams.values())


@pytest.mark.parametrize("service", ["grants", "partners", "foodsavers"])
def test_in_production_a_plain_http_service_is_refused(service: str) -> None:
    urls = HTTPS | {f"{service}_url": f"http://{service}:8000"}
    with pytest.raises(ValueError, match=f"REGIE_{service.upper()}_URL is http://{service}:8000, plain HTTP"):
        GatewaySettings(service=production(), public_url="https://regie.example.be", session_secret=STRONG, **urls)


def test_a_service_on_this_machine_may_stay_plain_http() -> None:
    """A sidecar in the gateway's own pod: that HTTP never crosses the network."""
    urls = HTTPS | {"grants_url": "http://127.0.0.1:8101"}
    assert GatewaySettings(service=production(), public_url="https://regie.example.be", session_secret=STRONG,
                           **urls).upstreams["grants"] == "http://127.0.0.1:8101"


def test_a_developer_machine_keeps_plain_http_and_a_throwaway_cluster_is_not_production() -> None:
    assert GatewaySettings(session_secret="s" * 40).upstreams["partners"].startswith("http://127.0.0.1")
    throwaway = ServiceSettings(auth=AuthSettings(keycloak_url="https://regie.example.be/auth"),
                                allow_weak_secrets=True)
    GatewaySettings(service=throwaway, public_url="https://regie.example.be", session_secret=STRONG)


def test_an_upstream_ca_without_an_https_service_is_refused() -> None:
    with pytest.raises(ValueError, match="REGIE_UPSTREAM_CA_FILE"):
        GatewaySettings(session_secret="s" * 40, upstream_ca_file="/etc/regie-tls/internal-ca.crt")
