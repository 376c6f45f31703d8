"""A small kustomize, offline: exactly the subset deploy/k8s uses, so that the tests check what
`kubectl apply -k` would send. Anything else in a kustomization.yaml is refused rather than ignored.

Supported: resources (files and directories), namespace, images (newName/newTag), replacements (source and
targets by kind/name; field paths with keys, list indexes and [key=value] selectors; options delimiter/index),
secretGenerator (literals, type) with generatorOptions disableNameSuffixHash/labels, and the
config.kubernetes.io/local-config annotation (the resource is an input of the build only)."""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]
SUPPORTED_KEYS = {"apiVersion", "kind", "namespace", "resources", "images", "replacements", "secretGenerator",
                  "generatorOptions"}
CLUSTER_SCOPED = {"Namespace"}
LOCAL_CONFIG = "config.kubernetes.io/local-config"


class KustomizeError(ValueError):
    pass


def load_documents(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def build(directory: Path) -> list[Doc]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED_KEYS
    if unknown:
        raise KustomizeError(f"{directory}: unsupported kustomization keys {sorted(unknown)}")
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        docs += build(path) if path.is_dir() else load_documents(path)
    docs += _generate_secrets(kustomization)
    if "namespace" in kustomization:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = kustomization["namespace"]
    _check_unique(docs, directory)
    for image in kustomization.get("images", []):
        _set_image(docs, image)
    for replacement in kustomization.get("replacements", []):
        _replace(docs, replacement)
    return [doc for doc in docs if doc["metadata"].get("annotations", {}).get(LOCAL_CONFIG) != "true"]


def _check_unique(docs: list[Doc], directory: Path) -> None:
    seen = set()
    for doc in docs:
        key = (doc["apiVersion"], doc["kind"], doc["metadata"].get("namespace"), doc["metadata"]["name"])
        if key in seen:
            raise KustomizeError(f"{directory}: {key} defined twice")
        seen.add(key)


def _generate_secrets(kustomization: Doc) -> list[Doc]:
    generators = kustomization.get("secretGenerator", [])
    options = kustomization.get("generatorOptions", {})
    if generators and options.get("disableNameSuffixHash") is not True:
        raise KustomizeError("secretGenerator needs generatorOptions.disableNameSuffixHash (no hash renaming here)")
    secrets = []
    for generator in generators:
        if set(generator) - {"name", "type", "literals"}:
            raise KustomizeError(f"unsupported secretGenerator fields in {generator['name']}")
        data = {}
        for literal in generator.get("literals", []):
            key, _, value = literal.partition("=")
            data[key] = base64.b64encode(value.encode()).decode()
        metadata = {"name": generator["name"]}
        if options.get("labels"):
            metadata["labels"] = dict(options["labels"])
        secrets.append({"apiVersion": "v1", "kind": "Secret", "metadata": metadata,
                        "type": generator.get("type", "Opaque"), "data": data})
    return secrets


def _image_name(image: str) -> str:
    name = image.split("@", 1)[0]
    head, _, tail = name.rpartition(":")
    return head if head and "/" not in tail else name


def _containers(node: Any) -> list[Doc]:
    found: list[Doc] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                found += value
            else:
                found += _containers(value)
    elif isinstance(node, list):
        for item in node:
            found += _containers(item)
    return found


def _set_image(docs: list[Doc], image: Doc) -> None:
    for container in _containers(docs):
        if _image_name(container.get("image", "")) == image["name"]:
            name = image.get("newName", image["name"])
            container["image"] = f"{name}:{image['newTag']}" if "newTag" in image else name


def split_path(field_path: str) -> list[str]:
    """Split on dots outside [brackets]: "a.[k=v.w].0" -> ["a", "[k=v.w]", "0"]."""
    return re.findall(r"\[[^\]]*\]|[^.]+", field_path)


def _step(node: Any, part: str, field_path: str) -> Any:
    if part.startswith("[") and isinstance(node, list):
        key, _, value = part[1:-1].partition("=")
        matches = [item for item in node if isinstance(item, dict) and str(item.get(key)) == value]
        if len(matches) != 1:
            raise KustomizeError(f"{field_path}: {part} matches {len(matches)} items")
        return matches[0]
    if part.isdigit() and isinstance(node, list):
        return node[int(part)]
    if isinstance(node, dict) and part in node:
        return node[part]
    raise KustomizeError(f"unable to find field {field_path}")


def get_field(doc: Doc, field_path: str) -> Any:
    node: Any = doc
    for part in split_path(field_path):
        node = _step(node, part, field_path)
    return node


def set_field(doc: Doc, field_path: str, value: Any) -> None:
    *parents, last = split_path(field_path)
    node: Any = doc
    for part in parents:
        node = _step(node, part, field_path)
    if isinstance(node, list):
        node[int(last)] = value
    elif isinstance(node, dict) and last in node:
        node[last] = value
    else:
        raise KustomizeError(f"unable to find field {field_path}")


def _selected(doc: Doc, select: Doc) -> bool:
    return (select.get("kind", doc["kind"]) == doc["kind"]
            and select.get("name", doc["metadata"]["name"]) == doc["metadata"]["name"])


def _replace(docs: list[Doc], replacement: Doc) -> None:
    source = replacement["source"]
    sources = [doc for doc in docs if _selected(doc, source)]
    if len(sources) != 1:
        raise KustomizeError(f"replacement source {source} matches {len(sources)} resources")
    value = get_field(sources[0], source["fieldPath"])
    for target in replacement["targets"]:
        options = target.get("options", {})
        matched = [doc for doc in docs if _selected(doc, target["select"])]
        if not matched:
            raise KustomizeError(f"replacement target {target['select']} matches nothing")
        for doc in matched:
            for field_path in target["fieldPaths"]:
                new = value
                if "delimiter" in options:
                    parts = str(get_field(doc, field_path)).split(options["delimiter"])
                    parts[options.get("index", 0)] = str(value)
                    new = options["delimiter"].join(parts)
                set_field(doc, field_path, copy.deepcopy(new))
