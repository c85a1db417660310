"""64-bit content hashes of DataFrame rows, computed by DuckDB (C++, vectorised).

DuckDB hashes a million rows in ~0.15 s where pandas' hash_pandas_object takes over a second. A hash is only
ever a shortcut: where equal hashes decide something (duplicate rows), the rows are compared exactly too. A
different hash in a future DuckDB version only makes the next load rewrite unchanged rows once.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd


def row_hashes(frame: pd.DataFrame) -> pd.Series:
    """One int64 per row over all columns of ``frame`` (same values, same hash, in one DuckDB version)."""
    if frame.empty:
        return pd.Series(np.zeros(0, dtype="int64"), index=frame.index)
    columns = ", ".join('"' + str(c).replace('"', '""') + '"' for c in frame.columns)
    with duckdb.connect() as con:
        con.register("frame", frame.reset_index(drop=True))
        values = next(iter(con.execute(f"SELECT hash({columns}) FROM frame").fetchnumpy().values()))
    return pd.Series(np.asarray(values, dtype="uint64").view("int64"), index=frame.index)
