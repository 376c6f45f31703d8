"""The raw baseline of a tenant-scoped read: a bare Litestar app answering one organisation by id with a
primary-key SELECT through an asyncpg pool, nothing else (no authentication, no gateway, no ORM, no transaction
per request). Its connections read as the services' role with the province set once per connection (a connection
parameter), so the same row-level policy applies. Served like the services: uvicorn, one process, uvloop and httptools,
with the services' protocol (shared.http_server: an answer's headers and body in one write).

    python -m bench.raw_read --port 24950 --dsn postgresql://regie_app:…@127.0.0.1:24010/partners --tenant antwerpen"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # (no type information shipped)
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException

from shared.http_server import CoalescingHttpToolsProtocol

SELECT = ("SELECT id, name, kind, municipality, description, enterprise_number, version "
          "FROM organisations WHERE id = $1")


@get("/organisations/{organisation_id:uuid}")
async def organisation(organisation_id: uuid.UUID, state: State) -> dict[str, Any]:
    row = await state["pool"].fetchrow(SELECT, organisation_id)
    if row is None:
        raise NotFoundException()
    return {**dict(row), "id": str(row["id"])}


def create_app(dsn: str, tenant: str, pool_size: int) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # The province as a connection parameter: the pool's RESET ALL on release returns to it.
        app.state["pool"] = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size,
                                                      server_settings={"app.tenant": tenant})
        try:
            yield
        finally:
            await app.state["pool"].close()

    return Litestar(route_handlers=[organisation], lifespan=[lifespan], openapi_config=None, logging_config=None)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.raw_read", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--pool", type=int, default=10)
    args = parser.parse_args()
    import uvicorn

    uvicorn.run(create_app(args.dsn, args.tenant, args.pool), host="127.0.0.1", port=args.port, log_config=None,
                access_log=False, server_header=False, http=CoalescingHttpToolsProtocol)


if __name__ == "__main__":
    main()
