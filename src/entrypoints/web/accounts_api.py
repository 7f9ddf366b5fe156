"""Plans, customer accounts, notifications, referrals and subscriptions under /api/payment.

Public: the plan list. The customer (AUTH_MODE=jwt, their token): their account and their
inbox; in AUTH_MODE=none these answer 404, since no request proves who the customer is.
The operator (ADMIN_TOKEN): any customer's account, credit adjustments, referral agents,
an agent's referrals and the active subscriptions.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from application.errors import CustomerNotFound
from application.use_cases.accounts import CustomerAccount
from application.use_cases.notifications import MAX_READ_IDS
from entrypoints.container import Container
from entrypoints.web.account_views import (
    account_view,
    adjustment_view,
    agent_referrals_view,
    customer_view,
    notification_view,
    plan_view,
    subscriptions_view,
)
from entrypoints.web.auth import require_admin
from entrypoints.web.body import read_json_object
from entrypoints.web.customer_auth import ID_RULE, CustomerAuth, is_valid_id
from entrypoints.web.errors import HttpError
from entrypoints.web.params import is_printable_id, is_storable_text, paging, path_id
from entrypoints.web.schemas import (
    MAX_PATH_ID,
    AdjustmentRequest,
    MarkReadRequest,
    ReferralAgentRequest,
)


def _field_error(field: str, message: str) -> HttpError:
    return HttpError(
        400, "Validation failed", details=[message], fields=[{"field": field, "message": message}]
    )


def _empty_account() -> CustomerAccount:
    return CustomerAccount(
        profile=None, balance=0, statement=[], subscriptions=[], orders=[], refunds={}
    )


class AccountsApi:
    """The account routes over the use cases one container builds."""

    def __init__(self, container: Container, customers: CustomerAuth) -> None:
        self._container = container
        self._settings = container.settings()
        self._customers = customers

    def _admin(self, request: Request) -> None:
        require_admin(request, self._settings.admin_token)

    async def plans(self, request: Request) -> JSONResponse:
        plans = await self._container.list_plans().execute()
        return JSONResponse({"success": True, "data": [plan_view(p) for p in plans]})

    async def me(self, request: Request) -> JSONResponse:
        """The caller's account; a customer who never paid has an empty one, not a 404."""
        identity = self._customers.require(request)
        limit, offset = paging(request, "ledgerLimit", "ledgerOffset")
        try:
            account = await self._container.get_customer_account().execute(
                identity.customer_id, limit, offset
            )
        except CustomerNotFound:
            account = _empty_account()
        now = self._container.clock().now()
        view = account_view(identity.customer_id, account, now)
        return JSONResponse({"success": True, "data": view})

    async def my_notifications(self, request: Request) -> JSONResponse:
        identity = self._customers.require(request)
        limit, offset = paging(request)
        notifications = await self._container.list_notifications().execute(
            identity.customer_id, limit, offset
        )
        return JSONResponse(
            {"success": True, "data": [notification_view(n) for n in notifications]}
        )

    async def mark_read(self, request: Request) -> JSONResponse:
        """Marks the caller's own notifications read; ids of anyone else's change nothing."""
        identity = self._customers.require(request)
        ids = MarkReadRequest.model_validate(await read_json_object(request)).ids
        if (
            not isinstance(ids, list)
            or not 1 <= len(ids) <= MAX_READ_IDS
            or not all(is_printable_id(i, 1, MAX_PATH_ID) for i in ids)
        ):
            raise _field_error("ids", f"Send a list of 1 to {MAX_READ_IDS} notification ids.")
        marked = await self._container.mark_notifications_read().execute(
            identity.customer_id, list(dict.fromkeys(ids))
        )
        return JSONResponse({"success": True, "data": {"marked": marked}})

    async def customer(self, request: Request) -> JSONResponse:
        self._admin(request)
        customer_id = path_id(request, "customer_id")
        limit, offset = paging(request, "ledgerLimit", "ledgerOffset")
        account = await self._container.get_customer_account().execute(
            customer_id, limit, offset, with_contacts=True
        )
        now = self._container.clock().now()
        view = customer_view(customer_id, account, now)
        return JSONResponse({"success": True, "data": view})

    async def adjust(self, request: Request) -> JSONResponse:
        """An operator's credit adjustment: signed whole credits and a note saying why."""
        self._admin(request)
        customer_id = path_id(request, "customer_id")
        body = AdjustmentRequest.model_validate(await read_json_object(request))
        credits, note = body.credits, body.note
        if isinstance(credits, bool) or not isinstance(credits, int) or credits == 0:
            raise _field_error("credits", "Enter a whole number other than zero.")
        if not isinstance(note, str) or not note.strip() or not is_storable_text(note):
            raise _field_error("note", "Say why the credits are adjusted.")
        entry = await self._container.adjust_credits().execute(customer_id, credits, note)
        return JSONResponse({"success": True, "data": adjustment_view(entry)}, status_code=201)

    async def set_referral_agent(self, request: Request) -> JSONResponse:
        self._admin(request)
        customer_id = path_id(request, "customer_id")
        agent_id = ReferralAgentRequest.model_validate(await read_json_object(request)).agentId
        if not is_valid_id(agent_id):
            raise _field_error("agentId", f"Use {ID_RULE}.")
        assert isinstance(agent_id, str)
        profile = await self._container.set_referral_agent().execute(customer_id, agent_id)
        return JSONResponse(
            {
                "success": True,
                "data": {
                    "customerId": profile.customer_id,
                    "referralAgent": profile.referral_agent,
                },
            }
        )

    async def agent_referrals(self, request: Request) -> JSONResponse:
        self._admin(request)
        agent_id = path_id(request, "agent_id")
        referrals = await self._container.list_agent_referrals().execute(agent_id)
        return JSONResponse({"success": True, "data": agent_referrals_view(referrals)})

    async def subscriptions(self, request: Request) -> JSONResponse:
        """Active subscriptions (`?active=1`, the default: the only listing kept)."""
        self._admin(request)
        if request.query_params.get("active", "1").lower() not in ("1", "true"):
            raise HttpError(400, "only active subscriptions are listed: use active=1")
        limit, offset = paging(request)
        subscriptions = await self._container.list_active_subscriptions().execute(limit, offset)
        now = self._container.clock().now()
        return JSONResponse({"success": True, "data": subscriptions_view(subscriptions, now)})


def account_routes(container: Container, customers: CustomerAuth) -> list[BaseRoute]:
    api = AccountsApi(container, customers)
    customer = "/api/payment/customers/{customer_id}"
    return [
        Route("/api/payment/plans", api.plans, methods=["GET"]),
        Route("/api/payment/me", api.me, methods=["GET"]),
        Route("/api/payment/me/notifications", api.my_notifications, methods=["GET"]),
        Route("/api/payment/me/notifications/read", api.mark_read, methods=["POST"]),
        Route(customer, api.customer, methods=["GET"]),
        Route(f"{customer}/adjustments", api.adjust, methods=["POST"]),
        Route(f"{customer}/referral-agent", api.set_referral_agent, methods=["PUT"]),
        Route("/api/payment/agents/{agent_id}/referrals", api.agent_referrals, methods=["GET"]),
        Route("/api/payment/subscriptions", api.subscriptions, methods=["GET"]),
    ]
