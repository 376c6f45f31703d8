"""Dead letters at the province admin, through the gateway, on the real grants process: an event grants'
consumer cannot apply (here: an organisation event without the fields grants reads) is dead-lettered at once and
listed for that province's admin with the reason; another province's admin neither sees nor replays it, other
roles are refused, and a replay while the cause stands is refused with the reason, the dead letter kept. (The
replay after a fix, applied once, and the slow handler are tests/shared/integration/test_inbox.py's.)"""

from __future__ import annotations

import time
import uuid
from typing import Any, ClassVar

import httpx
import nats

from shared.events.envelope import EventData, encode, make_envelope
from tests.support import bearer

TENANT = "limburg"


class BrokenOrganisationRegistered(EventData, frozen=True, kw_only=True):
    """What a producer with a bug might send: the type grants reads, without the fields it needs."""

    event_type: ClassVar[str] = "be.regie.partners.organisation.registered.v1"
    organisation_id: str


async def test_a_dead_letter_is_the_provinces_to_see_and_replay(platform: Any, gateway_url: str, tokens: Any,
                                                                stack_config: Any) -> None:
    envelope = make_envelope(BrokenOrganisationRegistered(organisation_id=str(uuid.uuid4())), tenant=TENANT,
                             subject="organisation/broken")
    nc = await nats.connect(stack_config.nats_url)
    await nc.jetstream().publish(envelope.nats_subject, encode(envelope), headers={"Nats-Msg-Id": envelope.id})
    await nc.drain()
    url = f"{gateway_url}/{TENANT}/api/grants/dead-letters"
    admin = bearer(tokens(TENANT, "province-admin"))

    def mine() -> list[dict[str, Any]]:
        answer = httpx.get(url, headers=admin, timeout=30)
        assert answer.status_code == 200, answer.text
        return [d for d in answer.json() if d["event_id"] == envelope.id]

    deadline = time.monotonic() + 30
    while not (found := mine()) and time.monotonic() < deadline:
        time.sleep(0.3)
    (letter,) = found
    assert letter["consumer"] == "grants-partners-organisations" and letter["subject"] == envelope.nats_subject
    assert letter["event_type"] == "be.regie.partners.organisation.registered.v1" and letter["deliveries"] == 1
    assert "enterprise_number" in letter["reason"] or "required" in letter["reason"].lower(), letter["reason"]

    other = bearer(tokens("antwerpen", "province-admin"))
    assert not [d for d in httpx.get(f"{gateway_url}/antwerpen/api/grants/dead-letters", headers=other,
                                     timeout=30).json() if d["event_id"] == envelope.id]
    stolen = httpx.post(f"{gateway_url}/antwerpen/api/grants/dead-letters/{letter['sequence']}/replay",
                        headers=other, timeout=30)
    assert stolen.status_code == 404, stolen.text
    refused = httpx.get(url, headers=bearer(tokens(TENANT, "call-manager")), timeout=30)
    assert refused.status_code == 403

    again = httpx.post(f"{url}/{letter['sequence']}/replay", headers=admin, timeout=30)
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    assert "lukt nog altijd niet" in again.json()["detail"]
    assert mine() == [letter]  # kept, to be replayed once the producer sends what grants needs
