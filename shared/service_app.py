"""The one place a Regie service is wired: `create_service_app(spec)` builds the Litestar application with
everything every service has (problem+json errors, token verification per tenant, the tenant-scoped
database session per request, the outbox relay and the event consumers, object storage, health, metrics,
request ids and JSON logs). A service brings its routes, its consumed events and its migrations."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import nats
import uvicorn
from litestar import Litestar, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.plugins.prometheus import PrometheusController
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, ControllerRouterHandler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal, TenantAuthMiddleware, TokenVerifier, require_roles
from shared.db import Database
from shared.events import deadletters
from shared.events.consumer import Consumer, Subscription
from shared.events.outbox import OutboxRelay, relay_engine
from shared.events.streams import ensure_streams
from shared.foreground import Foreground
from shared.handler_path import lean_handler_path
from shared.heap import freeze_after_start
from shared.hot_reads import HotRead, hot_path
from shared.hot_writes import HotWrite
from shared.http_server import CoalescingHttpToolsProtocol
from shared.i18n import _, load_catalogues
from shared.logs import configure_logging
from shared.migrations import CURRENT_REVISION_SQL, head_revision, upgrade
from shared.portal.manifest import HEADER_PATH, MANIFEST_PATH, PortalEntry
from shared.portal.pages import PAGE_HEADER, send_flash, template_config
from shared.problems import CONSTRAINT_REASONS, EXCEPTION_HANDLERS, NotFound, Problem, problem_responses
from shared.reads import TenantReads
from shared.requests import request_id_middleware
from shared.scanner import Clamd
from shared.settings import HttpSettings, ServiceSettings
from shared.storage import ObjectStore
from shared.tenancy import TENANTS, is_tenant
from shared.tls import ServedCertificate, default_client_context

log = logging.getLogger("regie.service")

FOREGROUND = "foreground"
"""The app state's key of its Foreground (shared/foreground.py), which `main` counts the requests with."""

PUBLIC_PATHS = ["^/health/", "^/metrics", "^/schema", f"^{MANIFEST_PATH}$"]


class NotReady(Problem):
    kind, status = "unavailable", 503


@dataclass
class ServiceSpec:
    name: str
    route_handlers: Sequence[ControllerRouterHandler]
    migrations_dir: Path
    subscriptions: Sequence[Subscription] = ()
    uses_storage: bool = False
    run_relay: bool = True
    extra_dependencies: dict[str, Provide] = field(default_factory=dict)
    public_paths: Sequence[str] = ()
    """Path regexes served without a token (e.g. a call's public page); their handlers take
    `public_session`, scoped to the tenant named by the URL, never `session` or `principal`."""
    background: Sequence[Callable[[Runtime], Coroutine[Any, Any, None]]] = ()
    """Long-running work (e.g. closing calls at their deadline), started and stopped with the service like
    the relay; each returns when `runtime.stop` is set."""
    settings: type[ServiceSettings] = ServiceSettings
    """The service's settings (its settings.py): the shared ones plus its own, all read from the environment."""
    portals: Sequence[PortalEntry] = ()
    """The page prefixes it serves, for the gateway's routing check and the home page's tiles."""
    templates: Path | None = None
    """The service's portal page templates; with them it renders pages in the portal kit's layout (the kit's
    templates come after the service's own)."""
    constraint_reasons: Mapping[str, str] = field(default_factory=dict)
    """{constraint or unique index name: the Dutch reason a person reads} for the writes the database refuses
    when two requests race (answered 409 by `shared.problems.handle_integrity_error`, in one place)."""
    page_header: PageHeader | None = None
    """What the header of every portal page shows of the signed-in person (e.g. the unread notices), worked
    out before the page's handler in a transaction of its own (`Viewer.header`)."""
    hot_reads: Sequence[HotRead] = ()
    """The GETs by id answered in front of Litestar on their happy path (shared/hot_reads.py)."""
    hot_writes: Sequence[HotWrite] = ()
    """The POSTs without a body answered in front of Litestar on their happy path (shared/hot_writes.py)."""


PageHeader = Callable[[AsyncSession, Principal], Awaitable[dict[str, Any]]]


@dataclass
class Runtime:
    """The live connections of one service process."""

    settings: ServiceSettings
    db: Database
    verifier: TokenVerifier
    reads: TenantReads
    """The hot reads' per-province pools (shared/reads.py), beside the unit of work's engine."""
    relay_db: Database | None = None
    nc: Any = None
    js: Any = None
    store: ObjectStore | None = None
    expected_revision: str | None = None
    """Set when this process does not migrate at start: readiness waits for the migration Job."""
    foreground: Foreground = field(default_factory=Foreground)
    """The process's requests being answered, which its background work waits for (shared/foreground.py)."""
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def start_worker(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Runs `work` (the relay, a consumer, a background loop) until the service stops. Each keeps going
        through failures of its own; one that ends anyway is logged at once, and readiness reports it."""
        task = asyncio.create_task(work, name=name)
        task.add_done_callback(self._worker_ended)
        self.tasks.append(task)

    def _worker_ended(self, task: asyncio.Task[None]) -> None:
        if self.stop.is_set() or task.cancelled():
            return
        log.error("worker stopped while the service runs", exc_info=task.exception(),
                  extra={"worker": task.get_name()})

    def stopped_workers(self) -> list[str]:
        return [] if self.stop.is_set() else [task.get_name() for task in self.tasks if task.done()]

    async def every_tenant(self, pause_seconds: float, what: str, log: logging.Logger,
                           work: Callable[[str], Coroutine[Any, Any, object]]) -> None:
        """The loop of a background task (ServiceSpec.background): `work(tenant)` for every tenant, a failure
        logged with `what` and the other tenants still done; then a pause of `pause_seconds`, or none when a
        tenant's work answered truthy (more is waiting); until the service stops. Each tenant's work waits for its
        turn behind the process's requests (shared/foreground.py)."""
        while not self.stop.is_set():
            busy = False
            for tenant in self.settings.tenants:
                await self.foreground.turn()
                try:
                    busy = bool(await work(tenant)) or busy
                except Exception:
                    log.exception(f"{what} failed", extra={"tenant": tenant})
            if busy:
                continue
            try:
                await asyncio.wait_for(self.stop.wait(), pause_seconds)
            except TimeoutError:
                pass


class Metrics(PrometheusController):
    """Prometheus' text format, for the scraper: no API operation, so not in the OpenAPI document."""

    include_in_schema = False


def warm_up() -> None:
    """What the first requests and events after a start paid for otherwise, made at start: the translations'
    catalogues (about 60 ms) and the clients' TLS context (about 50 ms). Before, the first submissions after a
    start took 20 to 70 ms, at a deadline in the middle of the rush (bench/README.md)."""
    load_catalogues()
    default_client_context()


def runtime_of(state: State) -> Runtime:
    return state["runtime"]


@get("/health/live", include_in_schema=False, sync_to_thread=False)
def live() -> dict[str, str]:
    return {"status": "ok"}


def portals_of(spec: ServiceSpec) -> Any:
    entries: list[PortalEntry] = []

    @get(MANIFEST_PATH, include_in_schema=False, sync_to_thread=False)
    def portals() -> list[PortalEntry]:
        # Translated on the first ask, not at start-up: the catalogues load when a language is first used.
        if not entries:
            entries.extend(msgspec.structs.replace(entry, tile=entry.tile.translated()) if entry.tile else entry
                           for entry in spec.portals)
        return entries

    return portals


@get("/health/ready", include_in_schema=False)
async def ready(state: State) -> dict[str, Any]:
    runtime = runtime_of(state)
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(runtime.db.ping(), 2.0)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"{type(exc).__name__}"
    try:
        if runtime.nc is None or not runtime.nc.is_connected:
            raise ConnectionError("not connected")
        await asyncio.wait_for(runtime.js.account_info(), 2.0)
        checks["nats"] = "ok"
    except Exception as exc:
        checks["nats"] = f"{type(exc).__name__}"
    if runtime.expected_revision is not None:
        try:
            async with runtime.db.engine.connect() as connection:
                current = (await connection.execute(text(CURRENT_REVISION_SQL))).scalar_one_or_none()
            checks["schema"] = "ok" if current == runtime.expected_revision else \
                f"at {current}, expected {runtime.expected_revision}"
        except Exception as exc:
            checks["schema"] = f"{type(exc).__name__}"
    if runtime.store is not None:
        try:
            await asyncio.wait_for(runtime.store.ping(), 2.0)
            checks["storage"] = "ok"
        except Exception as exc:
            checks["storage"] = f"{type(exc).__name__}"
    stopped = runtime.stopped_workers()
    checks["workers"] = f"stopped: {', '.join(stopped)}" if stopped else "ok"
    if any(value != "ok" for value in checks.values()):
        raise NotReady("niet alle afhankelijkheden zijn bereikbaar", checks=checks)
    return {"status": "ok", "checks": checks}


@asynccontextmanager
async def unit_of_work(request: Request[Any, Any, Any], tenant: str | None) -> AsyncIterator[AsyncSession]:
    """The request's unit of work, under `tenant`. Commits when the handler returns normally (before the
    response goes out), rolls back when it raised: handlers never commit."""
    session = runtime_of(request.app.state).db.session(tenant)
    try:
        yield session
    except Exception:
        await session.rollback()
        raise
    else:
        await session.commit()
    finally:
        await session.close()


async def provide_session(request: Request[Principal, Any, Any]) -> AsyncGenerator[AsyncSession, None]:
    """Scoped to the authenticated principal's tenant."""
    async with unit_of_work(request, request.user.tenant) as session:
        yield session


async def provide_public_session(request: Request[Any, Any, Any]) -> AsyncGenerator[AsyncSession, None]:
    """For a route without login (ServiceSpec.public_paths): scoped to the tenant the URL names."""
    tenant = request.scope["path"].strip("/").split("/", 1)[0]
    if not is_tenant(tenant):
        raise NotFound(_("onbekende provincie %(tenant)r") % {"tenant": tenant})
    async with unit_of_work(request, tenant) as session:
        yield session


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


# The providers read the app's state through the request: a `state: State` parameter is a copy of it, made for
# every request that asks (a twentieth of a read's CPU).

def provide_store(request: Request[Any, Any, Any]) -> ObjectStore:
    store = runtime_of(request.app.state).store
    if store is None:
        raise RuntimeError("this service was not configured with object storage")
    return store


def provide_runtime(request: Request[Any, Any, Any]) -> Runtime:
    return runtime_of(request.app.state)


def provide_reads(request: Request[Any, Any, Any]) -> TenantReads:
    return runtime_of(request.app.state).reads


def page_header_hook(spec: ServiceSpec) -> Callable[[Request[Any, Any, Any]], Awaitable[None]] | None:
    """Before a signed-in person's portal page (a path under one of the service's page prefixes): the header's
    values, in `request.state` where the kit's `viewer` finds them."""
    work = spec.page_header
    if work is None:
        return None
    prefixes = {entry.prefix for entry in spec.portals}

    async def fill(request: Request[Any, Any, Any]) -> None:
        user = request.scope.get("user")
        parts = request.scope["path"].strip("/").split("/", 2)
        if isinstance(user, Principal) and len(parts) > 1 and parts[1] in prefixes:
            async with unit_of_work(request, user.tenant) as session:
                request.state[PAGE_HEADER] = await work(session, user)
    return fill


def page_header_route(spec: ServiceSpec) -> list[Any]:
    """GET HEADER_PATH: the header's values for the signed-in person, for a page another part serves."""
    work = spec.page_header
    if work is None:
        return []

    @get(HEADER_PATH.replace("{tenant}", "{tenant:str}"), include_in_schema=False)
    async def page_header(session: AsyncSession, principal: Principal) -> dict[str, Any]:
        return await work(session, principal)

    return [page_header]


def dead_letter_routes(spec: ServiceSpec) -> list[Any]:
    """The province admin's view of the events this service's consumers gave up on, and their replay
    (shared.events.deadletters): /<tenant>/dead-letters."""
    subscriptions = list(spec.subscriptions)
    if not subscriptions:
        return []

    @get("/{tenant:str}/dead-letters", guards=[require_roles("province-admin")], tags=["dead letters"])
    async def listed(principal: Principal, runtime: Runtime,
                     limit: int = Parameter(default=100, ge=1, le=500)) -> list[deadletters.DeadLetterOut]:
        """The province's events this service's consumers gave up on, newest first, each with the reason."""
        return await deadletters.dead_letters(runtime.js, subscriptions, principal.tenant, limit)

    @post("/{tenant:str}/dead-letters/{sequence:int}/replay", guards=[require_roles("province-admin")],
          tags=["dead letters"], status_code=200)
    async def replayed(sequence: int, principal: Principal, runtime: Runtime) -> deadletters.DeadLetterOut:
        """Applies the event once more through its consumer (once the cause is fixed) and removes the dead
        letter; 409 with the reason when it fails again (the dead letter stays), 404 for another province's."""
        return await deadletters.replay(runtime.js, runtime.db, subscriptions, principal.tenant, sequence,
                                        max_deliver=runtime.settings.nats.max_deliver, actor=principal.username)

    return [listed, replayed]


def pages_left_out(handlers: Sequence[ControllerRouterHandler], prefixes: set[str]) -> None:
    """The portal pages (plain handlers under one of the service's page prefixes: HTML for people, forms, the files
    they download) out of the OpenAPI document, which describes the API: the gateway's merged one leaves them out
    as well (services.gateway.apidocs.gateway_path)."""
    for handler in handlers:
        if isinstance(handler, HTTPRouteHandler) and any(
                [*path.strip("/").split("/"), ""][1] in prefixes for path in handler.paths):
            handler.include_in_schema = False


def document_problems(app: Litestar, public_paths: Sequence[str]) -> Litestar:
    """Every operation in the OpenAPI document with the RFC 9457 problems it can answer (shared.problems), in place
    of Litestar's own 400 body, which the services never send. Before the document is first asked for: it is
    built from the handlers on the first ask."""
    public = [re.compile(pattern) for pattern in public_paths]
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        example = route.path_format.replace("{tenant}", next(iter(TENANTS)))
        for handler in route.route_handlers:
            if handler.include_in_schema is False:
                continue
            answers: dict[int, ResponseSpec] = {}
            for method in handler.http_methods:
                answers |= problem_responses(method, public=any(p.search(example) for p in public))
            handler.responses = {**answers, **(handler.responses or {})}
    return app


def create_service_app(spec: ServiceSpec, settings: ServiceSettings | None = None) -> Litestar:
    settings = settings or spec.settings()
    lean_handler_path()
    configure_logging(spec.name, settings.log_level, settings.log_format)
    if spec.uses_storage:
        settings.refuse_unscanned_uploads()
    verifier = TokenVerifier(settings.auth.keycloak_url, settings.tenants, audience=settings.auth.audience,
                             leeway_seconds=settings.auth.leeway_seconds,
                             min_refresh_seconds=settings.auth.jwks_min_refresh_seconds,
                             max_key_age_seconds=settings.auth.jwks_max_age_seconds, clients=settings.auth.clients,
                             integration_public_keys=settings.auth.integration_public_keys)

    foreground = Foreground()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        runtime = Runtime(settings=settings, verifier=verifier, foreground=foreground,
                          db=Database.from_url(settings.database.url, settings.database.pool_size,
                                                settings.database.connect_args()),
                          reads=TenantReads(settings.database.url, settings.database.connect_args()))
        app.state["runtime"] = runtime
        if not settings.database.migrate_at_start:
            runtime.expected_revision = head_revision(spec.migrations_dir)
        runtime.nc = await nats.connect(**settings.nats.connect_options(), name=spec.name, max_reconnect_attempts=-1)
        runtime.js = runtime.nc.jetstream()
        await ensure_streams(runtime.js, settings.nats.stream_replicas, owner=spec.name)
        if spec.uses_storage:
            s = settings.storage
            scanner = (Clamd.from_url(settings.scanner.clamd_url, timeout_seconds=settings.scanner.timeout_seconds,
                                      ca_file=settings.scanner.ca_file)
                       if settings.scanner.clamd_url else None)
            if scanner is None:
                log.warning("no virus scanner configured (REGIE_CLAMD_URL): every upload will be refused")
            runtime.store = ObjectStore.connect(s.endpoint, s.access_key, s.secret_key, secure=s.secure,
                                                ca_file=s.ca_file or None,
                                                bucket=s.bucket, max_upload_bytes=s.max_upload_bytes,
                                                scanner=scanner)
            await runtime.store.ensure_bucket()
        if spec.run_relay:
            runtime.relay_db = Database(relay_engine(settings.database.relay_url, settings.database.connect_args()))
            relay = OutboxRelay(runtime.relay_db.engine, runtime.nc)
            runtime.start_worker(relay.run(runtime.stop), "outbox-relay")
        for subscription in spec.subscriptions:
            consumer = Consumer(runtime.js, runtime.db, subscription, max_deliver=settings.nats.max_deliver,
                                ack_wait_seconds=settings.nats.ack_wait_seconds, turn=foreground.turn,
                                give_way=foreground.give_way)
            runtime.start_worker(consumer.run(runtime.stop), subscription.durable)
        for work in spec.background:
            runtime.start_worker(work(runtime), getattr(work, "__name__", "background"))
        warm_up()
        log.info("service started", extra={"port": settings.http.port})
        freeze_after_start()
        try:
            yield
        finally:
            runtime.stop.set()
            for task in runtime.tasks:
                try:
                    await asyncio.wait_for(task, 5.0)
                except Exception:
                    task.cancel()
            await runtime.nc.drain()
            if runtime.relay_db is not None:
                await runtime.relay_db.dispose()
            await runtime.reads.close()
            await runtime.db.dispose()
            await verifier.aclose()

    dependencies = {
        "session": Provide(provide_session),
        "public_session": Provide(provide_public_session),
        "principal": Provide(provide_principal, sync_to_thread=False),
        "store": Provide(provide_store, sync_to_thread=False),
        "runtime": Provide(provide_runtime, sync_to_thread=False),
        "reads": Provide(provide_reads, sync_to_thread=False),
        **spec.extra_dependencies,
    }
    pages_left_out(spec.route_handlers, {entry.prefix for entry in spec.portals})
    return document_problems(Litestar(
        route_handlers=[live, ready, Metrics, portals_of(spec), *page_header_route(spec),
                        *dead_letter_routes(spec), *spec.route_handlers],
        lifespan=[lifespan],
        middleware=[
            DefineMiddleware(TenantAuthMiddleware, verifier=verifier, exclude=[*PUBLIC_PATHS, *spec.public_paths]),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({CONSTRAINT_REASONS: dict(spec.constraint_reasons), FOREGROUND: foreground}),
        dependencies=dependencies,
        template_config=template_config(spec.templates) if spec.templates else None,
        before_send=[send_flash] if spec.templates else [],
        before_request=page_header_hook(spec),
        request_max_body_size=settings.http.max_body_bytes,
        openapi_config=OpenAPIConfig(title=f"Regie {spec.name}", version="1"),
        debug=False,
        logging_config=None,
    ), [*PUBLIC_PATHS, *spec.public_paths])


def main(spec: ServiceSpec, argv: Sequence[str] | None = None) -> None:
    """`python -m services.<name> [serve|migrate]`: serve applies pending migrations first."""

    parser = argparse.ArgumentParser(prog=f"python -m services.{spec.name}")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    settings = spec.settings()
    configure_logging(spec.name, settings.log_level, settings.log_format)
    if args.command == "migrate" or settings.database.migrate_at_start:
        upgrade(spec.migrations_dir, settings.database.migration_url,
                connect_args=settings.database.connect_args())
        log.info("migrations applied")
    else:
        log.info("migrations left to the migration job; unready until the schema is current")
    if args.command == "migrate":
        return
    app = create_service_app(spec, settings)
    serve(app.state[FOREGROUND].counting(hot_path(app, spec.name, spec.hot_reads, spec.hot_writes)), settings)


KEEPALIVE_SECONDS = 75
"""How long an idle keep-alive connection stays open: longer than the gateway keeps its pooled connections to a
service (gateway.runtime.UPSTREAM_KEEPALIVE_SECONDS), so that the gateway, not the service, closes them and a
request never races a closing connection."""


def serve(app: ASGIApp, settings: ServiceSettings, protocol: type[asyncio.Protocol] | None = None) -> None:
    """Run under uvicorn (`server_config`)."""
    uvicorn.Server(server_config(app, settings, protocol)).run()


def server_config(app: ASGIApp, settings: ServiceSettings,
                  protocol: type[asyncio.Protocol] | None = None) -> uvicorn.Config:
    """uvicorn's configuration of a service: the app wrapped in the request-id middleware, outside Litestar, so
    that even an error raised before routing is logged with its id and status, behind uvicorn's proxy headers.
    HTTPS with REGIE_HTTP_TLS_CERT and _KEY. uvicorn's httptools protocol, with each answer's writes sent together
    (shared.http_server), or `protocol` (one built on it: the gateway's read lane)."""
    return uvicorn.Config(request_id_middleware(app, settings.service), host=settings.http.host,
                          port=settings.http.port, log_config=None, access_log=False, proxy_headers=True,
                          server_header=False, forwarded_allow_ips=settings.http.trusted_proxies,
                          timeout_keep_alive=KEEPALIVE_SECONDS, http=protocol or CoalescingHttpToolsProtocol,
                          **https_options(settings.http))


def https_options(http: HttpSettings) -> dict[str, Any]:
    """uvicorn's TLS options for the certificate in the settings (none: plain HTTP). uvicorn builds the context
    from the files as it always does; shared.tls.ServedCertificate keeps building it again when cert-manager
    renews them, so a renewal needs no restart."""
    if not http.tls_cert:
        return {}

    def context(config: Any, uvicorn_context: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
        return ServedCertificate(http.tls_cert, http.tls_key, uvicorn_context).listening_context()

    return {"ssl_certfile": http.tls_cert, "ssl_keyfile": http.tls_key, "ssl_context_factory": context}
