"""retry_on_conflict: a unit of work that lost a race runs again, within bounds."""

from __future__ import annotations

import pytest

from application.contention import ConflictRetry, retry_on_conflict
from application.errors import ConcurrencyConflict, OrderNotFound
from domain.errors import DuplicateCredit

QUICK = ConflictRetry(attempts=5, seconds=10.0, first_wait=0.0, max_wait=0.0)


class Rounds:
    """A round that conflicts `losses` times, then answers."""

    def __init__(self, losses: int, error: Exception | None = None) -> None:
        self.losses = losses
        self.error = error or ConcurrencyConflict("lost the race")
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.losses:
            raise self.error
        return "done"


async def test_a_lost_round_runs_again_until_it_wins() -> None:
    rounds = Rounds(losses=3)
    assert await retry_on_conflict(rounds, "gave up", policy=QUICK) == "done"
    assert rounds.calls == 4


async def test_the_listed_refusals_count_as_conflicts() -> None:
    rounds = Rounds(losses=2, error=DuplicateCredit("ORDER_1"))
    result = await retry_on_conflict(
        rounds, "gave up", (ConcurrencyConflict, DuplicateCredit), policy=QUICK
    )
    assert result == "done" and rounds.calls == 3


async def test_after_the_last_attempt_the_conflict_is_reported() -> None:
    rounds = Rounds(losses=100, error=DuplicateCredit("ORDER_1"))
    with pytest.raises(ConcurrencyConflict, match="order ORDER_1 kept changing") as caught:
        await retry_on_conflict(
            rounds, "order ORDER_1 kept changing", (DuplicateCredit,), policy=QUICK
        )
    assert rounds.calls == QUICK.attempts
    assert isinstance(caught.value.__cause__, DuplicateCredit)


async def test_the_time_bound_ends_retries_before_the_attempt_bound() -> None:
    rounds = Rounds(losses=10**6)
    slow = ConflictRetry(attempts=10**6, seconds=0.2, first_wait=0.02, max_wait=0.02)
    with pytest.raises(ConcurrencyConflict):
        await retry_on_conflict(rounds, "gave up", policy=slow)
    assert 1 < rounds.calls < 1000


async def test_any_other_error_is_raised_at_once() -> None:
    rounds = Rounds(losses=1, error=OrderNotFound("ORDER_1"))
    with pytest.raises(OrderNotFound):
        await retry_on_conflict(rounds, "gave up", policy=QUICK)
    assert rounds.calls == 1


async def test_waits_are_drawn_at_random_below_a_growing_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Full jitter: retries of racing writers do not line up again."""
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("asyncio.sleep", record)
    policy = ConflictRetry(attempts=8, seconds=60.0, first_wait=0.01, max_wait=0.05)
    await retry_on_conflict(Rounds(losses=7), "gave up", policy=policy)

    caps = [min(0.05, 0.01 * 2**n) for n in range(7)]
    assert len(slept) == 7
    assert all(0 <= wait <= cap for wait, cap in zip(slept, caps, strict=True))
    assert len(set(slept)) > 1
