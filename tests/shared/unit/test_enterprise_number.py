import pytest

from shared import enterprise_number


@pytest.mark.parametrize("raw", ["0123.456.749", "BE 0123 456 749", "0123456749", "be0123-456-749", "123456749"])
def test_accepts_the_usual_ways_of_writing_a_valid_number(raw: str) -> None:
    assert enterprise_number.normalise(raw) == "0123456749"


@pytest.mark.parametrize("raw, reason", [
    ("0123.456.748", "controlegetal"),
    ("0123.456.7", "10 cijfers"),
    ("ABCDEFGHIJ", "10 cijfers"),
    ("2123.456.749", "eerste cijfer"),
])
def test_refuses_a_number_with_a_reason_a_person_can_act_on(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        enterprise_number.normalise(raw)


def test_formats_as_the_kbo_writes_it() -> None:
    assert enterprise_number.formatted("0123456749") == "0123.456.749"
