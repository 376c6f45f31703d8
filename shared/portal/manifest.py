"""What a service tells the gateway about its portal pages (`GET /portals`, public like the health checks):
each page prefix it serves, the roles its pages are for, and the tile the province's home page shows for it,
if any. The service's own role sets and texts go out as they are, so a tile can never offer a portal to a role
the service's page guards refuse."""

from __future__ import annotations

import msgspec

from shared import i18n


class Tile(msgspec.Struct, frozen=True):
    title: str
    """In Dutch, marked with N_() where the service defines it."""
    description: str
    translations: dict[str, tuple[str, str]] = {}
    """{language: (title, description)}, filled from the service's catalogues when it announces the tile."""

    def title_in(self, lang: str) -> str:
        return self.translations.get(lang, (self.title, self.description))[0]

    def description_in(self, lang: str) -> str:
        return self.translations.get(lang, (self.title, self.description))[1]

    def translated(self) -> Tile:
        """The tile with its texts in every translated language (the gateway draws the home page in any)."""
        texts = {}
        for lang in i18n.TRANSLATED:
            with i18n.speaking(lang):
                texts[lang] = (i18n.gettext(self.title), i18n.gettext(self.description))
        return Tile(self.title, self.description, texts)


class PortalEntry(msgspec.Struct, frozen=True):
    prefix: str
    """The first path segment under /<tenant>/ that the service's pages live under."""
    roles: frozenset[str]
    """Who the pages are for: the roles the service's page guards admit."""
    tile: Tile | None = None
    """None: pages reached by a link (a public page, the notices), not from the home page."""


MANIFEST_PATH = "/portals"
HEADER_PATH = "/{tenant}/portal-header"
"""What a service's pages show in the header of the signed-in person (ServiceSpec.page_header), for a page
served elsewhere: the gateway's home page asks the service of the notices for the unread count."""
