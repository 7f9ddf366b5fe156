"""The paying customer: a name, an e-mail address and an Indian mobile number."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from domain.errors import FieldError, InvalidField, ValidationFailed

_PHONE = re.compile(r"^[6-9]\d{9}$")
_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
NAME_MIN, NAME_MAX = 2, 100
EMAIL_MAX = 254
CUSTOMER_ID_PREFIX = "cus_"


def customer_id_for_email(email: str) -> str:
    """The stable id of a customer known only by e-mail (AUTH_MODE=none): one per address,
    whatever its case or surrounding spaces, and not the address itself."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return CUSTOMER_ID_PREFIX + digest[:32]


@dataclass(frozen=True)
class Customer:
    """Name trimmed, e-mail lower-cased, Indian mobile number."""

    name: str
    email: str
    phone: str

    @classmethod
    def create(cls, name: object, email: object, phone: object) -> Customer:
        """Validate all three fields and report every error together."""
        errors: list[FieldError] = []
        values: list[str] = []
        for check, raw in ((_name, name), (_email, email), (_phone, phone)):
            try:
                values.append(check(raw))
            except InvalidField as exc:
                errors.append(exc.error)
        if errors:
            raise ValidationFailed(errors)
        return cls(*values)


def _name(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidField("name", "name is required")
    name = " ".join(value.split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise InvalidField("name", f"name must be {NAME_MIN} to {NAME_MAX} characters")
    return name


def _email(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidField("email", "a valid e-mail address is required")
    email = value.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise InvalidField("email", "a valid e-mail address is required")
    return email


def _phone(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidField("phone", "a valid 10-digit Indian mobile number is required")
    phone = value.strip()
    if not _PHONE.fullmatch(phone):
        raise InvalidField("phone", "a valid 10-digit Indian mobile number is required")
    return phone
