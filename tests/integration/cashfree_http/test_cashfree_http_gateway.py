"""The real Cashfree adapter over real HTTP against the simulator on a loopback port."""

from __future__ import annotations

import asyncio
import socket
from decimal import Decimal

import pytest
from structlog.testing import capture_logs

from adapters.gateway.cashfree_http import CashfreeHttpGateway
from adapters.gateway.deadline import DeadlineGateway
from application.errors import (
    GatewayAuthError,
    GatewayConflict,
    GatewayNotFound,
    GatewayTimeout,
    GatewayUnavailable,
    GatewayValidationError,
)
from application.ports import GatewayOrderRequest, GatewayOrderStatus, RefundStatus
from domain.customer import Customer
from domain.money import Money
from domain.order import AttemptStatus

from .conftest import SECRET, GatewayFactory, LiveSimulator

CUSTOMER = Customer.create("Asha Rao", "asha@example.com", "9876543210")


def order_request(
    order_id: str, amount: str = "499.50", customer_id: str = "CUST_4F7Q"
) -> GatewayOrderRequest:
    return GatewayOrderRequest(
        order_id=order_id,
        amount=Money.of(amount),
        customer=CUSTOMER,
        customer_id=customer_id,
        return_url="https://shop.example.com/payment/return?order_id={order_id}",
        notify_url="https://shop.example.com/api/webhook",
    )


async def test_order_lifecycle_create_pay_refund(
    gateway: CashfreeHttpGateway, live: LiveSimulator
) -> None:
    created = await gateway.create_order(order_request("ORDER_LIFECYCLE_1"))

    assert created.status is GatewayOrderStatus.ACTIVE
    assert created.amount == Money.of("499.50")
    assert created.payment_session_id.startswith("session_")
    assert created.expires_at is not None
    fetched = await gateway.get_order("ORDER_LIFECYCLE_1")
    assert fetched == created

    failed = await live.simulator.record_attempt("ORDER_LIFECYCLE_1", "FAILED")
    paid = await live.simulator.record_attempt("ORDER_LIFECYCLE_1", "SUCCESS", method="credit_card")
    attempts = await gateway.list_payments("ORDER_LIFECYCLE_1")

    assert [(a.payment_id, a.status) for a in attempts] == [
        (str(failed["cf_payment_id"]), AttemptStatus.FAILED),
        (str(paid["cf_payment_id"]), AttemptStatus.SUCCESS),
    ]
    assert attempts[0].message == "Transaction declined by bank"
    assert attempts[1].amount == Money.of("499.50")
    assert attempts[1].method == "credit_card"
    assert (await gateway.get_order("ORDER_LIFECYCLE_1")).status is GatewayOrderStatus.PAID

    refund = await gateway.create_refund(
        "ORDER_LIFECYCLE_1", "REFUND_LC_1", Money.of("100.25"), "partial refund"
    )
    assert refund.refund_id == "REFUND_LC_1"
    assert refund.amount == Money.of("100.25")
    assert refund.note == "partial refund"
    (listed,) = await gateway.list_refunds("ORDER_LIFECYCLE_1")
    assert listed.gateway_refund_id == refund.gateway_refund_id
    assert listed.status is RefundStatus.SUCCESS


async def test_payments_of_a_fresh_order_are_empty(gateway: CashfreeHttpGateway) -> None:
    await gateway.create_order(order_request("ORDER_NO_ATTEMPTS"))
    assert await gateway.list_payments("ORDER_NO_ATTEMPTS") == []
    assert await gateway.list_refunds("ORDER_NO_ATTEMPTS") == []


async def test_pending_attempt_resolves_to_success(
    gateway: CashfreeHttpGateway, live: LiveSimulator
) -> None:
    await gateway.create_order(order_request("ORDER_PENDING_1", amount="10.15"))
    pending = await live.simulator.record_attempt("ORDER_PENDING_1", "PENDING")
    (attempt,) = await gateway.list_payments("ORDER_PENDING_1")
    assert attempt.status is AttemptStatus.PENDING

    await live.simulator.record_attempt(
        "ORDER_PENDING_1", "SUCCESS", cf_payment_id=pending["cf_payment_id"]
    )
    (attempt,) = await gateway.list_payments("ORDER_PENDING_1")
    assert attempt.status is AttemptStatus.SUCCESS
    assert attempt.amount.amount == Decimal("10.15")


async def test_terminate_and_terminate_again(gateway: CashfreeHttpGateway) -> None:
    await gateway.create_order(order_request("ORDER_TERMINATE_1"))
    terminated = await gateway.terminate_order("ORDER_TERMINATE_1")
    assert terminated.status is GatewayOrderStatus.TERMINATED

    with pytest.raises(GatewayValidationError):
        await gateway.terminate_order("ORDER_TERMINATE_1")


async def test_expired_order_reads_as_expired(
    gateway: CashfreeHttpGateway, live: LiveSimulator
) -> None:
    await gateway.create_order(order_request("ORDER_EXPIRE_1"))
    await live.simulator.expire_order("ORDER_EXPIRE_1")
    assert (await gateway.get_order("ORDER_EXPIRE_1")).status is GatewayOrderStatus.EXPIRED


# --- every error class -----------------------------------------------------------------


async def test_wrong_secret_is_an_auth_error_that_names_the_app_id_only(
    make_gateway: GatewayFactory, live: LiveSimulator
) -> None:
    wrong_secret = "cfsk_ma_test_wrong_7a6b5c4d_SECRET"
    gateway = make_gateway(secret=wrong_secret)
    with capture_logs() as logs, pytest.raises(GatewayAuthError) as caught:
        await gateway.create_order(order_request("ORDER_AUTH_1"))

    assert "TEST_APP_4c1f" in str(caught.value)
    assert wrong_secret not in str(caught.value)
    assert caught.value.public_message == GatewayAuthError.public_message
    refused = [log for log in logs if log["event"] == "cashfree.credentials_refused"]
    assert refused[0]["app_id"] == "TEST_APP_4c1f"
    assert wrong_secret not in repr(logs)
    assert live.orders_held() == 0


async def test_unknown_app_id_is_an_auth_error(make_gateway: GatewayFactory) -> None:
    with pytest.raises(GatewayAuthError, match="NOT_OUR_APP"):
        await make_gateway(app_id="NOT_OUR_APP").get_order("ORDER_ANY")


async def test_unsupported_api_version_value_is_a_validation_error(
    make_gateway: GatewayFactory,
) -> None:
    with pytest.raises(GatewayValidationError, match="x-api-version"):
        await make_gateway(api_version="latest").get_order("ORDER_ANY")


async def test_invalid_order_passes_cashfree_message_through(
    gateway: CashfreeHttpGateway, live: LiveSimulator
) -> None:
    with pytest.raises(GatewayValidationError) as caught:
        await gateway.create_order(order_request("ORDER_BAD_CUSTOMER", customer_id="x"))
    assert "customer_id" in caught.value.public_message
    assert live.orders_held() == 0


async def test_refund_of_an_unpaid_order_is_a_validation_error(
    gateway: CashfreeHttpGateway,
) -> None:
    await gateway.create_order(order_request("ORDER_UNPAID_1"))
    with pytest.raises(GatewayValidationError, match="PAID"):
        await gateway.create_refund("ORDER_UNPAID_1", "REFUND_UNPAID", Money.of("1.00"), "")


async def test_unknown_order_is_not_found(gateway: CashfreeHttpGateway) -> None:
    with pytest.raises(GatewayNotFound):
        await gateway.get_order("ORDER_NOBODY_KNOWS")
    with pytest.raises(GatewayNotFound):
        await gateway.list_payments("ORDER_NOBODY_KNOWS")
    with pytest.raises(GatewayNotFound):
        await gateway.terminate_order("ORDER_NOBODY_KNOWS")


async def test_order_id_taken_by_someone_else_is_a_conflict(
    gateway: CashfreeHttpGateway, live: LiveSimulator
) -> None:
    body = {
        "order_id": "ORDER_TAKEN_1",
        "order_amount": Decimal("499.50"),
        "order_currency": "INR",
        "customer_details": {"customer_id": "OTHER_CUSTOMER", "customer_phone": "9999999999"},
    }
    await live.simulator.create_order(body)

    with pytest.raises(GatewayConflict):
        await gateway.create_order(order_request("ORDER_TAKEN_1"))
    assert live.orders_held() == 1


async def test_same_refund_id_for_another_amount_is_a_conflict(
    gateway: CashfreeHttpGateway, live: LiveSimulator
) -> None:
    await gateway.create_order(order_request("ORDER_REFUND_TWICE"))
    await live.simulator.record_attempt("ORDER_REFUND_TWICE", "SUCCESS")
    first = await gateway.create_refund("ORDER_REFUND_TWICE", "REFUND_T1", Money.of("5.00"), "")
    again = await gateway.create_refund("ORDER_REFUND_TWICE", "REFUND_T1", Money.of("5.00"), "")
    assert again.gateway_refund_id == first.gateway_refund_id

    with pytest.raises(GatewayConflict):
        await gateway.create_refund("ORDER_REFUND_TWICE", "REFUND_T1", Money.of("6.00"), "")
    assert len(await gateway.list_refunds("ORDER_REFUND_TWICE")) == 1


# --- retries under injected faults -------------------------------------------------------


@pytest.mark.parametrize("kind", ["5xx", "reset", "timeout"])
async def test_create_order_survives_faults_without_a_second_order(
    make_gateway: GatewayFactory, live: LiveSimulator, kind: str
) -> None:
    gateway = make_gateway(read_timeout=0.5)
    live.simulator.set_fault("create_order", kind, rate=1.0, count=2)

    order = await gateway.create_order(order_request(f"ORDER_FAULT_{kind.upper()}"))

    assert live.orders_held() == 1
    held = await live.simulator.get_order(order.order_id)
    assert order.gateway_order_id == held["cf_order_id"]
    assert order.payment_session_id == held["payment_session_id"]


async def test_create_order_after_a_lost_answer_and_a_conflict_returns_the_order(
    gateway: CashfreeHttpGateway, live: LiveSimulator
) -> None:
    """The first try fails with a 5xx after Cashfree (here: an earlier call without the
    idempotency key) created the order; the retry meets 409 and resolves it by fetching."""
    await live.simulator.create_order(
        {
            "order_id": "ORDER_RESOLVE_1",
            "order_amount": Decimal("499.50"),
            "order_currency": "INR",
            "customer_details": {"customer_id": "CUST_4F7Q", "customer_phone": "9876543210"},
        }
    )
    live.simulator.set_fault("create_order", "5xx", rate=1.0, count=1)

    with capture_logs() as logs:
        order = await gateway.create_order(order_request("ORDER_RESOLVE_1"))

    assert order.status is GatewayOrderStatus.ACTIVE
    assert any(log["event"] == "cashfree.order_recovered" for log in logs)
    assert live.orders_held() == 1


async def test_reads_survive_transient_faults(
    gateway: CashfreeHttpGateway, live: LiveSimulator
) -> None:
    await gateway.create_order(order_request("ORDER_READS_1"))
    live.simulator.set_fault("get_order", "5xx", rate=1.0, count=3)
    live.simulator.set_fault("list_payments", "reset", rate=1.0, count=2)

    assert (await gateway.get_order("ORDER_READS_1")).order_id == "ORDER_READS_1"
    assert await gateway.list_payments("ORDER_READS_1") == []


async def test_persistent_5xx_is_unavailable_after_max_attempts(
    make_gateway: GatewayFactory, live: LiveSimulator
) -> None:
    gateway = make_gateway(max_attempts=3)
    await gateway.create_order(order_request("ORDER_DOWN_1"))
    live.simulator.set_fault("get_order", "5xx", rate=1.0, count=None)

    with capture_logs() as logs, pytest.raises(GatewayUnavailable):
        await gateway.get_order("ORDER_DOWN_1")
    tries = [log for log in logs if log["event"] == "cashfree.response"]
    assert [log["status"] for log in tries] == [500, 500, 500]
    assert len({log["request_id"] for log in tries}) == 1


async def test_refund_survives_a_lost_answer_without_a_second_refund(
    gateway: CashfreeHttpGateway, live: LiveSimulator
) -> None:
    await gateway.create_order(order_request("ORDER_REFUND_RESET"))
    await live.simulator.record_attempt("ORDER_REFUND_RESET", "SUCCESS")
    live.simulator.set_fault("create_refund", "reset", rate=1.0, count=1)

    refund = await gateway.create_refund(
        "ORDER_REFUND_RESET", "REFUND_R1", Money.of("499.50"), "full refund"
    )

    assert refund.refund_id == "REFUND_R1"
    assert [r.refund_id for r in await gateway.list_refunds("ORDER_REFUND_RESET")] == ["REFUND_R1"]


async def test_terminate_is_not_repeated_after_a_lost_answer(
    gateway: CashfreeHttpGateway, live: LiveSimulator
) -> None:
    """The documented choice: the PATCH landed, its answer was lost, the adapter reports
    the gateway unavailable instead of retrying into a "not ACTIVE" refusal."""
    await gateway.create_order(order_request("ORDER_TERMINATE_LOST"))
    live.simulator.set_fault("terminate_order", "reset", rate=1.0, count=1)

    with pytest.raises(GatewayUnavailable):
        await gateway.terminate_order("ORDER_TERMINATE_LOST")
    assert (await gateway.get_order("ORDER_TERMINATE_LOST")).status is (
        GatewayOrderStatus.TERMINATED
    )


# --- timeouts ----------------------------------------------------------------------------


async def test_latency_above_the_read_timeout_is_a_timeout_after_retries(
    make_gateway: GatewayFactory, live: LiveSimulator
) -> None:
    gateway = make_gateway(read_timeout=0.1, max_attempts=2)
    await gateway.create_order(order_request("ORDER_SLOW_1"))
    live.simulator.set_latency("get_order", 0.6)

    with capture_logs() as logs, pytest.raises(GatewayTimeout, match="ReadTimeout"):
        await gateway.get_order("ORDER_SLOW_1")
    timeouts = [log for log in logs if log["event"] == "cashfree.transport_error"]
    assert [log["error"] for log in timeouts] == ["ReadTimeout", "ReadTimeout"]


async def test_a_gateway_504_after_retries_is_a_timeout(
    make_gateway: GatewayFactory, live: LiveSimulator
) -> None:
    """The simulator's timeout fault answers 504 after HANG_SECONDS, inside the read
    timeout: Cashfree's own gateway timed out, and so, to the caller, did the call."""
    gateway = make_gateway(read_timeout=2.0, max_attempts=2)
    await gateway.create_order(order_request("ORDER_504_1"))
    live.simulator.set_fault("get_order", "timeout", rate=1.0, count=None)

    with pytest.raises(GatewayTimeout, match="HTTP 504"):
        await gateway.get_order("ORDER_504_1")


async def test_retries_end_at_the_deadline_with_a_timeout(
    make_gateway: GatewayFactory, live: LiveSimulator
) -> None:
    """Four tries of a two-second read timeout would take eight seconds; the deadline
    (CASHFREE_DEADLINE_SECONDS, here 0.3 s) ends the call, retries included."""
    gateway = DeadlineGateway(make_gateway(read_timeout=2.0, max_attempts=4), seconds=0.3)
    await gateway.create_order(order_request("ORDER_DEADLINE_1"))
    live.simulator.set_latency("get_order", 3.0)

    with pytest.raises(GatewayTimeout, match=r"within 0\.3 s"):
        await asyncio.wait_for(gateway.get_order("ORDER_DEADLINE_1"), timeout=5)


async def test_latency_below_the_read_timeout_is_fine(
    make_gateway: GatewayFactory, live: LiveSimulator
) -> None:
    gateway = make_gateway(read_timeout=2.0)
    await gateway.create_order(order_request("ORDER_SLOWISH_1"))
    live.simulator.set_latency("get_order", 0.05)
    assert (await gateway.get_order("ORDER_SLOWISH_1")).order_id == "ORDER_SLOWISH_1"


async def test_unreachable_gateway_is_unavailable(make_gateway: GatewayFactory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    gateway = make_gateway(
        base_url=f"http://127.0.0.1:{closed_port}/pg", connect_timeout=0.2, max_attempts=2
    )
    with capture_logs() as logs, pytest.raises(GatewayUnavailable, match=r"Connect"):
        await gateway.get_order("ORDER_ANY")
    assert len([log for log in logs if log["event"] == "cashfree.transport_error"]) == 2


# --- secrets -----------------------------------------------------------------------------


async def test_secret_never_appears_in_logs_or_errors(
    make_gateway: GatewayFactory, live: LiveSimulator
) -> None:
    gateway = make_gateway(max_attempts=2)
    errors: list[str] = []
    with capture_logs() as logs:
        await gateway.create_order(order_request("ORDER_SECRET_1"))
        await live.simulator.record_attempt("ORDER_SECRET_1", "SUCCESS")
        await gateway.list_payments("ORDER_SECRET_1")
        await gateway.create_refund("ORDER_SECRET_1", "REFUND_S1", Money.of("1.00"), "")
        live.simulator.set_fault("*", "5xx", rate=1.0, count=None)
        for call in (gateway.get_order("ORDER_SECRET_1"), gateway.list_refunds("ORDER_SECRET_1")):
            with pytest.raises(GatewayUnavailable) as caught:
                await call
            errors.append(repr(caught.value) + caught.value.public_message)

    assert len(logs) >= 8
    assert SECRET not in repr(logs)
    assert "x-client-secret" not in repr(logs)
    assert all(SECRET not in text for text in errors)
