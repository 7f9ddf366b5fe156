"""A customer's subscription of one kind, as the history of the periods orders bought.

Keyed by (customer_id, kind), where kind is `Plan.subscription_kind`: plans of one kind
(say a monthly and a yearly "premium") extend one another, other kinds run side by side.

Rules, each unlike the academy seed:
- A payment made while the subscription runs (or has periods still to come) extends it
  from its current end, never from the payment time, so no paid day is thrown away and
  no two periods overlap. A payment after it ended starts a new period at payment time.
- One period per order: activating an order again returns the period it already bought.
- A refund acts on exactly the period its order bought, and only on its time still to
  come: the past is never rewritten. The periods chained after it (each starting where
  the one before ended) move back by the time removed, so no gap opens and no day is
  counted twice. A period that began after a lapse stays: it started at its payment time.

A subscription carries a `version` the store checks on save (optimistic concurrency), and
records a `SubscriptionActivated` event for each period it grants.

Times must be timezone-aware; periods are reckoned in the timezone of the payment time
passed in (the service passes UTC), so a month is a calendar month there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from domain.calendar_math import add_months
from domain.errors import DomainError, InvalidField
from domain.events import Event, SubscriptionActivated
from domain.plans import Plan, Purchase

_SECOND_US = 1_000_000


@dataclass(frozen=True, slots=True)
class SubscriptionPeriod:
    """The time one order bought; `bought` is its length at purchase, before any refund."""

    order_id: str
    starts_at: datetime
    ends_at: datetime
    bought: timedelta

    def covers(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    @property
    def length(self) -> timedelta:
        return self.ends_at - self.starts_at


class UnknownPeriod(DomainError):
    """No period of this subscription was bought by that order."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} bought no period of this subscription")
        self.order_id = order_id


def _require_aware(field: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidField(field, "must be a timezone-aware datetime")


class Subscription:
    """The periods one customer holds of one kind, in the order they were bought."""

    def __init__(
        self,
        customer_id: str,
        kind: str,
        periods: tuple[SubscriptionPeriod, ...] = (),
        *,
        version: int = 0,
    ) -> None:
        if not customer_id:
            raise InvalidField("customer_id", "must not be empty")
        if not kind:
            raise InvalidField("kind", "must not be empty")
        orders = [p.order_id for p in periods]
        if len(set(orders)) != len(orders):
            raise InvalidField("periods", "an order may buy only one period")
        self.customer_id = customer_id
        self.kind = kind
        self._periods = list(periods)
        self.version = version
        self.events: list[Event] = []

    @classmethod
    def for_plan(cls, customer_id: str, plan: Plan | Purchase) -> Subscription:
        """An empty subscription of the kind `plan` (or a purchase of it) extends."""
        kind = plan.subscription_kind
        if kind is None:
            raise InvalidField("plan_id", f'plan "{plan.plan_id}" grants no subscription period')
        return cls(customer_id, kind)

    def copy(self) -> Subscription:
        """An independent copy with the same periods and version, without events."""
        return Subscription(self.customer_id, self.kind, self.periods, version=self.version)

    def pull_events(self) -> list[Event]:
        events, self.events = self.events, []
        return events

    @property
    def periods(self) -> tuple[SubscriptionPeriod, ...]:
        return tuple(self._periods)

    @property
    def ends_at(self) -> datetime | None:
        """When the last period bought ends (it may be past); None before any purchase."""
        return max((p.ends_at for p in self._periods), default=None)

    def is_active(self, now: datetime) -> bool:
        return any(p.covers(now) for p in self._periods)

    def period_for(self, order_id: str) -> SubscriptionPeriod | None:
        return next((p for p in self._periods if p.order_id == order_id), None)

    def activate(
        self, order_id: str, plan: Plan | Purchase, paid_at: datetime
    ) -> SubscriptionPeriod:
        """Grant the period `plan` gives for the paid order; again for one order: no change.

        Starts at the current end if that is later than `paid_at`, else at `paid_at`.
        A `Purchase` (what the order recorded of its plan) activates as its plan would,
        so a plan since removed from the catalogue still activates a late payment.
        """
        existing = self.period_for(order_id)
        if existing is not None:
            return existing
        if not order_id:
            raise InvalidField("order_id", "must not be empty")
        _require_aware("paid_at", paid_at)
        if plan.period is None or plan.subscription_kind != self.kind:
            raise InvalidField("plan_id", f'plan "{plan.plan_id}" does not extend "{self.kind}"')
        current_end = self.ends_at
        starts_at = paid_at if current_end is None or current_end <= paid_at else current_end
        ends_at = add_months(starts_at, plan.period.months)
        period = SubscriptionPeriod(order_id, starts_at, ends_at, ends_at - starts_at)
        self._periods.append(period)
        self.events.append(
            SubscriptionActivated(
                order_id,
                paid_at,
                self.customer_id,
                self.kind,
                plan.plan_id or self.kind,
                starts_at,
                ends_at,
            )
        )
        return period

    def end_period(self, order_id: str, now: datetime) -> SubscriptionPeriod:
        """Full refund: the order's period ends at `now`, or is emptied if not yet begun.

        Time already used is not taken back, and a period already over stays as it was.
        Periods chained after it move back by the time removed. Returns the new period.
        """
        index = self._index(order_id)
        return self._cut(index, self._earliest_end(self._periods[index], now))

    def shorten_period(self, order_id: str, fraction: Decimal, now: datetime) -> SubscriptionPeriod:
        """Partial refund: take `fraction` (0 to 1) of what the order bought off its end.

        The time removed is `bought` * fraction rounded DOWN to whole seconds, so the
        customer keeps any part-second paid for (as `prorate_credits` keeps part-credits).
        Each partial refund of one order passes its own share of the price paid. As with
        `end_period`, time already used is not taken back: the period never ends before
        `now` (nor before it starts), and the periods chained after it move back as well.
        """
        if isinstance(fraction, bool) or not isinstance(fraction, Decimal):
            raise InvalidField("fraction", "must be a Decimal")
        if not fraction.is_finite() or not 0 <= fraction <= 1:
            raise InvalidField("fraction", "must be between 0 and 1")
        index = self._index(order_id)
        period = self._periods[index]
        floor = self._earliest_end(period, now)
        numerator, denominator = fraction.as_integer_ratio()
        bought_us = period.bought // timedelta(microseconds=1)
        removed = timedelta(seconds=bought_us * numerator // (denominator * _SECOND_US))
        return self._cut(index, max(floor, period.ends_at - removed))

    @staticmethod
    def _earliest_end(period: SubscriptionPeriod, now: datetime) -> datetime:
        """How far a refund may cut `period` back without rewriting the past."""
        _require_aware("now", now)
        return min(period.ends_at, max(now, period.starts_at))

    def _index(self, order_id: str) -> int:
        for index, period in enumerate(self._periods):
            if period.order_id == order_id:
                return index
        raise UnknownPeriod(order_id)

    def _cut(self, index: int, new_end: datetime) -> SubscriptionPeriod:
        """End period `index` at `new_end` and pull its chain of successors back with it."""
        period = self._periods[index]
        shift = period.ends_at - new_end
        chain_end = period.ends_at
        self._periods[index] = replace(period, ends_at=new_end)
        if shift:
            for later in range(index + 1, len(self._periods)):
                successor = self._periods[later]
                if successor.starts_at != chain_end:
                    break
                chain_end = successor.ends_at
                self._periods[later] = replace(
                    successor,
                    starts_at=successor.starts_at - shift,
                    ends_at=successor.ends_at - shift,
                )
        return self._periods[index]
