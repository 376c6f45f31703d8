"""A posted form as the pages handle it: the raw values (to put back when something is wrong, so nothing the
person typed is lost) and the Dutch messages per field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from services.gateway.portal.formats import FormatError

T = TypeVar("T")


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
            self.errors[name] = f"Dit is te lang: hoogstens {max_length} tekens."
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
        the API's field names to the form's); any other is the form's message."""
        placed = False
        for api_name, text in (fields or {}).items():
            name = (names or {}).get(api_name, api_name)
            if name in self.values:
                self.errors.setdefault(name, text)
                placed = True
        if not placed:
            self.message = message
        return self

    @property
    def ok(self) -> bool:
        return not self.errors and self.message is None
