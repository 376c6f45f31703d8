"""How the audit trail reads for the call managers: each recorded action in Dutch, and an entry's before and
after as the fields that changed. Pure: no I/O."""

from __future__ import annotations

from typing import Any

ACTION_LABELS: dict[str, str] = {
    "call.published": "oproep gepubliceerd", "call.closed": "oproep afgesloten",
    "call.in-review": "beoordeling gestart", "call.decided": "beslist", "call.archived": "gearchiveerd",
    "co_applicant.confirmed": "mede-aanvrager bevestigde", "application.submitted": "ingediend",
    "application.withdrawn": "ingetrokken", "screening.automatic": "automatische screening",
    "screening.recorded": "screening vastgelegd", "conflict.declared": "belangenconflict verklaard",
    "score.submitted": "score ingediend", "consensus.recorded": "consensus vastgelegd",
    "jury.composed": "jury samengesteld", "assignments.fixed": "toewijzing vastgelegd",
    "proposal.fixed": "voorstel vastgelegd", "decision.published": "beslissing genomen",
    "application.awarded": "toegekend", "application.rejected": "afgewezen", "appeal.received": "beroep ingediend",
    "appeal.under-review": "beroep in behandeling", "appeal.upheld": "beroep gegrond",
    "appeal.dismissed": "beroep ongegrond",
}
"""The `action` of an audit entry in Dutch; an action without a label is shown as recorded."""


def shown(value: Any) -> str:
    """A recorded value as a person reads it in the history: lists and mappings on one line, '—' for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {shown(v)}" for k, v in value.items()) or "—"
    return str(value)


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """An audit entry's before and after as (field, before, after), the fields that differ only."""
    old, new = before or {}, after or {}
    return [(key, shown(old.get(key)), shown(new.get(key))) for key in dict.fromkeys([*old, *new])
            if old.get(key) != new.get(key)]
