"""The simulator installs and works alone: its wheel in a fresh virtualenv, with nothing of
the service, runs the README's plugin example.

Slow (a wheel build, a venv, a pip install from the package registry pinned by
constraints.txt), but it is the only proof that other shops get no `domain`,
`application`, `adapters` or `entrypoints` package in their site-packages.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_pytester import README_EXAMPLE

ROOT = Path(__file__).resolve().parents[3]
SERVICE_PACKAGES = ("domain", "application", "adapters", "entrypoints")
STEP_TIMEOUT_SECONDS = 180

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("pip") is None, reason="pip is not available to build a wheel"
    ),
]


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def test_the_wheel_alone_runs_the_readme_example(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", ROOT / "simulator",
         "-w", wheels, cwd=tmp_path)  # fmt: skip
    (wheel,) = wheels.glob("cashfree_simulator-*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "-c", ROOT / "constraints.txt",
         wheel, "pytest", "pytest-asyncio", cwd=tmp_path)  # fmt: skip

    project = tmp_path / "shop"
    project.mkdir()
    (project / "test_readme_example.py").write_text(README_EXAMPLE)
    run = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert "2 passed" in run.stdout

    probe = (
        "import importlib.util, json, sys; "
        f"print(json.dumps([n for n in {SERVICE_PACKAGES!r} if importlib.util.find_spec(n)]))"
    )
    found = _run(python, "-c", probe, cwd=project)
    assert json.loads(found.stdout) == []
    listed = _run(python, "-m", "pip", "list", "--format=json", cwd=project)
    names = {entry["name"] for entry in json.loads(listed.stdout)}
    assert "cashfree-simulator" in names
    assert "cashfree-checkout" not in names
