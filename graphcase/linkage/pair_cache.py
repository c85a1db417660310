"""The ``same_person_twice`` model rows, kept beside an embedded store so a sweep of an unchanged store does
not score them again.

In ``<db>.unlinked-pairs/``: the scored pairs and their records, keyed on the store's files (any load,
``link-records`` or other write changes them), ``as_of`` (postcodes are read at it), the linkage model and
review queue files and the threshold. A sweep of an unchanged store reads them back; any change scores every
candidate pair afresh: name frequencies and the prior come from the whole population, so a pair's score moves
when records are added, and a cached answer must equal a fresh one.

(An earlier layer also kept every record, normalised, and the candidate pairs, to block only changed records
again. At 1M people reading and rewriting a million normalised records cost more than it saved: 11.5-12.0 s
after 100 records changed with it, 10.1-10.5 s without, so it was removed.)

Files are Parquet and JSON (never pickle), written atomically with ``meta.json`` last; a table whose
generation token differs from ``meta.json``'s (a write cut short) is not trusted.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..files import atomic_write_bytes, atomic_write_text, private_dir
from ..stores.base import GraphStore

CACHE_SUFFIX = ".unlinked-pairs"
VERSION = 2
# Tables of version 1's candidate layer (every record's names and dates of birth): deleted on the next save,
# so no copy of people's data outlives its use.
RETIRED_TABLES = ("records.parquet", "keys.parquet")


def cache_dir_for(store: GraphStore) -> Path | None:
    """``<db>.unlinked-pairs/`` beside an embedded store; None for a server store (nothing beside it)."""
    location = getattr(store, "location", None)
    return Path(f"{location}{CACHE_SUFFIX}") if store.dialect == "ladybug" and location else None


@dataclass
class PairCache:
    folder: Path
    meta: dict

    @classmethod
    def open(cls, folder: Path, signature: str) -> PairCache:
        """The cache in ``folder`` when it was written with this blocking ``signature``, else an empty one."""
        try:
            meta = json.loads((folder / "meta.json").read_text())
        except (OSError, ValueError):
            meta = {}
        if meta.get("version") != VERSION or meta.get("signature") != signature:
            meta = {"version": VERSION, "signature": signature}
        return cls(folder, meta)

    def _read(self, name: str) -> pd.DataFrame | None:
        try:
            table = pq.read_table(self.folder / f"{name}.parquet")
        except (OSError, pa.ArrowException):
            return None
        token = (table.schema.metadata or {}).get(b"generation", b"").decode()
        return table.to_pandas() if token and token == self.meta.get("generation") else None

    def result(self, key: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        if self.meta.get("result_key") != key:
            return None
        pairs, records = self._read("pairs"), self._read("pair_records")
        if pairs is None or records is None:
            return None
        pairs["levels"] = [[tuple(level) for level in json.loads(x)] for x in pairs["levels"]]
        return pairs, records.set_index("id", drop=False).rename_axis("id")

    def save(self, result_key: str, pairs: pd.DataFrame, pair_records: pd.DataFrame) -> None:
        """Write the result; a folder that can't be written (a read-only store's) is left as it is: the next
        sweep computes afresh."""
        generation = uuid.uuid4().hex
        tables = {"pairs": pairs.assign(levels=[json.dumps(list(x)) for x in pairs["levels"]]),
                  "pair_records": pair_records.reset_index(drop=True)}
        try:
            private_dir(self.folder)
            for name, frame in tables.items():
                table = pa.Table.from_pandas(frame, preserve_index=False)
                table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"generation": generation.encode()})
                sink = io.BytesIO()
                pq.write_table(table, sink)
                atomic_write_bytes(self.folder / f"{name}.parquet", sink.getvalue())
            self.meta.update({"generation": generation, "result_key": result_key})
            atomic_write_text(self.folder / "meta.json", json.dumps(self.meta))
            for name in RETIRED_TABLES:
                (self.folder / name).unlink(missing_ok=True)
        except OSError:
            return
