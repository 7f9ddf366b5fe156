"""`python -m adapters.store.sql.migrations "what changed"`: write the next migration.

Alembic's `revision --autogenerate` without an alembic.ini: it compares the models in
`tables.py` with a scratch SQLite database brought to the current head, and writes
`versions/<next number>_<slug>.py` (formatted with ruff when it is installed). Read it
before committing: autogenerate cannot see everything (renames look like drop + add).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from adapters.store.sql.schema import config, head


def _skip_if_empty(
    _context: MigrationContext, _revision: Any, directives: list[MigrationScript]
) -> None:
    script = directives[0]
    assert script.upgrade_ops is not None
    if script.upgrade_ops.is_empty():
        directives.clear()
        print("the models match the head revision: no migration written")


def _format_with_ruff(settings: Config) -> None:
    """Alembic's post-write hooks: `ruff check --fix` (unused imports), then `ruff format`."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        return
    hooks = {
        "ruff_fix": "check --fix --exit-zero -q REVISION_SCRIPT_FILENAME",
        "ruff_format": "format -q REVISION_SCRIPT_FILENAME",
    }
    settings.set_section_option("post_write_hooks", "hooks", ", ".join(hooks))
    for name, options in hooks.items():
        settings.set_section_option("post_write_hooks", f"{name}.type", "exec")
        settings.set_section_option("post_write_hooks", f"{name}.executable", ruff)
        settings.set_section_option("post_write_hooks", f"{name}.options", options)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m adapters.store.sql.migrations")
    parser.add_argument("message", help="what the migration changes, e.g. 'add orders.note'")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/scratch.db")
        try:
            with engine.begin() as connection:
                command.upgrade(config(connection), "head")
                settings = config(connection)
                _format_with_ruff(settings)
                command.revision(
                    settings,
                    message=args.message,
                    autogenerate=True,
                    rev_id=f"{int(head()) + 1:04d}",
                    process_revision_directives=_skip_if_empty,
                )
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
