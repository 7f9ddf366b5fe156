"""schemathesis hooks for the fuzz run: webhooks are signed as Cashfree signs them.

Without a signature every generated webhook would stop at the 401; signed, its body
reaches the parser, the storable-value checks and the payment use cases. The body is
serialized here, so the signature covers exactly the bytes sent.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import schemathesis

from cashfree_simulator.wire import sign

SECRET_VARIABLE = "FUZZ_WEBHOOK_SECRET"
WEBHOOK = "/api/payment/webhook"


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    secret = os.environ.get(SECRET_VARIABLE)
    if secret is None or case.path != WEBHOOK or not isinstance(case.body, dict):
        return
    raw = json.dumps(case.body).encode()
    timestamp = str(int(time.time() * 1000))
    case.body = raw
    case.headers = {
        **(case.headers or {}),
        "x-webhook-timestamp": timestamp,
        "x-webhook-signature": sign(secret, timestamp, raw),
    }
