"""The partners demo, through partners' own API with the demo users' tokens (devstack/demo_partners_content.py
says what): the catalogue entries of the demo organisations, Antwerpen's agreement with VDAB, the Westhoek regional
coordination agreement with its 2020 realisations (entered by the partner, approved by the coordinator, one left
to review), and Turnhout's multi-year plan. Safe to run twice: a plan that exists (by title) is left alone."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from devstack.demo_partners_content import PLANS, Entry, Indicator, Plan

Token = Callable[[str, str], dict[str, str]]


def entry_fields(entry: Entry | None) -> dict[str, Any]:
    """What a demo organisation's registration adds for the catalogue."""
    if entry is None:
        return {}
    return {
        "description": entry.description,
        "contact": {"website": entry.website} if entry.website else {},
        "offerings": [{"rubric": rubric, "kind": kind, "description": text} for rubric, kind, text in entry.offerings],
        "recognitions": [{"kind": kind, "valid_from": start, "valid_until": until}
                         for kind, start, until in entry.recognitions],
        "staff": [{"year": year, "target_group_workers": workers, "supervising_staff": supervising, "fte": fte}
                  for year, workers, supervising, fte in entry.staff],
    }


def signed_pdf(title: str) -> bytes:
    """A one-page stand-in for the signed agreement."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.drawString(72, 770, title)
    canvas.drawString(72, 740, "Ondertekend door alle partijen (demo).")
    canvas.save()
    return buffer.getvalue()


class PartnersDemo:
    def __init__(self, http: httpx.Client, partners: str, token: Token,
                 organisation_number: Callable[[str, str], str | None]) -> None:
        self.http = http
        self.partners = partners
        self.token = token
        self.organisation_number = organisation_number

    def seed(self) -> dict[str, int]:
        counts = {"plans": 0, "realisations": 0}
        for plan in PLANS:
            if self.exists(plan):
                continue
            counts["realisations"] += self.make(plan)
            counts["plans"] += 1
        return counts

    def exists(self, plan: Plan) -> bool:
        response = self.http.get(f"{self.partners}/{plan.tenant}/plans", params={"limit": 200},
                                 headers=self.token(plan.tenant, "coordinator"))
        response.raise_for_status()
        return any(item["title"] == plan.title for item in response.json()["items"])

    def organisation_ids(self, tenant: str) -> dict[str, str]:
        """Enterprise number → id of the province's registered organisations."""
        found: dict[str, str] = {}
        cursor: str | None = None
        while True:
            response = self.http.get(f"{self.partners}/{tenant}/organisations",
                                     headers=self.token(tenant, "coordinator"),
                                     params={"limit": 200, **({"cursor": cursor} if cursor else {})})
            response.raise_for_status()
            found |= {item["enterprise_number"]: item["id"] for item in response.json()["items"]}
            cursor = response.json()["next_cursor"]
            if not cursor:
                return found

    def make(self, plan: Plan) -> int:
        tenant, base = plan.tenant, f"{self.partners}/{plan.tenant}"
        coordinator = self.token(tenant, "coordinator")
        known = self.organisation_ids(tenant)
        parties = []
        for name, role in plan.parties:
            number = self.organisation_number(tenant, name)  # None: a party named only (the province itself)
            parties.append({"name": name, "role": role,
                            **({"organisation_id": known[number]} if number in known else {})})
        created = self.http.post(f"{base}/plans", headers=coordinator, json={
            "kind": plan.kind, "title": plan.title, "summary": plan.summary, "starts_on": plan.starts_on,
            "ends_on": plan.ends_on, "municipalities": list(plan.municipalities), "parties": parties})
        created.raise_for_status()
        plan_id = created.json()["id"]
        framework = self.http.post(f"{base}/plans/{plan_id}/framework", headers=coordinator,
                                   json={"objectives": [objective(o, plan) for o in plan.objectives]})
        framework.raise_for_status()
        etag = framework.headers["ETag"]
        for move in plan.status:
            if move == "signed":
                self.http.post(f"{base}/plans/{plan_id}/documents", params={"kind": "signed",
                                                                            "filename": "overeenkomst.pdf"},
                               headers={**coordinator, "Content-Type": "application/pdf"},
                               content=signed_pdf(plan.title)).raise_for_status()
            moved = self.http.post(f"{base}/plans/{plan_id}/status", json={"to": move},
                                   headers={**coordinator, "If-Match": etag})
            moved.raise_for_status()
            etag = moved.headers["ETag"]
        return self.realise(plan, framework.json())

    def realise(self, plan: Plan, framework: dict[str, Any]) -> int:
        """The realisations the facts give: entered by the partner, approved by the coordinator, except the last,
        which waits for review."""
        base = f"{self.partners}/{plan.tenant}"
        ids = indicator_ids(framework)
        entered = [(ids[(i.action, i.name)], i) for i in plan.indicators if i.realisation is not None]
        for number, (indicator_id, indicator) in enumerate(entered, start=1):
            assert indicator.realisation is not None
            year, value, narrative = indicator.realisation
            response = self.http.post(f"{base}/indicators/{indicator_id}/realisations",
                                      headers=self.token(plan.tenant, indicator.entered_by),
                                      json={"year": year, "value": value, "narrative": narrative})
            response.raise_for_status()
            if number < len(entered):
                self.http.post(f"{base}/realisations/{response.json()['id']}/approve",
                               headers={**self.token(plan.tenant, "coordinator"),
                                        "If-Match": response.headers["ETag"]}).raise_for_status()
        return len(entered)


def objective(spec: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """The framework request's objective: its actions with their indicators and targets, or its children."""
    out: dict[str, Any] = {"code": spec["code"], "title": spec["title"], "remarks": spec.get("remarks", "")}
    if "level" in spec:
        out["level"] = spec["level"]
    if "children" in spec:
        out["objectives"] = [{**objective(child, plan), "level": "operational"} for child in spec["children"]]
    out["actions"] = [{"code": code, "title": title,
                       "indicators": [indicator(i) for i in plan.indicators if i.action == code]}
                      for code, title in spec.get("actions", [])]
    return out


def indicator(spec: Indicator) -> dict[str, Any]:
    return {"name": spec.name, "unit": spec.unit, "baseline": spec.baseline,
            "feed": "counted" if spec.rule else "entered", "rule": spec.rule,
            "targets": {str(year): value for year, value in spec.targets.items()}}


def indicator_ids(framework: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(action code, indicator name) → indicator id, through nested objectives."""
    found: dict[tuple[str, str], str] = {}

    def walk(objectives: list[dict[str, Any]]) -> None:
        for item in objectives:
            for action in item["actions"]:
                for ind in action["indicators"]:
                    found[(action["code"], ind["name"])] = ind["id"]
            walk(item.get("objectives", []))

    walk(framework["objectives"])
    return found
