"""The composition root: the only place that chooses adapters, and the only place that
starts and stops them.

Built from `Settings`; tests override providers (`container.gateway.override(fake)`)
instead of patching modules, before the first use case is built (a built Singleton keeps
what it was built with). Singletons hold what must be one per process (store, gateway
client, simulator, event bus, watcher), and the use cases too: they keep no state between
calls, and building one per request cost more than the webhook's own parsing. `Reconcile`
stays a factory (its lock belongs to one reconciler).

Whatever has a lifecycle has a `providers.Resource` beside its Singleton, started by
`start(container)` and stopped by `stop(container)` (the app's lifespan). The Resource is
separate because dependency-injector turns every provider that depends on an async Resource
into one returning awaitables: use cases must stay plain providers, and an overridden
Singleton (a test's store or webhook client) is still opened and closed.

The background loops (outbox relay, reconciler) have no Resource of their own: the `Leader`
runs them, on whichever one of the instances sharing the store holds its lease.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Protocol

import httpx
from dependency_injector import containers, providers

from adapters.clock import SystemClock
from adapters.events.url import event_bus_from_url
from adapters.gateway.cashfree_http import CashfreeHttpGateway
from adapters.gateway.cashfree_webhook import CashfreeNotifications
from adapters.gateway.deadline import DeadlineGateway
from adapters.gateway.fake_gateway import FakeGateway
from adapters.gateway.measured import MeasuredGateway
from adapters.ids import SecureIdGenerator
from adapters.metrics.prometheus import PrometheusMetrics
from adapters.notify.log import LogNotifier
from adapters.notify.webhook import StandardWebhookNotifier
from adapters.plans_file import PlansFileError, load_plans
from adapters.store.url import store_from_url, stored_files
from application.leader import Leader
from application.outbox_relay import OutboxRelay
from application.ports import (
    Clock,
    IdGenerator,
    LeaderLease,
    Notifier,
    PaymentNotifications,
    Store,
)
from application.reconciler import Reconciler
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.accounts import (
    AdjustCredits,
    GetCustomerAccount,
    ListActiveSubscriptions,
    ListAgentReferrals,
    ListPlans,
    SetReferralAgent,
)
from application.use_cases.backfill_references import BackfillReferences
from application.use_cases.cancel_order import CancelOrder
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment
from application.use_cases.notifications import ListNotifications, MarkNotificationsRead
from application.use_cases.queries import (
    GetPaymentStatus,
    GetStatistics,
    ListCredits,
    ListFailedPayments,
)
from application.use_cases.readiness import CheckReadiness
from application.use_cases.reconcile import Reconcile
from application.use_cases.record_failure import RecordFailure
from application.use_cases.refunds import ApplyRefundState, ListRefunds, RefundOrder
from application.use_cases.reset_store import ResetStore
from application.use_cases.search import SearchPayments
from application.watcher import OrderWatcher
from cashfree_simulator import build_simulator, create_simulator_app
from entrypoints.settings import ConfigurationError, Settings
from entrypoints.web.rate_limits import RateCounts, RequestRate, StreamSlots

LEADER_LEASE = "leader"
"""The lease whose holder runs the background loops (the outbox relay, the reconciler)."""


def _secret(settings: Settings) -> str:
    return settings.cashfree_secret_key.get_secret_value()


def _gateway_configured(settings: Settings) -> bool:
    """The built-in simulator always is; Cashfree needs its credentials and an API URL."""
    return settings.is_fake or bool(
        settings.cashfree_app_id and _secret(settings) and settings.gateway_base_url
    )


class _Closeable(Protocol):
    async def aclose(self) -> None: ...


class _Loop(Protocol):
    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


async def _opened(store: Store) -> AsyncIterator[None]:
    """Open the store (files, tables, pools) at start-up; close it at shutdown."""
    await store.open()
    try:
        yield
    finally:
        await store.close()


async def _closed_at_shutdown(
    closeables: Sequence[_Closeable], **needs: None
) -> AsyncIterator[None]:
    """Nothing to start; at shutdown close `closeables` in order.

    `needs` are the lifecycles the closeables use while they run: naming them makes the
    container start those first and stop them last, since it stops a Resource only once no
    started Resource refers to it.
    """
    try:
        yield
    finally:
        for closeable in closeables:
            await closeable.aclose()


def _notifiers(settings: Settings, clock: Clock, client: httpx.AsyncClient) -> list[Notifier]:
    """The log always; the Standard Webhooks receiver when NOTIFY_WEBHOOK_URL is set."""
    notifiers: list[Notifier] = [LogNotifier()]
    if settings.notify_webhook_url:
        notifiers.append(
            StandardWebhookNotifier(
                settings.notify_webhook_url,
                settings.notify_webhook_secret.get_secret_value(),
                client,
                clock,
            )
        )
    return notifiers


def _leader_lease(store: Store, ids: IdGenerator) -> LeaderLease:
    """The lease among the instances sharing the store. This instance holds it under a
    fresh id that also names its host and process, for an operator reading `leases`."""
    holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{ids.new_id('instance')}"
    return store.leader_lease(LEADER_LEASE, holder)


async def _leading(
    leader: _Loop, closeables: Sequence[_Closeable], **needs: None
) -> AsyncIterator[None]:
    """Campaign for the leader lease (the leader runs the background loops while it holds
    it); at shutdown stop the loops, give the lease up, then close what the loops used.
    `needs` as for `_closed_at_shutdown` (the store and the gateway outlive the loops)."""
    await leader.start()
    try:
        yield
    finally:
        try:
            await leader.aclose()
        finally:
            for closeable in closeables:
                await closeable.aclose()


async def _looping(loop: _Loop, **needs: None) -> AsyncIterator[None]:
    """Start a background loop; stop it at shutdown. `needs` as for `_closed_at_shutdown`."""
    await loop.start()
    try:
        yield
    finally:
        await loop.aclose()


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(SecureIdGenerator)
    event_bus = providers.Singleton(
        event_bus_from_url,
        settings.provided.event_bus_url,
        settings.provided.events_channel,
    )
    metrics = providers.Singleton(PrometheusMetrics)
    store = providers.Singleton(
        store_from_url,
        settings.provided.store_url,
        auto_migrate=settings.provided.db_auto_migrate,
        pool_size=settings.provided.db_pool_size,
    )

    webhook_http_client = providers.Singleton(httpx.AsyncClient, timeout=10.0)
    simulator = providers.Singleton(
        build_simulator,
        app_id=settings.provided.cashfree_app_id,
        secret=providers.Callable(_secret, settings),
        clock=clock,
        webhook_client=webhook_http_client,
        webhook_time_scale=settings.provided.fake_webhook_time_scale,
    )
    gateway_adapter = providers.Selector(
        settings.provided.payment_gateway,
        fake=providers.Singleton(FakeGateway, simulator),
        cashfree=providers.Singleton(
            CashfreeHttpGateway,
            app_id=settings.provided.cashfree_app_id,
            secret=providers.Callable(_secret, settings),
            base_url=settings.provided.gateway_base_url,
            ids=ids,
            clock=clock,
            api_version=settings.provided.cashfree_api_version,
            connect_timeout=settings.provided.cashfree_connect_timeout,
            read_timeout=settings.provided.cashfree_read_timeout,
        ),
    )
    # Either gateway, each call bounded by one deadline (retries included).
    gateway = providers.Singleton(
        DeadlineGateway, gateway_adapter, seconds=settings.provided.cashfree_deadline_seconds
    )

    # What the use cases call: the chosen gateway, each call timed and counted. Tests
    # override `gateway`; the measurement stays in front of their stand-in.
    measured_gateway = providers.Singleton(MeasuredGateway, gateway, metrics)

    units_of_work = providers.Singleton(
        UnitOfWorkFactory, store=store, publisher=event_bus, metrics=metrics
    )
    reports = store.provided.reports.call()

    plans = providers.Singleton(load_plans, settings.provided.plans_file)
    confirm_payment = providers.Singleton(
        ConfirmPayment,
        units=units_of_work,
        gateway=measured_gateway,
        clock=clock,
        commission_rate=settings.provided.referral_commission_rate,
    )
    create_payment = providers.Singleton(
        CreatePayment,
        units=units_of_work,
        gateway=measured_gateway,
        clock=clock,
        ids=ids,
        return_url=settings.provided.return_url,
        notify_url=settings.provided.notify_url,
        plans=plans,
    )
    get_customer_account = providers.Singleton(GetCustomerAccount, reports=reports, clock=clock)
    adjust_credits = providers.Singleton(AdjustCredits, units=units_of_work, clock=clock, ids=ids)
    set_referral_agent = providers.Singleton(SetReferralAgent, units=units_of_work, clock=clock)
    list_agent_referrals = providers.Singleton(ListAgentReferrals, reports=reports)
    list_active_subscriptions = providers.Singleton(
        ListActiveSubscriptions, reports=reports, clock=clock
    )
    list_plans = providers.Singleton(ListPlans, plans=plans)
    record_failure = providers.Singleton(RecordFailure, confirm=confirm_payment)
    list_credits = providers.Singleton(ListCredits, reports=reports)
    list_failed_payments = providers.Singleton(ListFailedPayments, reports=reports)
    get_statistics = providers.Singleton(GetStatistics, reports=reports)
    search_payments = providers.Singleton(SearchPayments, reports=reports)
    reset_store = providers.Singleton(
        ResetStore, store=store, environment=settings.provided.cashfree_environment
    )
    order_watcher = providers.Singleton(
        OrderWatcher,
        confirm=confirm_payment,
        interval_seconds=settings.provided.watch_interval_seconds,
    )
    check_readiness = providers.Singleton(
        CheckReadiness,
        store=store,
        gateway_configured=providers.Callable(_gateway_configured, settings),
    )
    get_payment_status = providers.Singleton(
        GetPaymentStatus, store=store, refresh=order_watcher.provided.confirm
    )

    notify_http_client = providers.Singleton(
        httpx.AsyncClient, timeout=httpx.Timeout(5.0), follow_redirects=False
    )
    notifiers = providers.Singleton(_notifiers, settings, clock, notify_http_client)
    outbox_relay = providers.Singleton(
        OutboxRelay,
        units=units_of_work,
        notifiers=notifiers,
        clock=clock,
        interval_seconds=settings.provided.outbox_interval_seconds,
    )
    reconcile = providers.Factory(
        Reconcile,
        units=units_of_work,
        reports=reports,
        gateway=measured_gateway,
        clock=clock,
        confirm=confirm_payment,
        apply_refund=providers.Factory(ApplyRefundState, units=units_of_work, clock=clock),
        min_delay_seconds=settings.provided.reconcile_interval_seconds,
    )
    reconciler = providers.Singleton(
        Reconciler,
        reconcile=reconcile,
        interval_seconds=settings.provided.reconcile_interval_seconds,
    )
    leader_lease = providers.Singleton(_leader_lease, store, ids)
    leader = providers.Singleton(
        Leader,
        lease=leader_lease,
        tasks=providers.List(outbox_relay, reconciler),
        clock=clock,
        lease_seconds=settings.provided.leader_lease_seconds,
    )
    cancel_order = providers.Singleton(
        CancelOrder, units=units_of_work, gateway=measured_gateway, confirm=confirm_payment
    )
    apply_refund_state = providers.Singleton(ApplyRefundState, units=units_of_work, clock=clock)
    backfill_references = providers.Factory(
        BackfillReferences,
        reports=reports,
        gateway=measured_gateway,
        clock=clock,
        confirm=confirm_payment,
        apply_refund=apply_refund_state,
    )
    refund_order = providers.Singleton(
        RefundOrder,
        units=units_of_work,
        gateway=measured_gateway,
        clock=clock,
        apply=apply_refund_state,
    )
    list_refunds = providers.Singleton(ListRefunds, reports=reports)
    list_notifications = providers.Singleton(ListNotifications, reports=reports)
    mark_notifications_read = providers.Singleton(
        MarkNotificationsRead, units=units_of_work, clock=clock
    )

    payment_notifications: providers.Provider[PaymentNotifications] = providers.Singleton(
        CashfreeNotifications,
        secret=providers.Callable(_secret, settings),
        tolerance_seconds=settings.provided.webhook_tolerance_seconds,
    )
    simulator_app = providers.Singleton(create_simulator_app, simulator)
    rate_counts = providers.Singleton(
        RateCounts,
        settings.provided.rate_limits_store_url,
        namespace=settings.provided.events_channel,
    )
    create_order_rate = providers.Singleton(
        RequestRate,
        settings.provided.rate_limit_create_order,
        error="Too many orders from this address; try again later",
        counts=rate_counts,
        name="create-order",
    )
    status_rate = providers.Singleton(
        RequestRate,
        settings.provided.rate_limit_status,
        error="Too many status checks from this address; try again later",
        counts=rate_counts,
        name="status",
    )
    stream_slots = providers.Singleton(
        StreamSlots,
        per_client=settings.provided.rate_limit_streams_per_client,
        total=settings.provided.max_open_streams,
        on_change=metrics.provided.open_streams,
    )

    store_lifecycle = providers.Resource(_opened, store)
    simulator_lifecycle = providers.Resource(
        _closed_at_shutdown,
        providers.Selector(
            settings.provided.payment_gateway,
            fake=providers.List(simulator, webhook_http_client),
            cashfree=providers.List(),
        ),
        store=store_lifecycle,
    )
    gateway_lifecycle = providers.Resource(_closed_at_shutdown, providers.List(gateway))
    rate_counts_lifecycle = providers.Resource(_closed_at_shutdown, providers.List(rate_counts))
    metrics_lifecycle = providers.Resource(_closed_at_shutdown, providers.List(metrics))
    events_lifecycle = providers.Resource(_looping, event_bus)
    watcher_lifecycle = providers.Resource(
        _closed_at_shutdown,
        providers.List(order_watcher),
        store=store_lifecycle,
        gateway=gateway_lifecycle,
        events=events_lifecycle,
    )
    background_lifecycle = providers.Resource(
        _leading,
        leader,
        providers.List(notify_http_client),
        store=store_lifecycle,
        gateway=gateway_lifecycle,
        simulator=simulator_lifecycle,
    )


async def start(container: Container) -> None:
    """Start every lifecycle, dependencies first; if one fails, stop the rest and raise."""
    await _start(container, container.traverse(types=[providers.Resource]))


async def start_for_command(container: Container) -> None:
    """What a one-off command asks the store and the gateway with (the store, the gateway,
    the simulator when it is the fake, the metrics, and the event bus, so the servers'
    pages hear of whatever it changes), started as `start` starts them; not a server's
    leader or order watcher, so a command that runs for an hour never takes the background
    work from the servers. `stop` stops what was started."""
    await _start(
        container,
        (
            container.simulator_lifecycle,
            container.gateway_lifecycle,
            container.metrics_lifecycle,
            container.events_lifecycle,
        ),
    )


async def _start(container: Container, resources: Iterable[providers.Resource[Any]]) -> None:
    """Start `resources` (and what each depends on); if one fails, stop every started one
    and raise.

    This is `init_resources()` waiting for every start to finish: that one returns at the
    first failure, leaving the others half-started where `stop` cannot close them.
    """
    starting = []
    try:
        for resource in resources:
            started = resource.init()
            if started is not None:
                starting.append(started)
    except BaseException:
        # a resource whose arguments could not be built: stop those already starting
        await asyncio.gather(*starting, return_exceptions=True)
        await stop(container)
        raise
    outcomes = await asyncio.gather(*starting, return_exceptions=True)
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if failures:
        await stop(container)
        raise failures[0]


async def stop(container: Container) -> None:
    """Stop every started lifecycle, dependents first."""
    stopped = container.shutdown_resources()
    if stopped is not None:
        await stopped


def build_container(settings: Settings) -> Container:
    container = Container(settings=settings)
    return container


def check_configuration(container: Container) -> None:
    """What settings alone cannot check: STORE_URL names a store this service has, and
    PLANS_FILE is a valid catalogue. Each failure is one ConfigurationError line."""
    try:
        container.store()
    except ValueError as exc:  # the store's messages name STORE_URL, never its password
        raise ConfigurationError(f"invalid configuration: {exc}") from None
    check_plans(container)


def check_plans(container: Container) -> None:
    """Load the plan catalogue now, so a malformed PLANS_FILE stops start-up with one line
    (a ConfigurationError, as for a bad variable) instead of failing the first order."""
    try:
        container.plans()
    except PlansFileError as exc:
        raise ConfigurationError(f"invalid configuration: PLANS_FILE: {exc}") from None


def store_at(settings: Settings, url: str, *, must_exist: bool = False) -> Store:
    """A store other than the service's own, at `url` (`checkout store copy` and
    `import-seed`), opened under the same DB_AUTO_MIGRATE rules as STORE_URL.

    `must_exist`: ValueError when `url` names a file that is not there (a source must
    not be created empty by a mistyped path)."""
    files = stored_files(url) if must_exist else []
    if files and not any(path.exists() for path in files):
        raise ValueError(f"{files[0]} does not exist")
    return store_from_url(
        url, auto_migrate=settings.db_auto_migrate, pool_size=settings.db_pool_size
    )
