"""The Jinja filters the portal's templates use to show amounts, moments and numbers the nl-BE way."""

from __future__ import annotations

from litestar.plugins.jinja import JinjaTemplateEngine

from services.gateway.portal import formats

FILE_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
              "text/csv": "CSV"}


def file_types(types: list[str]) -> str:
    return ", ".join(FILE_TYPES.get(t, t) for t in types)


def register_filters(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters.update({
        "euros": formats.euros,
        "brussels": formats.brussels_moment,
        "brussels_seconds": lambda value: formats.brussels_moment(value, seconds=True),
        "brussels_date": formats.brussels_date,
        "percentage": formats.percentage,
        "number": formats.number,
        "kbo": formats.enterprise_number,
        "filesize": formats.file_size,
        "filetypes": file_types,
    })
