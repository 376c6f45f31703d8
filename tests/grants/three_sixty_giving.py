"""Offline validation against the 360Giving schema copied in tests/grants/data/360giving (CC BY 4.0)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SCHEMAS = Path(__file__).parent / "data" / "360giving"


def validator() -> Draft202012Validator:
    package = json.loads((SCHEMAS / "360-giving-package-schema.json").read_text())
    grant = json.loads((SCHEMAS / "360-giving-schema.json").read_text())
    # The files say "$schema": "http://json-schema.org/draft/2020-12/schema" (http, not the https of the
    # official URI), which referencing does not recognise: name the dialect explicitly.
    resource = DRAFT202012.create_resource(grant)
    referenced = package["properties"]["grants"]["items"]["$ref"]
    registry = Registry().with_resources([(grant["$id"], resource), (referenced, resource)])
    return Draft202012Validator(package, registry=registry, format_checker=FormatChecker())


def errors(document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(document)]
