"""Paging arguments shared by every store's list queries."""

from __future__ import annotations


def check_page(limit: int, offset: int) -> None:
    """Refuse a negative page instead of letting each backend interpret it differently."""
    if limit < 0 or offset < 0:
        raise ValueError(f"limit and offset must not be negative (got {limit}, {offset})")
