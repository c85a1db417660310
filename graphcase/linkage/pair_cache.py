"""The ``same_person_twice`` model rows, kept beside an embedded store so a sweep does not redo them.

Two layers, in ``<db>.unlinked-pairs/``:

- **candidates**: every Person record's fields (with its ``row_hash``), normalised for Splink, and the
  candidate pairs the blocking rules give. On the next sweep only records whose ``row_hash`` changed, or that
  are new, are fetched, normalised and blocked against every record; pairs of removed or changed records
  are dropped first. A re-load that changes nothing changes no hash and blocks nothing.
- **result**: the scored pairs, keyed on the store's files (any load, ``link-records`` or other write
  changes them), ``as_of`` (postcodes are read at it), the linkage model and review queue files and the
  threshold. A sweep of an unchanged store reads them back; otherwise the candidate pairs are scored afresh
  (the name frequencies and the prior come from the whole population, so a pair's score moves when records
  are added: re-scoring the candidates keeps a cached answer equal to a fresh one).

Files are Parquet and JSON (never pickle), written atomically with ``meta.json`` last; a table whose
generation token differs from ``meta.json``'s (a write cut short) makes the whole cache be rebuilt.
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
VERSION = 1


def cache_dir_for(store: GraphStore) -> Path | None:
    """``<db>.unlinked-pairs/`` beside an embedded store; None for a server store (nothing beside it)."""
    location = getattr(store, "location", None)
    return Path(f"{location}{CACHE_SUFFIX}") if store.dialect == "ladybug" and location else None


@dataclass
class Candidates:
    raw: pd.DataFrame  # RECORD_FIELDS plus row_hash, one row per Person record
    people: pd.DataFrame  # normalise_people(raw) (no postcode), rows aligned with raw
    keys: set[str]  # candidate pair keys from the blocking rules, before SAME_AS and review filtering


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

    def _read(self, name: str, token_name: str = "generation") -> pd.DataFrame | None:
        try:
            table = pq.read_table(self.folder / f"{name}.parquet")
        except (OSError, pa.ArrowException):
            return None
        token = (table.schema.metadata or {}).get(b"generation", b"").decode()
        return table.to_pandas() if token and token == self.meta.get(token_name) else None

    def candidates(self) -> Candidates | None:
        if "generation" not in self.meta:
            return None
        records, keys = self._read("records"), self._read("keys")
        if records is None or keys is None:
            return None
        normalised = [c for c in records.columns if c.startswith("n:")]
        people = records[normalised].rename(columns=lambda c: c[2:])
        people = people.astype(object).where(people.notna(), None)
        raw = records.drop(columns=normalised)
        return Candidates(raw, people, set(keys["key"]))

    def result(self, key: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        if self.meta.get("result_key") != key:
            return None
        pairs, records = self._read("pairs", "result_generation"), self._read("pair_records", "result_generation")
        if pairs is None or records is None:
            return None
        pairs["levels"] = [[tuple(level) for level in json.loads(x)] for x in pairs["levels"]]
        return pairs, records.set_index("id", drop=False).rename_axis("id")

    def save(self, candidates: Candidates, result_key: str, pairs: pd.DataFrame, pair_records: pd.DataFrame,
             candidates_changed: bool) -> None:
        """Write the result (and the candidates when they changed); a folder that can't be written (a
        read-only store's) is left as it is: the next sweep computes afresh."""
        candidates_changed = candidates_changed or "generation" not in self.meta
        generation = uuid.uuid4().hex if candidates_changed else self.meta["generation"]
        result_generation = uuid.uuid4().hex
        tables = {"pairs": pairs.assign(levels=[json.dumps(list(x)) for x in pairs["levels"]]),
                  "pair_records": pair_records.reset_index(drop=True)}
        tokens = {"pairs": result_generation, "pair_records": result_generation, "records": generation, "keys": generation}
        if candidates_changed:
            people = candidates.people.rename(columns=lambda c: f"n:{c}").reset_index(drop=True)
            tables["records"] = pd.concat([candidates.raw.reset_index(drop=True), people], axis=1)
            tables["keys"] = pd.DataFrame({"key": sorted(candidates.keys)}, dtype=object)
        try:
            private_dir(self.folder)
            for name, frame in tables.items():
                table = pa.Table.from_pandas(frame, preserve_index=False)
                table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"generation": tokens[name].encode()})
                sink = io.BytesIO()
                pq.write_table(table, sink)
                atomic_write_bytes(self.folder / f"{name}.parquet", sink.getvalue())
            self.meta.update({"generation": generation, "result_generation": result_generation, "result_key": result_key})
            atomic_write_text(self.folder / "meta.json", json.dumps(self.meta))
        except OSError:
            return
