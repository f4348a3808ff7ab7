"""Spoiled and unlabelled batches for the contract kit, derived from a generated batch of any use-case.

A data contract is only as good as what it refuses. From one generated batch (which passes its own
checks), each spoiler makes a copy with one thing wrong the way real exports go wrong, and the
use-case's loader and suite must refuse it, exactly as the validation gate runs them:

- a required column missing (batches that are a table, or a folder holding one table);
- a number column holding a word ("twelve") where a type or range check guards it;
- a label outside the classes;
- an unreadable file: a media file (photo, video, signal) replaced by bytes no decoder reads, or,
  for a batch that is a table, the table itself.

Spoiling always happens on disk, so the loader meets the bad file as it would meet a user's: the
table's cells, a case moved into a folder named like no class (where a case's class is its folder),
a file's bytes. Where labels come from elsewhere (an events file), the unknown label is left to the
template's own tests, and the report says so.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from deepto.errors import BatchError
from deepto.usecase import UseCase
from deepto.validation import run_expectations

TABLE_SUFFIXES = (".csv", ".parquet")
TABLE_KINDS = ("table", "text", "signals")
"""Kinds whose batch is a table (or a folder holding one table beside its files)."""
SIDE_FILES = (*TABLE_SUFFIXES, ".toml", ".json", ".md", ".txt", ".yaml", ".yml", ".dat")
"""Not media: tables and settings, and WFDB's .dat, whose garbage still reads as numbers (its .hea is spoiled)."""
NOT_A_NUMBER = "twelve"
UNKNOWN_LABEL = "not-a-class"
GARBAGE = b"\xff\xfe\x00this is not a readable file\x00\xc3\x28"
TYPE_CHECKS = ("ExpectColumnValuesToBeInTypeList", "ExpectColumnValuesToBeBetween")


@dataclass(frozen=True)
class Spoiled:
    """One spoiled copy of a batch, on disk."""

    what: str
    fix: str
    path: Path


def table_file(usecase: UseCase, batch: Path) -> Path | None:
    """The batch's table on disk: the batch itself, or the one table at the top of its folder."""
    if usecase.data_kind not in TABLE_KINDS:
        return None
    if batch.is_file():
        return batch if batch.suffix.lower() in TABLE_SUFFIXES else None
    tables = [p for p in sorted(batch.iterdir()) if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES]
    return tables[0] if len(tables) == 1 else None


def copy_batch(batch: Path, target: Path) -> Path:
    if batch.is_dir():
        shutil.copytree(batch, target)
    else:
        target.mkdir(parents=True)
        target = target / batch.name
        shutil.copy2(batch, target)
    return target


def _edit_table(usecase: UseCase, batch: Path, target: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Path:
    """A copy of the batch whose table went through ``change`` (read and written as text, so nothing else moves)."""
    copied = copy_batch(batch, target)
    table = copied if copied.is_file() else copied / table_file(usecase, batch).name
    if table.suffix.lower() == ".parquet":
        before = pd.read_parquet(table)
        after = change(before)
        # Parquet keeps one type per column: a column given a word becomes a text column, as an export would.
        mixed = [c for c in after.columns if after[c].dtype == object and c in before and before[c].dtype != object]
        after.astype({c: str for c in mixed}).to_parquet(table, index=False)
    else:
        change(pd.read_csv(table, dtype=str, keep_default_na=False)).to_csv(table, index=False)
    return copied


def _read(table: Path) -> pd.DataFrame:
    return pd.read_parquet(table) if table.suffix.lower() == ".parquet" else pd.read_csv(table)


def _columns(suite: list, types: tuple[str, ...] | None = None) -> list[str]:
    found = [getattr(e, "column", None) for e in suite if types is None or type(e).__name__ in types]
    return list(dict.fromkeys(c for c in found if c))


def spoilers(usecase: UseCase, batch: Path, frame: pd.DataFrame, workdir: Path) -> tuple[list[Spoiled], list[str]]:
    """The spoiled batches this use-case's batch allows, and a sentence for each spoiler that does not apply."""
    spoiled, skipped = [], []
    table = table_file(usecase, batch)
    suite = usecase.expectations(True)
    kept = {usecase.id_column, usecase.label_column}
    on_disk = _read(table) if table is not None else None
    if on_disk is not None:
        required = _columns(suite, ("ExpectColumnToExist",)) or _columns(suite)
        missing = [c for c in required if c in on_disk.columns and c not in kept]
        if missing:
            column = missing[0]
            spoiled.append(Spoiled(
                f"missing column {column!r}",
                f"add gx.expectations.ExpectColumnToExist(column={column!r}) to expectations.py",
                path=_edit_table(usecase, batch, workdir / "missing-column", lambda t: t.drop(columns=[column]))))
        else:
            skipped.append("missing column: no expectation names a column of the batch besides its id and label")
        numeric = [c for c in _columns(suite, TYPE_CHECKS)
                   if c in on_disk.columns and c not in kept and pd.api.types.is_numeric_dtype(on_disk[c])]
        if numeric:
            column = numeric[0]
            spoiled.append(Spoiled(
                f"{NOT_A_NUMBER!r} in number column {column!r}",
                f"check its type: gx.expectations.ExpectColumnValuesToBeInTypeList(column={column!r}, "
                "type_list=[...number types]), and read the file without turning text into missing values",
                path=_edit_table(usecase, batch, workdir / "wrong-type", lambda t: t.assign(**{column: _first(
                    t[column], NOT_A_NUMBER)}))))
        else:
            skipped.append("wrong type: no number column of the batch has a type or range check")
    else:
        skipped.append(f"missing column, wrong type: this batch ({usecase.data_kind}) is not one table; its files are "
                       "spoiled instead")
    label_fix = (f"check the label: gx.expectations.ExpectColumnValuesToBeInSet(column={usecase.label_column!r}, "
                 "value_set=[the label values]) in the labelled suite")
    if on_disk is not None and usecase.label_column in on_disk.columns:
        spoiled.append(Spoiled(f"label {UNKNOWN_LABEL!r}", label_fix, path=_edit_table(
            usecase, batch, workdir / "unknown-label",
            lambda t: t.assign(**{usecase.label_column: _first(t[usecase.label_column], UNKNOWN_LABEL)}))))
    elif _class_folders(batch, frame[usecase.label_column]):
        spoiled.append(Spoiled(f"class folder {UNKNOWN_LABEL!r}", label_fix.replace(
            "check the label", "check the class folder (or the label the loader reads from it)"),
            path=_unknown_folder(batch, workdir / "unknown-label")))
    else:
        skipped.append(f"unknown label: the labels of this batch come neither from a table nor from class folders, so "
                       f"the kit cannot write one the way the format carries it; test it in the template's own tests")
    spoiled.append(_unreadable(usecase, batch, table, workdir / "unreadable"))
    return spoiled, skipped


def _class_folders(batch: Path, labels: pd.Series) -> bool:
    """Whether each case's label is the folder directly under the batch that holds it (photos by class)."""
    if not batch.is_dir():
        return False
    folders = {p.name for p in batch.iterdir() if p.is_dir()}
    present = {str(v) for v in labels.dropna()}
    return bool(present) and present <= folders


def _unknown_folder(batch: Path, target: Path) -> Path:
    """A copy of the batch with one more case, in a folder named like no class (copied, not moved, so that
    a list of the batch's files, such as a metadata table, stays true)."""
    copied = copy_batch(batch, target)
    first = next(p for folder in sorted(q for q in copied.iterdir() if q.is_dir())
                 for p in sorted(folder.rglob("*")) if p.is_file())
    (copied / UNKNOWN_LABEL).mkdir()
    shutil.copy2(first, copied / UNKNOWN_LABEL / first.name)
    return copied


def _first(column: pd.Series, value) -> pd.Series:
    out = column.astype(object).copy()
    out.iloc[0] = value
    return out


def _unreadable(usecase: UseCase, batch: Path, table: Path | None, target: Path) -> Spoiled:
    copied = copy_batch(batch, target)
    media = [p for p in sorted(copied.rglob("*")) if p.is_file() and p.suffix.lower() not in SIDE_FILES] \
        if copied.is_dir() else []
    victim = media[0] if media else (copied if copied.is_file() else copied / table.name if table else None)
    if victim is None:
        raise BatchError(f"{batch} holds no file to spoil: neither media files nor a table.")
    victim.write_bytes(GARBAGE)
    where = victim.relative_to(target)
    return Spoiled(f"unreadable file {where.as_posix()}",
                   "catch the decoder's error in load_batch (raise deepto.errors.BatchError naming the file) or "
                   "record it in the profile table and check that column (see usecases/crop_disease/profile.py)",
                   path=copied)


def refusal(usecase: UseCase, spoiled: Spoiled) -> tuple[bool, str]:
    """Whether the loader or the suite refused the batch, and what the user would read."""
    try:
        report = run_expectations(usecase, usecase.load_batch(spoiled.path), labelled=True,
                                  batch_path=str(spoiled.path))
    except BatchError as exc:
        return True, str(exc)
    return not report.success, report.summary


def unlabelled(usecase: UseCase, batch: Path, frame: pd.DataFrame, workdir: Path) -> pd.DataFrame:
    """The generated batch as a scoring batch: the table without its label column, or (folder layouts)
    the loaded batch with no label."""
    table = table_file(usecase, batch)
    if table is None:
        return frame.assign(**{usecase.label_column: None})
    copied = _edit_table(usecase, batch, workdir / "unlabelled",
                         lambda t: t.drop(columns=[usecase.label_column], errors="ignore"))
    return usecase.load_batch(copied)
