"""Render a case history: terminal table, Markdown, CSV, JSON, and one self-contained HTML file.

The HTML has no external request: CSS and the small vanilla JavaScript (tooltips only) are inline, and the
timeline is laid out here, in Python, as absolutely positioned elements (one lane per agency).
"""

from __future__ import annotations

import datetime as dt
import io
import json

from ..output import html as html_out
from ..output import markdown as md
from ..output import terminal
from ..output.csvsafe import SafeDictWriter
from .case import CaseHistory
from .chronology import Chronology, Entry
from .gaps import Gap, is_significant
from .matrix import lanes
from .ranking import RANKING_RULE

FORMATS = ("table", "markdown", "csv", "json", "html")


def render(history: CaseHistory, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return {"table": to_table, "markdown": to_markdown, "csv": to_csv, "json": to_json, "html": to_html}[fmt](history)


# -- shared wording --------------------------------------------------------------------------------------
def _d(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _kind(kind: str) -> str:
    return kind.replace("_", " ")


OUTCOMES = {
    "nfa": "no further action", "early_help": "early help offered", "assessment": "assessment started",
    "s47": "child protection enquiry (section 47)", "cp_plan": "child protection plan", "cin_plan": "child in need plan",
    "looked_after": "child taken into care", "attended": "attended", "not_attended": "was not brought / did not attend",
    "charged": "charged", "no_action": "no action taken", "closed": "case closed", "other": "other outcome",
}


def outcome_text(code: str | None) -> str:
    """An outcome code in plain English (an unknown code is shown as recorded)."""
    return OUTCOMES.get(code or "", (code or "").replace("_", " "))


def agency_name(chron: Chronology, agency_id: str) -> str:
    return chron.agencies[agency_id].name if agency_id in chron.agencies else agency_id


def people_text(chron: Chronology, entry: Entry) -> str:
    parts = []
    for c in entry.people:
        person = chron.people.get(c.person_id)
        name = person.name if person else c.person_id
        relation = chron.relation_text(c.person_id) if person else ""
        parts.append(f"{name} ({_kind(c.involvement)}; {relation})" if relation else f"{name} ({_kind(c.involvement)})")
    return "; ".join(parts)


def told_text(chron: Chronology, entry: Entry) -> str:
    parts = []
    for t in entry.told:
        text = f"{t.agency.name} ({_kind(t.how)} {_d(t.date)}"
        if t.delay_days is not None:
            text += f", after {t.delay_days} day{'s' if t.delay_days != 1 else ''}"
            if t.over_standard is not None:
                text += f", LATE: standard {t.over_standard} day{'s' if t.over_standard != 1 else ''}"
        if t.how == "referred_to":
            if t.outcome:
                text += f", outcome {outcome_text(t.outcome)}" + (f" {_d(t.outcome_date)}" if t.outcome_date else "")
            text += f", feedback {_d(t.feedback_date)}" if t.feedback_date else ", no feedback"
        parts.append(text + ")")
    return "; ".join(parts)


def not_told_text(chron: Chronology, entry: Entry) -> str:
    return "; ".join(agency_name(chron, a) for a in entry.not_told)


def residence_row(r) -> list[str]:
    """A People row for a resident known only by an agency's record id: no person, no name invented."""
    return [str(r), "no person record", "lived at the child's address", str(r.source)]


def title(history: CaseHistory) -> str:
    chron = history.chronology
    span = f"{_d(chron.date_from) or 'start'} to {_d(chron.date_to) or 'end'}"
    whose = "" if chron.child.role == "child" else "an adult, "
    return f"Chronology of {chron.child.name} ({whose}{span}, as recorded by {_d(chron.as_of)}; network {chron.hops} hop{'s' if chron.hops != 1 else ''})"


def entry_row(chron: Chronology, e: Entry) -> dict:
    return {
        "date": _d(e.date),
        "agency": e.recorded_by.name,
        "kind": e.kind,
        "summary": e.summary,
        "outcome": outcome_text(e.outcome),
        "people": people_text(chron, e),
        "told": told_text(chron, e),
        "not_told": not_told_text(chron, e),
        "source": str(e.source),
        "event_id": e.event_id,
    }


# -- JSON ----------------------------------------------------------------------------------------------
def as_dict(history: CaseHistory) -> dict:
    chron = history.chronology
    return {
        "child_id": chron.child_id,
        "from": _d(chron.date_from) or None,
        "to": _d(chron.date_to) or None,
        "as_of": _d(chron.as_of),
        "network_hops": chron.hops,
        "date_shift_days": chron.date_shift_days,
        "pseudonymisation": chron.pseudonymisation_note,
        "withheld": chron.withheld,
        "people": [
            {"id": p.id, "role": p.role, "name": p.name, "dob": _d(p.dob) or None, "nhs_number": p.nhs_number,
             "hop": p.hop, "relation": chron.relation_text(p.id), "source": str(p.source)}
            for p in sorted(chron.people.values(), key=lambda p: (p.hop, p.id))
        ],
        "agencies": [{"id": a.id, "name": a.name, "kind": a.kind} for a in sorted(chron.agencies.values(), key=lambda a: a.id)],
        "residence_records": [
            {"agency": r.agency.id, "record_id": r.record_id, "address_id": r.address_id, "postcode": r.postcode,
             "from": _d(r.from_date) or None, "to": _d(r.to_date) or None, "text": str(r), "source": str(r.source)}
            for r in chron.residence_records
        ],
        "records": [
            {"person_id": r.person_id, "agency": r.agency.id, "record_id": r.record_id, "since": _d(r.since) or None,
             "until": _d(r.until) or None, "flags": r.flags, "source": str(r.source)}
            for r in chron.records
        ],
        "chronology": [
            {
                "event_id": e.event_id, "date": _d(e.date), "kind": e.kind, "summary": e.summary, "outcome": e.outcome,
                "recorded_by": e.recorded_by.id, "source": str(e.source), "significant": is_significant(e),
                "people": [{"person_id": c.person_id, "involvement": c.involvement, "relation": chron.relation_text(c.person_id) if c.person_id in chron.people else "", "source": str(c.source)} for c in e.people],
                "told": [{"agency": t.agency.id, "how": t.how, "date": _d(t.date) or None, "feedback_date": _d(t.feedback_date) or None,
                          "outcome": t.outcome, "outcome_date": _d(t.outcome_date) or None,
                          "source": str(t.source), "delay_days": t.delay_days, "over_standard_days": t.over_standard} for t in e.told],
                "involved": e.involved,
                "not_told": e.not_told,
            }
            for e in chron.entries
        ],
        "gaps": [
            {"kind": g.kind, "agency": g.agency_id, "from": _d(g.date_from), "to": _d(g.date_to) or None,
             "event_id": g.event_id, "person_id": g.person_id, "explanation": g.explanation, "evidence": g.evidence}
            for g in history.gaps
        ],
        "gap_groups": [
            {"rank": grp.rank, "tier": grp.tier, "kind": grp.kind, "agency": grp.agency_id, "about": grp.about,
             "from": _d(grp.date_from), "to": _d(grp.date_to) or None, "gaps": len(grp.gaps), "evidence": grp.evidence}
            for grp in history.groups
        ],
        "ranking_rule": RANKING_RULE,
        "matrix": {
            "periods": history.matrix.periods,
            "agencies": history.matrix.agencies,
            "cells": [
                {"period": p, "agency": a, "knew": [{"status": k.status, "event_id": k.event_id, "kind": k.kind, "date": _d(k.date)} for k in items]}
                for (p, a), items in sorted(history.matrix.cells.items())
            ],
        },
    }


def to_json(history: CaseHistory) -> str:
    return json.dumps(as_dict(history), indent=1, ensure_ascii=False)


# -- CSV -----------------------------------------------------------------------------------------------
CSV_COLUMNS = ["section", "date", "date_to", "agency", "kind", "summary", "outcome", "people", "told", "not_told", "event_id", "source"]


def to_csv(history: CaseHistory) -> str:
    """One sheet: the chronology rows (section=event), then the gaps (section=gap)."""
    chron = history.chronology
    out = io.StringIO()
    writer = SafeDictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for e in chron.entries:
        writer.writerow({"section": "event", "date_to": "", **entry_row(chron, e)})
    for notice in chron.withheld:
        writer.writerow({c: "" for c in CSV_COLUMNS} | {"section": "restricted", "summary": notice})
    for r in chron.residence_records:
        writer.writerow({
            "section": "residence", "date": _d(r.from_date), "date_to": _d(r.to_date), "agency": r.agency.name,
            "kind": "residence_record", "summary": str(r), "outcome": "", "people": "", "told": "", "not_told": "",
            "event_id": "", "source": str(r.source),
        })
    for g in history.gaps:
        writer.writerow({
            "section": "gap", "date": _d(g.date_from), "date_to": _d(g.date_to), "agency": agency_name(chron, g.agency_id),
            "kind": g.kind, "summary": g.explanation, "outcome": "", "people": chron.people[g.person_id].name if g.person_id in chron.people else "",
            "told": "", "not_told": "", "event_id": g.event_id or "", "source": " ".join(g.evidence),
        })
    return out.getvalue()


# -- Markdown ------------------------------------------------------------------------------------------
# Every value from the data goes through md.escape (md.table escapes each cell): no markup, link or HTML.
_md_table = md.table


def matrix_cell_text(history: CaseHistory, period: str, agency_id: str) -> str:
    marks = {"recorded": "recorded", "told": "told of", "not_told": "NOT told of", "told_late": "told late of"}
    return "; ".join(f"{marks[k.status]} {_kind(k.kind)} {_d(k.date)} ({k.event_id})" for k in history.matrix.cell(period, agency_id))


def to_markdown(history: CaseHistory) -> str:
    chron = history.chronology
    lines = [f"# {md.escape(title(history))}", ""]
    if chron.date_shift_days:
        lines += ["_Dates in this document are shifted by a fixed number of days._", ""]
    if chron.pseudonymisation_note:
        lines += [f"_{md.escape(chron.pseudonymisation_note)}_", ""]
    lines += ["## People", ""]
    lines += _md_table(
        ["person", "role", "relation to the child", "source"],
        [[p.name, p.role, chron.relation_text(p.id), str(p.source)] for p in sorted(chron.people.values(), key=lambda p: (p.hop, p.id))]
        + [residence_row(r) for r in chron.residence_records],
    )
    if chron.withheld:
        lines += ["", "## Restricted records", "", *[f"- {md.escape(n)}" for n in chron.withheld]]
    lines += ["", "## Chronology", ""]
    lines += _md_table(
        ["date", "recorded by", "event", "summary", "outcome", "people concerned", "agencies told", "working with the child, not told", "source"],
        [[r["date"], r["agency"], _kind(r["kind"]), r["summary"], r["outcome"], r["people"], r["told"], r["not_told"], r["source"]]
         for r in (entry_row(chron, e) for e in chron.entries)],
    )
    if history.groups:
        lines += ["", "## Knowledge gaps that weigh most", "", RANKING_RULE, ""]
        lines += _md_table(["rank", "why it weighs", "agency not told", "about", "from", "to", "gaps"],
                           [[str(grp.rank), grp.tier, agency_name(chron, grp.agency_id), grp.about, _d(grp.date_from),
                             _d(grp.date_to), str(len(grp.gaps))] for grp in history.groups])
    lines += ["", "## Knowledge gaps", ""]
    if not history.gaps:
        lines.append("No gaps found by the rules of this analysis.")
    for g in history.gaps:
        period = f"{_d(g.date_from)} to {_d(g.date_to)}" if g.date_to else _d(g.date_from)
        lines.append(f"- **{md.escape(_kind(g.kind))}** ({md.escape(period)}, {md.escape(agency_name(chron, g.agency_id))}): "
                     f"{md.escape(g.explanation)} Sources: {md.escape(', '.join(g.evidence))}.")
    lines += ["", "## Who knew what, when", ""]
    m = history.matrix
    lines += _md_table(["period"] + [agency_name(chron, a) for a in m.agencies],
                       [[p] + [matrix_cell_text(history, p, a) for a in m.agencies] for p in m.periods])
    return "\n".join(lines) + "\n"


# -- terminal table ------------------------------------------------------------------------------------
def to_table(history: CaseHistory) -> str:
    """rich tables, exported as plain text; every title, header and cell is shown literally (terminal.text)."""
    from rich.console import Console

    chron = history.chronology
    width = terminal.width()
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    note = chron.pseudonymisation_note or None
    entries = [entry_row(chron, e) for e in chron.entries]
    console.print(terminal.table(
        ["date", "recorded by", "event", "summary", "outcome", "people concerned", "told", "not told", "source"],
        [[r["date"], r["agency"], _kind(r["kind"]), r["summary"], r["outcome"], r["people"], r["told"], r["not_told"], r["source"]]
         for r in entries], title=title(history), caption=note, show_lines=True, width=width))
    if chron.withheld:
        console.print(terminal.table(["restricted records"], [[n] for n in chron.withheld], title="Restricted records", width=width))
    if chron.residence_records:
        console.print(terminal.table(
            ["residence known only by an agency's record", "source"],
            [[str(r), str(r.source)] for r in chron.residence_records],
            title="Residents with no person record", show_lines=True, width=width))
    if history.groups:
        console.print(terminal.table(
            ["rank", "why it weighs", "agency not told", "about", "from", "to", "gaps"],
            [[str(grp.rank), grp.tier, agency_name(chron, grp.agency_id), grp.about, _d(grp.date_from), _d(grp.date_to),
              str(len(grp.gaps))] for grp in history.groups],
            title="Knowledge gaps that weigh most", caption=RANKING_RULE, show_lines=True, width=width))
    console.print(terminal.table(
        ["from", "to", "gap", "agency", "explanation", "sources"],
        [[_d(g.date_from), _d(g.date_to), _kind(g.kind), agency_name(chron, g.agency_id), g.explanation, " ".join(g.evidence)]
         for g in history.gaps], title=f"Knowledge gaps ({len(history.gaps)})", show_lines=True, width=width))
    m = history.matrix
    console.print(terminal.table(
        ["period", *(agency_name(chron, a) for a in m.agencies)],
        [[p, *(matrix_cell_text(history, p, a) for a in m.agencies)] for p in m.periods],
        title="Who knew what, when", show_lines=True, width=width))
    return console.export_text()


# -- HTML ----------------------------------------------------------------------------------------------
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.2em;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em}
.controls{display:flex;flex-wrap:wrap;gap:.4em 1.4em;align-items:flex-start;font-size:.85em;margin:.6em 0}
.controls fieldset{border:1px solid #ccc;padding:.3em .6em;margin:0}
.controls legend{font-weight:600}
.controls label{margin-right:.8em;white-space:nowrap}
.timeline{border:1px solid #ccc;padding:.5em 0;margin:1em 0;background:#fafafa}
.lane{display:flex;align-items:center;min-height:34px;border-bottom:1px dashed #ddd}
.lane-name{width:240px;flex:none;padding:0 .6em;font-size:.85em;text-align:right}
.lane-name.working{font-weight:bold}
.track{position:relative;flex:1;height:100%;align-self:stretch;margin-right:20px;overflow:hidden}
.axis{position:relative;height:22px;margin-left:240px;margin-right:20px;font-size:.75em;color:#555;overflow:hidden}
.axis span{position:absolute;transform:translateX(-50%);white-space:nowrap}
.mark{position:absolute;width:14px;height:14px;margin-left:-7px;border-radius:50%;cursor:pointer;box-sizing:border-box;padding:0;border:0}
.mark:focus-visible{outline:3px solid #0072b2;outline-offset:1px}
.mark.recorded{background:#1f5fa8}
.mark.recorded.significant{background:#b8321c;border-radius:2px;transform:rotate(45deg)}
.mark.told{background:#fff;border:3px solid #2a8a3a}
.mark.gap{background:#fff;border:3px dashed #d00;border-radius:2px}
.period{position:absolute;height:7px;background:rgba(220,0,0,.35);border:1px solid #d00;box-sizing:border-box}
.risk-span{position:absolute;height:5px;background:#e08a00}
.working-span{position:absolute;height:4px;background:#7a9fb0}
#tip{position:fixed;display:none;max-width:420px;background:#fff;border:1px solid #888;padding:.5em;font-size:.8em;box-shadow:2px 2px 6px rgba(0,0,0,.2);z-index:10;white-space:pre-line}
table{border-collapse:collapse;font-size:.8em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 5px;vertical-align:top;text-align:left}
td.date,th.date{white-space:nowrap}
tr.gap td{background:#fde8e8}
td.gap{background:#fde8e8}
.legend span{margin-right:1.2em;font-size:.8em;display:inline-block}
.legend-bar{display:inline-block;width:22px;height:7px;margin-right:.3em}
.legend .mark{position:relative;display:inline-block;top:2px;margin:0 .5em 0 0}
.k-not_told,.k-told_late{color:#b00;font-weight:bold}
[hidden]{display:none!important}
@media print{
 @page{size:A4 landscape;margin:10mm}
 *{print-color-adjust:exact;-webkit-print-color-adjust:exact}
 body{margin:0;font-size:9pt}
 .controls,#tip{display:none!important}
 .timeline{page-break-inside:avoid;background:#fff}
 .lane-name{width:150px}.axis{margin-left:150px}
 table{font-size:7.5pt;width:100%}
 tr{page-break-inside:avoid}
}
"""

JS = """
(function(){
  var tip=document.getElementById('tip');
  function show(el,x,y){tip.textContent=el.getAttribute('data-tip');tip.style.display='block';tip.style.left=Math.max(0,Math.min(x+12,window.innerWidth-440))+'px';tip.style.top=(y+12)+'px';}
  document.querySelectorAll('[data-tip]').forEach(function(el){
    el.addEventListener('mouseenter',function(ev){show(el,ev.clientX,ev.clientY);});
    el.addEventListener('mousemove',function(ev){tip.style.left=Math.max(0,Math.min(ev.clientX+12,window.innerWidth-440))+'px';tip.style.top=(ev.clientY+12)+'px';});
    el.addEventListener('mouseleave',function(){tip.style.display='none';});
    el.addEventListener('focus',function(){var r=el.getBoundingClientRect();show(el,r.left,r.bottom);});
    el.addEventListener('blur',function(){tip.style.display='none';});
  });
  // Zoom to a period: every mark and bar carries its dates; positions are recomputed for the period shown.
  var tl=document.getElementById('timeline');
  var full=[tl.getAttribute('data-start'),tl.getAttribute('data-end')];
  function day(s){return Date.parse(s+'T00:00:00Z')/864e5;}
  function zoom(a,b){
    var s=day(a),e=day(b);if(!(e>s))return false;
    tl.querySelectorAll('[data-from]').forEach(function(el){
      var f=day(el.getAttribute('data-from')),t=el.hasAttribute('data-to')?day(el.getAttribute('data-to')):null;
      if(t===null){var x=100*(f-s)/(e-s);el.style.left=x+'%';el.classList.toggle('out',x<0||x>100);el.hidden=el.classList.contains('out')||el.classList.contains('filtered');}
      else{var l=Math.max(f,s),r=Math.min(t,e);el.style.left=100*(l-s)/(e-s)+'%';el.style.width=Math.max(100*(r-l)/(e-s),0.2)+'%';el.classList.toggle('out',r<s||l>e);el.hidden=el.classList.contains('out')||el.classList.contains('filtered');}
    });
    document.getElementById('zoom-from').value=a;document.getElementById('zoom-to').value=b;
    window.graphcaseZoomed=[a,b];return true;
  }
  window.graphcaseZoom=zoom;
  document.getElementById('zoom-button').addEventListener('click',function(){zoom(document.getElementById('zoom-from').value,document.getElementById('zoom-to').value);});
  document.getElementById('zoom-reset').addEventListener('click',function(){zoom(full[0],full[1]);});
  // Filters: agencies hide their lane and their rows; event kinds hide their marks and rows.
  function applyFilters(){
    var off={},koff={};
    document.querySelectorAll('input[data-filter-agency]').forEach(function(b){if(!b.checked)off[b.getAttribute('data-filter-agency')]=1;});
    document.querySelectorAll('input[data-filter-kind]').forEach(function(b){if(!b.checked)koff[b.getAttribute('data-filter-kind')]=1;});
    document.querySelectorAll('.lane').forEach(function(l){l.hidden=!!off[l.getAttribute('data-agency')];});
    document.querySelectorAll('[data-kind]').forEach(function(el){
      var hide=!!koff[el.getAttribute('data-kind')]||(el.tagName==='TR'&&!!off[el.getAttribute('data-agency')]);
      el.classList.toggle('filtered',hide);el.hidden=hide||el.classList.contains('out');
    });
  }
  document.querySelectorAll('input[data-filter-agency],input[data-filter-kind]').forEach(function(b){b.addEventListener('change',applyFilters);});
})();
"""

# A mark is 14 px wide; on a track of about 1,000 px that is 1.4 %: closer marks go on the next row down.
MARK_GAP_PERCENT = 1.6
ROW_PX = 17


def _stack(xs: list[float]) -> list[int]:
    """Row of each point mark in a lane so that no two marks on one row are closer than MARK_GAP_PERCENT."""
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    last: list[float] = []
    rows = [0] * len(xs)
    for i in order:
        row = next((r for r, x in enumerate(last) if xs[i] - x >= MARK_GAP_PERCENT), len(last))
        if row == len(last):
            last.append(xs[i])
        else:
            last[row] = xs[i]
        rows[i] = row
    return rows


_e = html_out.text  # every value written into the page, text or attribute


def to_html(history: CaseHistory) -> str:
    chron = history.chronology
    agencies = lanes(chron)
    working = {r.agency.id for r in chron.child_records()}
    days = [e.date for e in chron.entries] + [t.date for e in chron.entries for t in e.told if t.date]
    days += [g.date_from for g in history.gaps if g.kind == "risk_not_shared"]
    start = min(days) if days else chron.as_of
    end = max(days + [g.date_to for g in history.gaps if g.date_to]) if days else chron.as_of
    start, end = start - dt.timedelta(days=15), end + dt.timedelta(days=15)
    width = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return round(100 * (min(max(day, start), end) - start).days / width, 3)

    # Per lane: bars (from, to, class, tip) and point marks (day, class, event id, kind, label, tip).
    bars: dict[str, list[tuple]] = {a: [] for a in agencies}
    points: dict[str, list[tuple]] = {a: [] for a in agencies}
    entries = {e.event_id: e for e in chron.entries}
    gap_events = {g.event_id for g in history.gaps if g.event_id}
    for r in chron.child_records():
        if r.agency.id in bars:
            bars[r.agency.id].append((r.since or start, r.until or end, "working-span",
                                      f"Working with the child: record {r.record_id} ({r.agency.name}) from {_d(r.since)}" + (f" to {_d(r.until)}" if r.until else "")))
    for r in chron.records:
        if r.risk and r.person_id != chron.child_id and r.agency.id in bars:
            who = chron.people[r.person_id].name if r.person_id in chron.people else r.person_id
            tip = (f"{r.agency.name} holds a risk about {who} ({chron.relation_text(r.person_id)}): {'; '.join(r.risk)}; "
                   f"record {r.record_id} from {_d(r.since)}" + (f" to {_d(r.until)}" if r.until else "") + f"\nSource: {r.source}")
            bars[r.agency.id].append((r.since or start, r.until or end, "risk-span", tip))
    for g in history.gaps:
        if g.kind == "risk_not_shared" and g.agency_id in bars:
            bars[g.agency_id].append((g.date_from, g.date_to or end, "period gap", "GAP: " + g.explanation + "\nSources: " + ", ".join(g.evidence)))
    for e in chron.entries:
        detail = (f"{_d(e.date)} {_kind(e.kind)} — recorded by {e.recorded_by.name}\n{e.summary}\nOutcome: {outcome_text(e.outcome)}\n"
                  f"People: {people_text(chron, e)}\nTold: {told_text(chron, e) or 'nobody'}\n"
                  f"Working with the child, not told: {not_told_text(chron, e) or 'none'}\nSource: {e.source}")
        cls = "mark recorded" + (" significant" if is_significant(e) else "")
        label = f"{_d(e.date)}: {_kind(e.kind)} recorded by {e.recorded_by.name}"
        points.setdefault(e.recorded_by.id, []).append((e.date, cls, e.event_id, e.kind, label, detail))
        for t in e.told:
            if t.agency.id in points and t.agency.id != e.recorded_by.id:
                tip = f"{_d(t.date or e.date)}: {t.agency.name} {_kind(t.how)}: {_kind(e.kind)} of {_d(e.date)} ({e.event_id})\nSource: {t.source}"
                points[t.agency.id].append((t.date or e.date, "mark told", e.event_id, e.kind, f"{_d(t.date or e.date)}: {t.agency.name} {_kind(t.how)} {_kind(e.kind)}", tip))
    for g in history.gaps:
        if g.kind in ("not_told", "told_late") and g.agency_id in points and g.event_id in entries:
            e = entries[g.event_id]
            points[g.agency_id].append((g.date_from, "mark gap", g.event_id, e.kind, f"{_d(g.date_from)}: gap, {agency_name(chron, g.agency_id)} {_kind(g.kind)}",
                                        "GAP: " + g.explanation + "\nSources: " + ", ".join(g.evidence)))

    def lane_html(agency_id: str) -> tuple[str, int]:
        pts = sorted(points.get(agency_id, []), key=lambda p: (p[0], p[2], p[1]))
        rows = _stack([x(p[0]) for p in pts])
        n_rows = max(rows, default=-1) + 1
        html_parts = []
        for (day, cls, event_id, kind, label, tip), row in zip(pts, rows):
            html_parts.append(f'<button type="button" class="{cls}" data-event="{_e(event_id)}" data-kind="{_e(kind)}" data-from="{_d(day)}" '
                              f'style="left:{x(day)}%;top:{4 + row * ROW_PX}px" aria-label="{_e(label)}" data-tip="{_e(tip)}"></button>')
        top = 4 + n_rows * ROW_PX + 2
        for k, (since, until, cls, tip) in enumerate(sorted(bars.get(agency_id, []), key=lambda b: (b[2], b[0]))):
            s_, u_ = x(since), x(until)
            html_parts.append(f'<div class="{cls}" tabindex="0" role="img" aria-label="{_e(tip.splitlines()[0])}" data-from="{_d(since)}" data-to="{_d(until)}" '
                              f'style="left:{s_}%;width:{max(u_ - s_, 0.2)}%;top:{top + 9 * k}px" data-tip="{_e(tip)}"></div>')
        height = max(34, top + 9 * len(bars.get(agency_id, [])) + 4)
        return "".join(html_parts), height

    ticks = []
    for year in range(start.year, end.year + 1):
        for month in (1, 4, 7, 10):
            day = dt.date(year, month, 1)
            if start <= day <= end:
                ticks.append(f'<span data-from="{_d(day)}" style="left:{x(day)}%">{day:%b %Y}</span>')

    kinds = sorted({e.kind for e in chron.entries})
    out = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        # Only inline content is allowed: nothing on the page may reach the network.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
        f"<title>{_e(title(history))}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{_e(title(history))}</h1>",
        f"<p>{len(chron.entries)} events, {len(history.gaps)} knowledge gaps, {len(agencies)} agencies. "
        "Findings are leads for a professional reviewer, not verdicts; every line cites its source record (agency:record)."
        + (" Dates are shifted by a fixed number of days." if chron.date_shift_days else "")
        + (f" {_e(chron.pseudonymisation_note)}" if chron.pseudonymisation_note else "") + "</p>",
        *([f'<section class="restricted" aria-label="Restricted records"><h2>Restricted records</h2><ul>'
           + "".join(f"<li>{_e(n)}</li>" for n in chron.withheld) + "</ul></section>"] if chron.withheld else []),
        '<div class="legend"><span><i class="mark recorded"></i>event recorded (circle)</span><span><i class="mark recorded significant"></i>significant event (red diamond)</span>'
        '<span><i class="mark told"></i>told: shared or referred (green ring)</span><span><i class="mark gap"></i>working with the child, not told: gap (dashed red square)</span>'
        '<span><i class="legend-bar" style="background:#e08a00"></i>risk held about a network member</span>'
        '<span><i class="legend-bar" style="background:rgba(220,0,0,.35);border:1px solid #d00"></i>working with the child while a risk was held elsewhere, not shared (gap)</span>'
        '<span><i class="legend-bar" style="background:#7a9fb0"></i>working with the child</span>'
        "<span>Marks close in time are stacked, never hidden; hover or tab to a mark for its date and details.</span></div>",
        '<div class="controls" role="group" aria-label="Timeline controls">'
        f'<fieldset><legend>Zoom to a period</legend><label>from <input type="date" id="zoom-from" value="{_d(start)}"></label>'
        f'<label>to <input type="date" id="zoom-to" value="{_d(end)}"></label>'
        '<button type="button" id="zoom-button">Zoom</button> <button type="button" id="zoom-reset">Whole period</button></fieldset>'
        '<fieldset><legend>Agencies</legend>'
        + "".join(f'<label><input type="checkbox" checked data-filter-agency="{_e(a)}"> {_e(agency_name(chron, a))}</label>' for a in agencies)
        + '</fieldset><fieldset><legend>Event kinds</legend>'
        + "".join(f'<label><input type="checkbox" checked data-filter-kind="{_e(k)}"> {_e(_kind(k))}</label>' for k in kinds)
        + "</fieldset></div>",
        f'<div class="timeline" id="timeline" data-start="{_d(start)}" data-end="{_d(end)}">',
    ]
    for a in agencies:
        cls = "lane-name working" if a in working else "lane-name"
        inner, height = lane_html(a)
        out.append(f'<div class="lane" data-agency="{_e(a)}" style="height:{height}px"><div class="{cls}">{_e(agency_name(chron, a))}</div><div class="track">{inner}</div></div>')
    out.append(f'<div class="axis">{"".join(ticks)}</div></div>')

    out += ["<h2>People</h2>", "<table><tr><th>person</th><th>role</th><th>relation to the child</th><th>source</th></tr>"]
    for p in sorted(chron.people.values(), key=lambda p: (p.hop, p.id)):
        out.append(f"<tr><td>{_e(p.name)}</td><td>{_e(p.role)}</td><td>{_e(chron.relation_text(p.id))}</td><td>{_e(p.source)}</td></tr>")
    for r in chron.residence_records:
        out.append("<tr class=\"residence-record\">" + "".join(f"<td>{_e(c)}</td>" for c in residence_row(r)) + "</tr>")
    out.append("</table>")

    out += ["<h2>Chronology</h2>", "<table id=\"chronology\"><tr><th class=\"date\">date</th><th>recorded by</th><th>event</th><th>summary</th><th>outcome</th>"
            "<th>people concerned</th><th>agencies told</th><th>working with the child, not told</th><th>source</th></tr>"]
    for e in chron.entries:
        r = entry_row(chron, e)
        cls = ' class="gap"' if e.event_id in gap_events else ""
        out.append(f'<tr{cls} data-event="{_e(e.event_id)}" data-kind="{_e(e.kind)}" data-agency="{_e(e.recorded_by.id)}">'
                   + f'<td class="date">{_e(r["date"])}</td><td>{_e(r["agency"])}</td><td>{_e(_kind(e.kind))}</td>'
                   + "".join(f"<td>{_e(r[k])}</td>" for k in ("summary", "outcome", "people", "told", "not_told", "source")) + "</tr>")
    out.append("</table>")

    if history.groups:
        out += ["<h2>Knowledge gaps that weigh most</h2>", f"<p>{_e(RANKING_RULE)}</p>",
                '<table id="gap-groups"><tr><th>rank</th><th>why it weighs</th><th>agency not told</th><th>about</th><th>from</th><th>to</th><th>gaps</th></tr>']
        for grp in history.groups:
            out.append("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in (str(grp.rank), grp.tier, agency_name(chron, grp.agency_id), grp.about))
                       + "".join(f'<td class="date">{_e(v)}</td>' for v in (_d(grp.date_from), _d(grp.date_to))) + f"<td>{len(grp.gaps)}</td></tr>")
        out.append("</table>")
    out += [f"<h2>Knowledge gaps ({len(history.gaps)})</h2>", "<table id=\"gaps\"><tr><th>from</th><th>to</th><th>gap</th><th>agency</th><th>explanation</th><th>sources</th></tr>"]
    for g in history.gaps:
        out.append(f'<tr class="gap"><td class="date">{_e(_d(g.date_from))}</td><td class="date">{_e(_d(g.date_to))}</td><td>{_e(_kind(g.kind))}</td><td>{_e(agency_name(chron, g.agency_id))}</td>'
                   f"<td>{_e(g.explanation)}</td><td>{_e(', '.join(g.evidence))}</td></tr>")
    out.append("</table>")

    m = history.matrix
    out += ["<h2>Who knew what, when</h2>", '<table id="matrix"><tr><th>period</th>' + "".join(f"<th>{_e(agency_name(chron, a))}</th>" for a in m.agencies) + "</tr>"]
    for p in m.periods:
        cells = []
        for a in m.agencies:
            items = m.cell(p, a)
            cls = ' class="gap"' if any(k.status in ("not_told", "told_late") for k in items) else ""
            text = "<br>".join(f'<span class="k-{k.status}">{_e({"recorded": "recorded", "told": "told of", "not_told": "NOT told of", "told_late": "told late of"}[k.status])} {_e(_kind(k.kind))} {_e(_d(k.date))}</span>' for k in items)
            cells.append(f"<td{cls}>{text}</td>")
        out.append(f'<tr><td class="date">{_e(p)}</td>{"".join(cells)}</tr>')
    out.append("</table>")
    out += ['</main><div id="tip" role="tooltip"></div>', f"<script>{JS}</script>", "</body></html>"]
    return "\n".join(out) + "\n"
