"""Kill graphcase writes with SIGKILL at random moments and check the store is exactly before or after.

Shared by ``tests/test_crash_safety.py`` (a few kills per kind, in CI) and ``benchmarks/kill_loads.py``
(30+ per kind). Each command runs as the real CLI (``python -m graphcase``) in a child process on a
synthetic county (``graphcase fixtures generate``): a first load (A into no store), an update load (B, a
county of another seed whose ids overlap A's, onto A: thousands of changed rows and new ones), and
``link-records`` (with the model saved beside the store, so every run links the same way).

A store's state is its *fingerprint*: per node label and relationship type, the row count and a hash of every
row's ends and properties (not load_id / loaded_at, which a re-run changes). A missing store, and a store
without tables, have the empty fingerprint.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from graphcase.stores import dialects
from graphcase.stores.base import StoreError
from graphcase.stores.ladybug import LadybugStore

DB = "g.db"
BUILDING_GLOB = f".{DB}.*.building"
VOLATILE = {"load_id", "loaded_at"}
KINDS = ("first load", "update load", "link-records")
LOCK_MESSAGE = "is being written by another graphcase process"


def graphcase_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "graphcase", "--db", DB, *args]


def fingerprint(db: Path) -> dict[str, tuple[int, str]]:
    """element -> (rows, sha256 of the sorted rows). Raises StoreError when the store cannot be read."""
    out: dict[str, tuple[int, str]] = {}
    queries = {}
    for label, props in dialects.node_properties().items():
        queries[label] = f"MATCH (n:{label}) RETURN " + ", ".join(f"n.{p}" for p in props if p not in VOLATILE)
    for rel, (a, b, props) in dialects.rel_definitions().items():
        cols = ", ".join(f"r.{p}" for p in props if p not in VOLATILE)
        queries[rel] = f"MATCH (a:{a})-[r:{rel}]->(b:{b}) RETURN a.id, b.id" + (f", {cols}" if cols else "")
    if not db.exists():
        return {element: (0, _digest([])) for element in queries}
    store = LadybugStore(db, read_only=True)
    try:
        tables = {row[0] for row in store.query("CALL SHOW_TABLES() RETURN name").rows}
        for element, cypher in queries.items():
            rows = store.query(cypher).rows if element in tables else []
            out[element] = (len(rows), _digest(rows))
    finally:
        store.close()
    return out


def _digest(rows: list) -> str:
    return hashlib.sha256("\n".join(sorted(repr(row) for row in rows)).encode()).hexdigest()


@dataclass
class Scenario:
    kind: str
    command: list[str]
    start: Path | None  # folder whose files are copied in as the starting state (None: no store)
    before: dict
    after: dict
    seconds: float  # wall-clock of an uninterrupted run
    buildings: int  # copies the run builds (the kill "in the write" waits for the last one)
    last_copy_at: float = 0.0  # when the last copy appeared in the uninterrupted run (seconds from its start)


@dataclass
class Outcome:
    kind: str
    mode: str  # "timed" (uniform over the run) or "in write" (after the last copy appears)
    delay: float
    state: str  # before | after | torn | unreadable | finished (the run ended before the kill)
    recovered: bool  # the next run completed and left the "after" state, with no leftovers
    detail: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for o in self.outcomes:
            row = table.setdefault(o.kind, {"kills": 0, "before": 0, "after": 0, "torn": 0, "unreadable": 0, "finished": 0, "not recovered": 0})
            row["kills"] += o.state != "finished"
            row[o.state] += 1
            row["not recovered"] += not o.recovered
        return table


def _run(command: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900, env=env)


def _seed_folder(folder: Path, start: Path | None) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if start is not None:
        for file in start.iterdir():
            shutil.copy2(file, folder / file.name)


def _timed_run(command: list[str], folder: Path) -> tuple[float, int, float]:
    """Run to completion, watching the folder: (seconds, number of distinct copies built, seconds from the
    start until the last of them appeared)."""
    seen: set[str] = set()
    last_copy_at = 0.0
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while proc.poll() is None:
        copies = {p.name for p in folder.glob(BUILDING_GLOB)}
        if copies - seen:
            last_copy_at = time.perf_counter() - started
            seen |= copies
        time.sleep(0.002)
    seconds = time.perf_counter() - started
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}): {out}\n{err}")
    return seconds, len(seen), last_copy_at


def prepare(work: Path, people: int = 3000) -> dict[str, Scenario]:
    """Generate the counties and run each command once uninterrupted: the before/after states and timings."""
    work.mkdir(parents=True, exist_ok=True)
    bundles = {}
    for name, seed, size in (("A", 1, people), ("B", 2, people + people // 10)):
        bundles[name] = work / f"county-{name}"
        if not (bundles[name] / "people.csv").exists():
            done = _run([sys.executable, "-m", "graphcase", "fixtures", "generate", str(bundles[name]), "--people", str(size), "--seed", str(seed)], work)
            assert done.returncode == 0, done.stderr
    states = {name: work / f"state-{name}" for name in ("empty", "A", "AB", "AB-model", "linked")}
    empty = fingerprint(work / "nowhere.db")
    scenarios = {}

    _seed_folder(states["A"], None)
    timing = _timed_run(graphcase_command("load", str(bundles["A"]), "--quiet"), states["A"])
    fp_a = fingerprint(states["A"] / DB)
    scenarios["first load"] = Scenario("first load", graphcase_command("load", str(bundles["A"]), "--quiet"), None, empty, fp_a, *timing)

    _seed_folder(states["AB"], states["A"])
    timing = _timed_run(graphcase_command("load", str(bundles["B"]), "--quiet"), states["AB"])
    fp_ab = fingerprint(states["AB"] / DB)
    scenarios["update load"] = Scenario("update load", graphcase_command("load", str(bundles["B"]), "--quiet"), states["A"], fp_a, fp_ab, *timing)

    # Train once, then keep the model (and the empty review queue) as part of the starting state.
    _seed_folder(states["linked"], states["AB"])
    trained = _run(graphcase_command("link-records"), states["linked"])
    assert trained.returncode == 0, trained.stderr
    _seed_folder(states["AB-model"], states["AB"])
    for side in states["linked"].glob(f"{DB}.linkage-*.json"):
        shutil.copy2(side, states["AB-model"] / side.name)
    _seed_folder(states["linked"], states["AB-model"])
    timing = _timed_run(graphcase_command("link-records"), states["linked"])
    fp_linked = fingerprint(states["linked"] / DB)
    assert fp_linked["SAME_AS"][0] > 0, "the county should have records to link"
    scenarios["link-records"] = Scenario("link-records", graphcase_command("link-records"), states["AB-model"], fp_ab, fp_linked, *timing)
    return scenarios


def kill_once(scenario: Scenario, folder: Path, mode: str, rng: random.Random) -> Outcome:
    """Start the command, SIGKILL it, classify the store, then run the command again to completion."""
    _seed_folder(folder, scenario.start)
    proc = subprocess.Popen(scenario.command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started = time.perf_counter()
    if mode == "timed":
        delay = rng.uniform(0, scenario.seconds)
        while proc.poll() is None and time.perf_counter() - started < delay:
            time.sleep(0.001)
    else:  # once the last copy is being built: inside the COPY, the checkpoint, the fsync or the rename
        seen: set[str] = set()
        while proc.poll() is None and len(seen) < scenario.buildings:
            seen.update(p.name for p in folder.glob(BUILDING_GLOB))
            time.sleep(0.001)
        # Within what remained of the uninterrupted run once its last copy appeared: COPY/MERGE, checkpoint, rename.
        time.sleep(rng.uniform(0, max(0.01, scenario.seconds - scenario.last_copy_at)))
        delay = time.perf_counter() - started
    finished = proc.poll() is not None
    if not finished:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    try:
        state = fingerprint(folder / DB)
        label = "before" if state == scenario.before else "after" if state == scenario.after else "torn"
        detail = "" if label != "torn" else _difference(state, scenario.before, scenario.after)
    except (StoreError, RuntimeError) as exc:
        label, detail = "unreadable", str(exc)
    if finished:
        if proc.returncode != 0:
            label, detail = "torn", f"the run failed by itself ({proc.returncode}): {err[-500:]}"
        elif label == "after":
            label = "finished"
    rerun = _run(scenario.command, folder)
    leftovers = sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{DB}."))
    try:
        recovered = rerun.returncode == 0 and fingerprint(folder / DB) == scenario.after and not leftovers
    except (StoreError, RuntimeError):
        recovered = False
    if not recovered:
        detail += f" | re-run: rc {rerun.returncode} {rerun.stderr[-500:]} leftovers {leftovers}"
    return Outcome(scenario.kind, mode, round(delay, 3), label, recovered, detail)


def _difference(state: dict, before: dict, after: dict) -> str:
    return "; ".join(
        f"{k}: {state[k][0]} rows (before {before[k][0]}, after {after[k][0]})"
        for k in state
        if state[k] != before[k] and state[k] != after[k]
    )


def kill_many(
    scenarios: dict[str, Scenario], work: Path, per_kind: int, seed: int = 16, progress=None, kinds=KINDS, max_tries: int | None = None
) -> Report:
    """``per_kind`` kills that land (the run still going when its SIGKILL comes) of each command, alternating
    a timed kill (uniform over the uninterrupted run's duration) and a kill once the last copy is being built.
    A run that ends before its kill is recorded as ``finished`` and tried again, up to ``max_tries`` runs per
    kind (default three times ``per_kind``)."""
    rng = random.Random(seed)
    report = Report()
    max_tries = max_tries or 3 * per_kind
    for kind in kinds:
        landed = tries = 0
        while landed < per_kind and tries < max_tries:
            mode = "timed" if tries % 2 == 0 else "in write"
            outcome = kill_once(scenarios[kind], work / "trial", mode, rng)
            tries += 1
            landed += outcome.state != "finished"
            report.outcomes.append(outcome)
            if progress:
                progress(outcome)
    return report


def race_once(bundles: tuple[Path, Path], folder: Path, env: dict | None = None, stagger: float = 0.0) -> tuple[list[subprocess.CompletedProcess], dict]:
    """Start two loads of different bundles into one new store together; their results and the final state."""
    _seed_folder(folder, None)
    procs = []
    for i, bundle in enumerate(bundles):
        procs.append(subprocess.Popen(graphcase_command("load", str(bundle), "--quiet"), cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
        if i == 0 and stagger:
            time.sleep(stagger)
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results, fingerprint(folder / DB)


def env_with(**values: str) -> dict:
    env = dict(os.environ)
    env.update(values)
    return env
