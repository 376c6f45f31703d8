"""A notice as an e-mail to one person: subject, plain text and HTML, in that person's language, with the link
to act on it and where to change which notices come by e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from shared import i18n
from shared.i18n import _
from shared.notices.events import NoticeText
from shared.tenancy import province_name

TEMPLATES = Path(__file__).parent / "templates"
_environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                           extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
_environment.policies["ext.i18n.trimmed"] = True
_environment.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext)


@dataclass(frozen=True)
class NoticeMail:
    subject: str
    text: str
    html: str
    language: str


def paragraphs(body: str) -> list[str]:
    return [part.strip() for part in body.replace("\r\n", "\n").split("\n\n") if part.strip()]


def compose(texts: dict[str, NoticeText], lang: str, *, tenant: str, link: str, portal_url: str) -> NoticeMail:
    """The e-mail in `lang` (Dutch when the notice has no text in it). Links are absolute when the portal's
    public address is known."""
    with i18n.speaking(lang if lang in texts else i18n.DEFAULT) as chosen:
        text = texts.get(chosen) or texts[i18n.DEFAULT]
        base = portal_url.rstrip("/")
        action = f"{base}{link}" if link.startswith("/") else link
        preferences = f"{base}/{tenant}/berichten/voorkeuren"
        province = province_name(tenant)
        lines = [text.body.strip(), ""]
        if action:
            lines += [_("Bekijk het in het portaal: %(link)s") % {"link": action}, ""]
        lines += ["-- ", _("U krijgt deze e-mail van Regie, het portaal van de %(province)s. Welke berichten u per "
                           "e-mail krijgt, kiest u op %(link)s") % {"province": province, "link": preferences}]
        html = _environment.get_template("notice_mail.html").render(
            title=text.title, paragraphs=paragraphs(text.body), action=action, preferences=preferences,
            province=province, html_lang=i18n.HTML_LANG[chosen])
        return NoticeMail(subject=text.title, text="\n".join(lines) + "\n", html=html, language=i18n.HTML_LANG[chosen])
