"""One archive of a person's data across the services, and their erasure in each: what the province's
data-protection officer runs for a request, through the gateway, with a province administrator's token.

    python -m shared.privacy export --tenant limburg --email mara@voorbeeld.be --out mara.zip
    python -m shared.privacy erase  --tenant limburg --username mara.peeters --email mara@voorbeeld.be

The token comes from REGIE_ACCESS_TOKEN (a province-admin's), the gateway's address from REGIE_GATEWAY_URL.
The archive holds `<service>.json` (every record of the person, as the service stores it, and under `linked` the
records that refer to them by an id: a driver's rounds) for each service and the files they uploaded under
`<service>/files/`; `erase` prints what each service deleted and pseudonymised."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx

SERVICES = ("grants", "partners", "foodsavers")


class RequestFailed(Exception):
    pass


def _answer(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        raise RequestFailed(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                            f"{response.text[:500]}")
    return response


async def export(gateway: str, tenant: str, token: str, person: dict[str, str], out: Path) -> dict[str, int]:
    """Writes the archive; how many records and files each service gave."""
    counts: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=gateway, headers={"Authorization": f"Bearer {token}"},
                                 timeout=120) as http:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for service in SERVICES:
                base = f"/{tenant}/api/{service}/personal-data"
                found = _answer(await http.get(base, params=person)).json()
                archive.writestr(f"{service}.json", json.dumps(found, indent=2, ensure_ascii=False))
                for key in found["files"]:
                    content = _answer(await http.get(f"{base}/files", params={**person, "key": key})).content
                    archive.writestr(f"{service}/files/{key.rsplit('/', 1)[-1]}", content)
                counts[service] = (sum(len(rows) for part in ("records", "linked") for rows in found[part].values())
                                   + len(found["files"]))
    return counts


async def erase(gateway: str, tenant: str, token: str, person: dict[str, str]) -> dict[str, Any]:
    """Each service's summary of the erasure."""
    async with httpx.AsyncClient(base_url=gateway, headers={"Authorization": f"Bearer {token}"},
                                 timeout=120) as http:
        return {service: _answer(await http.post(f"/{tenant}/api/{service}/personal-data/erase", json=person)).json()
                for service in SERVICES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.privacy", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("export", "erase"))
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--username", default="")
    parser.add_argument("--email", default="")
    parser.add_argument("--out", type=Path, help="the archive (export)")
    parser.add_argument("--gateway", default=os.environ.get("REGIE_GATEWAY_URL", "http://127.0.0.1:20000"))
    args = parser.parse_args(argv)
    token = os.environ.get("REGIE_ACCESS_TOKEN", "")
    if not token:
        parser.error("set REGIE_ACCESS_TOKEN to a province administrator's access token")
    person = {"username": args.username, "email": args.email}
    try:
        if args.action == "export":
            if args.out is None:
                parser.error("export needs --out")
            counts = asyncio.run(export(args.gateway, args.tenant, token, person, args.out))
            print(f"wrote {args.out}: " + ", ".join(f"{s} {n}" for s, n in counts.items()))
        else:
            print(json.dumps(asyncio.run(erase(args.gateway, args.tenant, token, person)), indent=2))
    except RequestFailed as failed:
        print(f"refused: {failed}", file=sys.stderr)
        return 1
    return 0
