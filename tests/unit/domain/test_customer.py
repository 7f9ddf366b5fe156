import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.customer import Customer
from domain.errors import ValidationFailed

valid_phone = st.from_regex(r"\A[6-9][0-9]{9}\Z")
invalid_phone = st.text(max_size=12).filter(
    lambda s: (
        not (
            len(s.strip()) == 10
            and s.strip().isascii()
            and s.strip().isdigit()
            and s.strip()[0] in "6789"
        )
    )
)
names = st.text(alphabet=st.characters(categories=["L"]), min_size=2, max_size=100)


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


@given(st.text(max_size=1) | st.text(min_size=101, max_size=150, alphabet="ab"))
def test_names_outside_2_to_100_characters_are_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        Customer.create(name, "a@b.in", "9876543210")
    assert [e.field for e in info.value.errors] == ["name"]


@pytest.mark.parametrize("email", ["", "plain", "a@b", "a b@c.in", "@c.in", None, 42])
def test_invalid_emails_are_refused(email: object) -> None:
    with pytest.raises(ValidationFailed) as info:
        Customer.create("Asha Rao", email, "9876543210")
    assert [e.field for e in info.value.errors] == ["email"]


def test_every_invalid_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as info:
        Customer.create("A", "nope", "12345")
    assert [e.field for e in info.value.errors] == ["name", "email", "phone"]
