"""A posted form as the pages handle it: the raw values (put back when something is wrong, so nothing the person
typed is lost) and the messages per field; and how a service's refusal lands on the form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

import msgspec

from shared.i18n import _
from shared.portal.formats import FormatError
from shared.problems import Invalid, Problem

T = TypeVar("T")


def sentence(text: str) -> str:
    """Service details are written as clauses ('de oproep is gesloten'); a page shows a sentence."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def reasons(problem: Problem) -> list[str]:
    """Every reason a refusal gives, as sentences: the `problems` it lists, or its one detail."""
    listed = problem.extensions.get("problems")
    if isinstance(listed, list) and listed:
        return [sentence(str(p)) for p in listed]
    return [sentence(part) for part in problem.detail.rstrip(".").split("; ") if part.strip()]


def field_messages(problem: Problem) -> dict[str, str]:
    """The fields a refusal names: Invalid('…', field='name'), or a command's validation errors."""
    found: dict[str, str] = {}
    errors = problem.extensions.get("errors")
    if isinstance(errors, list):
        for error in errors:
            if isinstance(error, dict) and isinstance(error.get("key"), str):
                found.setdefault(error["key"], sentence(str(error.get("message", ""))))
    if isinstance(problem.extensions.get("field"), str):
        found.setdefault(problem.extensions["field"], sentence(problem.detail))
    return found


def command(kind: type[T], values: Mapping[str, Any]) -> T:
    """A service command built from a form's values with the same checks the API applies when it decodes a
    body (msgspec constraints); a violation is Invalid naming the field, as the API would answer."""
    try:
        return msgspec.convert(dict(values), type=kind)
    except msgspec.ValidationError as exc:
        text = str(exc)
        key = text.rsplit("`$.", 1)[-1].rstrip("`").split(".")[0].split("[")[0] if "`$." in text else ""
        raise Invalid(text, errors=[{"key": key, "message": text.split(" - at ")[0]}]) from exc


@dataclass
class Form:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    """A message for the form as a whole (e.g. the service's refusal)."""

    @classmethod
    def posted(cls, data: Mapping[str, Any]) -> Form:
        return cls(values={k: v for k, v in data.items() if isinstance(v, str) and not k.startswith("_")})

    def text(self, name: str, *, required: str | None = None, max_length: int = 10_000) -> str:
        value = self.values.get(name, "").strip()
        if required and not value:
            self.errors[name] = required
        elif len(value) > max_length:
            self.errors[name] = _("Dit is te lang: hoogstens %(max)s tekens.") % {"max": max_length}
        return value

    def parsed(self, name: str, parse: Callable[[str], T]) -> T | None:
        try:
            return parse(self.values.get(name, ""))
        except FormatError as exc:
            self.errors[name] = str(exc)
            return None

    def refuse(self, message: str, fields: Mapping[str, str] | None = None,
               names: Mapping[str, str] | None = None) -> Form:
        """The service said no. A refusal about one of this form's fields goes beside that field (`names` maps
        the service's field names to the form's); any other is the form's message."""
        placed = False
        for api_name, text in (fields or {}).items():
            name = (names or {}).get(api_name, api_name)
            if name in self.values:
                self.errors.setdefault(name, text)
                placed = True
        if not placed:
            self.message = message
        return self

    def refuse_problem(self, problem: Problem, names: Mapping[str, str] | None = None) -> Form:
        return self.refuse(sentence(problem.detail), field_messages(problem), names)

    @overload
    def version(self, name: str = "version", missing: int = 0) -> int: ...

    @overload
    def version(self, name: str = "version", *, missing: None) -> int | None: ...

    def version(self, name: str = "version", missing: int | None = 0) -> int | None:
        """The version the page showed, as its hidden field carries it back: a write judges the thing as the
        person saw it. A form without one (or with something else in it) counts as `missing`: by default as
        stale as can be (0), so the service answers 412 rather than anything failing."""
        raw = self.values.get(name, "").strip()
        return int(raw) if raw.isdigit() else missing

    @property
    def ok(self) -> bool:
        return not self.errors and self.message is None
