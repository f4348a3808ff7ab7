"""`deepto new` then `deepto check`, as an engineer runs them: for every kind of data, a separate package
found through its own entry point by a fresh `deepto` process, passing the contract kit at once (with
its economics placeholders listed); inside a repository, the package, its tests and the entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from deepto.errors import ConfigError
from deepto.scaffold import KINDS, new_usecase
from deepto.usecase import ENTRY_POINT_GROUP

DEEPTO = str(Path(sys.executable).with_name("deepto"))


def register(project: Path, name: str, package: str) -> dict[str, str]:
    """What `pip install -e project` gives a process, without touching this environment: the project on the
    path and a distribution declaring the entry point (importlib.metadata reads both from sys.path)."""
    declared = tomllib.loads((project / "pyproject.toml").read_text())["project"]["entry-points"][ENTRY_POINT_GROUP]
    info = project / f"{package}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{name} = {declared[name]}\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(project), os.environ.get("PYTHONPATH", "")])}


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_package_of_each_kind_passes_deepto_check_at_once(kind, tmp_path):
    name = f"my-{kind}-case"
    written = new_usecase(name, kind, into=tmp_path)
    assert written.root == tmp_path / name and (written.root / "tests" / f"test_my_{kind}_case.py").is_file()
    env = register(written.root, name, f"my_{kind}_case")
    env["DEEPTO_HOME"] = str(tmp_path / "home")

    # A fresh process finds it only through the entry point.
    checked = subprocess.run([DEEPTO, "check", name, *(["--strict"] if kind == "table" else [])],
                             capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    report = checked.stdout + checked.stderr
    assert "FAILED" not in report and "TODO" in report, report  # the economics placeholders are listed
    # --strict fails while a placeholder is left; without it the kit passes.
    assert checked.returncode == (1 if kind == "table" else 0), report

def test_inside_a_repository_the_package_its_tests_and_the_entry_point_are_written(tmp_path):
    (tmp_path / "usecases").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n\n[project.entry-points."{ENTRY_POINT_GROUP}"]\n'
        'fraud-detection = "usecases.fraud_detection:USECASE"\n')
    new_usecase("shelf-photos", "images", repository=tmp_path)
    assert (tmp_path / "usecases" / "shelf_photos" / "__init__.py").is_file()
    assert (tmp_path / "tests" / "usecases" / "shelf_photos" / "test_shelf_photos.py").is_file()
    declared = tomllib.loads((tmp_path / "pyproject.toml").read_text())["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert declared == {"fraud-detection": "usecases.fraud_detection:USECASE",
                        "shelf-photos": "usecases.shelf_photos:USECASE"}


@pytest.mark.parametrize(("name", "kind", "says"), [
    ("Shelf Photos", "images", "lower-case words joined by hyphens"),
    ("shelf-photos", "audio", "is not one of"),
    ("fraud-detection", "table", "already installed"),
    ("json", "table", "taken"),
])
def test_a_bad_name_or_kind_is_refused_and_nothing_is_written(name, kind, says, tmp_path):
    with pytest.raises(ConfigError, match=says):
        new_usecase(name, kind, into=tmp_path)
    assert list(tmp_path.iterdir()) == []
