"""Findings grouped into leads: one lead per child (or household) and other person, each pattern a reason.

A man living with a baby can fire risky_adult_unseen_child, under_fives_parent_risk and hidden_men at once;
a social worker wants one lead ("Lily and Jason Reid") with three reasons, each with its own evidence, not
three findings saying nearly the same thing. Patterns keyed on a child and an adult become reasons of the
(child, adult) lead; patterns about a child alone (missed appointments, closed referrals, a domestic-abuse
incident) are reasons of the child's own lead; the rest (a household, a referral, a cluster, a record pair)
are one lead each.

Lead ids survive record linkage: a lead is keyed on the earliest record id of each person's SAME_AS cluster
(so the id before linkage is the id after, when the earliest record was the one involved), and every id it
would have had under another record of the same people is kept as an alias, as are its reasons' ids under
each record: ``graphcase explain OLD_ID`` finds the lead a pre-linkage id named.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from itertools import product

from .queries import to_jsonable

PAIR_KEY = ("child_id", "adult_id")  # patterns keyed on exactly these are reasons of a (child, person) lead
CHILD_KEYS = (("child_id",), ("event_id", "child_id"))  # patterns about one child, no other person


@dataclass
class Lead:
    id: str
    subject: dict  # {"child": record, "other": record | None} or {"pattern": name, **key}
    children: list[str]
    others: list[str]
    reasons: list = field(default_factory=list)  # Finding objects, one per pattern (and event)
    aliases: list[str] = field(default_factory=list)

    @property
    def patterns(self) -> list[str]:
        return sorted({r.pattern for r in self.reasons})

    @property
    def explanation(self) -> str:
        return " ".join(f"({i}) {r.explanation}" for i, r in enumerate(self.reasons, 1)) if len(self.reasons) > 1 \
            else self.reasons[0].explanation

    def answers_to(self, some_id: str) -> bool:
        return some_id == self.id or some_id in self.aliases

    def as_dict(self) -> dict:
        return to_jsonable({"id": self.id, "subject": self.subject, "children": self.children, "others": self.others,
                            "patterns": self.patterns, "explanation": self.explanation,
                            "reasons": [r.id for r in self.reasons], "aliases": self.aliases})


def lead_id(subject: dict) -> str:
    text = "|".join(f"{k}={subject[k]}" for k in sorted(subject))
    return "L-" + hashlib.sha1(text.encode()).hexdigest()[:12]


def _records(finding, column: str) -> list[str]:
    """The records a key column stands for: every record of the person's SAME_AS cluster, else the key itself."""
    return sorted((finding.key_records or {}).get(column) or [finding.key[column]])


def _subject_and_records(finding) -> tuple[dict, list[dict]]:
    """The lead subject of a finding and every record-level subject it could have had (for aliases)."""
    key = tuple(finding.key)
    if key == PAIR_KEY:
        children, others = _records(finding, "child_id"), _records(finding, "adult_id")
        return {"child": children[0], "other": others[0]}, [{"child": c, "other": o} for c, o in product(children, others)]
    if key in CHILD_KEYS:
        children = _records(finding, "child_id")
        return {"child": children[0], "other": None}, [{"child": c, "other": None} for c in children]
    subject = {"pattern": finding.pattern, **finding.key}
    return subject, [subject]


def finding_id(pattern: str, key: dict) -> str:
    """A finding's stable id: a hash of its pattern and key (the same lead keeps it across runs and dates)."""
    text = pattern + "|" + "|".join(f"{k}={key[k]}" for k in sorted(key))
    return "F-" + hashlib.sha1(text.encode()).hexdigest()[:12]


def _reason_aliases(finding) -> set[str]:
    """The finding's own id and the ids it has under every record of its people (pre-linkage ids)."""
    columns = [c for c in finding.key if (finding.key_records or {}).get(c)]
    ids = {finding.id}
    for combo in product(*(finding.key_records[c] for c in columns)):
        ids.add(finding_id(finding.pattern, {**finding.key, **dict(zip(columns, combo))}))
    return ids


def group_leads(findings: list) -> list[Lead]:
    """Findings -> leads, in the findings' order of first appearance; each reason keeps its own evidence."""
    leads: dict[str, Lead] = {}
    aliases: dict[str, set[str]] = {}
    for f in findings:
        subject, variants = _subject_and_records(f)
        lid = lead_id(subject)
        lead = leads.get(lid)
        if lead is None:
            lead = leads[lid] = Lead(lid, subject, [], [])
            aliases[lid] = set()
        lead.reasons.append(f)
        lead.children = sorted(set(lead.children) | set(f.children))
        lead.others = sorted(set(lead.others) | set(f.others))
        aliases[lid] |= {lead_id(v) for v in variants} | _reason_aliases(f)
    for lid, lead in leads.items():
        lead.reasons.sort(key=lambda r: (r.pattern, r.id))
        lead.aliases = sorted(aliases[lid] - {lid})
    return list(leads.values())


def find_lead(document: dict, some_id: str) -> tuple[dict, list[dict]] | None:
    """In a saved findings document: the lead answering to ``some_id`` (its id, an alias, or a reason's id),
    with its reasons as saved."""
    by_id = {f["id"]: f for f in document.get("findings", [])}
    for lead in document.get("leads", []):
        if some_id == lead["id"] or some_id in lead.get("aliases", ()) or some_id in lead.get("reasons", ()):
            return lead, [by_id[r] for r in lead["reasons"] if r in by_id]
    return None
