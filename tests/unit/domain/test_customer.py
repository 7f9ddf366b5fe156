import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.customer import Customer
from domain.errors import ValidationFailed


def is_indian_mobile(text: str) -> bool:
    """The rule, written independently: separators (space, '-') dropped, then an
    optional +91, 91 or 0 before 10 ASCII digits starting with 6 to 9."""
    digits = text.strip().replace(" ", "").replace("-", "")
    return re.fullmatch(r"(\+?91|0)?[6-9][0-9]{9}", digits) is not None


valid_phone = st.from_regex(r"\A[6-9][0-9]{9}\Z")
invalid_phone = st.text(max_size=14).filter(lambda s: not is_indian_mobile(s))
names = st.text(alphabet=st.characters(categories=["L"]), min_size=3, max_size=100)


@given(names, valid_phone)
def test_valid_customers_are_normalised(name: str, phone: str) -> None:
    customer = Customer.create(f"  {name} ", " Some.One@Example.COM ", phone)
    assert customer.name == name
    assert customer.email == "some.one@example.com"
    assert customer.phone == phone


@given(invalid_phone)
def test_invalid_phones_are_refused(phone: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        Customer.create("Asha Rao", "a@b.in", phone)
    assert [e.field for e in info.value.errors] == ["phone"]


@given(st.text(max_size=2) | st.text(min_size=101, max_size=150, alphabet="ab"))
def test_names_outside_3_to_100_characters_are_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        Customer.create(name, "a@b.in", "9876543210")
    assert [e.field for e in info.value.errors] == ["name"]


@pytest.mark.parametrize(
    "email",
    [
        "",
        "plain",
        "a@b",
        "a b@c.in",
        "@c.in",
        None,
        42,
        "a\x00b@c.in",
        "\ud800@c.in",
        "a\u200b@c.in",
        "a" * 95 + "@c.in" + "x",
    ],
    ids=[
        "empty",
        "plain",
        "no-dot",
        "space",
        "no-local",
        "none",
        "int",
        "nul",
        "surrogate",
        "zero-width",
        "over-100",
    ],
)
def test_invalid_emails_are_refused(email: object) -> None:
    with pytest.raises(ValidationFailed) as info:
        Customer.create("Asha Rao", email, "9876543210")
    assert [e.field for e in info.value.errors] == ["email"]


def test_every_invalid_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as info:
        Customer.create("A", "nope", "12345")
    assert [e.field for e in info.value.errors] == ["name", "email", "phone"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+91 98765 43210", "9876543210"),
        ("09876543210", "9876543210"),
        ("98765-43210", "9876543210"),
        ("+919876543210", "9876543210"),
        ("919876543210", "9876543210"),
        (" 98765 43210 ", "9876543210"),
        ("9198765432", "9198765432"),
    ],
)
def test_phones_are_taken_as_indian_customers_type_them(typed: str, stored: str) -> None:
    assert Customer.create("Asha Rao", "a@b.in", typed).phone == stored


@pytest.mark.parametrize(
    "phone",
    [
        "5876543210",
        "+91 5876543210",
        "0919876543210",
        "9876\u0665\u0664\u0663210",
        "+1 9876543210",
        "98765 4321",
        "9876543210\x00",
    ],
    ids=[
        "starts-5",
        "prefixed-5",
        "two-prefixes",
        "arabic-indic",
        "other-country",
        "9-digits",
        "nul",
    ],
)
def test_phones_that_are_not_indian_mobiles_are_refused(phone: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        Customer.create("Asha Rao", "a@b.in", phone)
    assert [e.field for e in info.value.errors] == ["phone"]


@pytest.mark.parametrize(
    "name",
    ["Al", "Asha\u200bRao", "Asha\x07Rao", "Asha\x00Rao", "Asha\ud800Rao", "\u200b\u200b\u200b"],
    ids=["two-characters", "zero-width-space", "bell", "nul", "lone-surrogate", "only-invisible"],
)
def test_names_cashfree_would_refuse_are_refused_here(name: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        Customer.create(name, "a@b.in", "9876543210")
    assert [e.field for e in info.value.errors] == ["name"]


def test_names_of_any_script_with_punctuation_are_accepted() -> None:
    for name in ("Zoë O'Neil-Smith", "आशा राव", "Dr. A. K. Rao", "Lin"):
        assert Customer.create(name, "a@b.in", "9876543210").name == name


@pytest.mark.parametrize(
    ("name", "email", "phone"),
    [("A", "nope", "12345"), (None, None, None), ("Asha\u200bRao", "a@b.in", "9876543210")],
)
def test_messages_say_what_to_do_without_repeating_the_label(
    name: object, email: object, phone: object
) -> None:
    """The form shows each message under the field's label (Full name, E-mail, Mobile
    number): a message starts with a capital, tells what to do, and does not name it."""
    with pytest.raises(ValidationFailed) as info:
        Customer.create(name, email, phone)
    for error in info.value.errors:
        assert error.message.startswith(("Enter ", "Use ")), error.message
        for label in ("name", "e-mail", "email", "mobile number", "phone"):
            assert label not in error.message.lower(), error.message
