"""Kill first loads, update loads and link-records with SIGKILL at random moments; count the stores left
exactly before, exactly after, or torn (and whether the next run completed).

    python benchmarks/kill_loads.py                # 30 kills per kind, 3,000-people county
    python benchmarks/kill_loads.py 50 10000       # kills per kind, people

Half the kills come at a uniformly random moment of the run (its duration measured first), half once the
run's last copy of the store is being built (inside the COPY / MERGE, the engine's checkpoint, the fsync or
the rename). See tests/crash_harness.py and docs/crash-safety.md. Issue 16's target: 0 torn, every re-run
completes.
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
            print(f"{s.kind:<13} uninterrupted run {s.seconds:6.2f} s, {s.buildings} cop{'y' if s.buildings == 1 else 'ies'} built")

        def show(o: harness.Outcome) -> None:
            note = "" if o.recovered and o.state not in ("torn", "unreadable") else f"  <-- {o.detail}"
            print(f"  {o.kind:<13} {o.mode:<9} kill at {o.delay:6.2f} s: {o.state:<10} next run {'completed' if o.recovered else 'FAILED'}{note}", flush=True)

        report = harness.kill_many(scenarios, work, per_kind, progress=show)
        print(f"\n{people:,} people, {per_kind} runs per kind, {time.perf_counter() - started:.0f} s in all")
        print(f"{'kind':<13} {'kills':>5} {'before':>6} {'after':>6} {'torn':>5} {'unreadable':>10} {'finished':>8} {'re-run failed':>13}")
        torn = 0
        for kind, row in report.counts().items():
            print(f"{kind:<13} {row['kills']:>5} {row['before']:>6} {row['after']:>6} {row['torn']:>5} {row['unreadable']:>10} {row['finished']:>8} {row['not recovered']:>13}")
            torn += row["torn"] + row["unreadable"] + row["not recovered"]
        print("('finished': the run ended before its kill came; it counts as after)")
        return 1 if torn else 0


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    sys.exit(main(*args))
