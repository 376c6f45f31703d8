"""Files a service hands out: a stored upload streamed from object storage, or a report made on request (PDF or
spreadsheet). One place for their headers: the file name as every browser reads it (RFC 6266, with an ASCII
fallback and the UTF-8 name), never kept by a shared cache (they hold a person's or a province's data), and the
content hash recorded at upload as the ETag."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from urllib.parse import quote

from litestar import Response
from litestar.response import Stream

from shared.storage import ObjectStream


class FileFormat(StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"


MEDIA_TYPES: dict[FileFormat, str] = {
    FileFormat.PDF: "application/pdf",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_PLAIN = re.compile(r"[A-Za-z0-9._ -]+")


def disposition(file_name: str, *, inline: bool = False) -> str:
    """`attachment; filename="…"` (or inline, to show in the browser); a name beyond plain ASCII gets an ASCII
    fallback and its UTF-8 form in `filename*`."""
    kind = "inline" if inline else "attachment"
    if _PLAIN.fullmatch(file_name):
        return f'{kind}; filename="{file_name}"'
    folded = unicodedata.normalize("NFKD", file_name).encode("ascii", "ignore").decode()
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", folded).strip("_") or "bestand"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"


def private(file_name: str, *, inline: bool = False, sha256: str | None = None,
            headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """The headers of a file for one person: its name, no shared caching, and its hash when known."""
    found = {"Content-Disposition": disposition(file_name, inline=inline), "Cache-Control": "no-store"}
    if sha256:
        found |= {"ETag": f'"{sha256}"', "X-Content-SHA256": sha256}
    return found | dict(headers or {})


def stored_file(content: ObjectStream, *, media_type: str, file_name: str, sha256: str | None = None,
                inline: bool = False, headers: Mapping[str, str] | None = None) -> Stream:
    """A file from object storage, in pieces (the request's transaction ends before the first one)."""
    return Stream(content.chunks, media_type=media_type, headers={
        "Content-Length": str(content.size),
        **private(file_name, inline=inline, sha256=sha256, headers=headers)})


def made_file(content: bytes, file_format: FileFormat, file_stem: str, *, inline: bool = False) -> Response[bytes]:
    """A report made on request, named `<file_stem>.<pdf|xlsx>`."""
    return Response(content, media_type=MEDIA_TYPES[file_format],
                    headers=private(f"{file_stem}.{file_format.value}", inline=inline))
