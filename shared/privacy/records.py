"""A person's rows in one service's database, found through the catalogue: every table the request role may
read, every text, JSON and byte column. Row-Level Security keeps the search inside the request's province.

A username matches a whole value (a column that holds it, or a JSON string equal to it: "applicant" is also a
word in texts); an e-mail address, or a Keycloak subject, matches anywhere."""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.privacy.migration import AUDIT_FUNCTION

COLUMNS_SQL = text("""
    SELECT cl.relname, a.attname, format_type(a.atttypid, NULL)
    FROM pg_class cl
    JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = 'public'
    JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE cl.relkind IN ('r', 'p') AND cl.relname <> 'alembic_version'
      AND format_type(a.atttypid, NULL) IN ('text', 'character varying', 'jsonb', 'bytea')
      AND has_table_privilege(current_user, cl.oid, 'SELECT')
    ORDER BY cl.relname, a.attnum""")

SUBJECT_COLUMNS = ("applicant_sub", "subject_sub", "sub")
"""Columns that keep a person's Keycloak subject: what their idempotent requests are filed under."""


@dataclass(frozen=True)
class Column:
    table: str
    name: str
    kind: str  # text | jsonb | bytea

    def matches(self, whole: str, anywhere: str) -> str:
        """SQL true when the column names the person: `whole` and `anywhere` are bind parameter names."""
        column = f'"{self.name}"'
        if self.kind == "jsonb":
            as_text = f"lower({column}::text)"
            return (f"(strpos({as_text}, '\"' || lower(:{whole}) || '\"') > 0 "
                    f"OR strpos({as_text}, lower(:{anywhere})) > 0)")
        if self.kind == "bytea":
            return (f"(position(convert_to('\"' || :{whole} || '\"', 'UTF8') IN {column}) > 0 "
                    f"OR position(convert_to(:{anywhere}, 'UTF8') IN {column}) > 0)")
        return f"(lower({column}) = lower(:{whole}) OR strpos(lower({column}), lower(:{anywhere})) > 0)"


async def columns(session: AsyncSession) -> dict[str, list[Column]]:
    found: dict[str, list[Column]] = {}
    for table, name, data_type in (await session.execute(COLUMNS_SQL)).all():
        kind = data_type if data_type in ("jsonb", "bytea") else "text"
        found.setdefault(table, []).append(Column(table, name, kind))
    return found


def _where(cols: list[Column], needles: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """A condition true for any column naming any needle; (whole, anywhere) pairs: a username has no
    `anywhere` form (an impossible string stands in)."""
    params: dict[str, str] = {}
    parts = []
    for n, (whole, anywhere) in enumerate(needles):
        params[f"w{n}"], params[f"a{n}"] = whole, anywhere
        parts += [c.matches(f"w{n}", f"a{n}") for c in cols]
    return " OR ".join(parts) or "false", params


NOWHERE = "\u2400regie-matches-no-text\u2400"
"""Stands in for the `anywhere` form of a username (PostgreSQL text holds no NUL to use instead)."""


def needle_pairs(username: str, others: list[str]) -> list[tuple[str, str]]:
    pairs = [(username, NOWHERE)] if username else []
    return pairs + [(value, value) for value in others if value]


async def matching_rows(session: AsyncSession, table: str, cols: list[Column],
                        needles: list[tuple[str, str]]) -> list[dict[str, Any]]:
    condition, params = _where(cols, needles)
    result = await session.execute(text(f'SELECT * FROM "{table}" WHERE {condition}'), params)
    return [dict(row) for row in result.mappings().all()]


async def find(session: AsyncSession, username: str, others: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every row naming the person, by table (as stored). The subjects found on those rows are searched too."""
    tables = await columns(session)
    needles = needle_pairs(username, others)
    found = {t: rows for t, cols in tables.items() if (rows := await matching_rows(session, t, cols, needles))}
    subjects = sorted({str(row[c]) for rows in found.values() for row in rows for c in SUBJECT_COLUMNS
                       if row.get(c)} - set(others))
    if subjects:
        more = needle_pairs("", subjects)
        for t, cols in tables.items():
            known = {repr(r) for r in found.get(t, [])}
            extra = [r for r in await matching_rows(session, t, cols, more) if repr(r) not in known]
            if extra:
                found.setdefault(t, []).extend(extra)
    return found


REFERENCES_SQL = text("""
    SELECT child.relname, array_agg(ca.attname ORDER BY k.n), array_agg(pa.attname ORDER BY k.n)
    FROM pg_constraint c
    JOIN pg_class child ON child.oid = c.conrelid
    JOIN pg_namespace ns ON ns.oid = child.relnamespace AND ns.nspname = 'public'
    JOIN pg_class parent ON parent.oid = c.confrelid AND parent.relname = :parent
    CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(child_attnum, parent_attnum, n)
    JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.child_attnum
    JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.parent_attnum
    WHERE c.contype = 'f' AND has_table_privilege(current_user, child.oid, 'SELECT')
    GROUP BY c.oid, child.relname
    ORDER BY child.relname, c.oid""")


async def linked(session: AsyncSession, found: dict[str, list[dict[str, Any]]],
                 people: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """The rows that refer by a foreign key to a found row of one of `people` (tables each of whose rows is a
    person, such as a driver): what the person did (their rounds, their pickups), which names them only by an
    id. One step: what refers to those rows in turn is the province's, not the person's."""
    linked: dict[str, list[dict[str, Any]]] = {}
    for parent in people:
        rows = found.get(parent, [])
        if not rows:
            continue
        for child, child_columns, parent_columns in (await session.execute(REFERENCES_SQL, {"parent": parent})).all():
            params = {f"k{n}": [str(row[column]) for row in rows] for n, column in enumerate(parent_columns)}
            keys = ", ".join(f'"{column}"::text' for column in child_columns)
            arrays = ", ".join(f"CAST(:k{n} AS text[])" for n in range(len(parent_columns)))
            result = await session.execute(
                text(f'SELECT * FROM "{child}" WHERE ({keys}) IN (SELECT * FROM unnest({arrays}))'), params)
            known = {repr(row) for row in linked.get(child, [])}
            for row in map(dict, result.mappings().all()):
                if repr(row) not in known:
                    linked.setdefault(child, []).append(row)
                    known.add(repr(row))
    return linked


def subjects_in(found: dict[str, list[dict[str, Any]]]) -> list[str]:
    return sorted({str(row[c]) for rows in found.values() for row in rows for c in SUBJECT_COLUMNS if row.get(c)})


def jsonable(value: Any) -> Any:
    """A stored value as the archive shows it: bytes as UTF-8 text when they are, else base64."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        try:
            return raw.decode()
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(raw).decode()}
    if isinstance(value, datetime | date | uuid.UUID | Decimal):
        return str(value) if not isinstance(value, datetime | date) else value.isoformat()
    return value


async def pseudonymise(session: AsyncSession, tables: dict[str, list[Column]], username: str,
                       others: list[str], alias: str) -> dict[str, int]:
    """Replaces the person by `alias` in every row that keeps them and may be updated: a username where it is
    the whole value (or a whole JSON string), an address or subject wherever it occurs. Rows counted by table."""
    counts: dict[str, int] = {}
    needles = needle_pairs(username, others)
    for table, cols in tables.items():
        writable = [c for c in cols if c.kind != "bytea" and await _may_update(session, table, c.name)]
        if not writable:
            continue
        condition, params = _where(writable, needles)
        sets = ", ".join(f'"{c.name}" = {_replaced(c, needles, params)}' for c in writable)
        result = await session.execute(text(f'UPDATE "{table}" SET {sets} WHERE {condition}'),
                                       {**params, "alias": alias})
        if result.rowcount:  # type: ignore[attr-defined]
            counts[table] = result.rowcount  # type: ignore[attr-defined]
    return counts


def _replaced(column: Column, needles: list[tuple[str, str]], params: dict[str, str]) -> str:
    expression = f'"{column.name}"'
    if column.kind == "jsonb":
        expression += "::text"
    for n, (whole, anywhere) in enumerate(needles):
        params[f"re_w{n}"] = '"' + re.escape(whole) + '"'
        params[f"re_a{n}"] = re.escape(anywhere)
        if column.kind == "jsonb":
            expression = f"regexp_replace({expression}, :re_w{n}, '\"' || :alias || '\"', 'gi')"
        else:
            expression = f"CASE WHEN lower({expression}) = lower(:w{n}) THEN :alias ELSE {expression} END"
        if anywhere != NOWHERE:
            expression = f"regexp_replace({expression}, :re_a{n}, :alias, 'gi')"
    return f"({expression})::jsonb" if column.kind == "jsonb" else expression


async def pseudonymise_audit_log(session: AsyncSession, username: str, others: list[str], alias: str) -> int:
    """The audit log is append-only, even for the request role: the person is replaced there by the function
    its owner made for that alone (shared.privacy.migration), with the same matching as `pseudonymise`."""
    return int(await session.scalar(
        text(f"SELECT {AUDIT_FUNCTION}(CAST(:whole AS text[]), CAST(:anywhere AS text[]), :alias)"),
        {"whole": [username] if username else [], "anywhere": [o for o in others if o], "alias": alias}) or 0)


async def _may_update(session: AsyncSession, table: str, column: str) -> bool:
    return bool(await session.scalar(
        text("SELECT has_column_privilege(current_user, ('public.' || quote_ident(:t))::regclass, :c, 'UPDATE')"),
        {"t": table, "c": column}))


async def delete_matching(session: AsyncSession, table: str, cols: list[Column], username: str, others: list[str],
                          extra: str = "true") -> int:
    """Deletes the rows of `table` that name the person (and satisfy `extra`)."""
    condition, params = _where(cols, needle_pairs(username, others))
    result = await session.execute(text(f'DELETE FROM "{table}" WHERE ({condition}) AND {extra}'), params)
    return int(result.rowcount)  # type: ignore[attr-defined]
