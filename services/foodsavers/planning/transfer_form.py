"""The FEAD transfer form (overdrachtsdocument FEAD) of a FEAD round: the food bank the goods come from, and for
each local government delivered to the goods per category with their weight and who signed for them when. Before
delivery the signature fields are empty lines, to sign on paper. The deliveries are read from the logbook's
tables (the logbook writes them; this only reads). The PDF is laid out by reportlab with real text, so it can be
searched and extracted (transfer_form_pdf.py). Rendering is CPU-bound: callers run it in a thread."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.logbook.models import Delivery, DeliveryLine
from services.foodsavers.planning import rules, service
from services.foodsavers.planning.repository import PlanningRepository
from services.foodsavers.planning.views import address_of
from services.foodsavers.registry.categories import LABELS, Category
from shared.auth import Principal
from shared.i18n import _
from shared.problems import NotFound

BLANK = "_" * 34


@dataclass
class Receipt:
    """One local government's part: what it received and who signed for it."""

    name: str
    address: str
    lines: list[tuple[str, int]] = field(default_factory=list)
    """(category label, grams) in the categories' order."""
    confirmed_by: str = ""
    delivered_at: datetime | None = None

    @property
    def grams(self) -> int:
        return sum(g for _, g in self.lines)


@dataclass
class TransferForm:
    round_id: uuid.UUID
    day: date
    driver: str
    vehicle: str
    food_banks: list[tuple[str, str, str]]
    """(name, address, FAVV number) of each food bank picked up at."""
    receipts: list[Receipt]

    @property
    def file_name(self) -> str:
        return f"overdrachtsdocument-fead-{self.day.isoformat()}.pdf"


def category_label(category: str) -> str:
    return LABELS[Category(category)] if category in LABELS else category


async def transfer_form(session: AsyncSession, principal: Principal, round_id: uuid.UUID) -> TransferForm:
    """The form of a FEAD round the coordinator, or the round's driver, may read (404 for another round kind)."""
    found = await service.readable_round(session, principal, round_id)
    if found.kind != rules.RoundKind.FEAD:
        raise NotFound(_("een overdrachtsdocument bestaat enkel voor een FEAD-transport"))
    repository = PlanningRepository(session, principal.tenant)
    stops = (await repository.stops({found.id}))[found.id]
    weights = (await session.execute(
        repository.select(DeliveryLine, DeliveryLine.recipient_id, DeliveryLine.category,
                          func.sum(DeliveryLine.grams))
        .where(DeliveryLine.round_id == found.id)
        .group_by(DeliveryLine.recipient_id, DeliveryLine.category))).tuples().all()
    deliveries = list((await session.scalars(
        repository.select(Delivery).where(Delivery.round_id == found.id).order_by(Delivery.delivered_at))).all())
    recipient_ids = [s.recipient_id for s in stops if s.recipient_id is not None]
    for recipient_id in [*(d.recipient_id for d in deliveries), *(w[0] for w in weights)]:
        if recipient_id not in recipient_ids:
            recipient_ids.append(recipient_id)
    recipients = await repository.recipients(set(recipient_ids))
    donors = await repository.donors({s.donor_id for s in stops if s.donor_id is not None})
    drivers = await repository.drivers({found.driver_id})
    vehicles = await repository.vehicles({found.vehicle_id})
    order = {c.value: n for n, c in enumerate(Category)}
    receipts = []
    for recipient_id in recipient_ids:
        recipient = recipients.get(recipient_id)
        receipt = Receipt(name=recipient.name if recipient else "(onbekend)",
                          address=address_of(recipient) if recipient else "")
        receipt.lines = [(category_label(category), int(grams)) for rid, category, grams in
                         sorted(weights, key=lambda w: order.get(w[1], 99)) if rid == recipient_id]
        signed = [d for d in deliveries if d.recipient_id == recipient_id]
        if signed:
            receipt.confirmed_by = ", ".join(dict.fromkeys(d.confirmed_by for d in signed if d.confirmed_by))
            receipt.delivered_at = signed[-1].delivered_at
        receipts.append(receipt)
    food_banks = []
    for stop in stops:
        donor = donors.get(stop.donor_id) if stop.donor_id else None
        if donor is not None and (donor.name, address_of(donor), donor.favv_number) not in food_banks:
            food_banks.append((donor.name, address_of(donor), donor.favv_number))
    driver, vehicle = drivers.get(found.driver_id), vehicles.get(found.vehicle_id)
    return TransferForm(round_id=found.id, day=found.day, driver=driver.name if driver else "",
                        vehicle=f"{vehicle.name} ({vehicle.plate})" if vehicle and vehicle.plate else
                        (vehicle.name if vehicle else ""), food_banks=food_banks, receipts=receipts)


# --- the PDF ------------------------------------------------------------------------------------------------


def render(form: TransferForm) -> bytes:
    """The form as PDF. reportlab is imported with the first form, in the thread that lays it out, not at every
    start of the service."""
    from services.foodsavers.planning import transfer_form_pdf

    return transfer_form_pdf.render(form)
