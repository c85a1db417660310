"""Precision and recall of the missed-link catalogue against a generated county's ground truth.

A finding is a true positive when its key is a planted hit, a false positive otherwise (a planted
near-miss reported is a false positive too, and is listed separately). One exception, for
``same_person_twice``: the record-linkage planter (``same_person_records``) plants groups of records that
are one person; a reported pair inside one such group is a true duplicate, so it is not counted against
precision, and (since the deterministic check cannot see through typos in dates of birth) not required
for recall either. Their number is reported as ``linkage_pairs_found``. And once record linkage has run, a
planted ``same_person_twice`` pair whose records share a resolved person is no longer a missed link: it is
left out of recall and counted as ``resolved_by_linkage``.
"""

from __future__ import annotations

import itertools

from .findings import CatalogueRun, pattern_names


def _key(entry: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in entry.items() if k != "why"))


def evaluate(run: CatalogueRun, truth: dict, resolved: dict[str, str] | None = None) -> dict[str, dict]:
    """Per pattern: hits, found, true_pos, false_pos, missed, near_misses_reported, precision, recall.

    ``resolved`` maps record id -> resolved-person id (``graphcase.linkage.link.resolved_ids``).
    """
    resolved = resolved or {}
    patterns = truth["patterns"]
    allowed_pairs = set()
    for group in patterns.get("same_person_records", {}).get("hits", []):
        for a, b in itertools.combinations(sorted(group["record_ids"]), 2):
            allowed_pairs.add(_key({"record_a": a, "record_b": b}))
    report = {}
    for name in run.seconds or pattern_names():
        planted = patterns.get(name, {"hits": [], "near_misses": []})
        resolved_hits = set()
        if name == "same_person_twice":
            resolved_hits = {
                _key(h) for h in planted["hits"]
                if h["record_a"] in resolved and resolved.get(h["record_a"]) == resolved.get(h["record_b"])
            }
        hits = {_key(h) for h in planted["hits"]} - resolved_hits
        near = {_key(n): n["why"] for n in planted["near_misses"]}
        found = {_key(f.key) for f in run.findings if f.pattern == name}
        extra = found - hits
        linkage = extra & allowed_pairs if name == "same_person_twice" else set()
        false_pos = extra - linkage
        true_pos = found & hits
        report[name] = {
            "hits": len(hits),
            "found": len(found),
            "true_pos": len(true_pos),
            "false_pos": sorted(false_pos),
            "missed": sorted(hits - found),
            "near_misses": len(near),
            "near_misses_reported": sorted((k, near[k]) for k in false_pos if k in near),
            "linkage_pairs_found": len(linkage),
            "resolved_by_linkage": len(resolved_hits),
            "precision": len(true_pos) / (len(true_pos) + len(false_pos)) if (true_pos or false_pos) else 1.0,
            "recall": len(true_pos) / len(hits) if hits else 1.0,
        }
    return report
