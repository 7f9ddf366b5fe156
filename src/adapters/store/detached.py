"""An order as a store hands it out: a copy no caller can change the stored one through.

Its own module so that the state's report mixins, which `state` imports, can use it too.
"""

from __future__ import annotations

from dataclasses import fields

from domain.order import Order

_COPIED = tuple(f.name for f in fields(Order) if f.name not in ("attempts", "events"))


def detached(order: Order) -> Order:
    """A copy no caller can change the stored order through.

    Everything an Order holds besides its attempt list is immutable (frozen attempts, Money,
    Customer, datetimes, strings), so copying the list is a deep copy. Events stay behind.
    """
    copy = object.__new__(Order)  # `replace` runs __init__ with every field by name: slower
    for name in _COPIED:
        setattr(copy, name, getattr(order, name))
    copy.attempts = list(order.attempts)
    copy.events = []
    return copy
