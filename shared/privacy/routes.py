"""The routes every service offers for personal data requests, for the province's administrator only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.params import Parameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal, require_roles
from shared.downloads import stored_file
from shared.i18n import _
from shared.privacy import service
from shared.privacy.person import Person
from shared.problems import NotFound
from shared.service_app import Runtime

ADMINS = ("province-admin",)


def personal_data_controller(privacy: service.Privacy) -> type[Controller]:
    class PersonalDataController(Controller):
        """A person's data in this service: the export, its files, and the erasure."""

        path = "/{tenant:str}/personal-data"
        tags = ["personal data"]
        guards = [require_roles(*ADMINS)]

        @get("/")
        async def export(self, session: AsyncSession, principal: Principal,
                         username: str = Parameter(default=""), email: str = Parameter(default="")) -> dict[str, Any]:
            person = Person(username=username, email=email).checked()
            return await service.export(session, principal.tenant, person, privacy)

        @get("/files")
        async def file(self, session: AsyncSession, principal: Principal, runtime: Runtime,
                       key: str = Parameter(), username: str = Parameter(default=""),
                       email: str = Parameter(default="")) -> Stream:
            """One of the files the export lists (no other object of the bucket)."""
            person = Person(username=username, email=email).checked()
            listed = (await service.export(session, principal.tenant, person, privacy))["files"]
            if key not in listed or runtime.store is None:
                raise NotFound(_("bestand niet gevonden"))
            content = await runtime.store.stream(key, principal.tenant)
            return stored_file(content, media_type="application/octet-stream", file_name=key.rsplit("/", 1)[-1])

        @post("/erase", status_code=200)
        async def erase(self, data: Person, session: AsyncSession, principal: Principal,
                        runtime: Runtime) -> dict[str, Any]:
            return await service.erase(session, runtime.js, runtime.store, principal.tenant, data.checked(),
                                       privacy, principal.username)

    PersonalDataController.__name__ = f"{privacy.service.capitalize()}PersonalDataController"
    return PersonalDataController
