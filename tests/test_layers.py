"""The apps form a stack (docs/architecture.md, "Layers"): import-linter's contracts in
pyproject.toml keep every import pointing down. `make lint` and CI run them; these tests show
they hold for the tree and that they catch an import that points up, even inside a function."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = [
    "motmap",
    "notifications",
    "webhooks",
    "journeys",
    "touchpoints",
    "ideas",
    "feedback",
    "reviews",
    "packs",
    "exports",
    "pages",
    "api",
    "demo",
    "bench",
]

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def _lint(cwd):
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def copy_of_the_tree(tmp_path_factory):
    target = tmp_path_factory.mktemp("tree")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_every_import_points_down(copy_of_the_tree):
    result = _lint(copy_of_the_tree)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_an_import_that_points_up_is_caught_even_inside_a_function(copy_of_the_tree):
    models = copy_of_the_tree / "journeys" / "models.py"
    original = models.read_text()
    models.write_text(original + "\n\ndef _board():\n    from pages import selectors  # noqa\n")
    try:
        result = _lint(copy_of_the_tree)
    finally:
        models.write_text(original)
    assert result.returncode != 0
    assert "journeys.models -> pages.selectors" in result.stdout, result.stdout[-3000:]
