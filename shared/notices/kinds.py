"""What a notice can be about (the person chooses per kind whether it also comes by e-mail) and who it is for."""

from __future__ import annotations

from enum import StrEnum

from shared.i18n import N_


class NoticeKind(StrEnum):
    APPLICATION_SUBMITTED = "application.submitted"
    APPLICATION_SCREENED = "application.screened"
    APPLICATION_DECIDED = "application.decided"
    REVIEW_ASSIGNED = "review.assigned"
    REPORT_DUE = "report.due"
    REALISATION_APPROVED = "realisation.approved"
    REALISATION_SENT_BACK = "realisation.sent-back"
    ROUND_FLAGGED = "round.flagged"
    OTHER = "other"


KIND_LABELS: dict[NoticeKind, str] = {
    NoticeKind.APPLICATION_SUBMITTED: N_("Een aanvraag is ingediend"),
    NoticeKind.APPLICATION_SCREENED: N_("Een aanvraag is gescreend"),
    NoticeKind.APPLICATION_DECIDED: N_("Over een aanvraag is beslist"),
    NoticeKind.REVIEW_ASSIGNED: N_("Een beoordeling is u toegewezen"),
    NoticeKind.REPORT_DUE: N_("Een rapport moet binnenkort ingediend worden"),
    NoticeKind.REALISATION_APPROVED: N_("Een realisatie is goedgekeurd"),
    NoticeKind.REALISATION_SENT_BACK: N_("Een realisatie is teruggestuurd"),
    NoticeKind.ROUND_FLAGGED: N_("Een rit kreeg een voedselveiligheidsmelding"),
    NoticeKind.OTHER: N_("Andere berichten"),
}
"""The kinds as a person reads them on the preferences page, in this order."""


class RecipientKind(StrEnum):
    """Who a notice is for: a person (by username), everyone of an organisation (by enterprise number) or
    everyone holding a role in the province (e.g. the coordinators). A copy for an organisation or a role is
    one row for all of them: read by one, it is read for all."""

    USER = "user"
    ORGANISATION = "organisation"
    ROLE = "role"
