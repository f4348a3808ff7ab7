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


CONSUMERS = ("pipelines", "dashboards", "usecases", "deepto_cli")


def test_the_library_imports_none_of_its_consumers():
    """`deepto` is usable as a library: flows, dashboards, templates and the CLI import it, never the reverse."""
    import ast

    offenders = []
    for path in sorted((ROOT / "platform" / "deepto").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            offenders += [f"{path.relative_to(ROOT)}: {name}" for name in names if name.split(".")[0] in CONSUMERS]
    assert offenders == []


def test_a_training_worker_imports_no_validation_or_classical_library():
    """What a Ray training worker unpickles (a template's model, the training loop) loads neither Great
    Expectations nor scikit-learn: together they added two to three seconds to every training run."""
    import subprocess
    import sys

    from deepto.usecase import load_registry

    modules = ["deepto.training.ray_train", *sorted({u.build_model.__module__ for u in load_registry().usecases.values()})]
    assert len(modules) > 4
    code = f"import sys\nfor m in {modules!r}: __import__(m)\n" \
           "print(sorted(m for m in ('great_expectations', 'sklearn') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", modules
