"""What an audit entry's action means, as people read it in the trail (the code stays in the log)."""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    "plan.created": "plan aangemaakt",
    "plan.changed": "plan gewijzigd",
    "plan.status.changed": "status gewijzigd",
    "plan.document.added": "document opgeladen",
    "indicator.changed": "indicator gewijzigd",
    "indicator.rule.changed": "voeding of telregel gewijzigd",
    "target.set": "streefwaarde vastgelegd",
    "realisation.submitted": "realisatie ingediend",
    "realisation.approved": "realisatie goedgekeurd",
    "realisation.sent-back": "realisatie teruggestuurd",
    "recognition.changed": "erkenning gewijzigd",
}


def action_label(action: str) -> str:
    """The Dutch label of an action; an action recorded by a capability not listed here shows as its code."""
    return ACTIONS.get(action, action)


FIELDS: dict[str, str] = {
    "kind": "soort", "title": "titel", "summary": "samenvatting", "status": "status", "starts_on": "begindatum",
    "ends_on": "einddatum", "municipalities": "gemeenten", "parties": "partijen", "year": "jaar",
    "value": "waarde", "name": "naam", "unit": "eenheid", "baseline": "nulmeting", "feed": "voeding",
    "rule": "telregel", "file_name": "bestand", "sha256": "SHA-256", "size": "grootte (bytes)",
    "indicator": "indicator", "narrative": "toelichting", "reasons": "reden",
}
"""The Dutch names of the fields entries record before and after."""


def field_label(name: str) -> str:
    return FIELDS.get(name, name)
