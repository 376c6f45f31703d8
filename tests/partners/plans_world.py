"""What the plans tests share: talking to partners' plans API as a demo user, the demo partners' organisations
(registered through the API, or found when an earlier run registered them), and a new plan per test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from devstack.realms import enterprise_number
from shared.municipalities import of_province
from tests.conftest import Tokens

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class PlansApi:
    base: str
    tokens: Tokens
    tenant: str

    def url(self, path: str) -> str:
        return f"{self.base}/{self.tenant}{path}"

    def as_(self, user: str, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens(self.tenant, user)}", **headers}

    def get(self, path: str, user: str = "coordinator", **params: Any) -> httpx.Response:
        return httpx.get(self.url(path), headers=self.as_(user), params=params, timeout=30)

    def post(self, path: str, body: Any, user: str = "coordinator", **headers: str) -> httpx.Response:
        return httpx.post(self.url(path), json=body, headers=self.as_(user, **headers), timeout=30)

    def patch(self, path: str, body: Any, user: str = "coordinator", **headers: str) -> httpx.Response:
        return httpx.patch(self.url(path), json=body, headers=self.as_(user, **headers), timeout=30)

    def put(self, path: str, body: Any, user: str = "coordinator", **headers: str) -> httpx.Response:
        return httpx.put(self.url(path), json=body, headers=self.as_(user, **headers), timeout=30)

    def organisation_of(self, user: str, name: str | None = None) -> str:
        """The id of the demo user's organisation (its token's enterprise number), registered if need be (in the
        province's first municipality; `name` counts only for the first registration in the stack)."""
        number = enterprise_number(self.tenant, user)
        registered = self.post("/organisations", {"enterprise_number": number, "name": name or f"Organisatie {user}",
                                                  "kind": "maatwerkbedrijf",
                                                  "municipality": of_province(self.tenant)[0].name})
        if registered.status_code in (200, 201):
            return str(registered.json()["id"])
        assert registered.status_code == 409, registered.text
        cursor = None
        while True:
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = self.get("/organisations", **params)
            assert page.status_code == 200, page.text
            for organisation in page.json()["items"]:
                if organisation["enterprise_number"] == number:
                    return str(organisation["id"])
            cursor = page.json()["next_cursor"]
            assert cursor, f"organisation {number} is registered but not listed"

    def new_plan(self, **fields: Any) -> dict[str, Any]:
        body = {"kind": "agreement", "title": "Samenwerkingsovereenkomst VDAB - Provincie",
                "starts_on": "2025-01-01", "ends_on": "2027-12-31", "municipalities": ["Ieper"],
                "parties": [{"name": "VDAB", "role": "partner"}], **fields}
        created = self.post("/plans", body)
        assert created.status_code == 201, created.text
        return dict(created.json())

    def move(self, plan: dict[str, Any], to: str, reasons: str = "") -> dict[str, Any]:
        moved = self.post(f"/plans/{plan['id']}/status", {"to": to, "reasons": reasons},
                          **{"If-Match": f'"{plan["version"]}"'})
        assert moved.status_code == 200, moved.text
        return dict(moved.json())

    def upload(self, plan: dict[str, Any], body: bytes = PDF, *, kind: str = "signed",
               filename: str = "overeenkomst.pdf", content_type: str = "application/pdf",
               user: str = "coordinator") -> httpx.Response:
        return httpx.post(self.url(f"/plans/{plan['id']}/documents"), params={"kind": kind, "filename": filename},
                          content=body, headers=self.as_(user, **{"Content-Type": content_type}), timeout=30)

    def signed(self, plan: dict[str, Any]) -> dict[str, Any]:
        """The plan moved to signed (negotiated, with its signed document)."""
        plan = self.move(plan, "negotiating")
        uploaded = self.upload(plan)
        assert uploaded.status_code == 201, uploaded.text
        return self.move(self.get(f"/plans/{plan['id']}").json(), "signed")

    def ended(self, plan: dict[str, Any]) -> dict[str, Any]:
        return self.move(self.move(self.signed(plan), "active"), "ended", "looptijd voorbij")

    def fresh(self, plan: dict[str, Any]) -> dict[str, Any]:
        found = self.get(f"/plans/{plan['id']}")
        assert found.status_code == 200, found.text
        return dict(found.json())
