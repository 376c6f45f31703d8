"""deploy/k8s, checked offline: rendered the way `kubectl apply -k` would (tests/deploy/kustomize.py), the
core kinds validated against the Kubernetes OpenAPI schemas (kubernetes-validate), and the properties the
platform relies on asserted: what the code reads is set, probes hit the real endpoints, selectors meet,
the network paths are exactly the intended ones, the database roles are the ones the services log in as."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.config import DATABASE_SERVICES, SERVICES, TENANTS, StackConfig
from tests.deploy.kustomize import build, get_field

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
PRODUCTION = K8S / "overlays" / "production"
EXAMPLE = K8S / "overlays" / "example"
RESTORE = K8S / "restore"
NAMESPACE = "regie"
KUBERNETES_VERSION = "1.34"
HOST = "regie.example.be"
PORT = 8000
CUSTOM_KINDS = {"Cluster", "Database", "Keycloak", "KeycloakRealmImport", "PrometheusRule", "ObjectStore",
                "ScheduledBackup", "Issuer", "Certificate", "PodMonitor"}
BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"
# What the gateway is not given although StackConfig.service_env shares it with every service: it never touches
# object storage (checked below), so it gets no S3 credentials.
GATEWAY_WITHOUT = {"REGIE_S3_ACCESS_KEY", "REGIE_S3_SECRET_KEY"}

Doc = dict[str, Any]


# --- rendering and lookups ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def production() -> list[Doc]:
    return build(PRODUCTION)


@pytest.fixture(scope="module")
def example() -> list[Doc]:
    return build(EXAMPLE)


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def one(docs: list[Doc], kind: str, name: str) -> Doc:
    found = of_kind(docs, kind)
    assert name in found, f"no {kind} {name}"
    return found[name]


def pod_templates(docs: list[Doc]) -> Iterator[tuple[Doc, Doc]]:
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield doc, doc["spec"]["template"]


def matches(selector: Doc, labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions) against a set of labels."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        ok = {"In": key in labels and labels[key] in values, "NotIn": labels.get(key) not in values,
              "Exists": key in labels, "DoesNotExist": key not in labels}[operator]
        if not ok:
            return False
    return True


def secret_values(docs: list[Doc]) -> dict[str, dict[str, str]]:
    return {name: {key: base64.b64decode(value).decode() for key, value in secret.get("data", {}).items()}
            for name, secret in of_kind(docs, "Secret").items()}


CERT_MANAGER_KEYS = {"tls.crt", "tls.key", "ca.crt", "*"}
CNPG_CA_KEYS = {"ca.crt", "ca.key", "*"}


def operator_made_secrets(docs: list[Doc]) -> dict[str, set[str]]:
    """The Secrets an operator makes in the cluster, with their keys, rather than the people installing it:
    cert-manager's (each Certificate's secretName) and CloudNativePG's CA of each Cluster (<cluster>-ca)."""
    made = {cert["spec"]["secretName"]: CERT_MANAGER_KEYS for cert in of_kind(docs, "Certificate").values()}
    made |= {f"{name}-ca": CNPG_CA_KEYS for name in of_kind(docs, "Cluster")}
    return made


def mounted_file(pod: Doc, container: Doc, path: str) -> tuple[str, str]:
    """(Secret, key) of the file at `path` in `container`: through its volume mounts and the pod's secret or
    projected volumes (items, or the whole Secret by key name)."""
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    for mount in container.get("volumeMounts", []):
        prefix = mount["mountPath"].rstrip("/") + "/"
        if not path.startswith(prefix):
            continue
        relative = path[len(prefix):]
        volume = volumes[mount["name"]]
        sources = ([{"secret": {**volume["secret"], "name": volume["secret"]["secretName"]}}] if "secret" in volume
                   else volume.get("projected", {}).get("sources", []))
        for source in sources:
            secret = source.get("secret")
            if not secret:
                continue
            items = secret.get("items")
            if items is None and "/" not in relative:
                return secret["name"], relative
            for item in items or []:
                if item["path"] == relative:
                    return secret["name"], item["key"]
    raise AssertionError(f"{path} is not a file mounted from a Secret in {container['name']}")


def as_in_the_container(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """This process's environment as the container's: none of this machine's REGIE_ variables, each of its own."""
    for name in [name for name in os.environ if name.startswith("REGIE_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def container_env(docs: list[Doc], container: Doc) -> dict[str, str]:
    """The environment the container gets, resolved as the kubelet does: envFrom first, then env in order
    with $(VAR) expanded from what is already defined. Secrets from `docs` (the example overlay)."""
    secrets = secret_values(docs)
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(one(docs, "ConfigMap", source["configMapRef"]["name"])["data"])
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                                      lambda m: env.get(m.group(1), m.group(0)), var["value"])
        elif "secretKeyRef" in var["valueFrom"]:
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = secrets[ref["name"]][ref["key"]]
        elif "configMapKeyRef" in var["valueFrom"]:
            ref = var["valueFrom"]["configMapKeyRef"]
            env[var["name"]] = one(docs, "ConfigMap", ref["name"])["data"][ref["key"]]
        else:
            env[var["name"]] = f"<{var['valueFrom']}>"
    return env


def service_container(docs: list[Doc], service: str) -> Doc:
    return one(docs, "Deployment", service)["spec"]["template"]["spec"]["containers"][0]


def quantity(value: str | int) -> float:
    """CPU in cores or memory in bytes."""
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9}
    for unit, factor in units.items():
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


# --- the render as a whole ------------------------------------------------------------------------------------


def test_core_kinds_are_valid_kubernetes(example: list[Doc]) -> None:
    import kubernetes_validate

    custom = {doc["kind"] for doc in example if doc["kind"] in CUSTOM_KINDS}
    assert custom == CUSTOM_KINDS
    for doc in example:
        if doc["kind"] not in CUSTOM_KINDS:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    typo = one(example, "Deployment", "gateway") | {"spec": {"replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, KUBERNETES_VERSION, strict=True)


def test_everything_is_in_the_namespace(production: list[Doc]) -> None:
    assert one(production, "Namespace", NAMESPACE)
    assert {doc["metadata"].get("namespace") for doc in production if doc["kind"] != "Namespace"} == {NAMESPACE}


def test_production_has_no_secret_and_the_example_provides_every_one_referenced(production: list[Doc],
                                                                            example: list[Doc]) -> None:
    assert not of_kind(production, "Secret"), "real secrets never live in the repository"
    provided = secret_values(example)
    referenced: set[tuple[str, str]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "secretKeyRef" in node:
                referenced.add((node["secretKeyRef"]["name"], node["secretKeyRef"]["key"]))
            # CloudNativePG's and the Barman Cloud Plugin's references ({name, key}; CNPG's default key "password").
            for key in ("usernameSecret", "passwordSecret", "secret", "accessKeyId", "secretAccessKey", "endpointCA"):
                ref = node.get(key)
                if isinstance(ref, dict) and ("name" in ref or "secretName" in ref):
                    name = ref.get("name", ref.get("secretName"))
                    if "items" in ref:  # a Secret mounted in a pod, these keys of it
                        referenced.update((name, item["key"]) for item in ref["items"])
                    elif "secretName" in ref:  # a Secret mounted whole
                        referenced.add((name, "*"))
                    else:
                        referenced.add((name, ref.get("key", "password")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(production)
    assert referenced, "the walk found nothing: the test is broken"
    made = operator_made_secrets(production)
    assert {"regie-internal-ca", "regie-pg-ca"} <= {name for name, _ in referenced}, "the walk misses volumes"
    assert all(key in made[name] for name, key in referenced if name in made), "a key the operator does not write"
    missing = {(name, key) for name, key in referenced if name not in made and key not in provided.get(name, {})}
    assert not missing, f"referenced but not in the example overlay: {missing}"
    for name, values in provided.items():
        secret_like = [v for k, v in values.items() if k not in ("username", "root-user", "access-key")]
        assert all(v.startswith("dev-only-") for v in secret_like), f"{name}: example values must say dev-only"


# --- the four services ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_probes_resources_and_security(production: list[Doc], service: str) -> None:
    deployment = one(production, "Deployment", service)
    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    # The services serve HTTPS only (the gateway calls them so); the gateway serves HTTP behind the ingress.
    scheme = "http" if service == "gateway" else "https"
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {scheme: PORT}
    for probe, path in (("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready"),
                        ("startupProbe", "/health/live")):
        get = container[probe]["httpGet"]
        assert get["path"] == path and ports.get(get["port"], get["port"]) == PORT, probe
        assert get.get("scheme", "HTTP") == scheme.upper(), probe
    # Scraped by its PodMonitor, in the scheme it serves; not also by annotations (a second scrape, in clear).
    monitor = one(production, "PodMonitor", service)["spec"]
    assert matches(monitor["selector"], pod["metadata"]["labels"])
    (endpoint,) = monitor["podMetricsEndpoints"]
    assert (endpoint["port"], endpoint["path"], endpoint["scheme"]) == (scheme, "/metrics", scheme)
    assert not [key for key in pod["metadata"].get("annotations", {}) if key.startswith("prometheus.io/")]
    constraints = pod["spec"]["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in constraints} >= {"kubernetes.io/hostname"}
    assert all(matches(c["labelSelector"], pod["metadata"]["labels"]) for c in constraints)


@pytest.mark.parametrize("service", SERVICES)
def test_the_environment_is_everything_the_code_reads(example: list[Doc], service: str) -> None:
    needed = set(StackConfig.from_env("run", env={}).service_env(service))
    if service == "gateway":
        needed -= GATEWAY_WITHOUT
        needed |= {"REGIE_SESSION_SECRET"}
    else:
        # Serving pods leave migrations to the Job: they get no owner URL, and are told so.
        needed -= {"REGIE_MIGRATION_DATABASE_URL"}
        needed |= {"REGIE_NATS_STREAM_REPLICAS", "REGIE_MIGRATE_AT_START"}
    env = container_env(example, service_container(example, service))
    assert needed <= set(env), f"not set: {sorted(needed - set(env))}"
    assert not [name for name, value in env.items() if "$(" in value], "a $(VAR) refers to nothing defined before"
    assert env["REGIE_SERVICE"] == service
    assert env["REGIE_HTTP_HOST"] == "0.0.0.0" and env["REGIE_HTTP_PORT"] == str(PORT)
    assert env["REGIE_S3_BUCKET"] == f"regie-{service}"
    assert env["REGIE_TENANTS"].split(",") == list(TENANTS)
    nats = one(example, "StatefulSet", "nats")
    assert env["REGIE_NATS_STREAM_REPLICAS"] == str(nats["spec"]["replicas"])


def test_the_gateway_never_uses_object_storage(production: list[Doc]) -> None:
    # Naming the accepted content types (shared.storage's constants) is fine; talking to S3 is not.
    for path in (REPO / "services" / "gateway").rglob("*.py"):
        text = path.read_text()
        assert "ObjectStore" not in text and "minio" not in text.lower(), path
    env = service_container(production, "gateway")
    assert not GATEWAY_WITHOUT & {var["name"] for var in env.get("env", [])}


@pytest.mark.parametrize("service", SERVICES)
def test_the_settings_load_from_the_rendered_environment(example: list[Doc], service: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The code's own settings classes accept what the Deployment gives them (types, tenants, the gateway's
    https + session-secret rule)."""
    from services.gateway.settings import GatewaySettings
    from shared.settings import ServiceSettings

    as_in_the_container(monkeypatch, container_env(example, service_container(example, service)))
    if service == "gateway":
        settings = GatewaySettings()
        assert settings.https and settings.public_url == f"https://{HOST}"
        assert set(settings.upstreams) == set(DATABASE_SERVICES)
    else:
        settings_ = ServiceSettings()
        assert settings_.nats.stream_replicas == 3 and settings_.http.port == PORT


def url_target(url: str) -> tuple[str, int]:
    match = re.match(r"^[a-z0-9+]+://(?:[^@/]*@)?([a-z0-9-]+):(\d+)(?:/|$)", url)
    assert match, url
    return match.group(1), int(match.group(2))


def test_service_urls_point_at_existing_services(example: list[Doc]) -> None:
    services = of_kind(example, "Service")
    env = container_env(example, service_container(example, "grants"))
    urls = [env[name] for name in ("REGIE_NATS_URL", "REGIE_GRANTS_URL", "REGIE_PARTNERS_URL",
                                   "REGIE_FOODSAVERS_URL", "REGIE_DATABASE_URL", "REGIE_CLAMD_URL")]
    urls.append("s3://" + env["REGIE_S3_ENDPOINT"])
    cluster = one(example, "Cluster", "regie-pg")["metadata"]["name"]
    for url in urls:
        host, port = url_target(url)
        if host == f"{cluster}-rw":  # the Service CloudNativePG creates for the primary
            assert port == 5432
            continue
        assert host in services, url
        assert port in {p["port"] for p in services[host]["spec"]["ports"]}, url


@pytest.mark.parametrize("service", DATABASE_SERVICES)
def test_database_urls_and_migration_job(example: list[Doc], service: str) -> None:
    env = container_env(example, service_container(example, service))
    secrets = secret_values(example)
    for var, role, secret in (("REGIE_DATABASE_URL", "regie_app", "regie-pg-app"),
                              ("REGIE_RELAY_DATABASE_URL", "regie_relay", "regie-pg-relay")):
        assert env[var] == (f"postgresql+asyncpg://{role}:{secrets[secret]['password']}"
                            f"@regie-pg-rw:5432/{service}")
    assert env["REGIE_MIGRATE_AT_START"] == "false"
    serving = service_container(example, service)
    assert "regie-pg-owner" not in str(serving), "a serving pod must not hold the owner role's password"
    job = one(example, "Job", f"{service}-migrate")
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    assert migrate["command"] == ["python", "-m", f"services.{service}", "migrate"]
    assert migrate["image"] == service_container(example, service)["image"]
    job_env = container_env(example, migrate)
    assert job_env["REGIE_MIGRATION_DATABASE_URL"] == (
        f"postgresql+asyncpg://regie_owner:{secrets['regie-pg-owner']['password']}@regie-pg-rw:5432/{service}")
    assert "REGIE_DATABASE_URL" not in job_env, "the Job needs the owner role only"
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("Never", "OnFailure")
    assert job["spec"].get("ttlSecondsAfterFinished"), "an immutable finished Job would block the next apply"


def test_the_three_database_services_differ_only_in_name() -> None:
    grants = (K8S / "base" / "services" / "grants.yaml").read_text()
    # grants alone reads the realms' directory (the people its notices' e-mails go to).
    directory = ("            # grants only: the notices' e-mail addresses, from the realm"
                 " (its regie-directory client).\n"
                 "            - name: REGIE_DIRECTORY_CLIENT_SECRET\n"
                 "              valueFrom: {secretKeyRef: {name: regie-directory, key: client-secret}}\n")
    assert directory in grants
    grants = grants.replace(directory, "")
    for service in DATABASE_SERVICES:
        text = (K8S / "base" / "services" / f"{service}.yaml").read_text().replace(directory, "")
        assert text == grants.replace("grants", service), f"{service}.yaml drifted from grants.yaml"


# --- every pod we define ----------------------------------------------------------------------------------------


def test_pods_run_restricted(production: list[Doc]) -> None:
    """Non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root filesystem,
    requests and limits for CPU and memory: the Pod Security `restricted` profile and then some."""
    templates = list(pod_templates(production))
    assert len(templates) >= 10
    for workload, template in templates:
        name = f"{workload['kind']}/{workload['metadata']['name']}"
        pod = template["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] > 0, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod.get("automountServiceAccountToken") is False, name
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            resources = container["resources"]
            for resource in ("cpu", "memory"):
                request, limit = resources["requests"][resource], resources["limits"][resource]
                assert quantity(request) <= quantity(limit), f"{name} {resource}"


def test_it_fits_three_nodes_of_two_cores_and_24_gib(production: list[Doc]) -> None:
    """At the minimum replica counts the requests fit three nodes with room for the system pods; no single
    pod's limit exceeds a node."""
    hpas = {hpa["spec"]["scaleTargetRef"]["name"]: hpa["spec"]["minReplicas"]
            for hpa in of_kind(production, "HorizontalPodAutoscaler").values()}
    pods: list[tuple[int, Doc]] = []
    for workload, template in pod_templates(production):
        if workload["kind"] == "Job":
            continue
        count = hpas.get(workload["metadata"]["name"], workload["spec"].get("replicas", 1))
        pods += [(count, container["resources"]) for container in template["spec"]["containers"]]
    pods.append((one(production, "Cluster", "regie-pg")["spec"]["instances"],
                 one(production, "Cluster", "regie-pg")["spec"]["resources"]))
    pods.append((one(production, "Keycloak", "keycloak")["spec"]["instances"],
                 one(production, "Keycloak", "keycloak")["spec"]["resources"]))
    cpu = sum(count * quantity(r["requests"]["cpu"]) for count, r in pods)
    memory = sum(count * quantity(r["requests"]["memory"]) for count, r in pods)
    assert cpu <= 3 * 1.6, f"{cpu} cores requested"
    assert memory <= 3 * 20 * 2**30, f"{memory / 2**30} GiB requested"
    for _, resources in pods:
        assert quantity(resources["limits"]["cpu"]) <= 2 and quantity(resources["limits"]["memory"]) <= 24 * 2**30


def test_selectors_meet(production: list[Doc]) -> None:
    """Each workload's selector selects its own pods; each Service, PDB and HPA reaches exactly the workload it
    is named after; a Service never selects a migration Job's pods."""
    workloads = {doc["metadata"]["name"]: doc for doc in production if doc["kind"] in ("Deployment", "StatefulSet")}
    pods = {name: doc["spec"]["template"]["metadata"]["labels"] for name, doc in workloads.items()}
    jobs = [template["metadata"]["labels"] for doc, template in pod_templates(production) if doc["kind"] == "Job"]
    for name, workload in workloads.items():
        assert matches(workload["spec"]["selector"], pods[name]), name
    for service in of_kind(production, "Service").values():
        selected = [name for name, labels in pods.items() if matches({"matchLabels": service["spec"]["selector"]},
                                                                       labels)]
        assert len(selected) == 1, (service["metadata"]["name"], selected)
        assert not [labels for labels in jobs if matches({"matchLabels": service["spec"]["selector"]}, labels)]
        ports = {p["name"]: p["containerPort"]
                 for c in workloads[selected[0]]["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, (service["metadata"]["name"], port)
    pdbs = of_kind(production, "PodDisruptionBudget")
    for name in workloads:
        covering = [pdb for pdb in pdbs.values() if matches(pdb["spec"]["selector"], pods[name])]
        assert len(covering) == 1, f"{name}: {len(covering)} PDBs"
        spec = covering[0]["spec"]
        assert spec.get("minAvailable") == 1 or spec.get("maxUnavailable") == 1, name
    hpas = of_kind(production, "HorizontalPodAutoscaler")
    for name in of_kind(production, "Deployment"):
        (hpa,) = [h for h in hpas.values() if h["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": name}]
        assert hpa["spec"]["minReplicas"] >= 2, "one replica would make the PDB block every drain"
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"


# --- network ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pod:
    namespace: str | None  # None: outside the cluster's pod network (the Kubernetes API server)
    labels: tuple[tuple[str, str], ...]

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


def pod(namespace: str | None, **labels: str) -> Pod:
    return Pod(namespace, tuple(sorted(labels.items())))


API_SERVER = pod(None)
INGRESS = pod("ingress-nginx", **{"app.kubernetes.io/name": "ingress-nginx"})
DNS = pod("kube-system", **{"k8s-app": "kube-dns"})
MONITORING = pod("monitoring", **{"app.kubernetes.io/name": "prometheus"})
CNPG_OPERATOR = pod("cnpg-system", **{"app.kubernetes.io/name": "cloudnative-pg"})
# Pods the operators create, with the labels they put on them.
POSTGRES = pod(NAMESPACE, **{"cnpg.io/cluster": "regie-pg", "cnpg.io/instanceRole": "primary"})
KEYCLOAK = pod(NAMESPACE, app="keycloak", **{"app.kubernetes.io/managed-by": "keycloak-operator",
                                             "app.kubernetes.io/instance": "keycloak"})


def regie_pods(docs: list[Doc]) -> dict[str, Pod]:
    found = {f"{doc['kind']}/{doc['metadata']['name']}": pod(NAMESPACE, **template["metadata"]["labels"])
             for doc, template in pod_templates(docs)}
    return found | {"postgres": POSTGRES, "keycloak": KEYCLOAK}


def peer_matches(peer: Doc, policy_namespace: str, target: Pod) -> bool:
    if "ipBlock" in peer:
        return target.namespace is None
    if target.namespace is None:
        return False
    if "namespaceSelector" in peer:
        if not matches(peer["namespaceSelector"], {"kubernetes.io/metadata.name": target.namespace}):
            return False
    elif target.namespace != policy_namespace:
        return False
    return matches(peer.get("podSelector", {}), target.label_map)


def side_allows(policies: list[Doc], local: Pod, remote: Pod, port: int, direction: str) -> bool:
    """Does the policy set allow this connection on `local`'s side (direction "Ingress" or "Egress")?"""
    if local.namespace != NAMESPACE:
        return True  # no policies of ours there
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [p for p in policies if direction in p["spec"]["policyTypes"]
                 and matches(p["spec"]["podSelector"], local.label_map)]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get(key, []):
            peers = rule.get(peers_key)
            ports = rule.get("ports")
            if peers is not None and not any(peer_matches(peer, NAMESPACE, remote) for peer in peers):
                continue
            if ports is not None and not any(p.get("port") == port for p in ports):
                continue
            return True
    return False


def connects(policies: list[Doc], source: Pod, target: Pod, port: int) -> bool:
    return side_allows(policies, source, target, port, "Egress") and side_allows(policies, target, source, port,
                                                                                  "Ingress")


def test_default_deny(production: list[Doc]) -> None:
    deny = [p for p in of_kind(production, "NetworkPolicy").values()
            if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress") and not p["spec"].get("egress")]
    assert deny and set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}


def test_network_paths(production: list[Doc]) -> None:
    policies = list(of_kind(production, "NetworkPolicy").values())
    pods = regie_pods(production)
    gateway, jobs = pods["Deployment/gateway"], pods["Job/grants-migrate"]
    services = [pods[f"Deployment/{s}"] for s in DATABASE_SERVICES]
    nats, minio, clamd = pods["StatefulSet/nats"], pods["StatefulSet/minio"], pods["Deployment/clamd"]
    allowed = [
        *[(s, clamd, 3311) for s in services], (clamd, API_SERVER, 443),
        (INGRESS, gateway, 8000), (INGRESS, KEYCLOAK, 8080),
        *[(gateway, s, 8000) for s in services], (gateway, KEYCLOAK, 8080),
        *[(s, target, port) for s in services
          for target, port in ((POSTGRES, 5432), (nats, 4222), (minio, 9000), (KEYCLOAK, 8080), (INGRESS, 443))],
        (gateway, INGRESS, 443), (gateway, nats, 4222), (jobs, POSTGRES, 5432), (KEYCLOAK, POSTGRES, 5432),
        (nats, nats, 6222), (minio, minio, 9000), (pods["Job/minio-setup"], minio, 9000),
        (POSTGRES, POSTGRES, 5432), (CNPG_OPERATOR, POSTGRES, 8000), (POSTGRES, API_SERVER, 443),
        (POSTGRES, minio, 9000),  # the WAL archive and the base backups
        (MONITORING, gateway, 8000), *[(MONITORING, s, 8000) for s in services],
        *[(p, DNS, 53) for p in pods.values()],
    ]
    denied = [
        *[(INGRESS, target, port) for target, port in ((services[0], 8000), (POSTGRES, 5432), (nats, 4222),
                                                        (minio, 9000), (KEYCLOAK, 7800))],
        (gateway, POSTGRES, 5432), (gateway, minio, 9000),
        (services[0], services[1], 8000), (services[0], gateway, 8000), (services[0], API_SERVER, 443),
        (KEYCLOAK, nats, 4222), (KEYCLOAK, minio, 9000), (nats, POSTGRES, 5432), (minio, POSTGRES, 5432),
        (pods["Job/minio-setup"], POSTGRES, 5432), (MONITORING, POSTGRES, 5432),
        (INGRESS, clamd, 3311), (gateway, clamd, 3311), (jobs, clamd, 3311), (KEYCLOAK, clamd, 3311),
        *[(s, clamd, 3310) for s in services],  # clamd itself, in clear: its pod's loopback only
        (clamd, POSTGRES, 5432), (clamd, minio, 9000), (clamd, nats, 4222), (clamd, services[0], 8000),
    ]
    wrong = [(s, t, p, "should connect") for s, t, p in allowed if not connects(policies, s, t, p)]
    wrong += [(s, t, p, "should not connect") for s, t, p in denied if connects(policies, s, t, p)]
    assert not wrong, "\n".join(map(str, wrong))


def test_only_the_gateway_and_keycloak_are_reachable_from_the_ingress_controller(production: list[Doc]) -> None:
    policies = list(of_kind(production, "NetworkPolicy").values())
    ports = (80, 443, 3310, 3311, 4222, 5432, 6060, 6222, 7800, 8000, 8080, 8222, 9000)
    reachable = {name for name, target in regie_pods(production).items()
                 if any(connects(policies, INGRESS, target, port) for port in ports)}
    assert reachable == {"Deployment/gateway", "keycloak"}


def test_every_network_policy_selects_a_pod(production: list[Doc]) -> None:
    pods = regie_pods(production).values()
    for policy in of_kind(production, "NetworkPolicy").values():
        assert any(matches(policy["spec"]["podSelector"], p.label_map) for p in pods), policy["metadata"]["name"]


# --- NATS, PostgreSQL, MinIO, Keycloak ------------------------------------------------------------------------


def test_clamd_runs_with_freshclam_beside_it_on_one_signature_volume(production: list[Doc]) -> None:
    """The signatures stay current in the cluster (freshclam), clamd picks them up (SelfCheck), and the
    project's test signatures (devstack/clamav/) are nowhere in the deployment."""
    pod = one(production, "Deployment", "clamd")["spec"]["template"]["spec"]
    containers = {c["name"]: c for c in pod["containers"]}
    assert set(containers) == {"clamd", "freshclam", "tls"}
    config = one(production, "ConfigMap", "clamav-config")["data"]
    directory = clamd_setting(config["clamd.conf"], "DatabaseDirectory")
    assert clamd_setting(config["freshclam.conf"], "DatabaseDirectory") == directory
    volumes = {name: {m["mountPath"]: m["name"] for m in c["volumeMounts"]} for name, c in containers.items()}
    del volumes["tls"]
    shared = volumes["clamd"][directory]
    assert volumes["freshclam"][directory] == shared
    assert "emptyDir" in next(v for v in pod["volumes"] if v["name"] == shared)
    assert int(clamd_setting(config["clamd.conf"], "SelfCheck")) > 0
    assert "--daemon" in containers["freshclam"]["command"]
    assert "regie-test" not in json.dumps(production) and "EICAR" not in json.dumps(production)


def ghostunnel_flag(container: Doc, name: str) -> str:
    """The value of --name=value among the terminator's arguments (once)."""
    (value,) = [arg.split("=", 1)[1] for arg in container["args"] if arg.startswith(f"--{name}=")]
    return value


def clamd_setting(config: str, name: str) -> str:
    found = re.findall(rf"^{name}\s+(\S+)\s*$", config, flags=re.MULTILINE)
    assert len(found) == 1, f"{name}: {found}"
    return str(found[0])


def size(value: str) -> int:
    """A clamd.conf size: bytes, or a number with K or M."""
    factor = {"K": 2**10, "M": 2**20}.get(value[-1].upper(), 1)
    return int(value.rstrip("KkMm")) * factor


@pytest.mark.parametrize("service", DATABASE_SERVICES)
def test_every_service_that_stores_uploads_has_a_scanner_it_may_reach(example: list[Doc], service: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """REGIE_CLAMD_URL names the clamd Service, whose pods the service's pods may reach on that port (without it,
    with an https address, the service would not start: tests/shared/unit/test_settings.py), where the TLS
    terminator passes it on to clamd; clamd takes a whole upload in one stream and reports what it could not scan
    to the end."""
    from services.foodsavers.app import SPEC as FOODSAVERS
    from services.grants.app import SPEC as GRANTS
    from services.partners.app import SPEC as PARTNERS
    from shared.settings import ScannerSettings, StorageSettings

    assert {spec.name for spec in (GRANTS, PARTNERS, FOODSAVERS) if spec.uses_storage} == set(DATABASE_SERVICES)
    env = container_env(example, service_container(example, service))
    host, port = url_target(env["REGIE_CLAMD_URL"])
    clamd_service = one(example, "Service", host)
    clamd = one(example, "Deployment", "clamd")
    assert matches({"matchLabels": clamd_service["spec"]["selector"]}, clamd["spec"]["template"]["metadata"]["labels"])
    assert port in {p["port"] for p in clamd_service["spec"]["ports"]}
    pods = regie_pods(example)
    assert connects(list(of_kind(example, "NetworkPolicy").values()), pods[f"Deployment/{service}"],
                    pods["Deployment/clamd"], port)

    as_in_the_container(monkeypatch, env)
    assert ScannerSettings().clamd_url == env["REGIE_CLAMD_URL"]  # read as the code reads it (tls://host:port)
    config = one(example, "ConfigMap", "clamav-config")["data"]["clamd.conf"]
    target = {p["port"]: p["targetPort"] for p in clamd_service["spec"]["ports"]}[port]
    (terminator,) = [c for c in clamd["spec"]["template"]["spec"]["containers"]
                     if target in {p["name"] for p in c.get("ports", [])}]
    assert ghostunnel_flag(terminator, "listen") == f"0.0.0.0:{port}"
    assert ghostunnel_flag(terminator, "target") == f"127.0.0.1:{int(clamd_setting(config, 'TCPSocket'))}"
    limit = StorageSettings().max_upload_bytes
    assert size(clamd_setting(config, "StreamMaxLength")) == limit
    assert size(clamd_setting(config, "MaxFileSize")) >= limit
    assert clamd_setting(config, "AlertExceedsMax") == "yes"


def test_nats_is_a_jetstream_cluster_of_three(production: list[Doc]) -> None:
    nats = one(production, "StatefulSet", "nats")
    assert nats["spec"]["replicas"] == 3 and nats["spec"]["podManagementPolicy"] == "Parallel"
    headless = one(production, "Service", nats["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["publishNotReadyAddresses"] is True
    config = one(production, "ConfigMap", "nats-config")["data"]["nats.conf"]
    store = re.search(r"jetstream\s*\{[^}]*store_dir:\s*(\S+)", config)
    assert store, "no JetStream block with a store_dir"
    container = nats["spec"]["template"]["spec"]["containers"][0]
    assert container["name"] == "nats"
    pvcs = {claim["metadata"]["name"] for claim in nats["spec"]["volumeClaimTemplates"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert any(store.group(1).startswith(path) and name in pvcs for path, name in mounts.items()), "store not on a PVC"
    routes = set(re.findall(r"nats://([a-z0-9.-]+):6222", config))
    assert routes == {f"nats-{i}.{headless['metadata']['name']}" for i in range(3)}
    assert "server_name: $POD_NAME" in config and container["env"][0]["name"] == "POD_NAME"
    assert {p["containerPort"] for p in container["ports"]} == {4222, 6222, 8222}


def test_postgres_roles_and_databases(production: list[Doc], example: list[Doc]) -> None:
    cluster = one(production, "Cluster", "regie-pg")["spec"]
    assert cluster["instances"] == 3 and "initdb" in cluster["bootstrap"]
    roles = {role["name"]: role for role in cluster["managed"]["roles"]}
    assert set(roles) >= {"regie_owner", "regie_app", "regie_relay", "keycloak"}
    assert roles["regie_relay"]["bypassrls"] is True
    assert not roles["regie_app"].get("bypassrls") and not roles["regie_app"].get("superuser")
    assert not any(role.get("superuser") for role in roles.values())
    secrets = secret_values(example)
    for name, role in roles.items():
        assert role["login"] is True and role["ensure"] == "present"
        assert secrets[role["passwordSecret"]["name"]]["username"] == name, "CloudNativePG needs username == role"
    databases = {db["spec"]["name"]: db["spec"] for db in of_kind(production, "Database").values()}
    assert set(databases) == {*DATABASE_SERVICES, "keycloak"}
    assert all(db["cluster"]["name"] == "regie-pg" for db in databases.values())
    assert {databases[s]["owner"] for s in DATABASE_SERVICES} == {"regie_owner"}
    assert databases["keycloak"]["owner"] == "keycloak"
    # The roles the services log in as and the ones their code names (shared.settings) are all declared.
    from shared.settings import DatabaseSettings

    defaults = DatabaseSettings()
    assert {defaults.app_role, defaults.relay_role} <= set(roles)
    keycloak_db = one(production, "Keycloak", "keycloak")["spec"]["db"]
    assert keycloak_db["database"] in databases
    assert keycloak_db["passwordSecret"]["name"] == roles[databases["keycloak"]["owner"]]["passwordSecret"]["name"]


def test_minio_distributed_with_the_service_buckets(production: list[Doc]) -> None:
    minio = one(production, "StatefulSet", "minio")
    replicas = minio["spec"]["replicas"]
    assert replicas == 4
    args = " ".join(minio["spec"]["template"]["spec"]["containers"][0]["args"])
    assert f"minio-{{0...{replicas - 1}}}.{minio['spec']['serviceName']}.{NAMESPACE}.svc" in args
    setup = one(production, "ConfigMap", "minio-setup")["data"]
    services = set(re.search(r"for service in ([^;]+);", setup["setup.sh"]).group(1).split())
    assert services == {*DATABASE_SERVICES, "backup"}  # the services' buckets and PostgreSQL's backups
    # One user per service, each with a policy on its own bucket and nothing else.
    assert json.loads(setup["policy.json"])["Statement"][0]["Resource"] == ["arn:aws:s3:::BUCKET",
                                                                             "arn:aws:s3:::BUCKET/*"]
    assert 'sed "s/BUCKET/regie-$service/g"' in setup["setup.sh"]
    job_env = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in
               one(production, "Job", "minio-setup")["spec"]["template"]["spec"]["containers"][0]["env"]
               if "valueFrom" in e}
    for service in services:
        assert job_env[f"S3_ACCESS_KEY_{service}"] == job_env[f"S3_SECRET_KEY_{service}"] == f"regie-s3-{service}"
    for service in DATABASE_SERVICES:
        deployment = one(production, "Deployment", service)["spec"]["template"]["spec"]["containers"][0]["env"]
        secrets = {e["valueFrom"]["secretKeyRef"]["name"] for e in deployment
                   if e["name"].startswith("REGIE_S3_") and "valueFrom" in e}
        assert secrets == {f"regie-s3-{service}"}, (service, secrets)


def test_keycloak_url_ingress_and_hostname_agree(production: list[Doc]) -> None:
    keycloak = one(production, "Keycloak", "keycloak")["spec"]
    options = {o["name"]: o["value"] for o in keycloak["additionalOptions"]}
    common = one(production, "ConfigMap", "regie-common")["data"]
    issuer_base = f"https://{HOST}{options['http-relative-path']}"
    assert common["REGIE_KEYCLOAK_URL"] == keycloak["hostname"]["hostname"] == issuer_base
    assert common["REGIE_GATEWAY_URL"] == f"https://{HOST}"
    paths = {path["path"]: path["backend"]["service"]
             for ingress in of_kind(production, "Ingress").values()
             for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
    assert paths["/"] == {"name": "gateway", "port": {"name": "http"}}
    assert {ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
            for ingress in of_kind(production, "Ingress").values()
            if ingress["spec"]["rules"][0]["host"] != HOST} == {"gateway"}
    keycloak_paths = {p for p, backend in paths.items() if backend["name"] == "keycloak-service"}
    assert keycloak_paths == {"/auth/realms", "/auth/resources"}, "the admin console stays internal"
    assert {paths[p]["port"]["number"] for p in keycloak_paths} == {keycloak["http"]["httpPort"]}
    for name, ingress in of_kind(production, "Ingress").items():
        host = f"*.{HOST}" if name == "gateway-provinces" else HOST
        assert ingress["spec"]["tls"][0]["hosts"] == [host] and ingress["spec"]["rules"][0]["host"] == host


def test_each_province_is_reachable_at_its_own_host_name(production: list[Doc]) -> None:
    """<tenant>.<public host>: the wildcard Ingress routes it to the gateway, the gateway knows the domain, and
    each realm accepts the login's return on its own province's host (and on no other province's)."""
    from services.gateway.hosts import province_of_host

    wildcard = one(production, "Ingress", "gateway-provinces")["spec"]
    assert wildcard["rules"][0]["host"] == wildcard["tls"][0]["hosts"][0] == f"*.{HOST}"
    assert wildcard["tls"][0]["secretName"] != one(production, "Ingress", "gateway")["spec"]["tls"][0]["secretName"]
    domain = one(production, "ConfigMap", "regie-common")["data"]["REGIE_PROVINCE_DOMAIN"]
    assert domain == HOST
    for tenant in TENANTS:
        assert province_of_host(f"{tenant}.{HOST}", domain, TENANTS) == tenant
    realms = of_kind(production, "KeycloakRealmImport")
    assert len(realms) == len(TENANTS)
    for realm in realms.values():
        tenant = realm["spec"]["realm"]["realm"]
        portal = get_field(realm, "spec.realm.clients.[clientId=regie-portal]")
        assert portal["redirectUris"] == ["/*", f"https://{tenant}.{HOST}/*"]
        assert portal["attributes"]["post.logout.redirect.uris"] == "+"  # the same URIs for the logout's return


def test_one_value_sets_the_public_host(tmp_path: Path) -> None:
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    host_file = copy / "overlays" / "production" / "public-host.yaml"
    host_file.write_text(host_file.read_text().replace(f"host: {HOST}", "host: portaal.provincie.test"))
    docs = build(copy / "overlays" / "production")
    text = yaml.safe_dump_all(docs)
    assert HOST not in text, "a field names the host that the replacements do not reach"
    # Ingresses (host and TLS host of the public host's two and of the provinces' one), URLs, the provinces'
    # domain, Keycloak, and per realm its root URL and its province's redirect URI.
    assert text.count("portaal.provincie.test") == 4 + 2 + 2 + 1 + 1 + 2 * len(TENANTS)
    assert "PUBLIC-HOST" not in text
    assert all(get_field(realm, "spec.realm.clients.[clientId=regie-portal].rootUrl")
               == "https://portaal.provincie.test" for realm in of_kind(docs, "KeycloakRealmImport").values())
    assert one(docs, "Ingress", "gateway-provinces")["spec"]["rules"][0]["host"] == "*.portaal.provincie.test"


# --- realm imports and Dockerfiles ----------------------------------------------------------------------------


def test_realm_imports_are_in_sync_with_the_realm_files(production: list[Doc]) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate_realm_imports", K8S / "generate_realm_imports.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    expected = generator.outputs()
    assert {path.stem for path in expected} == set(TENANTS)
    committed = set(generator.OUTPUT_DIR.glob("*.yaml"))
    assert committed == set(expected), "stale or missing realm imports"
    for path, text in expected.items():
        assert path.read_text() == text, "run: python deploy/k8s/generate_realm_imports.py"
    imports = of_kind(production, "KeycloakRealmImport")
    assert {doc["spec"]["realm"]["realm"] for doc in imports.values()} == set(TENANTS)
    for doc in imports.values():
        assert doc["spec"]["keycloakCRName"] == "keycloak"
        users = doc["spec"]["realm"].get("users", [])
        assert all(u.get("serviceAccountClientId") == "regie-directory" and "credentials" not in u for u in users), \
            "no demo users (password 'demo') in production, only the directory's service account"
        assert doc["spec"]["placeholders"]["REGIE_DIRECTORY_CLIENT_SECRET"]["secret"]["name"] == "regie-directory"
        clients = doc["spec"]["realm"]["clients"]
        assert "regie-portal" in {c["clientId"] for c in clients}
        assert not [c["clientId"] for c in clients if c.get("directAccessGrantsEnabled")], "no password grant"
        assert "${" + "REGIE_GATEWAY_URL}" not in str(doc)


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_matches_the_deployment(production: list[Doc], service: str) -> None:
    text = (REPO / "services" / service / "Dockerfile").read_text()
    assert text.startswith("#") and "\nFROM python:3.11-slim\n" in text
    assert f'CMD ["python", "-m", "services.{service}"]' in text and "EXPOSE 8000" in text
    assert f"COPY services/{service} ./services/{service}" in text and "COPY shared ./shared" in text
    user = int(re.search(r"^USER (\d+)$", text, re.M).group(1))
    assert user == one(production, "Deployment", service)["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    assert service_container(production, service)["image"].startswith(f"registry.example.be/regie/{service}:")
    # The image holds shared/ and this service only: the service must not import another one.
    imported = {m for path in (REPO / "services" / service).rglob("*.py")
                for m in re.findall(r"^\s*(?:from|import) services\.(\w+)", path.read_text(), re.M)}
    assert imported <= {service}


def test_the_example_integration_keys_are_a_pair_the_code_reads(example: list[Doc]) -> None:
    """The gateway signs with the private key, the services verify with the public one: a mismatched pair would
    refuse every call made with an integration token."""
    from services.gateway.integrations import SigningKey
    from shared.auth import integration_keys

    values = secret_values(example)["regie-integrations"]
    signing = SigningKey.from_pem(values["signing-key"].replace("\\n", "\n"))
    assert signing is not None
    assert list(integration_keys(values["public-keys"].replace("\\n", "\n"))) == [signing.kid]


@pytest.mark.parametrize("service", SERVICES)
def test_the_example_secrets_start_nothing_but_a_cluster_that_says_it_is_a_throwaway(
        example: list[Doc], production: list[Doc], service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.gateway.settings import GatewaySettings
    from shared.settings import ServiceSettings

    assert one(production, "ConfigMap", "regie-common")["data"]["REGIE_ALLOW_WEAK_SECRETS"] == "false"
    as_in_the_container(monkeypatch, container_env(example, service_container(example, service)))
    assert os.environ["REGIE_ALLOW_WEAK_SECRETS"] == "true"
    monkeypatch.setenv("REGIE_ALLOW_WEAK_SECRETS", "false")  # the example's public Secrets in production
    with pytest.raises(ValueError, match="known development value"):
        GatewaySettings() if service == "gateway" else ServiceSettings()


def test_every_alert_watches_metrics_the_code_exports(production: list[Doc]) -> None:
    """The alert rules name only metrics the services define (so a renamed metric fails here, not at 3 a.m.),
    and every metric of the event pipeline, the mail outbox and the upload scanner has an alert on it."""
    from prometheus_client import REGISTRY

    import services.grants.mailings.service  # noqa: F401  (registers the mail metrics)
    import shared.events.metrics  # noqa: F401
    import shared.requests  # noqa: F401
    import shared.storage  # noqa: F401  (registers the upload scanner's metric)

    defined = {metric.name for metric in REGISTRY.collect() if metric.name.startswith("regie_")}
    rules = [rule for group in one(production, "PrometheusRule", "regie")["spec"]["groups"] for rule in group["rules"]]
    watched = set()
    for rule in rules:
        for name in re.findall(r"\bregie_[a-z_]+", rule["expr"]):
            base = re.sub(r"_(total|bucket|sum|count)$", "", name)
            assert base in defined, (rule["alert"], name)
            watched.add(base)
        assert rule["labels"]["severity"] in {"page", "ticket"} and rule["annotations"]["summary"], rule["alert"]
    assert {name for name in defined if name.startswith(("regie_events", "regie_outbox", "regie_mail", "regie_upload"))
            and name != "regie_events_applied" and name != "regie_events_published" and name != "regie_mail_sent"} \
        <= watched


# --- NATS users -----------------------------------------------------------------------------------------------


def test_nats_users_are_in_sync_with_the_permissions() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate_nats_users", K8S / "generate_nats_users.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.OUTPUT.read_text() == generator.render(), "run: python deploy/k8s/generate_nats_users.py"
    assert set(generator.SERVICES) == set(SERVICES)


def test_the_nats_servers_accept_their_configuration_and_each_service_logs_in_as_itself(
        example: list[Doc], tmp_path: Path) -> None:
    """The real nats-server checks the rendered configuration (nats.conf including users.conf, from the two
    ConfigMaps projected into /etc/nats) with the environment the pod gets: every password variable it names
    must be there. Each service then connects with its own user and the password the servers expect."""
    import subprocess
    import sys

    statefulset = one(example, "StatefulSet", "nats")["spec"]["template"]["spec"]
    volume = next(v for v in statefulset["volumes"] if v["name"] == "config")
    for source in volume["projected"]["sources"]:
        for name, text in one(example, "ConfigMap", source["configMap"]["name"])["data"].items():
            (tmp_path / name).write_text(text)
    server_env = container_env(example, statefulset["containers"][0])
    server_env["POD_NAME"] = "nats-0"  # from the downward API
    # The TLS files (the Certificate's Secret, mounted): a key pair of a throwaway CA where the config expects it.
    config = (tmp_path / "nats.conf").read_text()
    tls_dir = tmp_path / "tls"
    write_test_key_pair(tls_dir, "nats")
    mount = next(m["mountPath"] for m in statefulset["containers"][0]["volumeMounts"] if m["name"] == "tls")
    assert mount + "/tls.crt" in config
    (tmp_path / "nats.conf").write_text(config.replace(mount + "/", f"{tls_dir}/"))
    nats_server = Path(sys.executable).with_name("nats-server")
    checked = subprocess.run([str(nats_server), "-t", "-c", str(tmp_path / "nats.conf")], env=server_env,
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "include users.conf" in (tmp_path / "nats.conf").read_text()
    without = {key: value for key, value in server_env.items() if key != "NATS_PASSWORD_GRANTS"}
    assert subprocess.run([str(nats_server), "-t", "-c", str(tmp_path / "nats.conf")], env=without,
                          capture_output=True).returncode != 0, "a missing password must stop the server"

    from shared.events.permissions import password_variable

    for service in SERVICES:
        env = container_env(example, service_container(example, service))
        assert env["REGIE_NATS_USER"] == service
        assert env["REGIE_NATS_PASSWORD"] == server_env[password_variable(service)], service
    passwords = [server_env[password_variable(user)] for user in ("regie-admin", *SERVICES)]
    assert len(set(passwords)) == len(passwords), "each user has a password of its own"
# --- PostgreSQL's backups and a restore to a point in time ---------------------------------------------------


@pytest.fixture(scope="module")
def restore() -> list[Doc]:
    return build(RESTORE)


def test_postgres_archives_and_backs_up_to_the_backup_bucket_with_its_own_user(production: list[Doc],
                                                                               example: list[Doc]) -> None:
    """regie-pg ships its WAL through the Barman Cloud Plugin to the ObjectStore, whose bucket and credentials are
    the ones the minio-setup Job makes (and the bucket `make run`'s backups use); the nightly ScheduledBackup
    backs up regie-pg through the same plugin."""
    from devstack import backup

    cluster = one(production, "Cluster", "regie-pg")["spec"]
    (plugin,) = cluster["plugins"]
    assert plugin["name"] == BARMAN_PLUGIN and plugin["isWALArchiver"] is True
    assert "backup" not in cluster, "the in-tree barmanObjectStore is deprecated: the plugin only"
    store = one(production, "ObjectStore", plugin["parameters"]["barmanObjectName"])["spec"]
    assert "serverName" not in plugin["parameters"], "the folder is the cluster's name, as the restore expects"
    configuration = store["configuration"]
    bucket = re.fullmatch(r"s3://([a-z0-9.-]+)/?", configuration["destinationPath"]).group(1)
    assert bucket == backup.BUCKET == "regie-backup"
    setup = one(production, "ConfigMap", "minio-setup")["data"]["setup.sh"]
    assert "backup" in re.search(r"for service in ([^;]+);", setup).group(1).split()
    job_env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in
               one(production, "Job", "minio-setup")["spec"]["template"]["spec"]["containers"][0]["env"]
               if "valueFrom" in e}
    credentials = configuration["s3Credentials"]
    assert credentials["accessKeyId"] == job_env["S3_ACCESS_KEY_backup"]
    assert credentials["secretAccessKey"] == job_env["S3_SECRET_KEY_backup"]
    assert secret_values(example)["regie-s3-backup"]["access-key"] == "regie-backup"
    host, port = url_target(configuration["endpointURL"])
    minio = one(production, "Service", "minio")
    assert host == minio["metadata"]["name"] and port in {p["port"] for p in minio["spec"]["ports"]}
    assert one(production, "ConfigMap", "regie-common")["data"]["REGIE_S3_ENDPOINT"] == f"{host}:{port}"
    assert re.fullmatch(r"[1-9][0-9]*[dwm]", store["retentionPolicy"])
    assert configuration["wal"]["compression"] == configuration["data"]["compression"] == "gzip"
    sidecar = store["instanceSidecarConfiguration"]["resources"]
    for resource in ("cpu", "memory"):
        assert quantity(sidecar["requests"][resource]) <= quantity(sidecar["limits"][resource])

    (scheduled,) = of_kind(production, "ScheduledBackup").values()
    spec = scheduled["spec"]
    assert spec["cluster"]["name"] == "regie-pg"
    assert spec["method"] == "plugin" and spec["pluginConfiguration"]["name"] == BARMAN_PLUGIN
    seconds, minutes, hours, *every = spec["schedule"].split()
    assert every == ["*", "*", "*"], "daily: six fields (seconds first), any day"
    assert 0 <= int(seconds) < 60 and 0 <= int(minutes) < 60 and 0 <= int(hours) < 24


def test_the_restore_is_a_copy_of_regie_pg_at_a_point_in_time(production: list[Doc], restore: list[Doc]) -> None:
    """deploy/k8s/restore: a Cluster bootstrapped by recovery from regie-pg's folder of the same ObjectStore, to a
    target time; it archives nothing (it would write into regie-pg's folder), may replay regie-pg's WAL (settings
    at least the original's) and reaches MinIO through the network policies."""
    from datetime import datetime

    import kubernetes_validate

    assert {doc["metadata"].get("namespace") for doc in restore} == {NAMESPACE}
    original = one(production, "Cluster", "regie-pg")["spec"]
    copy = one(restore, "Cluster", "regie-pg-restore")["spec"]
    recovery = copy["bootstrap"]["recovery"]
    sources = {source["name"]: source for source in copy["externalClusters"]}
    source = sources[recovery["source"]]["plugin"]
    assert source["name"] == BARMAN_PLUGIN
    assert source["parameters"]["barmanObjectName"] == original["plugins"][0]["parameters"]["barmanObjectName"]
    assert one(production, "ObjectStore", source["parameters"]["barmanObjectName"])
    assert source["parameters"]["serverName"] == "regie-pg"
    target = datetime.fromisoformat(recovery["recoveryTarget"]["targetTime"])
    assert target.tzinfo is not None, "a target time without its offset is read in the server's time zone"
    assert "plugins" not in copy and "backup" not in copy
    assert copy["imageName"] == original["imageName"]
    for setting in ("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
                    "max_locks_per_transaction"):
        if setting in original["postgresql"]["parameters"]:
            assert int(copy["postgresql"]["parameters"][setting]) >= int(original["postgresql"]["parameters"][setting])
    for doc in restore:
        if doc["kind"] not in CUSTOM_KINDS:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)

    policies = list(of_kind(production + restore, "NetworkPolicy").values())
    pods = regie_pods(production)
    restored = pod(NAMESPACE, **{"cnpg.io/cluster": "regie-pg-restore", "cnpg.io/instanceRole": "primary"})
    recovery_job = pod(NAMESPACE, **{"cnpg.io/cluster": "regie-pg-restore", "cnpg.io/jobRole": "full-recovery"})
    for source_pod in (restored, recovery_job):
        assert connects(policies, source_pod, pods["StatefulSet/minio"], 9000)
        assert connects(policies, source_pod, API_SERVER, 443)
        assert not connects(policies, source_pod, POSTGRES, 5432), "the copy stays apart from the live database"
    assert connects(policies, CNPG_OPERATOR, restored, 8000)
    for client in ("Deployment/gateway", *(f"Deployment/{s}" for s in DATABASE_SERVICES)):
        assert not connects(policies, pods[client], restored, 5432), client


# --- TLS between pods ----------------------------------------------------------------------------------------

INTERNAL_ISSUER = {"name": "regie-internal", "kind": "Issuer", "group": "cert-manager.io"}
INTERNAL_CA_FILE = ("regie-internal-ca", "ca.crt")


def write_test_key_pair(directory: Path, name: str) -> None:
    """tls.crt, tls.key and ca.crt as cert-manager writes them, from a throwaway CA, for `name`."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())

    def cert(subject: str, public: Any, ca: bool) -> x509.Certificate:
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")]))
                   .public_key(public).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
        return builder.sign(ca_key, hashes.SHA256())

    (directory / "ca.crt").write_bytes(cert("test-ca", ca_key.public_key(), True).public_bytes(
        serialization.Encoding.PEM))
    (directory / "tls.crt").write_bytes(cert(name, key.public_key(), False).public_bytes(serialization.Encoding.PEM))
    (directory / "tls.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))


def covers(dns_names: list[str], host: str) -> bool:
    """Whether a certificate with these DNS names is valid for `host` (one wildcard label at the left)."""
    for name in dns_names:
        if name == host or (name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]):
            return True
    return False


def conf_block(text: str, name: str, start: int = 0) -> str:
    """The body of the first `name { ... }` block of a nats.conf at or after `start`, nested blocks included."""
    match = re.compile(rf"(?m)^\s*{name}\s*\{{").search(text, start)
    assert match, f"no {name} block"
    depth, index = 1, match.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        index += 1
    return text[match.end():index - 1]


def conf_top_level(text: str, name: str) -> str:
    """A top-level block (not indented) of nats.conf."""
    match = re.search(rf"(?m)^{name}\s*\{{", text)
    assert match, f"no top-level {name} block"
    return conf_block(text, name, match.start())


def test_every_certificate_is_issued_by_the_internal_ca(production: list[Doc]) -> None:
    """One self-signed Issuer that signs the CA only; the CA Issuer regie-internal on the CA's Secret; every
    other Certificate from regie-internal, renewed well before it expires."""
    issuers = of_kind(production, "Issuer")
    certificates = of_kind(production, "Certificate")
    self_signed = {name for name, issuer in issuers.items() if "selfSigned" in issuer["spec"]}
    (ca,) = [cert for cert in certificates.values() if cert["spec"].get("isCA")]
    assert ca["spec"]["issuerRef"]["name"] in self_signed and ca["spec"]["issuerRef"]["kind"] == "Issuer"
    assert issuers[INTERNAL_ISSUER["name"]]["spec"] == {"ca": {"secretName": ca["spec"]["secretName"]}}
    assert ca["spec"]["secretName"] == INTERNAL_CA_FILE[0]
    leaves = [cert for cert in certificates.values() if cert is not ca]
    assert {cert["metadata"]["name"] for cert in leaves} >= {"nats-tls", "minio-tls", "clamd-tls",
                                                             *(f"{s}-tls" for s in DATABASE_SERVICES)}
    for cert in leaves:
        spec = cert["spec"]
        assert spec["issuerRef"] == INTERNAL_ISSUER, cert["metadata"]["name"]
        assert not spec.get("isCA") and spec["dnsNames"], cert["metadata"]["name"]
        assert "server auth" in spec["usages"]
        assert quantity(spec["renewBefore"].rstrip("h")) < quantity(spec["duration"].rstrip("h")) / 2
    outside = set(issuers) - self_signed - {INTERNAL_ISSUER["name"]}
    assert not outside, f"issuers outside the internal CA: {outside}"
    assert {c["spec"]["issuerRef"]["name"] for c in certificates.values()} == set(issuers)


def test_nats_serves_clients_and_routes_over_tls_from_its_certificate(production: list[Doc]) -> None:
    nats = one(production, "StatefulSet", "nats")
    pod = nats["spec"]["template"]["spec"]
    containers = {c["name"]: c for c in pod["containers"]}
    config = one(production, "ConfigMap", "nats-config")["data"]["nats.conf"]
    client_tls = conf_top_level(config, "tls")
    cluster = conf_top_level(config, "cluster")
    route_tls = conf_block(cluster, "tls")
    assert re.search(r"(?m)^\s*verify:\s*true\s*$", route_tls), "routes must verify the other server"
    assert re.search(r"(?m)^\s*no_advertise:\s*true\s*$", cluster), "clients must reconnect through the Service"
    certificate = one(production, "Certificate", "nats-tls")["spec"]
    files: set[str] = set()
    for block in (client_tls, route_tls):
        settings = dict(re.findall(r"(?m)^\s*(cert_file|key_file|ca_file):\s*(\S+)\s*$", block))
        assert set(settings) == {"cert_file", "key_file", "ca_file"}, block
        expected = {"cert_file": "tls.crt", "key_file": "tls.key", "ca_file": "ca.crt"}
        for setting, path in settings.items():
            assert mounted_file(pod, containers["nats"], path) == (certificate["secretName"], expected[setting])
        files |= set(settings.values())
    # The names it is reached by: the Service (clients), each server's headless name (routes).
    headless = nats["spec"]["serviceName"]
    for host in ("nats", *re.findall(r"nats://([a-z0-9.-]+):6222", cluster)):
        assert covers(certificate["dnsNames"], host), host
    assert all(covers(certificate["dnsNames"], f"nats-{i}.{headless}.{NAMESPACE}.svc") for i in range(3))
    # A renewed certificate is loaded without a restart: the reloader watches it and signals the server.
    reloader = containers["reloader"]
    watched = {arg for flag, arg in zip(reloader["command"], reloader["command"][1:], strict=False)
               if flag == "-config"}
    assert files <= watched
    assert pod["shareProcessNamespace"] is True
    pid_file = re.search(r"(?m)^pid_file:\s*(\S+)", config).group(1)
    assert reloader["command"][reloader["command"].index("-pid") + 1] == pid_file
    assert all(mounted_file(pod, reloader, path) for path in files)


def test_minio_serves_tls_and_its_clients_check_it(production: list[Doc]) -> None:
    minio = one(production, "StatefulSet", "minio")
    pod = minio["spec"]["template"]["spec"]
    (server,) = pod["containers"]
    args = server["args"]
    assert args[1].startswith("https://"), "the servers reach each other over TLS too"
    certs_dir = args[args.index("--certs-dir") + 1]
    certificate = one(production, "Certificate", "minio-tls")["spec"]
    assert mounted_file(pod, server, f"{certs_dir}/public.crt") == (certificate["secretName"], "tls.crt")
    assert mounted_file(pod, server, f"{certs_dir}/private.key") == (certificate["secretName"], "tls.key")
    assert mounted_file(pod, server, f"{certs_dir}/CAs/regie-internal-ca.crt") == (certificate["secretName"],
                                                                                    "ca.crt")
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert server[probe]["httpGet"]["scheme"] == "HTTPS", probe
    headless = minio["spec"]["serviceName"]
    for host in ("minio", *(f"minio-{i}.{headless}.{NAMESPACE}.svc.cluster.local"
                            for i in range(minio["spec"]["replicas"]))):
        assert covers(certificate["dnsNames"], host), host
    # The setup Job and the backups reach it with https and the internal CA.
    job = one(production, "Job", "minio-setup")["spec"]["template"]["spec"]
    (mc,) = job["containers"]
    assert "mc alias set regie https://minio:9000" in one(production, "ConfigMap", "minio-setup")["data"]["setup.sh"]
    config_dir = next(e["value"] for e in mc["env"] if e["name"] == "MC_CONFIG_DIR")
    assert mounted_file(job, mc, f"{config_dir}/certs/CAs/regie-internal-ca.crt") == INTERNAL_CA_FILE
    store = one(production, "ObjectStore", "regie-backup")["spec"]["configuration"]
    assert store["endpointURL"].startswith("https://")
    assert (store["endpointCA"]["name"], store["endpointCA"]["key"]) == INTERNAL_CA_FILE


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_verifies_nats_s3_and_postgres_against_a_mounted_ca(example: list[Doc], service: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.settings import DatabaseSettings, NatsSettings, StorageSettings

    deployment = one(example, "Deployment", service)
    pod = deployment["spec"]["template"]["spec"]
    container = service_container(example, service)
    env = container_env(example, container)
    as_in_the_container(monkeypatch, env)
    nats, storage = NatsSettings(), StorageSettings()
    assert nats.url.startswith("tls://") and mounted_file(pod, container, nats.ca_file) == INTERNAL_CA_FILE
    assert covers(one(example, "Certificate", "nats-tls")["spec"]["dnsNames"], url_target(nats.url)[0])
    assert storage.secure is True and mounted_file(pod, container, storage.ca_file) == INTERNAL_CA_FILE
    assert covers(one(example, "Certificate", "minio-tls")["spec"]["dnsNames"],
                  url_target("s3://" + storage.endpoint)[0])
    if service not in DATABASE_SERVICES:
        assert not DatabaseSettings().ssl_root_cert and "regie-pg-ca" not in str(pod), "the gateway has no database"
        return
    # PostgreSQL: verified against CloudNativePG's CA of the cluster the URL names (regie-pg-rw -> regie-pg).
    cluster = url_target(env["REGIE_DATABASE_URL"])[0].removesuffix("-rw")
    assert cluster in of_kind(example, "Cluster")
    assert mounted_file(pod, container, DatabaseSettings().ssl_root_cert) == (f"{cluster}-ca", "ca.crt")
    job = one(example, "Job", f"{service}-migrate")["spec"]["template"]["spec"]
    (migrate,) = job["containers"]
    assert mounted_file(job, migrate, container_env(example, migrate)["REGIE_DATABASE_SSL_ROOT_CERT"]) == (
        f"{cluster}-ca", "ca.crt")


def test_postgres_refuses_connections_without_tls(production: list[Doc]) -> None:
    """The services verify the server (above); the server refuses whoever does not use TLS at all (Keycloak's
    driver uses it by default), before CloudNativePG's catch-all `host all all all` rule."""
    rules = [rule.split() for rule in one(production, "Cluster", "regie-pg")["spec"]["postgresql"]["pg_hba"]]
    assert ["hostnossl", "all", "all", "0.0.0.0/0", "reject"] in rules
    assert ["hostnossl", "all", "all", "::/0", "reject"] in rules
    assert not [rule for rule in rules if rule[0] == "host"], "a `host` rule would let plaintext in"


# --- TLS on the last paths: gateway -> services, services -> clamd, Keycloak -> PostgreSQL ----------------------


def certificate_of(docs: list[Doc], secret: str) -> Doc:
    """The Certificate whose Secret is `secret`."""
    (found,) = [cert for cert in of_kind(docs, "Certificate").values() if cert["spec"]["secretName"] == secret]
    return found["spec"]


@pytest.mark.parametrize("service", DATABASE_SERVICES)
def test_each_service_serves_https_with_its_own_certificate(example: list[Doc], service: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The files REGIE_HTTP_TLS_CERT and _KEY name are the service's own Certificate's, mounted (so the kubelet
    rewrites them on renewal), issued for the names it is called by; its probes and its scrape speak HTTPS."""
    from shared.settings import HttpSettings

    pod = one(example, "Deployment", service)["spec"]["template"]["spec"]
    container = service_container(example, service)
    env = container_env(example, container)
    as_in_the_container(monkeypatch, env)
    http = HttpSettings()
    assert http.tls_cert and http.tls_key, f"{service} would serve plain HTTP"
    assert mounted_file(pod, container, http.tls_cert) == (f"{service}-tls", "tls.crt")
    assert mounted_file(pod, container, http.tls_key) == (f"{service}-tls", "tls.key")
    certificate = certificate_of(example, f"{service}-tls")
    assert certificate["issuerRef"] == INTERNAL_ISSUER and "server auth" in certificate["usages"]
    for host in (service, f"{service}.{NAMESPACE}.svc", f"{service}.{NAMESPACE}.svc.cluster.local"):
        assert covers(certificate["dnsNames"], host), host
    assert not any(mount.get("subPath") for mount in container["volumeMounts"]), "a subPath is never updated"
    (endpoint,) = one(example, "PodMonitor", service)["spec"]["podMetricsEndpoints"]
    assert endpoint["scheme"] == "https" and covers(certificate["dnsNames"], endpoint["tlsConfig"]["serverName"])
    ca = endpoint["tlsConfig"]["ca"]["secret"]
    assert (ca["name"], ca["key"]) == INTERNAL_CA_FILE


def test_the_gateway_calls_every_service_over_https_and_checks_it(example: list[Doc],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Each upstream URL is https, names a Service whose pods serve a certificate valid for that name, and the
    gateway trusts the CA that issued it; the production rule refuses the same environment with an http URL."""
    from services.gateway.settings import GatewaySettings

    pod = one(example, "Deployment", "gateway")["spec"]["template"]["spec"]
    container = service_container(example, "gateway")
    env = container_env(example, container)
    as_in_the_container(monkeypatch, env)
    settings = GatewaySettings()
    assert mounted_file(pod, container, settings.upstream_ca_file) == INTERNAL_CA_FILE
    services = of_kind(example, "Service")
    for name, url in settings.upstreams.items():
        assert url.startswith("https://"), f"REGIE_{name.upper()}_URL is {url}"
        host, port = url_target(url)
        ports = {p["port"]: p for p in services[host]["spec"]["ports"]}
        assert ports[port]["targetPort"] == "https"
        assert covers(certificate_of(example, f"{name}-tls")["dnsNames"], host)
    settings.refuse_plain_upstreams()
    monkeypatch.setenv("REGIE_PARTNERS_URL", "http://partners:8000")
    with pytest.raises(ValueError, match="REGIE_PARTNERS_URL is http://partners:8000"):
        GatewaySettings().refuse_plain_upstreams()


@pytest.mark.parametrize("service", DATABASE_SERVICES)
def test_uploads_reach_clamd_only_through_tls(example: list[Doc], service: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """clamd listens on its pod's loopback; its Service exposes the terminator alone, which serves clamd-tls (valid
    for the Service's name) and rereads it; the services speak TLS to it, checked against the internal CA."""
    from shared.settings import ScannerSettings

    clamd = one(example, "Deployment", "clamd")["spec"]["template"]["spec"]
    containers = {c["name"]: c for c in clamd["containers"]}
    config = one(example, "ConfigMap", "clamav-config")["data"]["clamd.conf"]
    assert clamd_setting(config, "TCPAddr") == "127.0.0.1"
    assert "ports" not in containers["clamd"], "clamd itself is not reached from outside its pod"
    service_ports = one(example, "Service", "clamd")["spec"]["ports"]
    assert [p["targetPort"] for p in service_ports] == ["clamd-tls"], "the Service exposes the TLS port only"
    terminator = containers["tls"]
    assert terminator["image"].startswith("ghostunnel/ghostunnel:v") and terminator["args"][0] == "server"
    assert mounted_file(clamd, terminator, ghostunnel_flag(terminator, "cert")) == ("clamd-tls", "tls.crt")
    assert mounted_file(clamd, terminator, ghostunnel_flag(terminator, "key")) == ("clamd-tls", "tls.key")
    assert ghostunnel_flag(terminator, "timed-reload"), "a renewed certificate is picked up without a restart"

    pod = one(example, "Deployment", service)["spec"]["template"]["spec"]
    container = service_container(example, service)
    env = container_env(example, container)
    as_in_the_container(monkeypatch, env)
    scanner = ScannerSettings()
    assert scanner.clamd_url.startswith("tls://")
    assert mounted_file(pod, container, scanner.ca_file) == INTERNAL_CA_FILE
    assert covers(certificate_of(example, "clamd-tls")["dnsNames"], url_target(scanner.clamd_url)[0])


def test_keycloak_verifies_postgres_against_cloudnativepgs_ca(production: list[Doc]) -> None:
    """sslmode=verify-full with the CA of the cluster it connects to (regie-pg-rw -> regie-pg), mounted without
    the CA's key into the Keycloak container (the operator merges the pod template into its pods)."""
    from urllib.parse import parse_qs

    keycloak = one(production, "Keycloak", "keycloak")["spec"]
    options = {o["name"]: o["value"] for o in keycloak["additionalOptions"]}
    properties = {key: values[0] for key, values in parse_qs(options["db-url-properties"].lstrip("?")).items()}
    assert properties["sslmode"] == "verify-full"
    cluster = keycloak["db"]["host"].removesuffix("-rw")
    assert cluster in of_kind(production, "Cluster")
    template = keycloak["unsupported"]["podTemplate"]["spec"]
    assert mounted_file(template, template["containers"][0], properties["sslrootcert"]) == (f"{cluster}-ca", "ca.crt")
    assert "ca.key" not in json.dumps(keycloak)
