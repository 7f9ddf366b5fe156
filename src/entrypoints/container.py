"""The composition root: the only place that chooses adapters.

Built from `Settings`; tests override providers (`container.gateway.override(fake)`)
instead of patching modules. Singletons hold what must be one per process (store, gateway
client, simulator, event bus, watcher); use cases are cheap factories.
"""

from __future__ import annotations

import httpx
from dependency_injector import containers, providers

from adapters.clock import SystemClock
from adapters.events.in_process import InProcessEventBus
from adapters.gateway.cashfree_http import CashfreeHttpGateway
from adapters.gateway.fake.gateway import FakeGateway
from adapters.gateway.fake.simulator import CashfreeSimulator
from adapters.gateway.fake.webhooks import WebhookDispatcher
from adapters.ids import SecureIdGenerator
from adapters.store.url import store_from_url
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment
from application.use_cases.queries import (
    GetPaymentStatus,
    GetStatistics,
    ListCredits,
    ListFailedPayments,
)
from application.use_cases.record_failure import RecordFailure
from application.use_cases.reset_store import ResetStore
from application.watcher import OrderWatcher
from entrypoints.settings import Settings


def _secret(settings: Settings) -> str:
    return settings.cashfree_secret_key.get_secret_value()


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(SecureIdGenerator)
    event_bus = providers.Singleton(InProcessEventBus)
    store = providers.Singleton(store_from_url, settings.provided.store_url)

    webhook_http_client = providers.Singleton(httpx.AsyncClient, timeout=10.0)
    webhook_dispatcher = providers.Singleton(
        WebhookDispatcher,
        secret=providers.Callable(_secret, settings),
        client=webhook_http_client,
        clock=clock,
        time_scale=settings.provided.fake_webhook_time_scale,
    )
    simulator = providers.Singleton(
        CashfreeSimulator,
        app_id=settings.provided.cashfree_app_id,
        secret=providers.Callable(_secret, settings),
        clock=clock,
        webhooks=webhook_dispatcher,
    )
    gateway = providers.Selector(
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

    confirm_payment = providers.Factory(
        ConfirmPayment, store=store, gateway=gateway, clock=clock, publisher=event_bus
    )
    create_payment = providers.Factory(
        CreatePayment,
        store=store,
        gateway=gateway,
        clock=clock,
        ids=ids,
        publisher=event_bus,
        return_url=settings.provided.return_url,
        notify_url=settings.provided.notify_url,
    )
    record_failure = providers.Factory(RecordFailure, confirm=confirm_payment)
    list_credits = providers.Factory(ListCredits, store=store)
    list_failed_payments = providers.Factory(ListFailedPayments, store=store)
    get_statistics = providers.Factory(GetStatistics, store=store)
    reset_store = providers.Factory(
        ResetStore, store=store, environment=settings.provided.cashfree_environment
    )
    order_watcher = providers.Singleton(
        OrderWatcher,
        confirm=confirm_payment,
        interval_seconds=settings.provided.watch_interval_seconds,
    )
    get_payment_status = providers.Factory(
        GetPaymentStatus, store=store, refresh=order_watcher.provided.confirm
    )


def build_container(settings: Settings) -> Container:
    container = Container(settings=settings)
    return container
