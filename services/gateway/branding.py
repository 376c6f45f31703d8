"""Each province's look, from its configuration (shared/data/provinces.json): the colour of its pages as a style
sheet every page links (the services' pages too), so that a province's colour is set in one place. Its logo is a
static file of the portal kit."""

from __future__ import annotations

from litestar import Response, get

from shared.tenancy import PROVINCES

STYLESHEET_PATH = "/brand/provinces.css"


def stylesheet() -> str:
    rules = [f".province-{p.slug} {{ --brand: {p.colour}; }}" for p in PROVINCES.values()]
    return "\n".join(rules) + "\n"


CSS = stylesheet().encode()


@get(STYLESHEET_PATH, include_in_schema=False, sync_to_thread=False)
def provinces_css() -> Response[bytes]:
    return Response(CSS, media_type="text/css", headers={"cache-control": "public, max-age=3600"})
