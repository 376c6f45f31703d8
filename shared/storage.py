"""Object storage, spoken to only through the minio SDK (SeaweedFS S3 locally, MinIO in production).

Uploads are streamed into a spool file (memory up to 1 MiB, disk beyond) while the size is counted against
the limit and the SHA-256 computed; the content type is sniffed from the first bytes and must match what
the client claims and what the caller accepts; then ClamAV's daemon scans the whole spooled file
(shared.scanner). Only a file that passed every check is sent to S3, so a refused upload leaves no object
behind: an infected file is refused (422), and so is any file the scanner cannot judge now (503), never
stored unscanned. Keys carry the tenant: <tenant>/<aggregate>/<id>/<file-id>.

Nothing here touches the database: a caller stores the bytes first, outside any transaction, and then records
the object in a short one (removing the object when the record is refused), so a slow client never holds a
row lock or a pooled connection. Downloads go out in pieces (`stream`), never whole in memory."""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import io
import logging
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import BinaryIO, cast

import urllib3
from minio import Minio
from minio.error import S3Error
from prometheus_client import Counter

from shared.i18n import _
from shared.ids import uuid7
from shared.problems import Infected, NotFound, PayloadTooLarge, ScanUnavailable, UnsupportedMediaType
from shared.scanner import Clamd, ScanFailed
from shared.tenancy import is_tenant

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
CSV = "text/csv"
TEXT = "text/plain"

DOCUMENTS = frozenset({PDF, DOCX, XLSX, ODT, ODS, CSV, TEXT, PNG, JPEG})
PHOTOS = frozenset({JPEG, PNG, WEBP})

log = logging.getLogger("regie.storage")

SCANS = Counter("regie_upload_scans_total", "Uploads the virus scanner judged, by outcome: clean, infected, or "
                "failed (no verdict, so the upload was refused with 503)", ["outcome"])
"""Watched by the alerts RegieUploadScannerFailing and RegieUploadInfected (deploy/k8s/base/monitoring.yaml)."""

SNIFF_BYTES = 8192
READ_CHUNK = 64 * 1024


ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_UNPACKED = 512 * 1024 * 1024
"""What an office file may unpack to, by its own directory: more is a zip bomb, whatever it claims to be."""
ZIP_MAX_RATIO = 200
"""How far one member may be compressed (its size over its packed size) once it is over 1 MiB."""
NESTED_ARCHIVES = (".zip", ".7z", ".rar", ".gz", ".tgz", ".tar", ".jar", ".cab", ".bz2", ".xz")
"""Members that are archives of their own: an office document has no reason to carry one."""
MIMETYPE_MAX = 100
"""The `mimetype` member of an OpenDocument file: a short line, read no further than this."""


def _office_type(spool: io.IOBase) -> str | None:
    """DOCX, XLSX, ODT or ODS by the archive's own members, read from its directory (nothing is unpacked but
    the few bytes of an OpenDocument's `mimetype`); None for anything else, a zip bomb or a nested archive."""
    with zipfile.ZipFile(spool) as archive:
        members = archive.infolist()
        if len(members) > ZIP_MAX_ENTRIES or sum(m.file_size for m in members) > ZIP_MAX_UNPACKED:
            return None
        for member in members:
            if member.file_size > 1024 * 1024 and member.file_size > ZIP_MAX_RATIO * max(member.compress_size, 1):
                return None
            if member.filename.lower().endswith(NESTED_ARCHIVES):
                return None
        names = {member.filename for member in members}
        if "mimetype" in names:
            member = archive.getinfo("mimetype")
            if member.file_size > MIMETYPE_MAX:
                return None
            with archive.open(member) as opened:  # the directory may lie about the size: never read on
                line = opened.read(MIMETYPE_MAX + 1)
            if len(line) > MIMETYPE_MAX:
                return None
            mimetype = line.decode("ascii", "replace").strip()
            return mimetype if mimetype in {ODT, ODS} else None
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return DOCX
            if any(n.startswith("xl/") for n in names):
                return XLSX
    return None


def _all_text(spool: io.IOBase) -> bool:
    """The whole file is UTF-8 text without NUL bytes: not only its first SNIFF_BYTES."""
    spool.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := spool.read(READ_CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        spool.seek(0)
    return True


def sniff(head: bytes, spool: io.IOBase | None = None) -> str | None:
    """The content type the bytes show, or None when they show nothing we accept. Office files are zip
    archives: their inner names tell them apart, so those need the whole file (`spool`); so does text, which
    must be text to its end."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04") and spool is not None:
        spool.seek(0)
        try:
            return _office_type(spool)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError):
            return None
        finally:
            spool.seek(0)
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the sniff boundary is still text.
            if exc.start < len(head) - 3:
                return None
        if spool is not None and not _all_text(spool):
            return None
        return TEXT
    return None


def clean_filename(name: str) -> str:
    """The name a person gave their file, as it is kept and shown: its last part only (no folders, so no
    "../"), no control characters, no leading dots, at most 200 characters (the extension kept); "bestand" when
    nothing is left."""
    last = re.split(r"[\\/]", name)[-1]
    last = "".join(ch for ch in last if unicodedata.category(ch)[0] != "C").strip().lstrip(".").strip()
    if len(last) > 200:
        stem, dot, extension = last.rpartition(".")
        last = (stem[:200 - len(extension) - 1] + dot + extension) if dot and len(extension) <= 10 else last[:200]
    return last or "bestand"


def normalise(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def matches(claimed: str, sniffed: str) -> bool:
    # Text is text: a CSV is sniffed as plain text, so a claimed text/* subtype is taken at its word.
    return claimed == sniffed or (sniffed == TEXT and claimed in {TEXT, CSV})


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    content_type: str
    filename: str


@dataclass(frozen=True)
class ObjectStream:
    """A stored file on its way out: its size, and its bytes in pieces as they come from S3."""

    size: int
    chunks: AsyncIterator[bytes]


@dataclass
class Upload:
    kept: bool = False
    """Set by the block of `ObjectStore.removed_unless_kept` once the stored object is recorded."""


def object_key(tenant: str, aggregate: str, aggregate_id: str, file_id: str) -> str:
    if not is_tenant(tenant):
        raise ValueError(f"unknown tenant {tenant!r}")
    return f"{tenant}/{aggregate}/{aggregate_id}/{file_id}"


def s3_http_client(ca_file: str) -> urllib3.PoolManager:
    """The minio client's connection pool with its own defaults (5-minute timeouts, 10 connections, retries on
    5xx), trusting `ca_file` only and checking the certificate and the host name."""
    if not os.path.isfile(ca_file):
        raise ValueError(f"CA file {ca_file!r} not found")
    timeout = 300
    return urllib3.PoolManager(timeout=urllib3.Timeout(connect=timeout, read=timeout), maxsize=10,
                               cert_reqs="CERT_REQUIRED", ca_certs=ca_file,
                               retries=urllib3.Retry(total=5, backoff_factor=0.2,
                                                     status_forcelist=[500, 502, 503, 504]))


class ObjectStore:
    def __init__(self, client: Minio, bucket: str, max_upload_bytes: int, scanner: Clamd | None) -> None:
        self.client = client
        self.bucket = bucket
        self.max_upload_bytes = max_upload_bytes
        self.scanner = scanner
        """None: no scanner configured, so every upload is refused (503); reading stored files still works."""

    @classmethod
    def connect(cls, endpoint: str, access_key: str, secret_key: str, *, secure: bool, bucket: str,
                max_upload_bytes: int, scanner: Clamd | None, ca_file: str | None = None) -> ObjectStore:
        """`ca_file` (with `secure`): the CA the server's certificate must chain to (the cluster's internal CA)
        rather than the public ones; the host name is checked too."""
        http_client = s3_http_client(ca_file) if ca_file else None
        return cls(Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure,
                         http_client=http_client),
                   bucket, max_upload_bytes, scanner)

    async def ensure_bucket(self) -> None:
        def ensure() -> None:
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket)
                except S3Error as exc:  # another replica made it first
                    if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                        raise

        await asyncio.to_thread(ensure)

    async def ping(self) -> None:
        await asyncio.to_thread(self.client.bucket_exists, self.bucket)

    async def upload(self, chunks: AsyncIterable[bytes] | Iterable[bytes], *, tenant: str, aggregate: str,
                     aggregate_id: str, filename: str, claimed_type: str, accepted: frozenset[str],
                     max_bytes: int | None = None, made_here: bool = False) -> StoredObject:
        """Stores what a person sent (checked, and scanned for viruses) or, `made_here`, a document the platform
        rendered itself (a decision letter): checked the same, not scanned, so a scanner outage does not stop a
        decision."""
        limit = min(max_bytes or self.max_upload_bytes, self.max_upload_bytes)
        filename = clean_filename(filename)
        claimed = normalise(claimed_type)
        if claimed not in accepted:
            raise UnsupportedMediaType(
                _("bestandstype %(type)s wordt hier niet aanvaard") % {"type": claimed or _("onbekend")},
                accepted=sorted(accepted))
        digest = hashlib.sha256()
        size = 0
        head = b""
        with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
            async for chunk in _aiter(chunks):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(
                        _("%(file)s is groter dan de toegelaten %(mib)s MiB")
                        % {"file": filename, "mib": limit // (1024 * 1024)},
                        max_bytes=limit)
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                digest.update(chunk)
                spool.write(chunk)
            if size == 0:
                raise UnsupportedMediaType(_("%(file)s is leeg") % {"file": filename})
            sniffed = sniff(head, spool)
            if sniffed is None or not matches(claimed, sniffed):
                raise UnsupportedMediaType(
                    (_("de inhoud van %(file)s is geen %(claimed)s maar %(sniffed)s") if sniffed
                     else _("de inhoud van %(file)s is geen %(claimed)s"))
                    % {"file": filename, "claimed": claimed, "sniffed": sniffed}, claimed=claimed, detected=sniffed)
            if not made_here:
                spool.seek(0)
                await self._scan(cast(BinaryIO, spool), filename, tenant=tenant, aggregate=aggregate,
                                 aggregate_id=aggregate_id)
            spool.seek(0)
            file_id = str(uuid7())
            key = object_key(tenant, aggregate, aggregate_id, file_id)
            sha = digest.hexdigest()
            await asyncio.to_thread(
                self.client.put_object, self.bucket, key, cast(BinaryIO, spool), size, content_type=claimed,
                metadata={"sha256": sha, "filename": filename.encode("ascii", "replace").decode()},
            )
        return StoredObject(key=key, size=size, sha256=sha, content_type=claimed, filename=filename)

    async def _scan(self, spool: BinaryIO, filename: str, **where: str) -> None:
        """The scanner's verdict on the whole spooled file: Infected, or ScanUnavailable when there is none."""
        try:
            if self.scanner is None:
                raise ScanFailed("no virus scanner configured (REGIE_CLAMD_URL)")
            signature = await self.scanner.scan(spool)
        except ScanFailed as exc:
            SCANS.labels("failed").inc()
            log.error("upload refused: the virus scanner gave no verdict", extra={**where, "error": str(exc)})
            raise ScanUnavailable(_("%(file)s kan nu niet op virussen gecontroleerd worden; probeer het later "
                                    "opnieuw") % {"file": filename}) from exc
        if signature is not None:
            SCANS.labels("infected").inc()
            log.warning("upload refused: the virus scanner found a signature", extra={**where, "signature": signature})
            raise Infected(_("%(file)s bevat een virus (%(signature)s) en werd niet bewaard")
                           % {"file": filename, "signature": signature}, signature=signature)
        SCANS.labels("clean").inc()

    async def read(self, key: str, tenant: str) -> bytes:
        if not key.startswith(f"{tenant}/"):
            raise NotFound(_("bestand niet gevonden"))

        def get() -> bytes:
            response = self.client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        try:
            return await asyncio.to_thread(get)
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                raise NotFound(_("bestand niet gevonden")) from exc
            raise

    async def stream(self, key: str, tenant: str) -> ObjectStream:
        """The object in pieces of READ_CHUNK. Its existence is checked here (NotFound before any byte goes
        out); the S3 response is opened when the first piece is asked for and released after the last one,
        or when the reader stops early."""
        if not key.startswith(f"{tenant}/"):
            raise NotFound(_("bestand niet gevonden"))
        try:
            found = await asyncio.to_thread(self.client.stat_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchObject", "NotFound"}:
                raise NotFound(_("bestand niet gevonden")) from exc
            raise
        return ObjectStream(size=found.size or 0, chunks=self._pieces(key))

    async def _pieces(self, key: str) -> AsyncIterator[bytes]:
        response = await asyncio.to_thread(self.client.get_object, self.bucket, key)
        try:
            pieces = response.stream(READ_CHUNK)
            while (piece := await asyncio.to_thread(next, pieces, None)) is not None:
                yield piece
        finally:
            response.close()
            response.release_conn()

    async def remove(self, key: str) -> None:
        """Removes an object that was stored but never recorded (its record was refused)."""
        await asyncio.to_thread(self.client.remove_object, self.bucket, key)

    @asynccontextmanager
    async def removed_unless_kept(self, key: str) -> AsyncIterator[Upload]:
        """Around the short transaction that records an object already stored under `key`: the block sets
        `kept` once the record is in; when it does not (a refusal, a failure, or a retry that finds the first
        upload recorded), the object is removed, so no object outlives a missing record."""
        upload = Upload()
        try:
            yield upload
        finally:
            if not upload.kept:
                await self.remove(key)

    async def exists(self, key: str) -> bool:
        try:
            await asyncio.to_thread(self.client.stat_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchObject", "NotFound"}:
                return False
            raise
        return True

    async def keys(self, prefix: str) -> list[str]:
        def list_keys() -> list[str]:
            return [o.object_name for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)]

        return await asyncio.to_thread(list_keys)


async def _aiter(chunks: AsyncIterable[bytes] | Iterable[bytes]) -> AsyncIterator[bytes]:
    if isinstance(chunks, AsyncIterable):
        async for chunk in chunks:
            yield chunk
    else:
        for chunk in chunks:
            yield chunk
