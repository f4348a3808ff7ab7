"""The on-disk format of a batch of leaf photos, and its loader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deepto.errors import BatchError

METADATA_FILE = "metadata.csv"
UNLABELLED_FOLDER = "unlabelled"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
# Files that operating systems and photo tools leave behind; they are nobody's photo.
SYSTEM_FILES = {"thumbs.db", "desktop.ini"}

BATCH_FORMAT = f"""\
A folder of leaf photos in the layout public leaf-disease datasets use (PlantVillage and others):

    <batch>/<class_name>/<photo>.jpg|.jpeg|.png    one folder per class, any image size
    <batch>/<photo>.jpg  or  <batch>/{UNLABELLED_FOLDER}/<photo>.jpg    photos to score, no label
    <batch>/{METADATA_FILE}                        optional: file, field_id, captured_at

The class is the name of the folder directly under <batch> (deeper folders are allowed and keep that
class). Class names: see the use-case's classes. Suffixes may be upper or lower case. Every other file
is listed too (hidden files aside), so that validation can name the ones that are not usable photos.
{METADATA_FILE} columns: file (path relative to <batch>, with forward slashes), field_id (the grower's
field), captured_at (ISO date-time); photos it does not mention get empty values.
"""


def load_batch(path: Path) -> pd.DataFrame:
    """One row per file: image_id, path, label, field_id, captured_at. Reads no image content."""
    root = Path(path)
    if not root.is_dir():
        what = "is a file" if root.exists() else "does not exist"
        raise BatchError(
            f"{root} {what}; a crop-disease batch is a folder of photos, one sub-folder per class "
            f"(e.g. {root}/rust/leaf1.jpg). Point to the folder, or create one with `deepto generate`."
        )
    files = sorted(p for p in root.rglob("*") if p.is_file() and _is_candidate(p.relative_to(root)))
    files = [p for p in files if p.relative_to(root).as_posix() != METADATA_FILE]
    if not files:
        raise BatchError(
            f"{root} holds no photos. Put .jpg/.jpeg/.png files in one folder per class "
            f"(e.g. {root}/healthy/leaf1.jpg), or directly in {root} for scoring."
        )
    ids = [p.relative_to(root).as_posix() for p in files]
    frame = pd.DataFrame({
        "image_id": ids,
        "path": [str(p.resolve()) for p in files],
        "label": [_label(image_id) for image_id in ids],
    })
    return frame.merge(_metadata(root, set(ids)), how="left", left_on="image_id", right_on="file").drop(columns="file")


def _is_candidate(relative: Path) -> bool:
    return not any(part.startswith(".") for part in relative.parts) and relative.name.lower() not in SYSTEM_FILES


def _label(image_id: str) -> str | None:
    parts = image_id.split("/")
    return None if len(parts) == 1 or parts[0] == UNLABELLED_FOLDER else parts[0]


def _metadata(root: Path, ids: set[str]) -> pd.DataFrame:
    empty = pd.DataFrame({"file": pd.Series(dtype=str), "field_id": pd.Series(dtype=str),
                          "captured_at": pd.Series(dtype=str)})
    source = root / METADATA_FILE
    if not source.exists():
        return empty
    try:
        table = pd.read_csv(source, dtype=str)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise BatchError(f"{source} is not a readable CSV ({exc}). Fix it or remove it: it is optional.") from exc
    if "file" not in table.columns:
        raise BatchError(
            f"{source} has no 'file' column (columns found: {', '.join(table.columns)}). Its first line "
            "must be: file,field_id,captured_at"
        )
    table = table.reindex(columns=["file", "field_id", "captured_at"])
    table["file"] = table["file"].str.replace("\\", "/", regex=False).str.replace(r"^\./", "", regex=True)
    unknown = sorted(set(table["file"].dropna()) - ids)
    if unknown:
        raise BatchError(
            f"{source} lists {len(unknown)} file(s) that are not in the batch, e.g. {unknown[:3]}. "
            "Add the photos, or remove their rows from the CSV."
        )
    duplicated = table["file"][table["file"].duplicated()].unique().tolist()
    if duplicated:
        raise BatchError(f"{source} lists some files more than once, e.g. {duplicated[:3]}. Keep one row per file.")
    return table
