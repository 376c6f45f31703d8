"""Languages: Dutch (nl-BE) first, French and English complete.

Every text a person reads is written in Dutch in the code and the templates, marked for translation (`_()` in
Python, `{{ _("…") }}` or `{% trans %}` in templates), and translated in gettext catalogues next to the code that
owns it: `shared/locale/<lang>/LC_MESSAGES/messages.po` for the kit and the common library, and
`services/<name>/locale/…` for each service. Dutch needs no catalogue: the message id is the Dutch text.

The language of the current request lives in a context variable, set once per request from Accept-Language by the
request middleware (shared.requests); the gateway puts the person's chosen language there when it forwards. Code
that runs outside a request (a letter, an e-mail) says whom it writes for with `speaking(language)`.

`python -m shared.i18n update` extracts the marked texts and brings every catalogue up to date (new texts empty,
gone texts dropped); `python -m shared.i18n check` lists what has no French or English translation, and the test
suite fails on the same list."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("nl", "fr", "en")
DEFAULT = "nl"
TRANSLATED = ("fr", "en")
"""The languages with catalogues; Dutch is the source."""
LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_GB"}
"""How numbers, money and dates are written per language (CLDR locales)."""
NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}
"""Each language in its own words, for the language switch."""
HTML_LANG = {"nl": "nl-BE", "fr": "fr-BE", "en": "en"}

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "messages"

language_var: ContextVar[str] = ContextVar("regie_language", default=DEFAULT)


def language() -> str:
    """The language of whoever the current code writes for."""
    return language_var.get()


def locale() -> str:
    return LOCALES[language_var.get()]


@contextmanager
def speaking(lang: str | None) -> Iterator[str]:
    """Write in `lang` (Dutch when unknown) for the duration of the block: a letter or an e-mail to one person."""
    chosen = lang if lang in LANGUAGES else DEFAULT
    token = language_var.set(chosen)
    try:
        yield chosen
    finally:
        language_var.reset(token)


def preferred_language(accept_language: str | None) -> str:
    """nl unless the reader clearly prefers French or English (q-values honoured, order breaks ties)."""
    if not accept_language:
        return DEFAULT
    best, best_q = DEFAULT, -1.0
    for position, part in enumerate(accept_language.split(",")):
        lang, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        code = lang.strip().lower()[:2]
        score = q - position * 1e-3
        if code in LANGUAGES and score > best_q:
            best, best_q = code, score
    return best


# ---- the catalogues -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Package:
    """Code that owns texts and keeps their translations beside it."""

    name: str
    path: Path
    """The folder whose Python files and templates are scanned."""

    @property
    def locale_dir(self) -> Path:
        return self.path / "locale"

    def catalogue_path(self, lang: str) -> Path:
        return self.locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def packages() -> list[Package]:
    found = [Package("shared", ROOT / "shared")]
    services = ROOT / "services"
    for folder in sorted(services.iterdir()) if services.is_dir() else []:
        if (folder / "__init__.py").is_file():
            found.append(Package(folder.name, folder))
    return found


STAMP = datetime(2026, 1, 1, tzinfo=UTC)
"""Fixed header dates: a catalogue changes only when its texts do."""


def new_catalogue(lang: str | None = None) -> Catalog:
    return Catalog(locale=LOCALES[lang] if lang else None, domain=DOMAIN, project="Regie", version="1",
                   copyright_holder="Regie", creation_date=STAMP, revision_date=STAMP, fuzzy=False,
                   header_comment=f"# Regie: the Dutch texts in {NAMES[lang] if lang else 'every language'}.")


def read_catalogue(path: Path, lang: str) -> Catalog:
    if not path.is_file():
        return new_catalogue(lang)
    with path.open("rb") as source:
        return read_po(source, locale=LOCALES[lang], domain=DOMAIN)


@cache
def translations(lang: str) -> NullTranslations:
    """Every package's catalogue for `lang`, merged (ids are whole Dutch sentences; the same id means the same
    text). Loaded on the first use of the language in the process, or at its start (`load_catalogues`)."""
    merged: NullTranslations = NullTranslations()
    if lang not in TRANSLATED:
        return merged
    merged = Translations(domain=DOMAIN)
    for package in packages():
        catalogue = read_catalogue(package.catalogue_path(lang), lang)
        compiled = BytesIO()
        write_mo(compiled, catalogue, use_fuzzy=False)
        compiled.seek(0)
        merged.merge(Translations(compiled, domain=DOMAIN))
    return merged


def load_catalogues() -> None:
    """Every translated language's catalogues, read now (a service's start) rather than by the first request or
    event that speaks it: reading and compiling them takes about 60 ms."""
    for lang in TRANSLATED:
        translations(lang)


def gettext(message: str) -> str:
    """`message` (Dutch) in the current language."""
    lang = language_var.get()
    if lang == DEFAULT:
        return message
    return translations(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    lang = language_var.get()
    if lang == DEFAULT:
        return singular if n == 1 else plural
    return translations(lang).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` where the same Dutch word needs different translations (e.g. a heading and a button)."""
    lang = language_var.get()
    if lang == DEFAULT:
        return message
    return str(translations(lang).pgettext(context, message))


_ = gettext


def N_(message: str) -> str:
    """Marks a text for translation where it is defined (a constant); `_()` translates it where it is shown."""
    return message


# ---- extraction and checking ----------------------------------------------------------------------------

METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**/locale/**", "ignore"),
           ("**/migrations/**", "ignore"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}


def extracted(package: Package) -> Catalog:
    """The texts `package` marks for translation, as a template catalogue."""
    template = new_catalogue()
    # The kit's folder inside shared is scanned as part of shared; services are each their own package.
    for filename, lineno, message, comments, context in extract_from_dir(
            package.path, method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS,
            comment_tags=("Translators:",), strip_comment_tags=True):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def update(package: Package) -> dict[str, int]:
    """Brings the package's catalogues in line with its texts: new ones added empty, gone ones dropped, the
    translations of the rest kept. Returns the number of untranslated texts per language."""
    template = extracted(package)
    missing: dict[str, int] = {}
    for lang in TRANSLATED:
        path = package.catalogue_path(lang)
        if not len(template) and not path.exists():
            continue
        catalogue = read_catalogue(path, lang)
        catalogue.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalogue.obsolete.clear()
        catalogue.fuzzy = False
        catalogue.revision_date = STAMP
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as target:
            write_po(target, catalogue, width=120, sort_output=True, include_lineno=False, omit_header=False,
                     ignore_obsolete=True)
        missing[lang] = len(untranslated(catalogue))
    return missing


def untranslated(catalogue: Catalog) -> list[str]:
    gaps = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def problems(package: Package) -> list[str]:
    """What is wrong with a package's translations: texts marked in the code but missing from a catalogue or
    untranslated there, and translations whose placeholders differ from the Dutch text's."""
    template = extracted(package)
    found: list[str] = []
    for lang in TRANSLATED:
        if not len(template):
            continue
        catalogue = read_catalogue(package.catalogue_path(lang), lang)
        known = {message.id for message in catalogue if message.id}
        for message in template:
            if message.id and message.id not in known:
                found.append(f"{package.name}/{lang}: not in the catalogue (run python -m shared.i18n update): "
                             f"{message.id!r}")
        found += [f"{package.name}/{lang}: untranslated: {text!r}" for text in untranslated(catalogue)]
        for message, errors in catalogue.check():
            found += [f"{package.name}/{lang}: {message.id!r}: {error}" for error in errors]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.i18n")
    parser.add_argument("command", choices=["update", "check"])
    parser.add_argument("packages", nargs="*", help="only these packages (shared, grants, …)")
    args = parser.parse_args(argv)
    chosen = [p for p in packages() if not args.packages or p.name in args.packages]
    if args.command == "update":
        for package in chosen:
            print(package.name, update(package))
        return 0
    found = [line for package in chosen for line in problems(package)]
    print("\n".join(found) or "every text is translated")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
