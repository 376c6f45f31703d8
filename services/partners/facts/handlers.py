"""(being written)"""

from __future__ import annotations

from shared.events.consumer import Subscription

SUBSCRIPTIONS: list[Subscription] = []
