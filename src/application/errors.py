"""Errors the application raises to its entrypoints; none carries a secret."""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of every error a use case reports."""


class OrderNotFound(ApplicationError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} not found")
        self.order_id = order_id


class OrderNotCancellable(ApplicationError):
    """Only an ACTIVE order can be cancelled; a paid or ended one stays as it is."""

    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"order {order_id} is {status} and cannot be cancelled")
        self.order_id = order_id
        self.status = status


class DuplicateOrder(ApplicationError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} already exists")
        self.order_id = order_id


class CustomerNotFound(ApplicationError):
    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer {customer_id} not found")
        self.customer_id = customer_id


class ConcurrencyConflict(ApplicationError):
    """Another unit of work changed the same order first; the caller may retry."""


class ResetRefused(ApplicationError):
    """Wiping the store is never allowed against the production gateway."""


class NotificationUnauthentic(ApplicationError):
    """A gateway notification whose signature is missing, wrong or outside the replay window."""


class NotificationUnreadable(ApplicationError):
    """A correctly signed gateway notification whose body still cannot be read."""


class NotificationUnstorable(ApplicationError):
    """A correctly signed notification carrying a value no store can hold (an id over
    100 characters, an amount of 10^10 or more): a retry would carry it again, so the
    receiver acknowledges it and logs it instead of having it sent forever."""


class GatewayError(ApplicationError):
    """The payment gateway did not do what was asked. `public_message` is safe to show."""

    public_message = "The payment gateway is unavailable. Please try again."
    retryable = False


class GatewayAuthError(GatewayError):
    """Our credentials were refused: the server is misconfigured, the customer is not at fault."""

    public_message = "Payments are temporarily unavailable. Please try again later."


class GatewayValidationError(GatewayError):
    """The gateway refused the request's content; its message is safe to pass through."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.public_message = message


class GatewayNotFound(GatewayError):
    public_message = "The order is not known to the payment gateway."


class GatewayConflict(GatewayError):
    public_message = "The payment gateway reported a conflicting request."


class GatewayRateLimited(GatewayError):
    public_message = "Too many requests to the payment gateway. Please retry shortly."
    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class GatewayUnavailable(GatewayError):
    """Timeouts, connection errors and 5xx answers after retries. The request may have
    reached the gateway and been applied there: its outcome is unknown."""

    retryable = True


class GatewayTimeout(GatewayUnavailable):
    """No answer in time: the call's deadline passed (CASHFREE_DEADLINE_SECONDS, retries
    included), its last try timed out, or the gateway itself answered 504."""

    public_message = "The payment gateway did not answer in time. Please try again."


class DeliveryFailed(ApplicationError):
    """A notifier could not deliver a message; the outbox tries again later. The message
    is safe to store and log (no URL, secret or personal data)."""


class DuplicateRefund(ApplicationError):
    def __init__(self, refund_id: str) -> None:
        super().__init__(f"refund {refund_id} already exists")
        self.refund_id = refund_id


class RefundNotFound(ApplicationError):
    def __init__(self, refund_id: str) -> None:
        super().__init__(f"refund {refund_id} not found")
        self.refund_id = refund_id


class OrderNotRefundable(ApplicationError):
    """Only a PAID order can be refunded."""

    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"order {order_id} is {status} and cannot be refunded")
        self.order_id = order_id
        self.status = status


class RefundConflict(ApplicationError):
    """The refund id is already used by a refund with another order, amount or reason."""

    def __init__(self, refund_id: str) -> None:
        super().__init__(f"refund {refund_id} already exists with another request")
        self.refund_id = refund_id
