"""Guards on the layout that DESIGN.md explains: `platform/` is a source root, never a package."""

import platform
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_is_the_standard_library_module():
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(platform.__file__).resolve().parent == stdlib
    assert callable(platform.system)


def test_platform_folder_is_not_a_package():
    assert not (ROOT / "platform" / "__init__.py").exists()
    assert not (ROOT / "tests" / "platform").exists()
