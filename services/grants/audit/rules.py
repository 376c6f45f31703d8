"""How the audit trail reads for the call managers: each recorded action in Dutch, and an entry's before and
after as the fields that changed. Pure: no I/O."""

from __future__ import annotations

from typing import Any

from shared.i18n import N_

ACTION_LABELS: dict[str, str] = {
    "call.published": N_("oproep gepubliceerd"), "call.closed": N_("oproep afgesloten"),
    "call.in-review": N_("beoordeling gestart"), "call.decided": N_("beslist"), "call.archived": N_("gearchiveerd"),
    "co_applicant.confirmed": N_("mede-aanvrager bevestigde"), "application.submitted": N_("ingediend"),
    "application.withdrawn": N_("ingetrokken"), "screening.automatic": N_("automatische screening"),
    "screening.recorded": N_("screening vastgelegd"), "conflict.declared": N_("belangenconflict verklaard"),
    "score.submitted": N_("score ingediend"), "consensus.recorded": N_("consensus vastgelegd"),
    "jury.composed": N_("jury samengesteld"), "assignments.fixed": N_("toewijzing vastgelegd"),
    "proposal.fixed": N_("voorstel vastgelegd"), "decision.published": N_("beslissing genomen"),
    "application.awarded": N_("toegekend"), "application.rejected": N_("afgewezen"),
    "appeal.received": N_("beroep ingediend"), "appeal.under-review": N_("beroep in behandeling"),
    "appeal.upheld": N_("beroep gegrond"), "appeal.dismissed": N_("beroep ongegrond"),
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
