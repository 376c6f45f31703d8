"""python -m services.gateway: serve the gateway (it has no database, so no migrations)."""

from __future__ import annotations

from services.gateway.app import create_app
from services.gateway.hosts import province_hosts
from services.gateway.lane import ReadLane
from services.gateway.settings import GatewaySettings
from shared.service_app import serve


def main() -> None:
    settings = GatewaySettings()
    app = create_app(settings)
    serve(province_hosts(app, settings), settings.service, protocol=ReadLane(settings, app.state).protocol())


if __name__ == "__main__":
    main()
