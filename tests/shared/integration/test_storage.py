"""Object storage on the real S3 server, through the minio SDK."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.ids import uuid7
from shared.problems import NotFound, PayloadTooLarge, UnsupportedMediaType
from shared.storage import DOCUMENTS, PDF, PNG, ObjectStore

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
async def store(infra: Stack, stack_config: StackConfig) -> ObjectStore:
    env = stack_config.service_env("grants")
    store = ObjectStore.connect(env["REGIE_S3_ENDPOINT"], env["REGIE_S3_ACCESS_KEY"], env["REGIE_S3_SECRET_KEY"],
                                secure=False, bucket="regie-storage-tests", max_upload_bytes=1024 * 1024)
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
