"""Reading and writing soundalike's lake (a local folder) the way soundalike does.

The lake holds Parquet tables under ``<root>/<table>/dt=YYYY-MM-DD/``. A table partition is
committed by its ``_manifest.json``, which names its data files; a folder can also hold files no
manifest names (superseded versions, leftovers of a killed writer), so readers here take only the
manifest-named files, and only from the newest partition every catalog table has committed
(``crates/lake/src/lib.rs``: ``committed_files``, ``latest_complete_partition``).

Used by the notebook (DuckDB), the Spark job and its comparison script. Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

MANIFEST = "_manifest.json"
CATALOG_TABLES = ("artists", "tracks", "audio_features", "playlist_tracks")
_PARTITION = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")


class LakeError(Exception):
    """A lake that cannot be read as soundalike writes it."""


def _manifest_path(root: Path, table: str, partition: str) -> Path:
    return root / table / f"dt={partition}" / MANIFEST


def partitions(root: str | os.PathLike, table: str) -> list[str]:
    """The committed partitions (``YYYY-MM-DD``) of a table, oldest first."""
    folder = Path(root) / table
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = _PARTITION.match(entry.name)
        if match and (entry / MANIFEST).is_file():
            found.append(match.group(1))
    return sorted(found)


def latest_complete_partition(root: str | os.PathLike) -> str:
    """The newest partition every catalog table has committed."""
    common = None
    for table in CATALOG_TABLES:
        parts = set(partitions(root, table))
        common = parts if common is None else common & parts
    if not common:
        raise LakeError(
            f"the lake at {root} has no complete partition of every table; "
            "run `soundalike pipeline run` first"
        )
    return max(common)


def committed_files(root: str | os.PathLike, table: str, partition: str) -> list[str]:
    """Absolute paths of the data files a committed table partition names (empty when the
    partition is not committed, e.g. a live-source table in an older lake)."""
    root = Path(root).resolve()
    path = _manifest_path(root, table, partition)
    if not path.is_file():
        return []
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise LakeError(f"manifest at {path}: {e}") from e
    if manifest.get("format") != 1 or not isinstance(manifest.get("files"), list):
        raise LakeError(f"manifest at {path}: not a format-1 soundalike manifest")
    files = []
    for entry in manifest["files"]:
        key = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(key, str):
            raise LakeError(f"manifest at {path}: a file without a key")
        file = root / key
        if not file.is_file():
            raise LakeError(f"manifest at {path} names a data file that is missing: {key}")
        files.append(str(file))
    return files


def commit_partition(
    root: str | os.PathLike, table: str, partition: str, files: list[tuple[str, int]]
) -> Path:
    """Commit a table partition whose data files are already in its folder: write the manifest
    (staged and renamed, so a reader sees the old one or the new one), then delete the files it
    does not name. ``files`` are (name in the partition folder, rows) pairs. One writer at a time
    per partition, as in soundalike."""
    root = Path(root).resolve()
    folder = root / table / f"dt={partition}"
    entries = []
    for name, rows in files:
        file = folder / name
        entries.append(
            {
                "key": f"{table}/dt={partition}/{name}",
                "rows": int(rows),
                "bytes": file.stat().st_size,
            }
        )
    manifest = {"format": 1, "table": table, "partition": partition, "files": entries}
    fd, staged = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        json.dump(manifest, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(staged, folder / MANIFEST)
    keep = {name for name, _ in files} | {MANIFEST}
    for entry in folder.iterdir():
        if entry.name not in keep and entry.is_file():
            entry.unlink()
    return folder / MANIFEST
