"""The public catalogue's pages (no login): the search of social-economy suppliers (a GET form that works without
JavaScript: free text, rubrics as checkboxes with their counts, kind, municipality; pages by a link), the list of
the province's municipalities, and the fact sheet of each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from litestar import Request, get
from litestar.params import Parameter
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.catalogue import service
from services.partners.catalogue.schemas import CatalogueResults
from services.partners.organisations import rules
from services.partners.plans.rules import PLAN_KINDS, STATUSES
from services.partners.portal import public_visitor, translated
from shared import enterprise_number, i18n
from shared.i18n import _
from shared.municipalities import name_of, of_province
from shared.portal.forms import Form, field_messages, sentence
from shared.portal.pages import Viewer
from shared.problems import Problem
from shared.service_app import Runtime

PAGE_SIZE = 20
FIELDS = {"q": "q", "rubric": "rubriek", "kind": "soort", "municipality": "gemeente"}
"""The API's parameter names to the page's (Dutch, in the address people share)."""


def labels() -> dict[str, Any]:
    return {"kind_labels": translated(rules.KINDS), "rubric_labels": translated(rules.RUBRICS),
            "offering_labels": translated(rules.OFFERING_KINDS), "municipality_name": name_of,
            "kbo": enterprise_number.formatted, "plan_kinds": translated(PLAN_KINDS),
            "plan_statuses": translated(STATUSES)}


@get("/{tenant:str}/catalogus/")
async def catalogue(request: Request[Any, Any, Any], public_session: AsyncSession, runtime: Runtime,
                    q: str = Parameter(default=""), rubriek: list[str] | None = Parameter(default=None),
                    soort: str = Parameter(default=""), gemeente: str = Parameter(default=""),
                    vanaf: str = Parameter(default="")) -> Template:
    who = await public_visitor(request, runtime.verifier)
    chosen = [r for r in (rubriek or []) if r]
    form = Form(values={"q": q, "soort": soort, "gemeente": gemeente})
    found: CatalogueResults | None = None
    context: dict[str, Any] = {"searched": False}
    status = 200
    try:
        asked = service.checked_search(q=q, rubrics=chosen, kind=soort or None, municipality=gemeente or None,
                                       limit=PAGE_SIZE, cursor=vanaf or None)
        found = await service.answer(public_session, who.tenant, asked)
        context = {
            "searched": True, "found": found, "offset": asked.offset,
            "previous_cursor": service.cursor_of(max(0, asked.offset - PAGE_SIZE)) if asked.offset else None,
        }
    except Problem as exc:
        form.refuse(sentence(exc.detail), {FIELDS.get(k, k): v for k, v in field_messages(exc).items()})
        status = exc.status
    query = [("q", q), *[("rubriek", r) for r in chosen], ("soort", soort), ("gemeente", gemeente)]

    def rendered() -> Markup:
        return who.fragment("catalogue/_search.html", {
            **labels(), **context, "form": form, "chosen": chosen, "query": [(k, v) for k, v in query if v],
            # before a search (or after a refused one) the checkboxes come without counts
            "rubric_facets": [{"rubric": code, "label": label, "count": None}
                              for code, label in rules.RUBRICS.items()],
            "offering_kinds": [(str(k), _(label)) for k, label in rules.OFFERING_KINDS.items()],
            "municipalities": [(m.slug, m.name) for m in of_province(who.tenant)]})

    asked_as = (q, tuple(chosen), soort, gemeente, vanaf)  # as typed: the form shows it back
    return who.page("catalogue/index.html", {"search": searched_part(who, found, asked_as, rendered)},
                    status_code=status)


def searched_part(who: Viewer, found: CatalogueResults | None, asked: tuple[Any, ...],
                  rendered: Callable[[], Markup]) -> Markup:
    """The search and its results as HTML, kept beside the answer they show for as long as it is kept (rendering
    them cost the page five times what the answer does when it is kept: bench/README.md): under the province's
    key, so a change to its catalogue forgets both, and only while the answer kept is the very one they show.
    Nothing of the visitor is in it (Viewer.fragment). A refused search is rendered each time."""
    if found is None:
        return rendered()
    key = ("page", who.tenant, i18n.language(), asked)
    kept = service.CACHE.peek(key)
    if kept is not None and kept[0] is found:
        return cast(Markup, kept[1])
    part = rendered()
    service.CACHE.put(key, (found, part))
    return part


@get("/{tenant:str}/catalogus/gemeenten/")
async def municipalities(request: Request[Any, Any, Any], runtime: Runtime) -> Template:
    who = await public_visitor(request, runtime.verifier)
    return who.page("catalogue/municipalities.html", {"municipalities": of_province(who.tenant)})


@get("/{tenant:str}/catalogus/gemeenten/{slug:str}")
async def fact_sheet(request: Request[Any, Any, Any], public_session: AsyncSession, runtime: Runtime,
                     slug: str) -> Template:
    who = await public_visitor(request, runtime.verifier)
    sheet = await service.fact_sheet(public_session, who.tenant, slug)
    return who.page("catalogue/fact_sheet.html", {**labels(), "sheet": sheet})


ROUTES: list[ControllerRouterHandler] = [catalogue, municipalities, fact_sheet]
