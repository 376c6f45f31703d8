"""The grants demo, made through the grants API with the demo users' real tokens, so that every rule applies and
the events, audit trail, letters and e-mails are the real ones: Oost-Vlaanderen's call is published with a
deadline a few seconds ahead, applied to, closed by the scheduler, screened, scored by its jury, ranked and
decided, with an appeal; Antwerpen's call is open, with a draft of the demo applicant. What to seed is in
devstack/demo_grants_content.py.

Safe to run again: every step first asks whether it was done (the call is found by its title, applications by
theirs), so a second run adds nothing and an interrupted one is completed where it stopped; what can no longer
be completed (applications not submitted before the deadline passed) is reported, not duplicated."""

from __future__ import annotations

import io
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from devstack.demo_grants_content import (
    APPEAL,
    CONSENSUS_MINUTES,
    DECIDED_CALL,
    DECLARED_CONFLICT,
    EURO,
    JUROR_LEANING,
    JURY_CHAIR,
    OPEN_CALL,
    WHAT_IF,
    DemoCall,
    Project,
    justification,
)
from devstack.processes import log
from devstack.realms import DEMO_NAMES, EXTRA_JURORS, enterprise_number

BRUSSELS = ZoneInfo("Europe/Brussels")
DEADLINE_AFTER = timedelta(seconds=8)
"""The decided call is published with its deadline this far ahead: time enough to draft, confirm, upload and
submit its applications, after which the scheduler closes it."""


class DemoSeedError(RuntimeError):
    pass


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def attachment_pdf(project: Project, label: str) -> bytes:
    """A small, real one-page PDF: what the applicant uploaded under `label`."""
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, pageCompression=0)
    pdf.setTitle(f"{label} - {project.title}")
    y = 800
    for size, line in [(14, project.title), (11, label), (10, f"Aanvrager: {project.lead}"),
                       *[(10, f"Partner: {c.organisation}") for c in project.co_applicants],
                       (10, ""), *[(10, f"{what}: {euro:,} euro".replace(",", ".")) for what, euro in project.budget],
                       (10, f"Totaal: {project.total_cost_cents // EURO:,} euro".replace(",", "."))]:
        pdf.setFont("Helvetica", size)
        pdf.drawString(60, y, line)
        y -= size + 8
    pdf.save()
    return buffer.getvalue()


class GrantsDemo:
    def __init__(self, http: httpx.Client, grants_url: str, headers: Callable[[str, str], dict[str, str]],
                 number_of: Callable[[str, str], str]) -> None:
        self.http, self.grants_url, self.headers, self.number_of = http, grants_url, headers, number_of
        self.counts: Counter[str] = Counter()

    # --- plumbing ---------------------------------------------------------------------------------------------

    def api(self, method: str, tenant: str, path: str, user: str, *, ok: tuple[int, ...] = (200, 201),
            headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.grants_url}/{tenant}{path}",
                                     headers={**self.headers(tenant, user), **(headers or {})}, **kwargs)
        if response.status_code not in ok:
            raise DemoSeedError(f"{method} /{tenant}{path} as {user}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def find_call(self, demo: DemoCall) -> dict[str, Any] | None:
        calls = self.api("GET", demo.tenant, "/calls?limit=200", "call-manager")
        return next((c for c in calls if c["title"] == demo.title), None)

    def call(self, demo: DemoCall, call_id: str) -> dict[str, Any]:
        return self.api("GET", demo.tenant, f"/calls/{call_id}", "call-manager")

    def my_applications(self, tenant: str, user: str, call_id: str) -> dict[str, dict[str, Any]]:
        page = self.api("GET", tenant, f"/applications?call_id={call_id}&limit=200", user)
        return {a["title"]: a for a in page["items"]}

    def all_applications(self, tenant: str, call_id: str) -> dict[str, dict[str, Any]]:
        return self.my_applications(tenant, "call-manager", call_id)

    def wait_for_registry(self, tenant: str, organisations: set[str]) -> None:
        """Grants learns the partners registry's organisations from its events: screening needs them known."""
        wanted = {self.number_of(tenant, name) for name in organisations}
        deadline = time.monotonic() + 20
        while True:
            known = {o["enterprise_number"]
                     for o in self.api("GET", tenant, "/registry/organisations?limit=500", "call-manager")}
            if wanted <= known:
                return
            if time.monotonic() > deadline:
                raise DemoSeedError(
                    f"grants does not know {len(wanted - known)} organisations of {tenant} from the partners "
                    "registry after 20 s: is the partners' event relay running? (After `reset-db grants` the "
                    "registry's old events are not sent again: reset partners too.)")
            time.sleep(0.3)

    # --- calls ------------------------------------------------------------------------------------------------

    def published_call(self, demo: DemoCall) -> dict[str, Any]:
        """The call, drafted and published if it was not yet (a draft left by an earlier run is completed)."""
        call = self.find_call(demo)
        if call is None:
            call = self.api("POST", demo.tenant, "/calls", "call-manager", json={"title": demo.title})
            self.counts["grant calls"] += 1
        if call["status"] != "draft":
            return call
        now = datetime.now(UTC)
        if demo.open_for_days:
            closes = datetime.combine((now + timedelta(days=demo.open_for_days)).astimezone(BRUSSELS).date(),
                                      datetime.min.time().replace(hour=12), BRUSSELS)
            opens = now - timedelta(days=7)
        else:
            closes, opens = now + DEADLINE_AFTER, now - timedelta(minutes=1)
        terms = {**demo.terms, "opens_at": iso(opens), "closes_at": iso(closes)}
        terms.pop("title")
        call = self.api("PATCH", demo.tenant, f"/calls/{call['id']}", "call-manager", json=terms,
                        headers={"If-Match": f'"{call["version"]}"'})
        return self.api("POST", demo.tenant, f"/calls/{call['id']}/publish", "call-manager",
                        headers={"If-Match": f'"{call["version"]}"'})

    # --- applications -----------------------------------------------------------------------------------------

    def prepared_application(self, demo: DemoCall, call_id: str, project: Project) -> dict[str, Any] | None:
        """The project's application as its lead's user drafted it, with its co-applicants (confirmed by their
        users) and its attachments; None when the call no longer takes applications."""
        tenant, user = demo.tenant, project.drafted_by
        application = self.my_applications(tenant, user, call_id).get(project.title)
        if application is None:
            application = self.api("POST", tenant, f"/calls/{call_id}/applications", user, json={
                "title": project.title, "summary": project.summary, "applicant_name": project.lead,
                "requested_cents": project.requested_euro * EURO, "total_cost_cents": project.total_cost_cents,
                "duration_months": project.duration_months,
                "budget_lines": [{"description": d, "amount_cents": e * EURO} for d, e in project.budget]})
            self.counts["grant applications"] += 1
        if application["status"] != "draft":
            return application
        url = f"/applications/{application['id']}"
        present = {c["enterprise_number"]: c for c in application["co_applicants"]}
        for co in project.co_applicants:
            number = self.number_of(tenant, co.organisation)
            if number not in present:
                application = self.api("POST", tenant, f"{url}/co-applicants", user, json={
                    "enterprise_number": number, "role": co.role, "name": co.organisation},
                    headers={"If-Match": f'"{application["version"]}"'})
        uploaded = {a["code"] for a in application["attachments"]}
        labels = {a["code"]: a["label"] for a in demo.terms["required_attachments"]}
        for code in project.attachments:
            if code not in uploaded:
                self.api("POST", tenant, f"{url}/attachments", user, params={"code": code, "filename": f"{code}.pdf"},
                         content=attachment_pdf(project, labels[code]),
                         headers={"Content-Type": "application/pdf",
                                  "Idempotency-Key": f"demo-{code}-{application['id']}"})
        for co in project.co_applicants:
            number = self.number_of(tenant, co.organisation)
            confirmed = next((c["confirmed"] for c in application["co_applicants"] if c["enterprise_number"] == number),
                             False)
            if co.confirmed_by and not confirmed:  # the draft as the co-applicant reads it
                seen = self.api("GET", tenant, url, co.confirmed_by)
                self.api("POST", tenant, f"{url}/co-applicants/{number}/confirm", co.confirmed_by,
                         headers={"If-Match": f'"{seen["version"]}"'})
        return self.api("GET", tenant, url, user)

    def submitted_applications(self, demo: DemoCall, call: dict[str, Any]) -> None:
        for project in demo.projects:
            application = self.prepared_application(demo, call["id"], project)
            if application is None or application["status"] != "draft":
                continue
            submitted = self.http.post(f"{self.grants_url}/{demo.tenant}/applications/{application['id']}/submit",
                                       headers={**self.headers(demo.tenant, project.drafted_by),
                                                "If-Match": f'"{application["version"]}"'})
            if submitted.status_code == 409 and datetime.fromisoformat(call["closes_at"]) <= datetime.now(UTC):
                log(f"demo: '{project.title}' was not submitted before the deadline of an interrupted earlier "
                    f"run; the demo call goes on without it (python -m devstack reset-db grants starts afresh)")
                continue
            if submitted.status_code != 200:
                raise DemoSeedError(f"submitting '{project.title}': {submitted.status_code} {submitted.text}")

    # --- the decided call, step by step -----------------------------------------------------------------------

    def closed(self, demo: DemoCall, call: dict[str, Any]) -> dict[str, Any]:
        """Waits for the scheduler to close the call at its deadline (asks by hand if it is late)."""
        closes_at = datetime.fromisoformat(call["closes_at"])
        while call["status"] == "published":
            late = datetime.now(UTC) - closes_at
            if late > timedelta(seconds=3):
                return self.api("POST", demo.tenant, f"/calls/{call['id']}/close", "call-manager")
            time.sleep(min(max(-late.total_seconds(), 0.2), 1.0))
            call = self.call(demo, call["id"])
        return call

    def screened(self, demo: DemoCall, call: dict[str, Any]) -> None:
        projects = {p.title: p for p in demo.projects}
        for title, application in self.all_applications(demo.tenant, call["id"]).items():
            if application["status"] != "submitted":
                continue
            reasons = projects[title].ineligible if title in projects else None
            body = ({"result": "ineligible", "reasons": reasons} if reasons else
                    {"result": "eligible", "reasons": "Alle voorwaarden van het reglement zijn vervuld."})
            screening = f"/applications/{application['id']}/screening"
            seen = self.api("GET", demo.tenant, screening, "call-manager")
            self.api("PUT", demo.tenant, screening, "call-manager", json=body,
                     headers={"If-Match": f'"{seen["version"]}"'})
            self.counts["screening results"] += 1

    def jury_composed(self, demo: DemoCall, call_id: str) -> list[str]:
        jury = self.api("GET", demo.tenant, f"/calls/{call_id}/jury", "call-manager")
        if not jury["members"]:
            names = {**DEMO_NAMES, **EXTRA_JURORS}
            members = [{"username": u, "name": " ".join(names[u]),
                        "enterprise_number": enterprise_number(demo.tenant, u)} for u in JUROR_LEANING]
            jury = self.api("PUT", demo.tenant, f"/calls/{call_id}/jury", "call-manager",
                            json={"members": members, "chair": JURY_CHAIR},
                            headers={"If-Match": f'"{jury["version"]}"'})
            self.counts["jury members"] += len(members)
        return [m["username"] for m in jury["members"]]

    def assigned(self, demo: DemoCall, call_id: str, applications: dict[str, dict[str, Any]]) -> None:
        fixed = self.api("GET", demo.tenant, f"/calls/{call_id}/assignments", "call-manager")
        if any(a["jurors"] for a in fixed["applications"]):
            return
        juror, title, reason = DECLARED_CONFLICT
        self.api("POST", demo.tenant, f"/applications/{applications[title]['id']}/conflict", juror,
                 json={"has_conflict": True, "reason": reason})
        proposal = self.api("POST", demo.tenant, f"/calls/{call_id}/assignments/proposal", "call-manager")
        self.api("PUT", demo.tenant, f"/calls/{call_id}/assignments", "call-manager", json={"assignments": [
            {"application_id": a["application_id"], "jurors": a["jurors"]} for a in proposal["applications"]]},
            headers={"If-Match": f'"{proposal["version"]}"'})
        self.counts["assignments"] += sum(len(a["jurors"]) for a in proposal["applications"])

    def scored(self, demo: DemoCall, call_id: str, jurors: list[str]) -> None:
        projects = {p.title: p for p in demo.projects}
        assignments = self.api("GET", demo.tenant, f"/calls/{call_id}/assignments", "call-manager")
        dissenter = {a["title"]: a["jurors"][-1] for a in assignments["applications"] if a["jurors"]}
        for style, juror in enumerate(jurors):
            for item in self.api("GET", demo.tenant, f"/jury/applications?call_id={call_id}", juror):
                if item["review_status"] == "submitted":
                    continue
                project = projects[item["title"]]
                url = f"/applications/{item['application_id']}/review"
                detail = self.api("GET", demo.tenant, f"/jury/applications/{item['application_id']}", juror)
                scores = (project.dissent if project.dissent and dissenter.get(project.title) == juror else
                          [min(max(s + lean, 0), 10)
                           for s, lean in zip(project.scores, JUROR_LEANING[juror], strict=True)])
                draft = detail["review"]["version"] if detail.get("review") else 0  # 0: none saved yet
                saved = self.api("PUT", demo.tenant, url, juror, json={"scores": [
                    {"criterion_id": c["id"], "score": str(score),
                     "justification": justification(project.remarks[c["position"] - 1], score, c["max_score"], style)}
                    for c, score in zip(sorted(detail["criteria"], key=lambda c: c["position"]), scores, strict=True)]},
                    headers={"If-Match": f'"{draft}"'})
                self.api("POST", demo.tenant, f"{url}/submit", juror, headers={"If-Match": f'"{saved["version"]}"'})
                self.counts["reviews"] += 1

    def agreed(self, demo: DemoCall, call_id: str) -> None:
        """The chair records the consensus where the jurors disagreed, after the meeting."""
        projects = {p.title: p for p in demo.projects}
        view = self.api("GET", demo.tenant, f"/calls/{call_id}/jury-view", JURY_CHAIR)
        criteria = sorted(self.call(demo, call_id)["criteria"], key=lambda c: c["position"])
        for item in view["applications"]:
            project = projects[item["title"]]
            if item["consensus"] is None and item["disagreement"]:
                scores = project.consensus or project.scores
                self.api("PUT", demo.tenant, f"/applications/{item['application_id']}/consensus", JURY_CHAIR, json={
                    "scores": [{"criterion_id": c["id"], "score": str(s)}
                               for c, s in zip(criteria, scores, strict=True)],
                    "minutes": CONSENSUS_MINUTES}, headers={"If-Match": '"0"'})  # none recorded yet
                self.counts["consensus"] += 1

    def decided(self, demo: DemoCall, call_id: str) -> None:
        """A what-if first (not stored), then the proposal under the call's own rules, then the decision."""
        tenant = demo.tenant
        proposal = self.http.get(f"{self.grants_url}/{tenant}/calls/{call_id}/ranking/proposal",
                                 headers=self.headers(tenant, "call-manager"))
        if proposal.status_code == 404:
            self.api("POST", tenant, f"/calls/{call_id}/ranking/scenarios", "call-manager", json=WHAT_IF)
            fixed = self.api("POST", tenant, f"/calls/{call_id}/ranking/proposal", "call-manager")
        else:
            fixed = proposal.json()
        today = datetime.now(BRUSSELS).date()
        # The decision names the proposal it rests on: its id, and its version in If-Match.
        decision = self.api("POST", tenant, f"/calls/{call_id}/decision", "call-manager", timeout=60,
                            headers={"If-Match": f'"{fixed["version"]}"'}, json={
                                "reference": decision_reference(call_id, today), "decided_on": today.isoformat(),
                                "proposal_id": fixed["id"]})
        self.counts["decisions"] += 1
        log(f"demo: {demo.title[:40]}…: decision {decision['reference']}, {decision['awarded']} awarded, "
            f"{decision['rejected']} rejected")

    def followed_up(self, demo: DemoCall, call_id: str) -> None:
        """Payment plans for the awarded projects, and the appeal of a rejected applicant."""
        applications = self.all_applications(demo.tenant, call_id)
        for application in applications.values():
            if application["status"] == "awarded":
                plan = self.http.post(f"{self.grants_url}/{demo.tenant}/applications/{application['id']}/award-plan",
                                      headers=self.headers(demo.tenant, "call-manager"), json={})
                if plan.status_code == 201:
                    self.counts["payment plans"] += 1
                elif plan.status_code != 200:
                    raise DemoSeedError(f"payment plan of '{application['title']}': {plan.status_code} {plan.text}")
        title, grounds = APPEAL
        appellant = next(p.drafted_by for p in demo.projects if p.title == title)
        if applications.get(title, {}).get("status") != "rejected":
            log(f"demo: no appeal: '{title}' was not rejected")
            return
        url = f"/applications/{applications[title]['id']}/appeals"
        if not self.api("GET", demo.tenant, url, appellant):
            appeal = self.api("POST", demo.tenant, url, appellant, json={"grounds": grounds})
            self.api("PATCH", demo.tenant, f"{url}/{appeal['id']}", "call-manager",
                     json={"status": "under-review", "reasons": "Het beroep is ontvankelijk en wordt voorgelegd "
                                                                "aan de deputatie."},
                     headers={"If-Match": f'"{appeal["version"]}"'})
            self.counts["appeals"] += 1

    # --- the two calls ----------------------------------------------------------------------------------------

    def seed_decided(self, demo: DemoCall) -> None:
        self.wait_for_registry(demo.tenant, {o for p in demo.projects for o in
                                             (p.lead, *(c.organisation for c in p.co_applicants))})
        for user in {*(p.drafted_by for p in demo.projects), *JUROR_LEANING}:
            self.headers(demo.tenant, user)  # every login before the clock runs
        call = self.published_call(demo)
        if call["status"] == "published":
            self.submitted_applications(demo, call)
            call = self.closed(demo, call)
        if call["status"] == "closed":
            self.screened(demo, call)
            call = self.api("POST", demo.tenant, f"/calls/{call['id']}/start-review", "call-manager",
                            headers={"If-Match": f'"{call["version"]}"'})
        if call["status"] == "in-review":
            applications = self.all_applications(demo.tenant, call["id"])
            jurors = self.jury_composed(demo, call["id"])
            self.assigned(demo, call["id"], applications)
            self.scored(demo, call["id"], jurors)
            self.agreed(demo, call["id"])
            self.decided(demo, call["id"])
        self.followed_up(demo, call["id"])

    def seed_open(self, demo: DemoCall) -> None:
        call = self.published_call(demo)
        if call["status"] == "published":
            for project in demo.projects:
                self.prepared_application(demo, call["id"], project)

    def seed(self) -> dict[str, int]:
        self.seed_decided(DECIDED_CALL)
        self.seed_open(OPEN_CALL)
        return dict(self.counts)


def decision_reference(call_id: str, day: date) -> str:
    """Like the province's own (PR/2026/1234): stable for the call, different for another call."""
    return f"PR/{day.year}/{1000 + int(call_id.replace('-', '')[-6:], 16) % 9000}"
