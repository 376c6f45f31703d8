"""Counted indicators: the value of an indicator fed by a counting rule (plans/rules.CountingRule) for one
calendar year in Europe/Brussels, computed from the stored facts (facts/models.py) every time it is asked, never
kept in memory: a changed rule on an indicator gives the new value at once, from the same events.

A plan asks for all its indicators at once (a report may hold 200): the rules are grouped, so at most one query
per kind of fact is made (grants awarded, tranches paid, food delivered), however many indicators share them.
The arithmetic is in pure functions (`count_awards`, `count_payments`, `count_deliveries`), tested without a
database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.facts.models import FoodDelivery, GrantAward, GrantPayment
from services.partners.facts.repository import FactRepository
from services.partners.plans.models import Indicator, Plan
from services.partners.plans.rules import CountingRule, Feed
from shared.i18n import _
from shared.portal import formats

BRUSSELS = ZoneInfo("Europe/Brussels")

AWARD_RULES = frozenset({CountingRule.GRANTS_PROJECTS_AWARDED, CountingRule.GRANTS_AMOUNT_AWARDED})
PAYMENT_RULES = frozenset({CountingRule.GRANTS_AMOUNT_PAID})
DELIVERY_RULES = frozenset({CountingRule.FOOD_TONNES_DELIVERED, CountingRule.FOOD_ORGANISATIONS_SERVED,
                            CountingRule.FOOD_PEOPLE_REACHED, CountingRule.FOOD_CO2_AVOIDED})

AWARDED = "grants.application.awarded"
PAID = "grants.award.tranche.paid"
DELIVERED = "foodsavers.delivery.completed"

TONNE = Decimal("0.001")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Source:
    """One event a counted value came from."""

    event_id: uuid.UUID
    kind: str
    """What kind of event: `grants.application.awarded`, `grants.award.tranche.paid` or
    `foodsavers.delivery.completed`."""
    label: str
    """What it was, in Dutch."""
    amount: Decimal
    """What it added, in the indicator's unit."""
    at: datetime


@dataclass(frozen=True)
class Counted:
    value: Decimal
    sources: list[Source]


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January 00:00, next 1 January 00:00) in Brussels, as UTC instants."""
    start = datetime(year, 1, 1, tzinfo=BRUSSELS)
    end = datetime(year + 1, 1, 1, tzinfo=BRUSSELS)
    return start.astimezone(UTC), end.astimezone(UTC)


def rule_of(indicator: Indicator) -> CountingRule | None:
    """The counting rule of a counted indicator; None when it is entered or names no known rule."""
    if indicator.feed != Feed.COUNTED or not indicator.rule:
        return None
    try:
        return CountingRule(indicator.rule)
    except ValueError:
        return None


def tonnes(grams: int) -> Decimal:
    return (Decimal(grams) / Decimal(1_000_000)).quantize(TONNE)


def euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def count_awards(rule: CountingRule, awards: Sequence[GrantAward]) -> Counted:
    """Projects awarded (one per event) or the amount awarded in euro."""
    if rule == CountingRule.GRANTS_PROJECTS_AWARDED:
        sources = [Source(a.event_id, AWARDED, _("Subsidie toegekend: %(title)s") % {"title": a.title}, Decimal(1),
                          a.awarded_at) for a in awards]
        return Counted(Decimal(len(sources)), sources)
    if rule == CountingRule.GRANTS_AMOUNT_AWARDED:
        sources = [Source(a.event_id, AWARDED, _("Subsidie toegekend: %(title)s (%(amount)s)")
                          % {"title": a.title, "amount": formats.euros(a.amount_cents)},
                          euros(a.amount_cents), a.awarded_at) for a in awards]
        return Counted(euros(sum(a.amount_cents for a in awards)), sources)
    raise ValueError(f"{rule} is not a rule on awards")


def count_payments(payments: Sequence[GrantPayment]) -> Counted:
    """The amount paid in euro; a payment's moment is the start of its Brussels day."""
    sources = [Source(p.event_id, PAID,
                      _("Schijf %(tranche)s uitbetaald op %(day)s (%(amount)s)")
                      % {"tranche": p.tranche, "day": formats.day(p.paid_on), "amount": formats.euros(p.amount_cents)},
                      euros(p.amount_cents), _start_of(p.paid_on)) for p in payments]
    return Counted(euros(sum(p.amount_cents for p in payments)), sources)


def count_deliveries(rule: CountingRule, deliveries: Sequence[FoodDelivery]) -> Counted:
    """Tonnes delivered and tonnes CO2-eq avoided add up every delivery. Organisations served counts the distinct
    recipients; people reached adds, per distinct recipient, the people it served at its latest delivery (a
    recipient delivered to every week is not counted 52 times). Those two name the latest delivery per recipient
    as their source."""
    ordered = sorted(deliveries, key=lambda d: (d.delivered_at, d.event_id))
    if rule == CountingRule.FOOD_TONNES_DELIVERED:
        sources = [Source(d.event_id, DELIVERED, _("Levering aan %(recipient)s (%(weight)s)")
                          % {"recipient": d.recipient_name, "weight": formats.kilograms(d.grams)},
                          tonnes(d.grams), d.delivered_at) for d in ordered]
        return Counted(tonnes(sum(d.grams for d in ordered)), sources)
    if rule == CountingRule.FOOD_CO2_AVOIDED:
        sources = [Source(d.event_id, DELIVERED,
                          _("Levering aan %(recipient)s (%(weight)s CO2-eq vermeden)")
                          % {"recipient": d.recipient_name, "weight": formats.kilograms(d.co2_eq_grams)},
                          tonnes(d.co2_eq_grams), d.delivered_at) for d in ordered]
        return Counted(tonnes(sum(d.co2_eq_grams for d in ordered)), sources)
    latest: dict[str, FoodDelivery] = {}
    for delivery in ordered:
        latest[delivery.recipient_id] = delivery
    recipients = sorted(latest.values(), key=lambda d: (d.delivered_at, d.event_id))
    if rule == CountingRule.FOOD_ORGANISATIONS_SERVED:
        sources = [Source(d.event_id, DELIVERED,
                          _("%(recipient)s beleverd (laatste levering)") % {"recipient": d.recipient_name}, Decimal(1),
                          d.delivered_at) for d in recipients]
        return Counted(Decimal(len(sources)), sources)
    if rule == CountingRule.FOOD_PEOPLE_REACHED:
        sources = [Source(d.event_id, DELIVERED, _("%(recipient)s: %(people)s mensen (laatste levering)")
                          % {"recipient": d.recipient_name, "people": d.people_served},
                          Decimal(d.people_served), d.delivered_at) for d in recipients]
        return Counted(Decimal(sum(d.people_served for d in recipients)), sources)
    raise ValueError(f"{rule} is not a rule on deliveries")


async def counted(session: AsyncSession, tenant: str, plan: Plan, indicators: Sequence[Indicator],
                  year: int) -> dict[uuid.UUID, Counted]:
    """The value of each counted indicator among `indicators` for the Brussels calendar `year`, with its
    sources. Entered indicators (and those naming an unknown rule) are left out of the answer."""
    wanted = {i.id: rule for i in indicators if (rule := rule_of(i)) is not None}
    needed = set(wanted.values())
    facts = FactRepository(session, tenant)
    start, end = year_bounds(year)
    values: dict[CountingRule, Counted] = {}
    if needed & AWARD_RULES:
        awards = await facts.awards_to_organisations_in(plan.municipalities, start, end)
        values.update({rule: count_awards(rule, awards) for rule in needed & AWARD_RULES})
    if needed & PAYMENT_RULES:
        payments = await facts.payments_to_organisations_in(plan.municipalities, date(year, 1, 1),
                                                            date(year, 12, 31))
        values.update({rule: count_payments(payments) for rule in needed & PAYMENT_RULES})
    if needed & DELIVERY_RULES:
        deliveries = await facts.deliveries_in(plan.municipalities, start, end)
        values.update({rule: count_deliveries(rule, deliveries) for rule in needed & DELIVERY_RULES})
    return {indicator_id: values[rule] for indicator_id, rule in wanted.items()}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=BRUSSELS).astimezone(UTC)
