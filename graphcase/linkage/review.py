"""The review queue: pairs the model is unsure about wait here for a person to decide.

Stored as JSON beside the database (``<db>.linkage-review.json``; ``./graphcase.linkage-review.json`` for
a Neo4j server), so that decisions survive re-loads and re-training and can be read and audited as a file.
Each item: a short numeric id, the pair key (lower record id | higher), both records as they were when
queued, the model's probability, match weight and explanation, and its status: ``pending``, ``accepted``
or ``rejected``, with who decided (env USER), when and why. ``link_records`` respects decisions: a
rejected pair is never written as SAME_AS again; an accepted one always is (with the probability it had
when it was reviewed, and ``decided_by = 'review: accepted by <user>'``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..files import atomic_write_text
from ..files.lock import FileLock, LockBusy, default_timeout
from ..stores.base import GraphStore

REVIEW_SUFFIX = ".linkage-review.json"
LOCK_WAIT_SECONDS = 30  # a queue is held only while read, updated and saved: a second editor waits that long
RECORD_FIELDS = ("id", "source_agency", "source_record", "role", "given_name", "family_name", "dob", "sex", "nhs_number", "postcode")


class ReviewError(Exception):
    """A review command named an item that does not exist or cannot take that decision."""


def review_path_for(store: GraphStore) -> Path:
    if store.dialect == "ladybug":
        return Path(f"{store.location}{REVIEW_SUFFIX}")
    return Path(f"graphcase{REVIEW_SUFFIX}")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _record(raw: pd.Series) -> dict:
    return {f: (None if pd.isna(raw.get(f)) else str(raw.get(f))) for f in RECORD_FIELDS}


@dataclass
class ReviewQueue:
    path: Path
    items: dict[str, dict]  # pair key -> item
    next_id: int

    @classmethod
    def open(cls, path: Path) -> "ReviewQueue":
        path = Path(path)
        if not path.exists():
            return cls(path, {}, 1)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ReviewError(f"{path}: cannot read the review queue ({exc})") from exc
        return cls(path, {item["key"]: item for item in doc["items"]}, doc.get("next_id", 1))

    @classmethod
    @contextlib.contextmanager
    def editing(cls, path: Path) -> Iterator["ReviewQueue"]:
        """The queue, locked (``<queue>.lock``) from before it is read until after it is saved, and saved when
        the block ends without error: two editors (a reviewer, ``link-records``) never lose each other's work."""
        path = Path(path)
        lock = FileLock(path.with_name(path.name + ".lock"), str(path))
        try:
            lock.acquire(max(default_timeout(), LOCK_WAIT_SECONDS))
        except LockBusy as exc:
            raise ReviewError(str(exc)) from None
        except OSError as exc:
            raise ReviewError(f"{path}: cannot lock the review queue: {exc}") from exc
        try:
            queue = cls.open(path)
            yield queue
            queue.save()
        finally:
            lock.release()

    def save(self) -> None:
        doc = {"next_id": self.next_id, "items": sorted(self.items.values(), key=lambda i: i["id"])}
        atomic_write_text(self.path, json.dumps(doc, indent=1, ensure_ascii=False))

    # -- reading --------------------------------------------------------------------------------
    def decisions(self) -> dict[str, str]:
        return {k: i["status"] for k, i in self.items.items() if i["status"] in ("accepted", "rejected")}

    def pending(self) -> list[dict]:
        return sorted((i for i in self.items.values() if i["status"] == "pending"), key=lambda i: i["id"])

    def pending_count(self) -> int:
        return len(self.pending())

    def all(self) -> list[dict]:
        return sorted(self.items.values(), key=lambda i: i["id"])

    def get(self, item_id: int) -> dict:
        for item in self.items.values():
            if item["id"] == item_id:
                return item
        known = ", ".join(str(i["id"]) for i in self.all()) or "none"
        raise ReviewError(f"no review item {item_id} in {self.path} (items: {known})")

    def accepted_links(self) -> pd.DataFrame:
        rows = [
            {
                "a": i["a"],
                "b": i["b"],
                "key": i["key"],
                "match_probability": i["probability"],
                "match_weight": i["match_weight"],
                "explanation": i["explanation"] + f"; accepted in review: {i['reason']}",
                "decided_by": f"review: accepted by {i['decided_by']} at {i['decided_at']}",
            }
            for i in self.items.values()
            if i["status"] == "accepted"
        ]
        return pd.DataFrame(rows, columns=["a", "b", "key", "match_probability", "match_weight", "explanation", "decided_by"])

    # -- writing --------------------------------------------------------------------------------
    def refresh_pending(self, band: pd.DataFrame, raw_records: pd.DataFrame) -> None:
        """Queue the undecided pairs of ``band`` (scored pairs with a, b, key); pending items the model no
        longer puts in the band leave the queue. Decided items stay for good."""
        keys = set(band["key"]) if len(band) else set()
        for key in [k for k, i in self.items.items() if i["status"] == "pending" and k not in keys]:
            del self.items[key]
        if not keys:
            return
        by_id = raw_records.set_index("id", drop=False)
        for row in band.itertuples(index=False):
            item = self.items.get(row.key)
            if item is None:
                item = {"id": self.next_id, "key": row.key, "a": row.a, "b": row.b, "status": "pending", "queued_at": _now()}
                self.next_id += 1
                self.items[row.key] = item
            item.update(
                probability=float(row.match_probability),
                match_weight=float(row.match_weight),
                explanation=str(row.explanation),
                records=[_record(by_id.loc[row.a]), _record(by_id.loc[row.b])],
            )

    def decide(self, item_id: int, decision: str, reason: str, user: str) -> dict:
        if decision not in ("accepted", "rejected"):
            raise ReviewError(f"decision must be 'accepted' or 'rejected', not {decision!r}")
        if not reason or not reason.strip():
            raise ReviewError("a review decision needs a reason (--reason TEXT)")
        item = self.get(item_id)
        item.update(status=decision, reason=reason.strip(), decided_by=user, decided_at=_now())
        return item


def decide(path: Path, item_id: int, decision: str, reason: str, user: str | None = None) -> dict:
    """Record a human decision on review item ``item_id``; it takes effect on the next ``link-records``."""
    from ..audit import current_user

    with ReviewQueue.editing(path) as queue:
        return queue.decide(item_id, decision, reason, user or current_user())
