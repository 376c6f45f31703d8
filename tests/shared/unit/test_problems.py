import pytest

from shared.i18n import preferred_language
from shared.problems import TYPE_PREFIX, problem_body


@pytest.mark.parametrize("header, expected", [
    (None, "nl"),
    ("", "nl"),
    ("fr-BE,fr;q=0.9,en;q=0.8", "fr"),
    ("en-GB,en;q=0.9", "en"),
    ("de-DE,en;q=0.5,nl;q=0.9", "nl"),
    ("de-DE", "nl"),
])
def test_dutch_unless_the_reader_prefers_french_or_english(header: str | None, expected: str) -> None:
    assert preferred_language(header) == expected


def test_problem_body_has_stable_type_and_localised_title() -> None:
    body = problem_body("payload-too-large", 413, "bijlage.pdf is te groot", "nl", "/antwerpen/x",
                        {"max_bytes": 10})
    assert body == {"type": TYPE_PREFIX + "payload-too-large", "title": "Het bestand is te groot",
                    "status": 413, "detail": "bijlage.pdf is te groot", "instance": "/antwerpen/x",
                    "max_bytes": 10}
    assert problem_body("payload-too-large", 413, None, "en", None)["title"] == "The file is too large"
