"""The layers' import rules (docs/ARCHITECTURE.md), checked on the source tree itself.

Each rule names a package and what its modules may import at the top level of a dotted
name. The checker reads every module with `ast`, so a rule broken anywhere, even inside a
function, fails here; a synthetic tree proves the checker reports a violation.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
SIMULATOR_SRC = ROOT / "simulator" / "src"

STDLIB = frozenset(sys.stdlib_module_names)
SERVICE_PACKAGES = frozenset({"domain", "application", "adapters", "entrypoints"})
# The domain is pure: no I/O, clock, randomness or process state, even from the stdlib.
IMPURE_STDLIB = frozenset(
    {
        "os",
        "sys",
        "time",
        "random",
        "secrets",
        "socket",
        "asyncio",
        "logging",
        "subprocess",
        "threading",
        "pathlib",
        "io",
        "shutil",
        "tempfile",
        "uuid",
        "urllib",
        "http",
        "sqlite3",
        "json",
    }
)


@dataclass(frozen=True)
class Rule:
    """Modules under `package` may import only what `allows` accepts."""

    package: str
    description: str

    def allows(self, module: str, importer: Path) -> bool:
        top = module.split(".", 1)[0]
        if self.package == "domain":
            return top == "domain" or (top in STDLIB and top not in IMPURE_STDLIB)
        if self.package == "application":
            # Two libraries: structlog (logs with bound context) and tenacity (retries a
            # unit of work that lost a race, see application/contention.py).
            return top in {"domain", "application", "structlog", "tenacity"} or top in STDLIB
        if self.package == "adapters":
            return top != "entrypoints"
        if self.package == "entrypoints":
            return top != "adapters" or importer.name == "container.py"
        if self.package == "cashfree_simulator":
            return top not in SERVICE_PACKAGES
        raise AssertionError(f"no rule for {self.package}")


RULES = (
    Rule("domain", "the domain imports only the standard library's pure parts"),
    Rule("application", "the application imports only the domain (and structlog, tenacity)"),
    Rule("adapters", "adapters never import entrypoints"),
    Rule("entrypoints", "only the container (the composition root) imports adapters"),
    Rule("cashfree_simulator", "the simulator depends on nothing of the service"),
)


def imported_modules(path: Path) -> Iterator[str]:
    """Every absolute module a file imports; relative imports stay inside their package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def violations(root: Path, rule: Rule) -> list[str]:
    package = root / rule.package
    found = []
    for path in sorted(package.rglob("*.py")):
        for module in imported_modules(path):
            if not rule.allows(module, path):
                found.append(f"{path.relative_to(root)} imports {module}: {rule.description}")
    return found


def _package_root(rule: Rule) -> Path:
    return SIMULATOR_SRC if rule.package == "cashfree_simulator" else SRC


@pytest.mark.parametrize("rule", RULES, ids=[r.package for r in RULES])
def test_the_source_tree_keeps_the_import_rule(rule: Rule) -> None:
    root = _package_root(rule)
    assert (root / rule.package).is_dir(), f"{rule.package} is missing under {root}"
    assert violations(root, rule) == []


@pytest.mark.parametrize(
    ("package", "file", "source"),
    [
        ("domain", "order.py", "import os\n"),
        ("domain", "order.py", "from sqlalchemy import select\n"),
        ("domain", "order.py", "def f():\n    from application import ports\n"),
        ("application", "use_case.py", "from adapters.store import memory\n"),
        ("application", "use_case.py", "import httpx\n"),
        ("adapters", "store.py", "from entrypoints.settings import Settings\n"),
        ("entrypoints", "web.py", "from adapters.clock import SystemClock\n"),
        ("cashfree_simulator", "core.py", "from domain.money import Money\n"),
    ],
)
def test_the_checker_reports_a_broken_rule(
    tmp_path: Path, package: str, file: str, source: str
) -> None:
    (tmp_path / package).mkdir()
    (tmp_path / package / file).write_text(source)
    rule = next(r for r in RULES if r.package == package)
    assert violations(tmp_path, rule) != []


def test_the_composition_root_may_import_adapters(tmp_path: Path) -> None:
    (tmp_path / "entrypoints").mkdir()
    (tmp_path / "entrypoints" / "container.py").write_text("from adapters.clock import X\n")
    rule = next(r for r in RULES if r.package == "entrypoints")
    assert violations(tmp_path, rule) == []
