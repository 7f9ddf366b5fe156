"""An order as a store hands it out: a copy no caller can change the stored one through.

Its own module so that the state's report mixins, which `state` imports, can use it too.
"""

from __future__ import annotations

from domain.order import Order


def detached(order: Order) -> Order:
    """A copy no caller can change the stored order through.

    Everything an Order holds besides its attempt list is immutable (frozen attempts, Money,
    Customer, datetimes, strings), so copying the list is a deep copy. Events stay behind.
    """
    copy = object.__new__(Order)  # `replace` reads every field by name: 4 times slower
    copy.__dict__.update(order.__dict__)
    copy.attempts = list(order.attempts)
    copy.events = []
    return copy
