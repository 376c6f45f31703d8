"""A service's portal pages: who is on the page, page guards by role, the page response in the kit's layout,
flash messages, and the template configuration a service mounts (ServiceSpec.templates).

Pages sit behind the gateway, which forwards the signed-in person's bearer token: the service's own token
middleware makes the Principal, as for its API. A page refused for a missing login answers 401 and the gateway
turns that into the login and back; any other problem the gateway shows as its error page for people."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig
from litestar.types import Message, Scope
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from shared import i18n
from shared.auth import Principal, TokenVerifier, bearer_token
from shared.i18n import _
from shared.portal import formats
from shared.portal.headers import CSRF_FIELD, CSRF_HEADER, FLASH_HEADER, FlashKind, decode_flash, encode_flash
from shared.problems import Forbidden, Problem, Unauthenticated
from shared.tenancy import PROVINCES, province_name

KIT_TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
PRIVATE = {"cache-control": "no-store"}
"""Pages with a person's name and data must not sit in shared caches or the back-forward cache."""
FLASH_STATE = "portal_flash"
PAGE_HEADER = "portal_header"
"""Where the service's header values for the page wait (ServiceSpec.page_header)."""

UPLOAD_CHUNK = 256 * 1024
FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


@dataclass
class Viewer:
    """A person on one tenant's portal page: signed in (principal) or, on a public page, perhaps not."""

    tenant: str
    principal: Principal | None
    request: Request[Any, Any, Any] = field(repr=False)
    header: dict[str, Any] = field(default_factory=dict)
    """What the service adds to every page's header (e.g. `unread_notices`, the count beside "Berichten")."""

    @property
    def person(self) -> Principal:
        """The signed-in person: on a page behind `viewer()` there always is one."""
        if self.principal is None:
            raise Unauthenticated(_("aanmelden is vereist voor deze pagina"))
        return self.principal

    @property
    def roles(self) -> frozenset[str]:
        return self.principal.roles if self.principal else frozenset()

    @property
    def enterprise_number(self) -> str | None:
        return self.principal.enterprise_number if self.principal else None

    @property
    def csrf(self) -> str:
        """The session's CSRF token, as the gateway forwarded it."""
        return self.request.headers.get(CSRF_HEADER, "")

    @property
    def language(self) -> str:
        return i18n.language()

    def holds(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def flash(self, message: str, kind: FlashKind = "ok") -> None:
        """A one-line notice shown on the next page (after the redirect of POST-redirect-GET)."""
        self.request.state[FLASH_STATE] = encode_flash(message, kind)

    def page(self, template: str, context: Mapping[str, Any] | None = None, status_code: int = 200) -> Template:
        """A portal page in the kit's layout, with the account bar, the CSRF token and any flash."""
        full = {"tenant": self.tenant, "province": province_name(self.tenant), "user": self.principal,
                "csrf": self.csrf, "csrf_field": CSRF_FIELD,
                "flash": decode_flash(self.request.headers.get(FLASH_HEADER)), **self.header, **(context or {})}
        return Template(template_name=template, context=full, status_code=status_code, headers=PRIVATE)

    def fragment(self, template: str, context: Mapping[str, Any] | None = None) -> Markup:
        """A part of a page rendered now, for the page to show as `{{ part }}`: what a public page keeps for a while
        rather than render each time (a search's results, kept as long as the answer they show). It knows the
        province and the language, and nothing of the person (no name, no CSRF token, no request), so every
        visitor may be shown the same part."""
        engine = self.request.app.template_engine
        assert isinstance(engine, JinjaTemplateEngine), "a service with pages has the kit's template config"
        full = {"tenant": self.tenant, "province": province_name(self.tenant), **(context or {})}
        return Markup(engine.get_template(template).render(**full))

    def redirect(self, path: str) -> Redirect:
        """Back to a page of this tenant after a form post."""
        return Redirect(path if path.startswith(f"/{self.tenant}/") else f"/{self.tenant}/{path.lstrip('/')}")


async def upload_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    """An uploaded file in pieces: Litestar spooled it to disk past 1 MiB, and it goes on to object storage
    without ever being held whole in memory."""
    while chunk := await upload.read(UPLOAD_CHUNK):
        yield chunk


def tenant_of(request: Request[Any, Any, Any]) -> str:
    return request.scope["path"].strip("/").split("/", 1)[0]


def viewer(request: Request[Any, Any, Any], roles: Iterable[str] = ()) -> Viewer:
    """The signed-in person holding one of `roles` (any role when empty); a Dutch 403 otherwise. The service's
    token middleware already refused a request without a valid token of this tenant (401)."""
    principal: Principal = request.user
    wanted = frozenset(roles)
    if wanted and wanted.isdisjoint(principal.roles):
        raise Forbidden(_("deze pagina is er niet voor jouw rol in deze provincie"))
    return Viewer(tenant=principal.tenant, principal=principal, request=request,
                  header=dict(request.state.get(PAGE_HEADER) or {}))


async def optional_viewer(request: Request[Any, Any, Any], verifier: TokenVerifier) -> Viewer:
    """On a public page (ServiceSpec.public_paths): the person when a valid token of this tenant came along,
    else an anonymous viewer. A token that does not verify is treated as no login, never as an error."""
    tenant = tenant_of(request)
    token = bearer_token(request.headers.get("authorization"))
    principal: Principal | None = None
    if token is not None:
        try:
            principal = await verifier.verify(token, expected_tenant=tenant)
        except Problem:
            principal = None
    return Viewer(tenant=tenant, principal=principal, request=request)


def check_csrf(form: Mapping[str, Any], who: Viewer) -> None:
    """The gateway checks every form post's token before forwarding; the page checks it again against the
    token the gateway forwarded, so a form post that reached the service some other way is refused too."""
    supplied = form.get(CSRF_FIELD)
    if not who.csrf or not isinstance(supplied, str) or not secrets.compare_digest(supplied, who.csrf):
        raise Forbidden(_("deze pagina was verouderd (CSRF-controle); laad ze opnieuw en probeer nog eens"))


@asynccontextmanager
async def undone_on_refusal(session: AsyncSession) -> AsyncIterator[None]:
    """A form's action in a savepoint: when the service refuses (a Problem), what it already wrote is undone,
    and the page can show the form again while the request's unit of work still commits cleanly."""
    async with session.begin_nested():
        yield


async def send_flash(message: Message, scope: Scope) -> None:
    """before_send: the flash a page left goes out as a response header, for the gateway to keep."""
    if message["type"] == "http.response.start":
        flash = scope.get("state", {}).get(FLASH_STATE)
        if flash:
            message["headers"] = [*message.get("headers", []), (FLASH_HEADER.encode(), flash.encode("ascii"))]


def province_logo(tenant: str) -> str:
    province = PROVINCES.get(tenant)
    return province.logo_url if province else ""


def here(request: Request[Any, Any, Any] | None) -> str:
    """The page's own path and query as the browser asked for it (trailing slash kept): where the language
    switch comes back to."""
    if request is None:
        return "/"
    raw = (request.scope.get("raw_path") or request.scope["path"].encode()).decode("latin-1").split("?", 1)[0]
    query = request.scope.get("query_string", b"").decode("latin-1")
    return raw + (f"?{query}" if query else "")


def current_language() -> str:
    return i18n.language()


def _filled(eval_ctx: EvalContext, text: str, variables: dict[str, Any]) -> str:
    """As jinja2's new-style gettext: escaped when the template autoescapes, always a format string (so `%%` is
    `%`), but no formatting where there is nothing to fill in."""
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    return _filled(eval_ctx, i18n.gettext(message), variables)


@pass_eval_context
def template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _filled(eval_ctx, i18n.ngettext(singular, plural, num), variables)


@pass_eval_context
def template_pgettext(eval_ctx: EvalContext, context: str, message: str, /, **variables: Any) -> str:
    variables.setdefault("context", context)
    return _filled(eval_ctx, i18n.pgettext(context, message), variables)


def register_filters(engine: JinjaTemplateEngine) -> None:
    """The kit's filters (formats per language) and the texts in the reader's language: `_()`, `ngettext()` and
    `{% trans %}` (jinja2's i18n extension, new style: `_("Hallo %(name)s", name=…)` escapes what it fills in)."""
    engine.engine.add_extension("jinja2.ext.i18n")
    # As extraction reads them (shared.i18n.OPTIONS): a {% trans %} block's lines joined with single spaces.
    engine.engine.policies["ext.i18n.trimmed"] = True
    engine.engine.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True,  # type: ignore[attr-defined]
                                            pgettext=i18n.pgettext)
    # The same new-style callables, in one call each: jinja2's pass every text through three context calls and
    # a Markup % formatting even when it has nothing to fill in; at 150 texts a page (the catalogue with its
    # results) that was half the page's rendering (bench/README.md).
    engine.engine.globals.update({"_": template_gettext, "gettext": template_gettext,
                                  "ngettext": template_ngettext, "pgettext": template_pgettext})
    engine.engine.globals.update({"language": current_language, "html_lang": i18n.HTML_LANG,
                                  "language_names": i18n.NAMES, "province_logo": province_logo,
                                  "csrf_field": CSRF_FIELD, "here": here})
    engine.engine.filters.update({
        "euros": formats.euros,
        "brussels": formats.moment,
        "brussels_seconds": lambda value: formats.moment(value, seconds=True),
        "brussels_date": formats.day,
        "weekday_date": lambda value: formats.day(value, weekday=True),
        "percentage": formats.percentage,
        "number": formats.decimal,
        "count": formats.count,
        "kilograms": formats.kilograms,
        "tonnes": formats.tonnes,
        "kbo": formats.enterprise_number,
        "filesize": formats.file_size,
        "filetypes": formats.file_types,
    })


def template_config(*directories: Path) -> TemplateConfig[JinjaTemplateEngine]:
    """The given template folders first, then the kit's (base.html, macros.html, error.html)."""
    return TemplateConfig(directory=[*directories, KIT_TEMPLATES], engine=JinjaTemplateEngine,
                          engine_callback=register_filters)
