"""A plan's documents through the real partners process and object storage: uploaded as the raw body, stored
under <tenant>/plan/<plan id>/<document id> with their SHA-256, listed, downloaded with the hash as ETag, and
refused (with no object left behind) when the type, the kind or the plan's status does not allow them."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest

from shared.problems import TYPE_PREFIX
from shared.storage import ObjectStore
from tests.partners.plans_world import PDF, PlansApi
from tests.support import EICAR_SIGNATURE, infected_pdf

TENANT = "oost-vlaanderen"


@pytest.fixture(scope="module")
def api(partners_url: str, tokens) -> PlansApi:  # type: ignore[no-untyped-def]
    return PlansApi(partners_url, tokens, TENANT)


@pytest.fixture(scope="module")
def store(platform) -> ObjectStore:  # type: ignore[no-untyped-def]
    env = platform.env("partners")
    return ObjectStore.connect(env["REGIE_S3_ENDPOINT"], env["REGIE_S3_ACCESS_KEY"], env["REGIE_S3_SECRET_KEY"],
                               secure=False, bucket=env.get("REGIE_S3_BUCKET", "regie-partners"),
                               max_upload_bytes=1024 * 1024, scanner=None)  # reads and lists only


def new_plan(api: PlansApi, **fields: object) -> dict:
    return api.new_plan(title=f"Overeenkomst met documenten {uuid.uuid4().hex[:8]}", municipalities=["Gent"],
                        **fields)


async def test_a_signed_document_is_stored_with_its_hash_listed_and_downloaded(api: PlansApi,
                                                                               store: ObjectStore) -> None:
    plan = new_plan(api)
    body = PDF + b"% ondertekend door VDAB en de provincie\n" * 200
    uploaded = api.upload(plan, body, filename="overeenkomst getekend.pdf")
    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()
    assert document["sha256"] == hashlib.sha256(body).hexdigest() and document["size"] == len(body)
    assert (document["kind"], document["kind_label"]) == ("signed", "ondertekende overeenkomst")
    assert document["file_name"] == "overeenkomst getekend.pdf" and document["uploaded_by"] == "coordinator"
    keys = await store.keys(f"{TENANT}/plan/{plan['id']}/")
    assert keys == [f"{TENANT}/plan/{plan['id']}/{document['id']}"]
    listed = api.get(f"/plans/{plan['id']}/documents")
    assert [d["id"] for d in listed.json()] == [document["id"]]
    assert [d["id"] for d in api.fresh(plan)["documents"]] == [document["id"]]
    downloaded = api.get(f"/plans/{plan['id']}/documents/{document['id']}")
    assert downloaded.status_code == 200
    assert downloaded.content == body and downloaded.headers["content-type"] == "application/pdf"
    assert downloaded.headers["ETag"] == f'"{document["sha256"]}"'
    assert downloaded.headers["X-Content-SHA256"] == document["sha256"]
    trail = api.get("/audit", entity="plan", entity_id=plan["id"]).json()
    assert [e["after"]["sha256"] for e in trail if e["action"] == "plan.document.added"] == [document["sha256"]]


async def test_a_refused_upload_records_nothing_and_leaves_no_object(api: PlansApi, store: ObjectStore) -> None:
    plan = new_plan(api)
    text_as_pdf = api.upload(plan, b"dit is geen pdf\n", filename="nep.pdf")
    assert text_as_pdf.status_code == 415, text_as_pdf.text
    assert text_as_pdf.headers["content-type"].startswith("application/problem+json")
    executable = api.upload(plan, b"MZ\x90\x00\x03\x00\x00\x00", filename="x.exe",
                            content_type="application/octet-stream")
    assert executable.status_code == 415
    unknown_kind = api.upload(plan, kind="contract")
    assert unknown_kind.status_code == 422 and unknown_kind.json()["field"] == "kind"
    assert api.upload(plan, user="partner").status_code == 403
    nameless = api.upload(plan, filename="")
    assert nameless.status_code == 422 and nameless.json()["field"] == "filename"
    assert api.get(f"/plans/{plan['id']}/documents").json() == []
    assert await store.keys(f"{TENANT}/plan/{plan['id']}/") == []


async def test_an_infected_document_is_refused_records_nothing_and_leaves_no_object(api: PlansApi,
                                                                                   store: ObjectStore) -> None:
    plan = new_plan(api)
    infected = api.upload(plan, infected_pdf(), filename="overeenkomst.pdf")
    assert infected.status_code == 422, infected.text
    problem = infected.json()
    assert infected.headers["content-type"].startswith("application/problem+json")
    assert problem["type"] == TYPE_PREFIX + "upload-infected" and problem["signature"] == EICAR_SIGNATURE
    assert "overeenkomst.pdf bevat een virus" in problem["detail"]
    assert api.get(f"/plans/{plan['id']}/documents").json() == []
    assert await store.keys(f"{TENANT}/plan/{plan['id']}/") == []


async def test_an_ended_plan_takes_no_more_documents(api: PlansApi, store: ObjectStore) -> None:
    plan = api.ended(new_plan(api))
    refused = api.upload(plan, kind="annex", filename="te-laat.pdf")
    assert refused.status_code == 409, refused.text
    assert len(api.get(f"/plans/{plan['id']}/documents").json()) == 1
    assert len(await store.keys(f"{TENANT}/plan/{plan['id']}/")) == 1


def test_office_and_image_documents_are_accepted(api: PlansApi) -> None:
    plan = new_plan(api)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert api.upload(plan, png, kind="annex", filename="kaart.png", content_type="image/png").status_code == 201
    csv = b"gemeente;plaatsen\nGent;50\n"
    assert api.upload(plan, csv, kind="annex", filename="cijfers.csv", content_type="text/csv").status_code == 201
    assert [d["content_type"] for d in api.get(f"/plans/{plan['id']}/documents").json()] == ["image/png", "text/csv"]


def test_a_partner_reads_the_documents_of_its_own_plans_only(api: PlansApi) -> None:
    mine = new_plan(api, parties=[{"organisation_id": api.organisation_of("partner"), "role": "uitvoerder"}])
    other = new_plan(api)
    ours = api.upload(mine).json()
    theirs = api.upload(other).json()
    assert api.get(f"/plans/{mine['id']}/documents/{ours['id']}", user="partner").content == PDF
    assert api.get(f"/plans/{other['id']}/documents/{theirs['id']}", user="partner").status_code == 404
    assert api.get(f"/plans/{other['id']}/documents", user="partner").status_code == 404
    assert api.get(f"/plans/{mine['id']}/documents/{theirs['id']}", user="partner").status_code == 404
    with httpx.stream("GET", api.url(f"/plans/{other['id']}/documents/{theirs['id']}"),
                      headers=api.as_("call-manager")) as download:
        assert download.status_code == 200
