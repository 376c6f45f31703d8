"""Object storage on the real S3 server, through the minio SDK."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator

import pytest
from prometheus_client import REGISTRY

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.ids import uuid7
from shared.problems import Infected, NotFound, PayloadTooLarge, ScanUnavailable, UnsupportedMediaType
from shared.scanner import Clamd
from shared.storage import DOCUMENTS, PDF, PNG, ObjectStore
from tests.support import EICAR, EICAR_SIGNATURE, closed_port

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
async def store(infra: Stack, stack_config: StackConfig) -> ObjectStore:
    # A bucket of the tests' own, through the stack's administrator key (each service's key has its bucket only).
    store = ObjectStore.connect(stack_config.s3_endpoint, stack_config.s3_access_key, stack_config.s3_secret_key,
                                secure=False, bucket="regie-storage-tests", max_upload_bytes=1024 * 1024,
                                scanner=Clamd.from_url(stack_config.clamd_url))
    await store.ensure_bucket()
    return store


def chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def test_a_valid_upload_is_stored_under_its_tenant_with_its_sha256(store: ObjectStore) -> None:
    aggregate_id = str(uuid7())
    stored = await store.upload(chunks(PDF_BYTES), tenant="limburg", aggregate="application",
                                aggregate_id=aggregate_id, filename="begroting.pdf", claimed_type=PDF,
                                accepted=DOCUMENTS)
    assert stored.key.startswith(f"limburg/application/{aggregate_id}/")
    assert stored.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert stored.size == len(PDF_BYTES)
    assert await store.read(stored.key, "limburg") == PDF_BYTES


async def test_another_province_cannot_read_it_by_key(store: ObjectStore) -> None:
    stored = await store.upload([PDF_BYTES], tenant="limburg", aggregate="application", aggregate_id="a1",
                                filename="x.pdf", claimed_type=PDF, accepted=DOCUMENTS)
    with pytest.raises(Exception, match="niet gevonden"):
        await store.read(stored.key, "antwerpen")


async def test_an_upload_over_the_limit_is_refused_and_leaves_no_object(store: ObjectStore) -> None:
    aggregate_id = str(uuid7())
    too_big = PDF_BYTES + b"0" * (2 * 1024 * 1024)
    with pytest.raises(PayloadTooLarge, match="groter dan"):
        await store.upload(chunks(too_big), tenant="antwerpen", aggregate="application",
                           aggregate_id=aggregate_id, filename="groot.pdf", claimed_type=PDF, accepted=DOCUMENTS)
    assert await store.keys(f"antwerpen/application/{aggregate_id}/") == []


async def test_a_caller_limit_below_the_store_limit_applies(store: ObjectStore) -> None:
    with pytest.raises(PayloadTooLarge):
        await store.upload([PDF_BYTES], tenant="antwerpen", aggregate="round", aggregate_id="r1",
                           filename="klein.pdf", claimed_type=PDF, accepted=DOCUMENTS, max_bytes=10)


async def test_bytes_that_do_not_match_the_claimed_type_are_refused_and_leave_no_object(store: ObjectStore) -> None:
    aggregate_id = str(uuid7())
    with pytest.raises(UnsupportedMediaType, match="geen application/pdf maar image/png") as refused:
        await store.upload([PNG_BYTES], tenant="antwerpen", aggregate="application", aggregate_id=aggregate_id,
                           filename="begroting.pdf", claimed_type=PDF, accepted=DOCUMENTS)
    assert refused.value.extensions == {"claimed": PDF, "detected": PNG}
    with pytest.raises(UnsupportedMediaType):
        await store.upload([b"MZ\x90\x00\x03\x00\x00\x00"], tenant="antwerpen", aggregate="application",
                           aggregate_id=aggregate_id, filename="virus.pdf", claimed_type=PDF, accepted=DOCUMENTS)
    with pytest.raises(UnsupportedMediaType, match="niet aanvaard"):
        await store.upload([b"MZ"], tenant="antwerpen", aggregate="application", aggregate_id=aggregate_id,
                           filename="setup.exe", claimed_type="application/x-msdownload", accepted=DOCUMENTS)
    assert await store.keys(f"antwerpen/application/{aggregate_id}/") == []


async def test_a_stored_file_streams_out_in_pieces_with_its_size(store: ObjectStore) -> None:
    data = PDF_BYTES + bytes(range(256)) * 1024  # 256 KiB and a bit: several pieces
    stored = await store.upload(chunks(data), tenant="limburg", aggregate="application", aggregate_id=str(uuid7()),
                                filename="groot.pdf", claimed_type=PDF, accepted=DOCUMENTS)
    found = await store.stream(stored.key, "limburg")
    assert found.size == len(data)
    pieces = [piece async for piece in found.chunks]
    assert len(pieces) > 1 and max(len(p) for p in pieces) <= 64 * 1024
    assert b"".join(pieces) == data


async def test_streaming_another_provinces_or_a_missing_key_is_not_found(store: ObjectStore) -> None:
    stored = await store.upload([PDF_BYTES], tenant="limburg", aggregate="application", aggregate_id=str(uuid7()),
                                filename="x.pdf", claimed_type=PDF, accepted=DOCUMENTS)
    with pytest.raises(NotFound):
        await store.stream(stored.key, "antwerpen")
    with pytest.raises(NotFound):
        await store.stream(f"limburg/application/{uuid7()}/{uuid7()}", "limburg")


async def test_a_removed_object_is_gone(store: ObjectStore) -> None:
    aggregate_id = str(uuid7())
    stored = await store.upload([PDF_BYTES], tenant="limburg", aggregate="application", aggregate_id=aggregate_id,
                                filename="x.pdf", claimed_type=PDF, accepted=DOCUMENTS)
    await store.remove(stored.key)
    assert await store.keys(f"limburg/application/{aggregate_id}/") == []


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def word(**extra: bytes) -> bytes:
    return zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>", **extra})


HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    # what an applicant could send, and what it claims to be: each refused, nothing stored
    "an OpenDocument whose mimetype member inflates to 64 MiB": (
        lambda: zipped({"mimetype": b"application/vnd.oasis.opendocument.text" + b" " * (64 * 1024 * 1024)}), ODT),
    "a Word file with a member packed 1000 to 1": (lambda: word(**{"word/media/zeros.bin": b"\0" * (32 << 20)}), DOCX),
    "a Word file carrying a zip": (lambda: word(**{"word/embeddings/inner.zip": zipped({"a.txt": b"a"})}), DOCX),
    "a Word file carrying a tar.gz": (lambda: word(**{"word/embeddings/x.tar.gz": b"\x1f\x8b" + b"x" * 100}), DOCX),
    "text with binary after the first 8 KiB": (lambda: b"naam;bedrag\n" * 1000 + b"\x00\x01\x02ELF", "text/csv"),
    "text that stops being UTF-8 after 8 KiB": (lambda: b"a" * 9000 + b"\xff\xfe\xfd", "text/plain"),
    "a zip that is no office file": (lambda: zipped({"readme.txt": b"hallo"}), DOCX),
    "a truncated zip": (lambda: word()[:200], DOCX),
}


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_a_hostile_file_is_refused_and_leaves_no_object(store: ObjectStore, case: str) -> None:
    make, claimed = HOSTILE[case]
    aggregate_id = str(uuid7())
    with pytest.raises(UnsupportedMediaType):
        await store.upload(chunks(make()), tenant="limburg", aggregate="application", aggregate_id=aggregate_id,
                           filename="bijlage", claimed_type=claimed, accepted=DOCUMENTS, max_bytes=1024 * 1024)
    assert await store.keys(f"limburg/application/{aggregate_id}/") == []


@pytest.mark.parametrize("data,claimed", [
    (word(), DOCX),
    (zipped({"mimetype": ODT.encode(), "content.xml": b"<office:document-content/>"}), ODT),
    (b"naam;bedrag\n" * 1000 + "één;€ 5\n".encode(), "text/csv"),
])
async def test_genuine_office_files_and_long_text_pass(store: ObjectStore, data: bytes, claimed: str) -> None:
    stored = await store.upload(chunks(data), tenant="limburg", aggregate="application", aggregate_id=str(uuid7()),
                                filename="bijlage", claimed_type=claimed, accepted=DOCUMENTS)
    assert stored.content_type == claimed and stored.size == len(data)


@pytest.mark.parametrize("name,kept", [
    ("../../etc/passwd", "passwd"), ("..\\..\\windows\\win.ini", "win.ini"), ("/tmp/x/begroting.pdf", "begroting.pdf"),
    (".htaccess", "htaccess"), ("be\x00gro\nting.pdf", "begroting.pdf"), ("../", "bestand"),
])
async def test_a_file_name_keeps_its_last_part_only(store: ObjectStore, name: str, kept: str) -> None:
    aggregate_id = str(uuid7())
    stored = await store.upload([PDF_BYTES], tenant="limburg", aggregate="application", aggregate_id=aggregate_id,
                                filename=name, claimed_type=PDF, accepted=DOCUMENTS)
    assert stored.filename == kept
    assert stored.key.startswith(f"limburg/application/{aggregate_id}/") and ".." not in stored.key


async def test_each_services_key_reaches_its_own_bucket_and_no_other(infra: Stack, stack_config: StackConfig) -> None:
    """One S3 key per service, allowed its own bucket only: a leaked or misused key of one service reads,
    writes, lists and creates nothing of another's."""
    from minio.error import S3Error

    stores = {}
    for service in ("grants", "partners", "foodsavers"):
        env = stack_config.service_env(service)
        stores[service] = ObjectStore.connect(env["REGIE_S3_ENDPOINT"], env["REGIE_S3_ACCESS_KEY"],
                                              env["REGIE_S3_SECRET_KEY"], secure=False, bucket=env["REGIE_S3_BUCKET"],
                                              max_upload_bytes=1024 * 1024,
                                              scanner=Clamd.from_url(env["REGIE_CLAMD_URL"]))
        await stores[service].ensure_bucket()
    mine = await stores["partners"].upload([PDF_BYTES], tenant="limburg", aggregate="plan", aggregate_id=str(uuid7()),
                                           filename="overeenkomst.pdf", claimed_type=PDF, accepted=DOCUMENTS)
    assert await stores["partners"].read(mine.key, "limburg") == PDF_BYTES
    grants = stores["grants"]
    refused = 0
    attempts = [
        lambda: grants.client.get_object("regie-partners", mine.key).read(),
        lambda: grants.client.put_object("regie-partners", "limburg/plan/x/y", io.BytesIO(b"x"), 1),
        lambda: list(grants.client.list_objects("regie-partners", recursive=True)),
        lambda: grants.client.remove_object("regie-partners", mine.key),
        lambda: grants.client.make_bucket("regie-grants-elsewhere"),
        lambda: stores["foodsavers"].client.stat_object("regie-partners", mine.key),
    ]
    for attempt in attempts:
        with pytest.raises(S3Error) as denied:
            attempt()
        assert denied.value.code == "AccessDenied"
        refused += 1
    assert refused == len(attempts)
    assert [b.name for b in grants.client.list_buckets()] == ["regie-grants"]
    assert await stores["partners"].read(mine.key, "limburg") == PDF_BYTES  # untouched


def scans(outcome: str) -> float:
    return REGISTRY.get_sample_value("regie_upload_scans_total", {"outcome": outcome}) or 0.0


INFECTED: dict[str, tuple[Callable[[], bytes], str]] = {
    # files that pass every check of their type, and carry the EICAR test file: clamd finds each
    "the EICAR file itself, as text": (lambda: EICAR, "text/plain"),
    "a PDF with EICAR in it": (lambda: PDF_BYTES[:-6] + EICAR + b"\n%%EOF\n", PDF),
    "a PDF with EICAR after 900 KiB": (lambda: PDF_BYTES + b"%" * (900 * 1024) + EICAR, PDF),
    "a Word file with EICAR in a member (clamd unpacks it)": (lambda: word(**{"word/media/x.txt": EICAR}), DOCX),
}


@pytest.mark.parametrize("case", list(INFECTED))
async def test_an_infected_file_is_refused_and_leaves_no_object(store: ObjectStore, case: str) -> None:
    make, claimed = INFECTED[case]
    aggregate_id = str(uuid7())
    infected_before = scans("infected")
    with pytest.raises(Infected, match="bevat een virus") as refused:
        await store.upload(chunks(make()), tenant="limburg", aggregate="application", aggregate_id=aggregate_id,
                           filename="bijlage", claimed_type=claimed, accepted=DOCUMENTS)
    assert refused.value.status == 422 and refused.value.kind == "upload-infected"
    assert refused.value.extensions == {"signature": EICAR_SIGNATURE}
    assert await store.keys(f"limburg/application/{aggregate_id}/") == []
    assert scans("infected") == infected_before + 1  # what the alert RegieUploadInfected counts


@pytest.mark.parametrize("scanner", ["down", "not configured"])
async def test_without_a_verdict_a_clean_file_is_refused_and_leaves_no_object(store: ObjectStore,
                                                                           scanner: str) -> None:
    """A scanner that is down (or none at all) means refused, never accepted unscanned."""
    blind = ObjectStore(store.client, store.bucket, store.max_upload_bytes,
                        Clamd("127.0.0.1", closed_port(), timeout_seconds=5) if scanner == "down" else None)
    aggregate_id = str(uuid7())
    failed_before = scans("failed")
    with pytest.raises(ScanUnavailable, match="kan nu niet op virussen gecontroleerd worden") as refused:
        await blind.upload([PDF_BYTES], tenant="limburg", aggregate="application", aggregate_id=aggregate_id,
                           filename="begroting.pdf", claimed_type=PDF, accepted=DOCUMENTS)
    assert refused.value.status == 503
    assert await store.keys(f"limburg/application/{aggregate_id}/") == []
    assert scans("failed") == failed_before + 1  # what the alert RegieUploadScannerFailing watches


async def test_a_document_the_platform_made_itself_is_stored_while_the_scanner_is_down(store: ObjectStore) -> None:
    """A decision letter rendered by grants is checked like any file but not scanned: a scanner outage must not
    stop a province's decision. A file a person sends is still refused."""
    blind = ObjectStore(store.client, store.bucket, store.max_upload_bytes,
                        Clamd("127.0.0.1", closed_port(), timeout_seconds=5))
    aggregate_id = str(uuid7())
    stored = await blind.upload([PDF_BYTES], tenant="limburg", aggregate="letters", aggregate_id=aggregate_id,
                                filename="beslissing.pdf", claimed_type=PDF, accepted=DOCUMENTS, made_here=True)
    assert await store.keys(f"limburg/letters/{aggregate_id}/") == [stored.key]
    with pytest.raises(ScanUnavailable):
        await blind.upload([PDF_BYTES], tenant="limburg", aggregate="letters", aggregate_id=aggregate_id,
                           filename="beslissing.pdf", claimed_type=PDF, accepted=DOCUMENTS)
