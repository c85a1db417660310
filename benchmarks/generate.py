"""Time the synthetic county generator: 10k, 100k and 1M people, generation alone and with CSV writing.

Prints medians of 3 runs (1 run at 1M), total rows and rows per second. Baseline, measured in the same run:
writing the 100k county's tables with pandas ``to_csv`` (``graphcase.bundle.write_bundle``) against the
generator's pyarrow CSV writer.

    python benchmarks/generate.py            # 10k, 100k, 1M
    python benchmarks/generate.py 10000 100000
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pyarrow as pa

from timing import median_seconds
from graphcase.ingest.bundle import write_bundle
from graphcase.synthetic import generate_county
from graphcase.synthetic.writer import write_tables


def main(sizes: list[int]) -> None:
    work = Path(tempfile.mkdtemp(prefix="graphcase-bench-"))
    try:
        print(f"{'people':>10} {'runs':>4} {'rows':>11} {'generate s':>11} {'+ write CSV s':>14} {'rows/s':>11} {'MB':>7}")
        for n in sizes:
            runs = 1 if n >= 1_000_000 else 3
            gen_s, (frames, truth) = median_seconds(lambda: generate_county(n, seed=7), runs)
            out = work / f"c{n}"
            all_s, _ = median_seconds(lambda: generate_county(n, seed=7, out_dir=out), runs)
            rows = sum(len(f) for f in frames.values())
            mb = sum(p.stat().st_size for p in out.iterdir()) / 1e6
            print(f"{n:>10,} {runs:>4} {rows:>11,} {gen_s:>11.2f} {all_s:>14.2f} {rows / all_s:>11,.0f} {mb:>7.0f}")
            shutil.rmtree(out)
        n = 100_000
        frames, _ = generate_county(n, seed=7)
        as_text = {name: f.assign(**{c: f[c].dt.strftime("%Y-%m-%d") for c in f.columns if f[c].dtype.kind == "M"})
                   for name, f in frames.items()}
        tables = {name: pa.Table.from_pandas(f, preserve_index=False) for name, f in frames.items()}
        rows = sum(len(f) for f in frames.values())
        pandas_s, _ = median_seconds(lambda: write_bundle(as_text, work / "pandas"), 3)
        arrow_s, _ = median_seconds(lambda: write_tables(tables, work / "arrow"), 3)
        print(f"\nwriting the {n:,}-person county ({rows:,} rows), median of 3:")
        print(f"  pandas to_csv (baseline, bundle.write_bundle): {pandas_s:6.2f} s  {rows / pandas_s:>11,.0f} rows/s")
        print(f"  pyarrow write_csv (generator)                : {arrow_s:6.2f} s  {rows / arrow_s:>11,.0f} rows/s"
              f"  ({pandas_s / arrow_s:.1f}x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
