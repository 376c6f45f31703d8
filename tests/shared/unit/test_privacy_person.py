"""Who a personal data request names: checked before anything is searched."""

from __future__ import annotations

import pytest

from shared.privacy.person import Person, pseudonym
from shared.problems import Invalid


def test_a_person_is_named_by_username_or_address_and_gets_a_stable_pseudonym_per_province() -> None:
    person = Person(username=" mara.peeters ", email="Mara@Voorbeeld.be").checked()
    assert (person.username, person.email) == ("mara.peeters", "mara@voorbeeld.be")
    assert pseudonym("limburg", person) == pseudonym("limburg", Person(username="mara.peeters",
                                                                        email="mara@voorbeeld.be"))
    assert pseudonym("limburg", person) != pseudonym("antwerpen", person)
    assert pseudonym("limburg", person).startswith("persoon-")


@pytest.mark.parametrize(("username", "email", "why"), [
    ("", "", "gebruikersnaam of een e-mailadres"),
    ("", "geen-adres", "geen e-mailadres"),
    ("applicant", "", "woord van het platform"),  # a role name: stored role lists would be rewritten too
    ("Driver", "driver@voorbeeld.be", "woord van het platform"),
    ("system", "", "woord van het platform"),
])
def test_a_request_that_names_no_one_or_a_word_of_the_platform_is_refused(username: str, email: str,
                                                                          why: str) -> None:
    with pytest.raises(Invalid, match=why):
        Person(username=username, email=email).checked()
