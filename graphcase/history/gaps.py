"""Knowledge-gap analysis on a chronology: who was working with the child and was not told.

Three kinds of gap, each with the records behind it:

* ``not_told`` / ``told_late``: a significant event (domestic abuse, arrest, probation start, CP plan start
  or end, was not brought, A&E attendance, referral closed NFA) and an agency working with the child on
  that date (a KNOWN_TO record of the child open then) that was never told of it, or told only after the
  next significant event. Told the same day, or before the next incident: no gap. An agency that was not
  yet working with the child on that date: no gap.
* ``no_feedback``: a referral whose referrer had not been told the outcome by as_of, four weeks after referring.
* ``risk_not_shared``: a period when an agency worked with the child while another agency held a risk about
  a member of the child's network (a KNOWN_TO record with a risk flag, or with probation, substance-misuse or
  adult mental health services) and had told it nothing about that person.

These are leads for a reviewer, never verdicts: each gap says what rule found it and cites its sources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .chronology import Chronology, Entry, Record

SIGNIFICANT_KINDS = (
    "domestic_abuse_incident",
    "arrest",
    "probation_start",
    "cp_plan_start",
    "cp_plan_end",
    "was_not_brought",
    "ae_attendance",
)


def is_significant(entry: Entry) -> bool:
    return entry.kind in SIGNIFICANT_KINDS or (entry.kind == "referral" and entry.outcome == "nfa")


@dataclass
class Gap:
    kind: str  # not_told | told_late | no_feedback | risk_not_shared
    agency_id: str  # the agency that did not know (or, for no_feedback, the referrer)
    date_from: dt.date
    date_to: dt.date | None  # end of the period (risk_not_shared), else None
    event_id: str | None
    person_id: str | None  # the person the risk or event is about
    explanation: str
    evidence: list[str] = field(default_factory=list)  # "agency:record" of every fact used

    def __post_init__(self):
        self.evidence = list(dict.fromkeys(self.evidence))  # each source once, first mention first


def _next_significant(entries: list[Entry], index: int) -> Entry | None:
    day = entries[index].date
    return next((e for e in entries[index + 1 :] if is_significant(e) and e.date > day), None)


def event_gaps(chron: Chronology) -> list[Gap]:
    """Significant events that did not reach an agency working with the child, or reached it too late."""
    gaps = []
    for i, entry in enumerate(chron.entries):
        if not is_significant(entry) or not chron.concerns_child_on(entry):
            continue
        nxt = _next_significant(chron.entries, i)
        for agency_id in entry.involved:
            if agency_id == entry.recorded_by.id:
                continue
            child_record = next(r for r in chron.child_records() if r.agency.id == agency_id and r.active_on(entry.date))
            dates = sorted(t.date for t in entry.told if t.agency.id == agency_id and t.date)
            evidence = [str(entry.source), str(child_record.source)]
            what = f"{entry.kind.replace('_', ' ')} on {entry.date} ({entry.event_id}, recorded by {entry.recorded_by.name})"
            if not dates:
                gaps.append(Gap("not_told", agency_id, entry.date, None, entry.event_id, None,
                                f"{chron.agencies[agency_id].name} was working with {chron.subject_word} (record {child_record.record_id} "
                                f"since {child_record.since}) and was never told of the {what}.", evidence))
            elif nxt is not None and dates[0] > nxt.date:
                told = next(t for t in entry.told if t.agency.id == agency_id and t.date == dates[0])
                gaps.append(Gap("told_late", agency_id, entry.date, dates[0], entry.event_id, None,
                                f"{chron.agencies[agency_id].name} was told of the {what} only on {dates[0]}, after the next "
                                f"incident ({nxt.kind.replace('_', ' ')} on {nxt.date}, {nxt.event_id}).",
                                evidence + [str(told.source), str(nxt.source)]))
    return gaps


FEEDBACK_DUE_DAYS = 28  # as referral_without_feedback's default: feedback is overdue after four weeks


def feedback_gaps(chron: Chronology) -> list[Gap]:
    """Referrals whose referrer had not been told the outcome by as_of, FEEDBACK_DUE_DAYS after referring."""
    gaps = []
    for entry in chron.entries:
        for told in entry.told:
            referred = told.date or entry.date
            overdue = referred + dt.timedelta(days=FEEDBACK_DUE_DAYS) < chron.as_of
            answered = told.feedback_date is not None and told.feedback_date <= chron.as_of
            if told.how == "referred_to" and overdue and not answered:
                referrer = told.source.agency or entry.recorded_by.id
                name = chron.agencies[referrer].name if referrer in chron.agencies else referrer
                gaps.append(Gap("no_feedback", referrer, told.date or entry.date, None, entry.event_id, None,
                                f"{name} referred {entry.event_id} ({entry.kind.replace('_', ' ')} on {entry.date}) to "
                                f"{told.agency.name} on {told.date} and was never told the outcome.",
                                [str(entry.source), str(told.source)]))
    return gaps


def _overlap(*spans: tuple[dt.date | None, dt.date | None], end: dt.date) -> tuple[dt.date, dt.date] | None:
    start = max((s for s, _ in spans if s), default=dt.date.min)
    stop = min([e for _, e in spans if e] + [end])
    return (start, stop) if start <= stop else None


def risk_gaps(chron: Chronology) -> list[Gap]:
    """Periods when an agency worked with the child while another held a risk about a network member, untold."""
    gaps = []
    end = chron.as_of
    for member in chron.people.values():
        if member.hop == 0:  # the child, or another record of the child
            continue
        risks: list[Record] = [r for r in chron.records if r.person_id == member.id and r.risk]
        for risk in risks:
            for rel in member.relations:
                for work in chron.child_records():
                    if _holds_it_too(chron, work, risk):
                        continue
                    span = _overlap((work.since, work.until), (risk.since, risk.until), (rel.start, rel.to_date), end=end)
                    if span is None:
                        continue
                    # told by the risk-holding agency about the person, or the working agency itself referred
                    # or shared the person to it (a GP referring a mother to mental health knows of it)
                    learned = sorted(
                        t.date
                        for e in chron.entries
                        if any(c.person_id == member.id for c in e.people)
                        for t in e.told
                        if t.date and ((e.recorded_by.id == risk.agency.id and t.agency.id == work.agency.id)
                                       or (e.recorded_by.id == work.agency.id and t.agency.id == risk.agency.id))
                    )
                    stop = span[1]
                    if learned and learned[0] <= span[0]:
                        continue
                    if learned and learned[0] <= stop:
                        stop = learned[0] - dt.timedelta(days=1)
                        if stop < span[0]:
                            continue
                    why = ", ".join(risk.risk)
                    link = rel.kind + (f" of {rel.via_kind} {chron.people[rel.via].name}" if rel.via and rel.via in chron.people else "")
                    told_note = f"; first told on {learned[0]}" if learned else "; never told"
                    gaps.append(Gap(
                        "risk_not_shared", work.agency.id, span[0], stop, None, member.id,
                        f"{work.agency.name} worked with {chron.subject_word} (record {work.record_id}) from {span[0]} to {stop} while "
                        f"{risk.agency.name} held a risk ({why}; record {risk.record_id}) about {member.name}, "
                        f"{link} of {chron.subject_word} ({rel.start_text()}), and had told it nothing about {member.name}{told_note}.",
                        [str(work.source), str(risk.source)] + [str(s) for s in rel.sources],
                    ))
    return _dedupe(gaps)


def _holds_it_too(chron: Chronology, work: Record, risk: Record) -> bool:
    """An agency is never "not told" what it holds itself: the same agency, or its own record of the same
    person carrying the same risk (a GP practice holding the mother's record as well as the child's)."""
    if work.agency.id == risk.agency.id:
        return True
    return any(r.agency.id == work.agency.id and r.person_id == risk.person_id and set(r.risk) >= set(risk.risk)
               and r.flags for r in chron.records)


def _dedupe(gaps: list[Gap]) -> list[Gap]:
    """Keep one risk gap per (working agency, risk record, person): the longest period."""
    best: dict[tuple, Gap] = {}
    for gap in gaps:
        key = (gap.agency_id, gap.person_id, gap.evidence[1])  # evidence[1]: the risk record
        if key not in best or (gap.date_to - gap.date_from) > (best[key].date_to - best[key].date_from):
            best[key] = gap
    return list(best.values())


def find_gaps(chron: Chronology) -> list[Gap]:
    """All gaps of a chronology, ordered by date, then kind and agency."""
    gaps = event_gaps(chron) + feedback_gaps(chron) + risk_gaps(chron)
    return sorted(gaps, key=lambda g: (g.date_from, g.kind, g.agency_id, g.event_id or "", g.person_id or ""))
