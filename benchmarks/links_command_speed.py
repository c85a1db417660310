"""What an analyst waits for at the command line: ``graphcase links`` in a new process on a kept store (medians).

    python benchmarks/links_command_speed.py DB [--as-of YYYY-MM-DD] [--person ID] [--repeat N]

``catalogue_speed.py`` times sweeps inside one process. A command pays more: starting Python and importing
graphcase, opening the store, checking each query's plan once (the embedded store refuses plans it is known
to get wrong), writing the findings file beside the store and printing. This script runs the real command in
new processes, on a private copy of DB (DB itself is never written), and times, in the same run:

- **start-up**: ``python -c "import graphcase.cli"``, the floor of any command (the baseline);
- **first after a load**: no cache beside the store (a load changes the store's files, which every cache is
  keyed on), so ``same_person_twice`` scores its candidate pairs afresh;
- **sweep, model rows cached**: no sweep cache (the first ``links`` at another as_of or after a settings change);
- **sweep cached**, printed as a table and as CSV: an unchanged store, the sweep read back;
- **one person** (``--person ID``) from the cached sweep.

For example, on the 1M county that ``catalogue_speed.py --keep /work/data`` keeps:

    python benchmarks/links_command_speed.py /work/data/c1000000/county.db --as-of 2026-11-01 --person P1
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(command: list[str], before=None) -> float:
    if before:
        before()
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "GRAPHCASE_REASON": "benchmark"})
    return time.perf_counter() - started


def measure(db: Path, as_of: str, person: str, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / db.name
        for source in (db, Path(f"{db}.wal")):
            if source.exists():
                shutil.copy2(source, Path(tmp) / source.name)
        links = [sys.executable, "-m", "graphcase", "--db", str(copy), "links", "--as-of", as_of]
        sweep_cache, model_rows = Path(f"{copy}.sweep.json"), Path(f"{copy}.unlinked-pairs")

        def no_sweep_cache():
            sweep_cache.unlink(missing_ok=True)

        def no_cache():
            no_sweep_cache()
            shutil.rmtree(model_rows, ignore_errors=True)

        cases = [
            ("start-up (import graphcase.cli)", [sys.executable, "-c", "import graphcase.cli"], None),
            ("first after a load (no cache)", links, no_cache),
            ("sweep, model rows cached", links, no_sweep_cache),
            ("sweep cached, table", links, None),
            ("sweep cached, CSV", links + ["--format", "csv"], None),
            (f"one person ({person}) from the cached sweep", links + ["--person", person], None),
        ]
        figures = {name: [] for name, _, _ in cases}
        for _ in range(repeat):  # round by round, so every case sees the same machine load
            for name, command, before in cases:
                figures[name].append(timed(command, before))
        print(f"{db} as of {as_of}: medians of {repeat} runs, new process each; "
              f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for name, _, _ in cases:
            print(f"{name:<48}{statistics.median(figures[name]):>8.2f} s")


if __name__ == "__main__":
    argv = sys.argv[1:]
    opts = {"--as-of": None, "--person": "P1", "--repeat": "3"}
    for flag in list(opts):
        if flag in argv:
            i = argv.index(flag)
            opts[flag] = argv[i + 1]
            del argv[i:i + 2]
    if len(argv) != 1:
        sys.exit(__doc__)
    measure(Path(argv[0]), opts["--as-of"] or dt.date.today().isoformat(), opts["--person"], int(opts["--repeat"]))
