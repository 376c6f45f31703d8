"""Who a personal data request is about, and the pseudonym that replaces them where a record must stay."""

from __future__ import annotations

import hashlib
import re

import msgspec

from shared.auth import ROLES
from shared.i18n import _
from shared.problems import Invalid

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
VOCABULARY = frozenset({*ROLES, "system", "admin"})
"""Usernames that are also values the platform stores for itself (role names, the scheduler's actor)."""


class Person(msgspec.Struct, frozen=True, kw_only=True):
    """Named by their Keycloak username, their e-mail address, or both (within one province)."""

    username: str = ""
    email: str = ""

    def checked(self) -> Person:
        person = Person(username=self.username.strip(), email=self.email.strip().lower())
        if not person.username and not person.email:
            raise Invalid(_("geef een gebruikersnaam of een e-mailadres"))
        if person.email and not EMAIL.match(person.email):
            raise Invalid(_("dit is geen e-mailadres"))
        if person.username.lower() in VOCABULARY:
            # Matched as a whole value everywhere, it would also replace the platform's own word (a role in
            # a stored role list): ask for such a person by e-mail address.
            raise Invalid(_("deze gebruikersnaam is ook een woord van het platform; zoek deze persoon met het "
                            "e-mailadres"))
        return person

    @property
    def needles(self) -> tuple[str, ...]:
        """What identifies them in stored text: never empty strings."""
        return tuple(n for n in (self.username, self.email) if n)


def same(stored: object, given: str) -> bool:
    """Whether a stored value (a username, an address) is the one the request gives, as a person types it."""
    return bool(given) and str(stored or "").strip().lower() == given.strip().lower()


def pseudonym(tenant: str, person: Person) -> str:
    """Stable per person and province (the same erasure run twice, or in each service, gives the same one),
    and not reversible without knowing who it was."""
    seed = f"{tenant}\n{person.username.lower()}\n{person.email.lower()}".encode()
    return f"persoon-{hashlib.sha256(seed).hexdigest()[:8]}"
