"""What an audit entry's action means, as people read it in the trail (the code stays in the log)."""

from __future__ import annotations

from shared.i18n import N_

ACTIONS: dict[str, str] = {
    "plan.created": N_("plan aangemaakt"),
    "plan.changed": N_("plan gewijzigd"),
    "plan.status.changed": N_("status gewijzigd"),
    "plan.document.added": N_("document opgeladen"),
    "indicator.changed": N_("indicator gewijzigd"),
    "indicator.rule.changed": N_("voeding of telregel gewijzigd"),
    "target.set": N_("streefwaarde vastgelegd"),
    "realisation.submitted": N_("realisatie ingediend"),
    "realisation.approved": N_("realisatie goedgekeurd"),
    "realisation.sent-back": N_("realisatie teruggestuurd"),
    "recognition.changed": N_("erkenning gewijzigd"),
}


def action_label(action: str) -> str:
    """The Dutch label of an action; an action recorded by a capability not listed here shows as its code."""
    return ACTIONS.get(action, action)


FIELDS: dict[str, str] = {
    "kind": N_("soort"), "title": N_("titel"), "summary": N_("samenvatting"), "status": N_("status"),
    "starts_on": N_("begindatum"), "ends_on": N_("einddatum"), "municipalities": N_("gemeenten"),
    "parties": N_("partijen"), "year": N_("jaar"), "value": N_("waarde"), "name": N_("naam"), "unit": N_("eenheid"),
    "baseline": N_("nulmeting"), "feed": N_("voeding"),
    "rule": N_("telregel"), "file_name": N_("bestand"), "sha256": N_("SHA-256"), "size": N_("grootte (bytes)"),
    "indicator": N_("indicator"), "narrative": N_("toelichting"), "reasons": N_("reden"),
}
"""The Dutch names of the fields entries record before and after."""


def field_label(name: str) -> str:
    return FIELDS.get(name, name)
