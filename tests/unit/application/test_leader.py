"""The leader runs the background tasks only while it holds the lease, and stops them
before a lease it could not renew can expire for another instance.

On a scripted lease and a clock the test moves; a lease of 0.4 s, so a period of 0.1 s
(the longest any answer is waited for here in real time)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from datetime import datetime, timedelta

import pytest

from application.leader import Leader

from .fakes import FixedClock

LEASE_SECONDS = 0.4
PERIOD = LEASE_SECONDS / 4
HANG = object()
BOUND = 5.0


class ScriptedLease:
    """`hold` answers from `answers` (True, False, an exception, or HANG: an answer the
    test gives later through `pending`); True once the script is used up."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[datetime, datetime]] = []
        self.released = 0
        self.pending: asyncio.Future[bool] | None = None

    async def hold(self, now: datetime, until: datetime) -> bool:
        self.asked.append((now, until))
        answer = self.answers.pop(0) if self.answers else True
        if answer is HANG:
            self.pending = asyncio.get_running_loop().create_future()
            return await self.pending
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, bool)
        return answer

    async def release(self) -> None:
        self.released += 1


class RecordingTask:
    def __init__(self, name: str, log: list[str], *, fails: bool = False) -> None:
        self.name = name
        self.log = log
        self.fails = fails

    async def start(self) -> None:
        if self.fails:
            raise RuntimeError("cannot start")
        self.log.append(f"{self.name}.start")

    async def aclose(self) -> None:
        self.log.append(f"{self.name}.stop")


def _leader(lease: ScriptedLease, log: list[str], clock: FixedClock, **kwargs: object) -> Leader:
    tasks = [RecordingTask("relay", log), RecordingTask("reconciler", log)]
    return Leader(lease, tasks, clock, LEASE_SECONDS, **kwargs)  # type: ignore[arg-type]


async def _turn(leader: Leader) -> None:
    await asyncio.wait_for(leader.campaign_once(), BOUND)


async def test_the_holder_starts_its_tasks_once_and_keeps_them_while_it_renews() -> None:
    log: list[str] = []
    clock = FixedClock()
    lease = ScriptedLease(True, True, True)
    leader = _leader(lease, log, clock)

    for _ in range(3):
        await _turn(leader)
        clock.advance(PERIOD)

    assert leader.leading
    assert log == ["relay.start", "reconciler.start"]
    assert [until - now for now, until in lease.asked] == [timedelta(seconds=LEASE_SECONDS)] * 3


async def test_an_instance_without_the_lease_never_starts_its_tasks() -> None:
    log: list[str] = []
    clock = FixedClock()
    leader = _leader(ScriptedLease(False, False), log, clock)

    await _turn(leader)
    clock.advance(PERIOD)
    await _turn(leader)

    assert not leader.leading
    assert log == []


async def test_a_lost_lease_stops_the_tasks_at_once_and_gives_the_lease_up() -> None:
    log: list[str] = []
    clock = FixedClock()
    lease = ScriptedLease(True, False)
    leader = _leader(lease, log, clock)

    await _turn(leader)
    clock.advance(PERIOD)
    await _turn(leader)

    assert not leader.leading
    assert log == ["relay.start", "reconciler.start", "relay.stop", "reconciler.stop"]
    assert lease.released == 1


async def test_a_failing_lease_stops_the_tasks_a_period_before_the_lease_could_expire() -> None:
    log: list[str] = []
    clock = FixedClock()
    lease = ScriptedLease(True, OSError("database down"), OSError("database down"))
    leader = _leader(lease, log, clock)
    await _turn(leader)
    held_until = lease.asked[0][1]

    for _ in range(2):
        clock.advance(PERIOD)
        await _turn(leader)
        assert leader.leading, "one failed renewal is not yet a lost lease"
    clock.advance(PERIOD)
    await _turn(leader)

    assert not leader.leading
    assert log[-2:] == ["relay.stop", "reconciler.stop"]
    assert clock.now() == held_until - timedelta(seconds=PERIOD)
    assert len(lease.asked) == 3, "past its deadline the leader steps down before asking"


async def test_a_hanging_lease_is_awaited_no_longer_than_leadership_allows() -> None:
    log: list[str] = []
    clock = FixedClock()
    lease = ScriptedLease(True, HANG)
    leader = _leader(lease, log, clock)
    await _turn(leader)

    clock.advance(0.25)
    await _turn(leader)  # waits at most until the deadline, 0.05 s from now
    assert leader.leading
    clock.advance(0.05)
    await _turn(leader)

    assert not leader.leading
    assert log[-2:] == ["relay.stop", "reconciler.stop"]
    assert len(lease.asked) == 2, "an unanswered question is not asked again"
    assert lease.released == 0, "the lease keeps its own time while a question is out"


async def test_an_answer_that_comes_too_late_to_lead_on_starts_nothing() -> None:
    log: list[str] = []
    clock = FixedClock()
    lease = ScriptedLease(HANG)
    leader = _leader(lease, log, clock)
    await _turn(leader)
    assert lease.pending is not None

    clock.advance(LEASE_SECONDS)
    lease.pending.set_result(True)
    await _turn(leader)

    assert not leader.leading
    assert log == []
    clock.advance(PERIOD)
    await _turn(leader)
    assert leader.leading, "a fresh answer leads"
    assert len(lease.asked) == 2


async def test_closing_stops_the_tasks_and_gives_the_lease_up() -> None:
    log: list[str] = []
    clock = FixedClock()
    lease = ScriptedLease(True)
    leader = _leader(lease, log, clock)
    await _turn(leader)

    await leader.aclose()

    assert not leader.leading
    assert log == ["relay.start", "reconciler.start", "relay.stop", "reconciler.stop"]
    assert lease.released == 1


async def test_a_follower_gives_its_lease_up_at_close_too() -> None:
    """It drops what the lease keeps open (a connection, a file)."""
    log: list[str] = []
    lease = ScriptedLease(False)
    leader = _leader(lease, log, FixedClock())
    await _turn(leader)

    await leader.aclose()

    assert log == []
    assert lease.released == 1


async def test_a_task_that_cannot_start_makes_the_leader_step_down() -> None:
    log: list[str] = []
    lease = ScriptedLease(True)
    tasks = [RecordingTask("relay", log), RecordingTask("broken", log, fails=True)]
    leader = Leader(lease, tasks, FixedClock(), LEASE_SECONDS)

    await _turn(leader)

    assert not leader.leading
    assert log == ["relay.start", "relay.stop", "broken.stop"]
    assert lease.released == 1


async def test_the_campaign_asks_at_start_then_every_period() -> None:
    log: list[str] = []
    clock = FixedClock()
    pauses: list[float] = []
    asked_enough = asyncio.Event()

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        clock.advance(seconds)
        if len(pauses) == 3:
            asked_enough.set()
        await asyncio.sleep(0)

    lease = ScriptedLease()
    leader = _leader(lease, log, clock, sleep=sleep)
    await leader.start()
    assert leader.leading, "a lone instance leads as soon as it has started"
    await asyncio.wait_for(asked_enough.wait(), BOUND)
    await leader.aclose()

    assert pauses[:3] == [pytest.approx(PERIOD)] * 3
    starts = [now for now, _ in lease.asked]
    assert [b - a for a, b in itertools.pairwise(starts)][:2] == [timedelta(seconds=PERIOD)] * 2
    assert log == ["relay.start", "reconciler.start", "relay.stop", "reconciler.stop"]


async def test_a_clock_set_back_during_a_turn_never_stalls_the_campaign() -> None:
    log: list[str] = []
    clock = FixedClock()
    pauses: list[float] = []
    paused_twice = asyncio.Event()

    class ClockSetBack(ScriptedLease):
        async def hold(self, now: datetime, until: datetime) -> bool:
            if len(self.asked) == 1:
                clock.advance(-3600)
            return await super().hold(now, until)

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        clock.advance(seconds)
        if len(pauses) == 2:
            paused_twice.set()
        await asyncio.sleep(0)

    leader = _leader(ClockSetBack(), log, clock, sleep=sleep)
    await leader.start()
    await asyncio.wait_for(paused_twice.wait(), BOUND)
    await leader.aclose()

    assert pauses[:2] == [pytest.approx(PERIOD)] * 2, "a period, not an hour"


async def test_closing_while_a_task_stops_ends_the_campaign() -> None:
    """Like the reconciler's, a task's `aclose` may swallow a cancellation while it waits
    for its own loop: closing the leader then must not hang."""
    stopping = asyncio.Event()
    may_stop = asyncio.Event()

    class SlowToStop:
        async def start(self) -> None:
            return None

        async def aclose(self) -> None:
            stopping.set()
            with contextlib.suppress(asyncio.CancelledError):
                await may_stop.wait()

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    lease = ScriptedLease(True, False)
    leader = Leader(lease, [SlowToStop()], FixedClock(), LEASE_SECONDS, sleep=sleep)
    await leader.start()
    await asyncio.wait_for(stopping.wait(), BOUND)

    closing = asyncio.ensure_future(leader.aclose())
    await asyncio.sleep(0)
    may_stop.set()
    done, _ = await asyncio.wait({closing}, timeout=BOUND)

    assert done, "closed"
    assert not leader.leading


def test_the_lease_must_have_a_length() -> None:
    with pytest.raises(ValueError, match="lease_seconds"):
        Leader(ScriptedLease(), [], FixedClock(), 0)
