"""What each service says of itself at a path of its own (its portal pages, its API), asked for when older than
CACHE_SECONDS, per replica. A service that cannot be asked keeps what it said before (a restart should not empty
the home page or the API reference) and is asked again next time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import aiohttp

log = logging.getLogger("regie.gateway.announced")

T = TypeVar("T")
CACHE_SECONDS = 60.0
ASK_TIMEOUT_SECONDS = 2.0


@dataclass
class Announced(Generic[T]):
    http: aiohttp.ClientSession
    upstreams: Mapping[str, str]
    path: str
    decode: Callable[[bytes], T]
    """bytes → what was said; raises ValueError (or a subclass) on what it cannot read."""
    timeout_seconds: float = ASK_TIMEOUT_SECONDS
    known: dict[str, T] = field(default_factory=dict)
    asked_at: dict[str, float] = field(default_factory=dict)

    async def of(self, services: Sequence[str]) -> dict[str, T]:
        """What each of `services` said (those that never answered are left out)."""
        stale = [s for s in services if time.monotonic() - self.asked_at.get(s, -CACHE_SECONDS) >= CACHE_SECONDS]
        if stale:
            await asyncio.gather(*(self._ask(service) for service in stale))
        return {service: self.known[service] for service in services if service in self.known}

    async def _ask(self, service: str) -> None:
        try:
            async with self.http.get(self.upstreams[service] + self.path,
                                     timeout=aiohttp.ClientTimeout(total=self.timeout_seconds)) as response:
                response.raise_for_status()
                body = await response.read()
            self.known[service] = self.decode(body)
            self.asked_at[service] = time.monotonic()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("service did not answer", extra={"service": service, "path": self.path,
                                                          "error": type(exc).__name__})
