"""Payment attempts: the PaymentEntity of each try and the webhook that reports it.

One order may have many attempts; only SUCCESS pays it. `cf_payment_id` is a string in
every /pg entity (the 2025-01-01 schema) and an integer inside payment webhooks, as
Cashfree's webhook samples show it.
"""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from typing import Any

from cashfree_simulator import wire
from cashfree_simulator.errors import invalid
from cashfree_simulator.orders import OrderRecord, parse_amount

OUTCOMES = ("SUCCESS", "FAILED", "USER_DROPPED", "PENDING")

DEFAULT_MESSAGES = {
    "SUCCESS": "Transaction successful",
    "FAILED": "Transaction declined by bank",
    "USER_DROPPED": "User dropped and did not complete the payment",
    "PENDING": "Transaction is pending",
}
WEBHOOK_TYPES = {
    "SUCCESS": "PAYMENT_SUCCESS_WEBHOOK",
    "FAILED": "PAYMENT_FAILED_WEBHOOK",
    "USER_DROPPED": "PAYMENT_USER_DROPPED_WEBHOOK",
}
ERROR_DETAILS = {
    "FAILED": {
        "error_code": "TRANSACTION_DECLINED",
        "error_description": "issuer bank or payment service provider declined the transaction",
        "error_reason": "auth_declined",
        "error_source": "customer",
    },
    "USER_DROPPED": {
        "error_code": "USER_DROPPED",
        "error_description": "user dropped and did not complete the two factor authentication",
        "error_reason": "user_dropped",
        "error_source": "customer",
    },
}

# How each payment method a scenario names shows up in a PaymentEntity.
PAYMENT_METHODS: dict[str, tuple[str, dict[str, Any]]] = {
    "upi": ("upi", {"upi": {"channel": "collect", "upi_id": "testsuccess@gocash"}}),
    "credit_card": (
        "credit_card",
        {
            "card": {
                "channel": "link",
                "card_number": "XXXXXXXXXXXX1111",
                "card_network": "visa",
                "card_type": "credit_card",
                "card_country": "IN",
                "card_bank_name": "HDFC Bank",
            }
        },
    ),
    "debit_card": (
        "debit_card",
        {
            "card": {
                "channel": "link",
                "card_number": "XXXXXXXXXXXX4242",
                "card_network": "rupay",
                "card_type": "debit_card",
                "card_country": "IN",
                "card_bank_name": "State Bank of India",
            }
        },
    ),
    "net_banking": (
        "net_banking",
        {
            "netbanking": {
                "channel": "link",
                "netbanking_bank_code": 3044,
                "netbanking_bank_name": "State Bank of India",
            }
        },
    ),
    "wallet": ("wallet", {"app": {"channel": "link", "provider": "paytm", "phone": "9999999999"}}),
}
METHOD_ALIASES = {"card": "credit_card", "netbanking": "net_banking", "nb": "net_banking"}


def check_outcome(outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise invalid("outcome", f"outcome must be one of {', '.join(OUTCOMES)}")


def new_payment(
    order: OrderRecord, method: str, amount: Decimal | None, now: datetime, number: int
) -> dict[str, Any]:
    """A PENDING attempt on `order`; `amount` (default: the order's) may be a wrong sum."""
    group, details = PAYMENT_METHODS[_method(method)]
    paid = order.entity["order_amount"] if amount is None else parse_amount(amount, "amount")
    return {
        "cf_payment_id": str(5_114_910_000_000 + number),
        "order_id": order.order_id,
        "entity": "payment",
        "is_captured": False,
        "order_amount": order.entity["order_amount"],
        "order_currency": order.entity["order_currency"],
        "payment_group": group,
        "payment_currency": order.entity["order_currency"],
        "payment_amount": paid,
        "payment_time": wire.format_time(now),
        "payment_status": "PENDING",
        "payment_message": "",
        "bank_reference": f"{number:012d}",
        "auth_id": f"A{number:06d}",
        "payment_method": copy.deepcopy(details),
        "payment_gateway_details": {
            "gateway_name": "CASHFREE",
            "gateway_order_id": order.entity["cf_order_id"],
            "gateway_payment_id": f"{number:010d}",
            "gateway_settlement": "cashfree",
        },
    }


def settle(payment: dict[str, Any], outcome: str, message: str | None, now: datetime) -> None:
    """Move an attempt to `outcome`: message, error details and completion time follow."""
    payment["payment_status"] = outcome
    payment["payment_message"] = message or DEFAULT_MESSAGES[outcome]
    payment.pop("error_details", None)
    if outcome in ERROR_DETAILS:
        payment["error_details"] = dict(ERROR_DETAILS[outcome])
    if outcome == "PENDING":
        payment.pop("payment_completion_time", None)
    else:
        payment["payment_completion_time"] = wire.format_time(now)
    if outcome == "SUCCESS":
        payment["is_captured"] = True


def webhook_data(order: OrderRecord, payment: dict[str, Any]) -> dict[str, Any]:
    """The `data` of a PAYMENT_*_WEBHOOK, shaped like Cashfree's published samples."""
    customer = order.customer
    data: dict[str, Any] = {
        "order": {
            "order_id": order.order_id,
            "order_amount": order.entity["order_amount"],
            "order_currency": order.entity["order_currency"],
            "order_tags": order.entity["order_tags"],
        },
        "payment": {
            "cf_payment_id": int(payment["cf_payment_id"]),
            "payment_status": payment["payment_status"],
            "payment_amount": payment["payment_amount"],
            "payment_currency": payment["payment_currency"],
            "payment_message": payment["payment_message"],
            "payment_time": payment["payment_time"],
            "bank_reference": payment["bank_reference"],
            "auth_id": None,
            "payment_method": copy.deepcopy(payment["payment_method"]),
            "payment_group": payment["payment_group"],
        },
        "customer_details": {
            "customer_name": customer.get("customer_name"),
            "customer_id": customer.get("customer_id"),
            "customer_email": customer.get("customer_email"),
            "customer_phone": customer.get("customer_phone"),
        },
        "payment_gateway_details": {
            "gateway_name": "CASHFREE",
            "gateway_order_id": order.entity["cf_order_id"],
            "gateway_payment_id": payment["payment_gateway_details"]["gateway_payment_id"],
            "gateway_status_code": None,
            "gateway_order_reference_id": None,
            "gateway_settlement": "cashfree",
            "gateway_reference_name": None,
        },
        "payment_offers": None,
    }
    if "error_details" in payment:
        data["error_details"] = {**payment["error_details"], "error_code_raw": None}
    return data


def _method(method: str) -> str:
    name = METHOD_ALIASES.get(method, method)
    if name not in PAYMENT_METHODS:
        raise invalid("method", f"method should be one of {', '.join(PAYMENT_METHODS)}")
    return name
