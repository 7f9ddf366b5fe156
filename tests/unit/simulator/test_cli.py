import pytest

from cashfree_simulator.cli import main


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--keep-alive", "0"], "--keep-alive must be at least 1 second"),
        (["--webhook-time-scale", "0"], "--webhook-time-scale must be positive"),
    ],
)
def test_bad_options_stop_before_serving(
    option: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(option)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err
