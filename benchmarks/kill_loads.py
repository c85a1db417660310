"""Kill first loads, update loads and link-records with SIGKILL at random moments; count the stores left
exactly before, exactly after, or torn (and whether the next run completed).

    python benchmarks/kill_loads.py                # 30 kills per kind, 3,000-people county
    python benchmarks/kill_loads.py 50 10000       # kills per kind, people

One uninterrupted run per kind is measured first (its duration, and when its last copy of the store
appeared). Half the kills then come at a moment drawn uniformly in [0, duration), half once the run's last
copy is being built, within what remained of the measured run (inside the COPY / MERGE, the engine's
checkpoint, the fsync or the rename). A run that ends before its kill does not count: it is run again until
the asked number of kills has landed for each kind (at most three times as many runs). See
tests/crash_harness.py and docs/crash-safety.md. Issue 16's target: 0 torn, every re-run completes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import crash_harness as harness  # noqa: E402


def main(per_kind: int = 30, people: int = 3000) -> int:
    with tempfile.TemporaryDirectory(prefix="graphcase-kill-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        scenarios = harness.prepare(work, people)
        for s in scenarios.values():
            print(
                f"{s.kind:<13} uninterrupted run {s.seconds:6.2f} s, {s.buildings} cop{'y' if s.buildings == 1 else 'ies'} built, "
                f"the last from {s.last_copy_at:.2f} s"
            )

        def show(o: harness.Outcome) -> None:
            note = "" if o.recovered and o.state not in ("torn", "unreadable") else f"  <-- {o.detail}"
            print(f"  {o.kind:<13} {o.mode:<9} kill at {o.delay:6.2f} s: {o.state:<10} next run {'completed' if o.recovered else 'FAILED'}{note}", flush=True)

        report = harness.kill_many(scenarios, work, per_kind, progress=show)
        print(f"\n{people:,} people, {per_kind} kills asked per kind, {time.perf_counter() - started:.0f} s in all")
        print(f"{'kind':<13} {'landed':>9} {'before':>6} {'after':>6} {'torn':>5} {'unreadable':>10} {'finished first':>14} {'re-run failed':>13}")
        bad = short = 0
        for kind, row in report.counts().items():
            landed = f"{row['kills']}/{per_kind}"
            print(f"{kind:<13} {landed:>9} {row['before']:>6} {row['after']:>6} {row['torn']:>5} {row['unreadable']:>10} {row['finished']:>14} {row['not recovered']:>13}")
            bad += row["torn"] + row["unreadable"] + row["not recovered"]
            short += row["kills"] < per_kind
        print("('finished first': runs that ended before their kill came; not counted, run again)")
        print(f"torn stores: {bad}" + (f"; {short} kind(s) fell short of {per_kind} kills" if short else ""))
        return 1 if bad or short else 0


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    sys.exit(main(*args))
