from decimal import Decimal
from pathlib import Path

import pytest

from adapters.plans_file import DEFAULT_PATH, PlansFileError, load_plans, parse_plans
from domain.money import Money
from domain.plans import Period

GOOD = """
[[plans]]
id = "credits-10"
name = "10 credits"
description = "A pack"
price = "499.00"
credits = 10

[[plans]]
id = "premium-monthly"
name = "Premium, monthly"
price = 299
currency = "INR"
credits = 2
period = "monthly"
kind = "premium"

[[plans]]
id = "retired"
name = "Retired"
price = "99.50"
period = "half-yearly"
active = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plans.toml"
    path.write_text(text, encoding="utf-8")
    return path


def plan_table(**fields: str) -> str:
    lines = ["[[plans]]"]
    defaults = {"id": '"monthly"', "name": '"Monthly"', "price": '"299.00"', "period": '"monthly"'}
    defaults.update(fields)
    lines += [f"{key} = {value}" for key, value in defaults.items() if value != "<omit>"]
    return "\n".join(lines) + "\n"


def test_a_good_file_loads_every_plan(tmp_path: Path) -> None:
    plans = load_plans(write(tmp_path, GOOD))
    assert [p.plan_id for p in plans] == ["credits-10", "premium-monthly", "retired"]
    assert [p.plan_id for p in plans.active()] == ["credits-10", "premium-monthly"]
    pack = plans.get("credits-10")
    assert pack.price == Money.of("499.00")
    assert pack.description == "A pack"
    assert pack.credits == 10
    assert pack.period is None
    monthly = plans.get("premium-monthly")
    assert monthly.price.amount == Decimal("299.00")
    assert str(monthly.price.amount) == "299.00"
    assert monthly.period is Period.MONTHLY
    assert monthly.subscription_kind == "premium"
    retired = plans.get("retired")
    assert retired.period is Period.HALF_YEARLY
    assert retired.credits == 0
    assert retired.description == ""
    assert not retired.active


def test_load_plans_accepts_a_string_path(tmp_path: Path) -> None:
    assert len(load_plans(str(write(tmp_path, GOOD)))) == 3


def test_the_repositorys_plans_file_is_valid() -> None:
    plans = load_plans(DEFAULT_PATH)
    assert DEFAULT_PATH.name == "plans.toml"
    assert plans.active()
    kinds = {p.period for p in plans}
    assert {None, Period.MONTHLY, Period.YEARLY} <= kinds
    for plan in plans:
        assert plan.price.currency == "INR"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"price": "299.5"}, 'plan "monthly": price: must be a decimal amount as a string'),
        ({"price": "1e400"}, 'plan "monthly": price: must be a decimal amount'),
        ({"price": "<omit>"}, 'plan "monthly": price: is required'),
        ({"price": '"abc"'}, 'plan "monthly": price: amount must be a number'),
        ({"price": '"299.001"'}, 'plan "monthly": price: amount must have at most 2'),
        ({"price": '"0.50"'}, 'plan "monthly": price: must be between 1.00 and 500000.00'),
        ({"price": "true"}, 'plan "monthly": price: must be a decimal amount'),
        ({"price": '"NaN"'}, 'plan "monthly": price: amount must be a finite number'),
        ({"currency": '"usd"'}, 'plan "monthly": currency: currency must be a 3-letter'),
        ({"currency": '"USD"'}, 'plan "monthly": currency: must be INR'),
        ({"currency": "1"}, 'plan "monthly": currency: must be a string'),
        ({"name": "<omit>"}, 'plan "monthly": name: is required'),
        ({"name": '""'}, 'plan "monthly": name: must not be empty'),
        ({"description": "3"}, 'plan "monthly": description: must be a string'),
        ({"credits": '"10"'}, 'plan "monthly": credits: must be a whole number'),
        ({"credits": "1.5"}, 'plan "monthly": credits: must be a whole number'),
        ({"credits": "-1"}, 'plan "monthly": credits: must not be negative'),
        ({"period": '"weekly"'}, 'plan "monthly": period: must be one of monthly, quarterly'),
        ({"period": "<omit>"}, 'plan "monthly": credits: a plan must grant credits, a period'),
        ({"kind": "3"}, 'plan "monthly": kind: must be a string'),
        ({"kind": '"Not Ok"'}, 'plan "monthly": kind: must be 1 to 64'),
        ({"active": '"yes"'}, 'plan "monthly": active: must be true or false'),
        ({"pirce": '"1.00"'}, 'plan "monthly": pirce: unknown field'),
        ({"id": "<omit>"}, "plan #1: id: is required"),
        ({"id": "7"}, "plan #1: id: must be a string"),
        ({"id": '"Bad Id"'}, 'plan "Bad Id": id: must be 1 to 64'),
    ],
)
def test_a_malformed_plan_is_named_with_its_field_in_one_line(
    tmp_path: Path, fields: dict[str, str], expected: str
) -> None:
    path = write(tmp_path, plan_table(**fields))
    with pytest.raises(PlansFileError) as error:
        load_plans(path)
    message = str(error.value)
    assert message.startswith(f"{path}: {expected}"), message
    assert "\n" not in message


def test_the_example_message_shape() -> None:
    with pytest.raises(PlansFileError) as error:
        parse_plans(plan_table(price="4.99"))
    assert str(error.value) == (
        'plans.toml: plan "monthly": price: must be a decimal amount as a string, e.g. "499.00"'
    )


def test_the_second_plan_is_named_by_position_when_it_has_no_id() -> None:
    text = plan_table() + plan_table(id="<omit>")
    with pytest.raises(PlansFileError) as error:
        parse_plans(text)
    assert str(error.value) == "plans.toml: plan #2: id: is required"


def test_duplicate_ids_are_refused() -> None:
    text = plan_table() + plan_table(name='"Again"')
    with pytest.raises(PlansFileError) as error:
        parse_plans(text)
    assert str(error.value) == 'plans.toml: plan "monthly": id: another plan has this id'


def test_a_newline_in_a_value_never_breaks_the_message_over_lines() -> None:
    with pytest.raises(PlansFileError) as error:
        parse_plans(plan_table(id='"two\\nlines"'))
    assert "\n" not in str(error.value)
    assert str(error.value).startswith("plans.toml: plan #1: id: must be 1 to 64")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "plans.toml: plans: declare at least one [[plans]] table"),
        ("plans = []", "plans.toml: plans: declare at least one [[plans]] table"),
        ('plans = "x"', "plans.toml: plans: declare at least one [[plans]] table"),
        ("plans = [1]", "plans.toml: plan #1: must be a [[plans]] table"),
        ("[[plans]\nid = 1", "plans.toml: not valid TOML: "),
        ('id = "a"\nid = "b"', "plans.toml: not valid TOML: "),
    ],
)
def test_a_malformed_file_is_reported_in_one_line(text: str, expected: str) -> None:
    with pytest.raises(PlansFileError) as error:
        parse_plans(text)
    assert str(error.value).startswith(expected)
    assert "\n" not in str(error.value)


def test_a_missing_file_is_reported_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    with pytest.raises(PlansFileError) as error:
        load_plans(path)
    assert str(error.value) == f"{path}: cannot read: No such file or directory"


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "plans.toml"
    path.write_bytes(b"\xff\xfe[[plans]]")
    with pytest.raises(PlansFileError) as error:
        load_plans(path)
    assert str(error.value).startswith(f"{path}: cannot read: ")
    assert "\n" not in str(error.value)


def test_plans_file_errors_are_value_errors() -> None:
    assert issubclass(PlansFileError, ValueError)
