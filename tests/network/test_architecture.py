"""The dependency rule between the apps (docs/architecture.md), checked by import-linter's `lint-imports` with the
contracts in pyproject.toml."""

from __future__ import annotations

import subprocess

from tests.helpers import BIN, ROOT, base_env, unavailable

LINT_IMPORTS = BIN / "lint-imports"


def _lint_imports(*arguments: str) -> subprocess.CompletedProcess:
    if not LINT_IMPORTS.exists():
        unavailable(f"{LINT_IMPORTS} is missing: install requirements-dev.txt")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *arguments],
        cwd=ROOT,
        env=base_env(PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_apps_depend_one_way_and_network_lib_imports_no_app():
    result = _lint_imports()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_lint_imports_fails_on_an_app_importing_one_above_it(tmp_path):
    # The same tool on the same code with the order of two layers swapped: portal imports knowledge, so a contract
    # putting knowledge above portal must break. This shows the check above can fail.
    config = tmp_path / "swapped.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_packages = ["network", "portal", "knowledge", "meetings", "members"]\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "swapped"\n'
        'type = "layers"\n'
        'layers = ["knowledge", "portal"]\n'
    )

    result = _lint_imports("--config", str(config))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "portal is not allowed to import knowledge" in result.stdout
