"""The paying customer: a name, an e-mail address and an Indian mobile number.

The rules are Cashfree's own for `customer_details` (name 3 to 100 characters, e-mail at
most 100, phone 10 digits), so an order we accept is never refused by the gateway for a
reason we could have told the customer first. Messages say what to do and leave out the
field's name: the form shows them under the field's own label.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from domain.errors import FieldError, InvalidField, ValidationFailed

# ASCII digits only: `\d` would also take Devanagari or Arabic-Indic digits, which
# Cashfree refuses. A 10-digit Indian mobile number starts with 6, 7, 8 or 9.
_MOBILE = re.compile(r"[6-9][0-9]{9}")
# What customers type around the number: the country code (+91 or 91) or the trunk 0.
_PHONE_PREFIX = re.compile(r"(?:\+?91|0)(?=[0-9]{10}\Z)")
_PHONE_SEPARATORS = str.maketrans("", "", " -")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
NAME_MIN, NAME_MAX = 3, 100
EMAIL_MAX = 100
CUSTOMER_ID_PREFIX = "cus_"

NAME_MESSAGE = f"Enter {NAME_MIN} to {NAME_MAX} characters."
NAME_CHARACTERS_MESSAGE = "Use letters, spaces and punctuation only, no invisible characters."
EMAIL_MESSAGE = "Enter an address such as asha@example.com."
PHONE_MESSAGE = "Enter an Indian mobile: 10 digits starting with 6 to 9, such as 98765 43210."


def customer_id_for_email(email: str) -> str:
    """The stable id of a customer known only by e-mail (AUTH_MODE=none): one per address,
    whatever its case or surrounding spaces, and not the address itself."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return CUSTOMER_ID_PREFIX + digest[:32]


def normalize_phone(value: str) -> str | None:
    """The 10 digits of an Indian mobile number as customers write it (`+91 98765 43210`,
    `09876543210`, `98765-43210`), or None when it is not one."""
    digits = value.strip().translate(_PHONE_SEPARATORS)
    digits = _PHONE_PREFIX.sub("", digits, count=1)
    return digits if _MOBILE.fullmatch(digits) else None


@dataclass(frozen=True, slots=True)
class Customer:
    """Name trimmed, e-mail lower-cased, Indian mobile number as its 10 digits."""

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
    """3 to 100 printable characters once runs of white space are one space: control
    and zero-width characters (and unpaired surrogates) are not part of a name."""
    if not isinstance(value, str):
        raise InvalidField("name", NAME_MESSAGE)
    name = " ".join(value.split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise InvalidField("name", NAME_MESSAGE)
    if not name.isprintable():
        raise InvalidField("name", NAME_CHARACTERS_MESSAGE)
    return name


def _email(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidField("email", EMAIL_MESSAGE)
    email = value.strip().lower()
    if len(email) > EMAIL_MAX or not email.isprintable() or not _EMAIL.fullmatch(email):
        raise InvalidField("email", EMAIL_MESSAGE)
    return email


def _phone(value: object) -> str:
    phone = normalize_phone(value) if isinstance(value, str) else None
    if phone is None:
        raise InvalidField("phone", PHONE_MESSAGE)
    return phone
