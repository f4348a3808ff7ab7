"""``deepto new``: write a use-case package that honours the contract at once, for one kind of data.

The files come from ``templates/<kind>/`` (what differs by kind: batch format and loader, generator,
expectations, preprocessor, model, baselines, the declaration) and ``templates/common/`` (economics,
README, tests, a separate package's pyproject.toml), with a few names filled in. Each file says what
to change for a real business; the economics start as placeholders (sources starting with TODO)
that ``deepto check`` lists until they carry real figures and sources.

Two places a use-case can live:

- inside this repository (the default): ``usecases/<package>/``, its tests in
  ``tests/usecases/<package>/``, and an entry point added to ``pyproject.toml``;
- a separate installable package (``into``): ``<into>/<name>/`` with its own ``pyproject.toml``
  (entry point in the ``deepto.usecases`` group), the package and its tests.

Everything is rendered in memory first and written through ``.partial`` folders renamed into place,
so a refused or failed ``deepto new`` leaves nothing half-written.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import importlib.util
import keyword
import re
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from deepto.errors import ConfigError
from deepto.usecase import ENTRY_POINT_GROUP

KINDS = ("table", "images", "video", "signals", "text")
NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
RESERVED = {"deepto", "usecases", "pipelines", "dashboards", "tests", "platform", "benchmarks", "infra"}
SECTION = f'[project.entry-points."{ENTRY_POINT_GROUP}"]'
SUFFIX = ".tmpl"


@dataclass(frozen=True)
class Names:
    name: str
    """The use-case's name: entry point, registry and command lines (``my-case``)."""
    package: str
    """Its Python package (``my_case``)."""
    module: str
    """Where the package is imported from (``usecases.my_case`` inside the repository, else ``my_case``)."""
    kind: str

    @property
    def title(self) -> str:
        return self.name.replace("-", " ").capitalize()

    def fill(self, text: str) -> str:
        for token, value in (("__NAME__", self.name), ("__PACKAGE__", self.package), ("__MODULE__", self.module),
                             ("__TITLE__", self.title), ("__KIND__", self.kind)):
            text = text.replace(token, value)
        return text


@dataclass(frozen=True)
class Written:
    root: Path
    """The repository, or the new package's folder."""
    files: tuple[Path, ...]
    next_steps: tuple[str, ...]


def check_name(name: str, kind: str) -> str:
    """The package name for ``name``; raises ConfigError saying what to choose instead."""
    if kind not in KINDS:
        raise ConfigError(f"--kind {kind!r} is not one of {', '.join(KINDS)}.")
    if not NAME.match(name):
        raise ConfigError(f"{name!r} is not a use-case name: use lower-case words joined by hyphens, starting with a "
                          "letter, e.g. game-chat-moderation.")
    package = name.replace("-", "_")
    if package in RESERVED or package in sys.stdlib_module_names or keyword.iskeyword(package):
        raise ConfigError(f"{name!r} would make a package named {package!r}, which is taken (a standard-library "
                          "module, a keyword or one of Deepto's own packages); choose another name.")
    taken = {ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    if name in taken:
        raise ConfigError(f"A use-case named {name!r} is already installed (`deepto usecases`); choose another name.")
    return package


def new_usecase(name: str, kind: str, into: Path | None = None, repository: Path | None = None) -> Written:
    """Write the use-case ``name`` of ``kind``: into the repository, or as a package in ``into/<name>/``."""
    package = check_name(name, kind)
    if into is None:
        return _in_repository(Names(name, package, f"usecases.{package}", kind), Path(repository or Path.cwd()))
    return _separate(Names(name, package, package, kind), Path(into) / name)


def _in_repository(names: Names, root: Path) -> Written:
    pyproject = root / "pyproject.toml"
    if not (pyproject.is_file() and (root / "usecases").is_dir()) or SECTION not in pyproject.read_text():
        raise ConfigError(f"{root} is not a Deepto repository (no pyproject.toml with {SECTION} beside a usecases/ "
                          "folder). Run `deepto new` in the repository's root, or give --in PATH to make a separate "
                          "package.")
    package_dir, tests_dir = root / "usecases" / names.package, root / "tests" / "usecases" / names.package
    files = {**_package_files(names, package_dir), tests_dir / "__init__.py": "",
             tests_dir / f"test_{names.package}.py": _render(names, "common", "test_usecase.py")}
    edited = _add_entry_point(pyproject.read_text(), names)
    _write(files, (package_dir, tests_dir))
    pyproject.write_text(edited)
    steps = ("pip install -e .    # registers the entry point added to pyproject.toml",
             f"deepto check {names.name}    # passes now; lists the economics placeholders to replace",
             f"deepto train {names.name} --rows 2000 --workers 1",
             f"then make it yours: each file in usecases/{names.package}/ says what to change; "
             f"`deepto check {names.name} --strict` passes once no placeholder is left")
    return Written(root, tuple(sorted(files)) + (pyproject,), steps)


def _separate(names: Names, project: Path) -> Written:
    if importlib.util.find_spec(names.package) is not None:
        raise ConfigError(f"A module named {names.package!r} is already importable here, so a package of that name "
                          "would clash with it; choose another use-case name.")
    package_dir = project / names.package
    files = {**_package_files(names, package_dir),
             project / "pyproject.toml": _render(names, "common", "pyproject.toml"),
             project / "tests" / f"test_{names.package}.py": _render(names, "common", "test_usecase.py")}
    _write(files, (project,))
    steps = (f"pip install -e {project}    # registers the use-case through its own entry point",
             f"deepto check {names.name}    # passes now; lists the economics placeholders to replace",
             f"pytest {project / 'tests'}",
             f"then make it yours: each file in {package_dir} says what to change; "
             f"`deepto check {names.name} --strict` passes once no placeholder is left")
    return Written(project, tuple(sorted(files)), steps)


def _package_files(names: Names, package_dir: Path) -> dict[Path, str]:
    folder = importlib.resources.files("deepto.scaffold") / "templates" / names.kind
    files = {package_dir / entry.name.removesuffix(SUFFIX): names.fill(entry.read_text(encoding="utf-8"))
             for entry in folder.iterdir() if entry.name.endswith(SUFFIX)}
    files[package_dir / "economics.py"] = _render(names, "common", "economics.py")
    files[package_dir / "README.md"] = _render(names, "common", "README.md")
    return files


def _render(names: Names, folder: str, filename: str) -> str:
    source = importlib.resources.files("deepto.scaffold") / "templates" / folder / (filename + SUFFIX)
    return names.fill(source.read_text(encoding="utf-8"))


def _add_entry_point(text: str, names: Names) -> str:
    """pyproject.toml with the use-case's entry point appended to the deepto.usecases table."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == SECTION)
    end = start + 1
    while end < len(lines) and lines[end].strip() and not lines[end].lstrip().startswith("["):
        end += 1
    lines.insert(end, f'{names.name} = "{names.module}:USECASE"\n')
    edited = "".join(lines)
    registered = tomllib.loads(edited)["project"]["entry-points"][ENTRY_POINT_GROUP]
    if list(registered).count(names.name) != 1 or registered[names.name] != f"{names.module}:USECASE":
        raise ConfigError(f"Could not add {names.name!r} to {SECTION} in pyproject.toml; add it by hand.")
    return edited


def _write(files: dict[Path, str], roots: tuple[Path, ...]) -> None:
    """Write every file under ``roots`` through ``<root>.partial`` folders renamed into place."""
    for root in roots:
        if root.exists() and any(root.iterdir()):
            raise ConfigError(f"{root} already exists and is not empty; choose another name or remove it first.")
    staged = []
    try:
        for root in roots:
            partial = root.with_name(root.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            for path, text in files.items():
                if path.is_relative_to(root):
                    target = partial / path.relative_to(root)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(text, encoding="utf-8")
            staged.append((partial, root))
        for partial, root in staged:
            if root.exists():
                root.rmdir()
            root.parent.mkdir(parents=True, exist_ok=True)
            partial.rename(root)
    finally:
        for partial, _ in staged:
            shutil.rmtree(partial, ignore_errors=True)
