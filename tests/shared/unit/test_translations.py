"""Languages: every text a person reads has its French and English translation, every template compiles with the
translation tags, and pages, formats and problems follow the reader's language."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment
from litestar.plugins.jinja import JinjaTemplateEngine

from shared import i18n
from shared.portal import formats
from shared.portal.pages import KIT_TEMPLATES, register_filters

PACKAGES = {package.name: package for package in i18n.packages()}


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_every_marked_text_is_translated_into_french_and_english(name: str) -> None:
    """Fails on a text marked in the code but absent from a catalogue, an empty or fuzzy translation, or a
    translation whose placeholders differ from the Dutch (python -m shared.i18n check lists the same)."""
    assert i18n.problems(PACKAGES[name]) == []


def kit_environment(*folders: Path) -> Environment:
    engine = JinjaTemplateEngine(directory=[*folders, KIT_TEMPLATES])
    register_filters(engine)
    return engine.engine


def template_folders() -> list[Path]:
    """Each package's template roots (the folders named `templates`; pages sit in subfolders of them)."""
    return sorted(folder for package in PACKAGES.values() for folder in package.path.glob("**/templates")
                  if folder.is_dir() and any(folder.glob("**/*.html")))


@pytest.mark.parametrize("folder", template_folders(), ids=lambda p: str(p.relative_to(i18n.ROOT)))
def test_every_template_compiles_with_the_translation_tags(folder: Path) -> None:
    env = kit_environment(folder)
    names = [p.relative_to(folder).as_posix() for p in folder.glob("**/*.html")]
    assert names
    for name in names:
        env.get_template(name)  # raises on a syntax error, e.g. a {% trans %} block with a filter inside


def test_the_kit_layout_speaks_the_readers_language() -> None:
    env = kit_environment(KIT_TEMPLATES)
    rendered = {}
    for lang in i18n.LANGUAGES:
        with i18n.speaking(lang):
            rendered[lang] = env.get_template("error.html").render(
                title="t", detail=None, status=404, request_id="r-1", tenant="limburg", province="Limburg",
                csrf="c", csrf_field="_csrf", request=None)
    assert '<html lang="nl-BE">' in rendered["nl"] and "Naar de startpagina" in rendered["nl"]
    assert '<html lang="fr-BE">' in rendered["fr"] and "Naar de startpagina" not in rendered["fr"]
    assert '<html lang="en">' in rendered["en"] and "Naar de startpagina" not in rendered["en"]
    for lang, page in rendered.items():
        # The switch offers every language, marks the current one, and posts to the province's gateway route.
        assert 'action="/limburg/taal"' in page
        assert page.count('name="lang"') == 3
        current = re.search(r'value="(\w+)"[^>]*aria-current="true"', page)
        assert current is not None and current.group(1) == lang


def test_an_unknown_language_falls_back_to_dutch() -> None:
    with i18n.speaking("de") as lang:
        assert lang == "nl"
        assert i18n.gettext("Afmelden") == "Afmelden"


@pytest.mark.parametrize(("header", "expected"), [
    (None, "nl"), ("fr-BE,fr;q=0.9", "fr"), ("de,en;q=0.5", "en"), ("en;q=0.2,nl;q=0.8", "nl"), ("es", "nl"),
])
def test_accept_language_picks_one_of_the_three(header: str | None, expected: str) -> None:
    assert i18n.preferred_language(header) == expected


@pytest.mark.parametrize(("lang", "money", "weight", "moment", "count"), [
    ("nl", "€ 12.500,00", "1.234,5 kg", "woensdag 30 september 2026 om 17:00", "11.400"),
    ("fr", "12\u202f500,00\xa0€", "1\u202f234,5 kg", "mercredi 30 septembre 2026 à 17:00", "11\u202f400"),
    ("en", "€12,500.00", "1,234.5 kg", "Wednesday 30 September 2026 at 17:00", "11,400"),
])
def test_money_weights_moments_and_counts_per_locale(lang: str, money: str, weight: str, moment: str,
                                                     count: str) -> None:
    with i18n.speaking(lang):
        assert formats.euros(1_250_000) == money
        assert formats.kilograms(1_234_500) == weight
        assert formats.moment("2026-09-30T15:00:00Z") == moment
        assert formats.count(11_400.4) == count


READABLE_ATTRIBUTES = frozenset({"aria-label", "title", "placeholder", "alt"})
TRANSLATED_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
NOT_WORDS = {"Regie", "PDF", "CSV", "XLSX", "KBO", "VDAB", "OCMW", "JSON", "API", "ID", "kg", "OpenAPI", "AsyncAPI",
             "Bearer", "GET", "POST", "PUT", "PATCH", "DELETE", "sha"}


class ReadableText(HTMLParser):
    """The words of a page a person reads: text between tags (not scripts or styles) and readable attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.hidden = 0

    def keep(self, text: str | None) -> None:
        if text and [w for w in WORD.findall(text) if w not in NOT_WORDS]:
            self.found.append(" ".join(text.split())[:80])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self.hidden += 1
        for name, value in attrs:
            if name in READABLE_ATTRIBUTES:
                self.keep(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self.hidden = max(0, self.hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.keep(data)


def untranslated_texts(source: str) -> list[str]:
    """Words a person reads that a template writes straight into the page instead of through `_()`: each Jinja
    expression, tag and comment becomes a neutral mark, and what an HTML parser then reads as text or as a
    readable attribute (aria-label, title, placeholder, alt) must hold no words. Codes, names and units in
    NOT_WORDS are not language."""
    parser = ReadableText()
    parser.feed(JINJA.sub(" ", TRANSLATED_BLOCK.sub(" ", source)))
    parser.close()
    return parser.found


@pytest.mark.parametrize("folder", template_folders(), ids=lambda p: str(p.relative_to(i18n.ROOT)))
def test_no_template_writes_dutch_past_the_catalogues(folder: Path) -> None:
    left = {p.relative_to(i18n.ROOT).as_posix(): texts for p in sorted(folder.glob("**/*.html"))
            if (texts := untranslated_texts(p.read_text()))}
    assert left == {}


def test_the_untranslated_text_check_can_fail() -> None:
    assert untranslated_texts('<p class="x">Kies je provincie</p>') == ["Kies je provincie"]
    assert untranslated_texts('<a aria-label="Sluiten" href="/">{{ _("x") }}</a>') == ["Sluiten"]
    assert untranslated_texts('<p class="x">{{ _("Kies je provincie") }} · <code>{{ id }}</code></p>') == []
    assert untranslated_texts('<p>{% trans n=1 %}Nog <b>{{ n }}</b> dag{% endtrans %}</p>') == []
    assert untranslated_texts('<a href="/{{ t }}/oproepen/"{% if x %} selected{% endif %}>{{ _("x") }}</a>') == []
