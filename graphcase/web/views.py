"""The workspace's pages and JSON endpoints. Each one that shows people's data writes one audit entry
(through :func:`graphcase.audit.recorded`, with the signed-in user as ``user``), and a person-level one
asks for the reason first, once per person per session."""

from __future__ import annotations

import datetime as dt
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import jinja2
import pandas as pd
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

from .. import audit
from ..catalogue.findings import run_catalogue, sweep_into_cache
from ..history import build_history, render_history
from ..history.chronology import HistoryError
from ..history.pseudonymise import Pseudonymiser
from ..history.render import as_dict
from ..linkage.find import PersonIndex, find_person
from ..linkage.link import resolved_ids
from ..linkage.records import fetch_person_records
from ..linkage.review import ReviewError, ReviewQueue, review_path_for
from ..linkage.train import LinkageError
from ..maps.build import build_network, partnership_table
from ..maps.extract import MapError, Window, agency_rows, as_map_findings, ego_graph, partnership_graph
from ..maps.leads import lead_evidence
from ..model.restrictions import Viewer
from .sessions import Lockout, Sessions
from .users import User, UserFile, side_file

from ..output.html import json_for_script


HERE = Path(__file__).resolve().parent
PERSON_KINDS = ("child", "adult")


READ_CONNECTIONS = 8  # a read-only embedded store answers this many requests' queries at once

# The warm-up's audit entry: the server itself looks at the county (no person is viewed), so it names the
# server as who and says why. Not a valid account name (it has a space), so no one can sign in as it.
SERVER_USER = "graphcase serve"
WARM_UP_REASON = "warm the findings cache at start"


class FindingsPreparing(Exception):
    """The county's findings are being swept by the warm-up: a page says so rather than wait for minutes."""

    def __init__(self, seconds: float):
        super().__init__(f"The findings are being prepared: the server has been sweeping the county's missed-link "
                         f"catalogue for {seconds:.0f} s since it started (about 4 minutes at a million people). "
                         "Reload this page in a minute to see the leads.")


@dataclass
class Workspace:
    """Everything the app serves from: one open store (read-only, queried by several requests at once through
    a pool of connections), accounts, sessions, and what the store's pages share (the search index, the
    county's leads), built once: the store does not change while the server runs."""

    store: object
    users: UserFile
    secret: bytes
    as_of: dt.date
    https: bool = False
    # Host headers answered: a page elsewhere that rebinds its DNS name to 127.0.0.1 gets 400, not the app
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    sessions: Sessions = None
    lockout: Lockout = None
    # Held only while something shared is first built (the search index, the county sweep of leads), so
    # twenty first requests build it once; audit entries are serialised by the log's own file lock.
    build_lock: threading.Lock = field(default_factory=threading.Lock)
    _person_index: PersonIndex | None = None
    _swept: bool = False
    _sweep_started: float | None = None  # when the warm-up began (monotonic), while it has not finished

    def person_index(self) -> PersonIndex:
        """The search index, built at the first search: the server's store does not change while it runs
        (restart ``graphcase serve`` after a load)."""
        if self._person_index is None:
            with self.build_lock:
                if self._person_index is None:
                    self._person_index = PersonIndex.build(self.store, self.as_of)
        return self._person_index

    @property
    def keeps_a_sweep(self) -> bool:
        """An embedded store's county sweep is made once and kept beside it; a Neo4j store has no folder beside
        it, so each person page runs that person's catalogue instead."""
        return self.store.dialect != "neo4j"

    def start_warm_up(self) -> threading.Thread:
        """Run :meth:`warm_up` in a background thread (``graphcase serve`` does at start). From now until it
        ends, a page that needs the county's findings says they are being prepared instead of waiting."""
        if self.keeps_a_sweep and not self._swept:
            self._sweep_started = time.monotonic()
        thread = threading.Thread(target=self.warm_up, name="graphcase-warm-up", daemon=True)
        thread.start()
        return thread

    def warm_up(self) -> None:
        """Build the search index (about a minute at 1M people), then, on an embedded store, sweep the county's
        findings into the cache beside it (1.5-4 minutes at 1M people, seconds when the cache is fresh) and
        count the agencies' people for the maps (a second at 1M people), so no analyst waits for any of them.
        The sweep is recorded as one audit entry by the server itself (who: ``graphcase serve``, why: warming
        the cache, rows: the findings swept); it shows nobody anything.
        A failure is left for the first search or person page to raise again and show."""
        try:
            self.person_index()
        except Exception:  # noqa: BLE001 - shown by the first search, which builds it again
            pass
        try:
            if self.keeps_a_sweep:
                self._sweep()
        except Exception:  # noqa: BLE001 - the first person page sweeps again and shows the error
            pass
        finally:
            self._sweep_started = None

    def _sweep(self) -> None:
        with self.build_lock:
            if self._swept:
                return
            with audit.recorded(self.store, "links", {"warm_up": True, "as_of": self.as_of}, reason=WARM_UP_REASON,
                                user=SERVER_USER, via="web", one_entry=True) as record:
                record.touch(rows=sweep_into_cache(self.store, self.as_of, self._sweep_cache()))
                agency_rows(self.store, Window.as_of(self.as_of))  # what every map of the server's date counts
            self._swept = True

    def _sweep_cache(self) -> Path:
        return side_file(self.store, ".sweep.json")

    def leads(self, pid: str, viewer: Viewer):
        """The findings touching ``pid``, from the county's sweep (made once, by the warm-up or else the first
        person page, and kept beside an embedded store); a Neo4j store runs the person's catalogue each time.
        Raises :class:`FindingsPreparing` while the warm-up is still sweeping."""
        if not self.keeps_a_sweep:
            return run_catalogue(self.store, self.as_of, person=pid, viewer=viewer)
        if not self._swept:
            started = self._sweep_started
            if started is not None:
                raise FindingsPreparing(time.monotonic() - started)
            with self.build_lock:  # no warm-up running: the first page sweeps, once for twenty requests
                if not self._swept:
                    run = run_catalogue(self.store, self.as_of, person=pid, sweep_cache=self._sweep_cache(), viewer=viewer)
                    self._swept = True
                    return run
        return run_catalogue(self.store, self.as_of, person=pid, sweep_cache=self._sweep_cache(), viewer=viewer)

    @classmethod
    def open(cls, store, *, as_of: dt.date | None = None, https: bool = False, idle_minutes: float = 15, clock=None,
             allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")):
        import time

        from .users import SECRET_SUFFIX, USERS_SUFFIX, session_secret

        clock = clock or time.monotonic
        if getattr(store, "read_only", False) and hasattr(store, "open_pool"):
            store.open_pool(READ_CONNECTIONS)
        return cls(store, UserFile(side_file(store, USERS_SUFFIX)), session_secret(side_file(store, SECRET_SUFFIX)),
                   as_of or dt.date.today(), https, tuple(allowed_hosts), Sessions(idle_minutes * 60, clock), Lockout(clock))

    def close(self) -> None:
        self.store.close()

    @contextmanager
    def audited(self, request: Request, command: str, arguments: dict, reason: str | None):
        user: User = request.state.session.user
        with audit.recorded(self.store, command, {"page": request.url.path, **arguments}, reason=reason,
                            user=user.name, via="web", one_entry=True) as record:
            yield record


TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                               undefined=jinja2.StrictUndefined)
TEMPLATES.filters["q"] = lambda v: quote(str(v), safe="")


def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    session = request.state.session
    data = context.pop("data", None)
    html = TEMPLATES.get_template(template).render(
        user=session.user, csrf=session.csrf, data_json=jinja2.utils.markupsafe.Markup(json_for_script(data)) if data is not None else None,
        **context)
    return HTMLResponse(html, status_code=status)


def ws(request: Request) -> Workspace:
    return request.app.state.workspace


def viewer(request: Request) -> Viewer:
    """The signed-in user as the restricted-records rule sees them: their role and agency."""
    user: User = request.state.session.user
    return Viewer(user.name, user.role, user.agency)


def _date(text: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme): the reason form cannot send anyone elsewhere."""
    return target if target and target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _reason_for(request: Request, person_id: str) -> str | None:
    return request.state.session.reasons.get(person_id)


def _ask_reason(request: Request, person_id: str) -> Response:
    return RedirectResponse("/reason?" + urlencode({"person": person_id, "next": request.url.path + ("?" + request.url.query if request.url.query else "")}), status_code=303)


def _fail(request: Request, message: str, status: int = 400) -> HTMLResponse:
    return page(request, "error.html", status=status, message=message)


# -- sign-in -------------------------------------------------------------------------------------------
def login(request: Request):
    return page(request, "login.html", error=None, expired=request.query_params.get("expired") == "1")


def login_submit(request: Request):
    w, form = ws(request), request.state.form
    name, password = str(form.get("username", "")), str(form.get("password", ""))
    if w.lockout.locked(name):
        return page(request, "login.html", status=429, expired=False,
                    error="Too many failed sign-ins for this name: try again in 15 minutes, or ask an administrator.")
    user = w.users.authenticate(name, password)
    if user is None:
        w.lockout.failed(name)
        return page(request, "login.html", status=401, expired=False, error="Wrong name or password.")
    w.lockout.succeeded(name)
    w.sessions.end(request.session)  # a fresh session id at sign-in (no session fixation)
    w.sessions.new(request.session).user = user
    return RedirectResponse("/", status_code=303)


def logout(request: Request):
    ws(request).sessions.end(request.session)
    return RedirectResponse("/login", status_code=303)


def home(request: Request):
    return page(request, "home.html")


# -- search --------------------------------------------------------------------------------------------
def _record_rows(frame: pd.DataFrame, linked: dict[str, str]) -> list[dict]:
    return [{"record_id": r.id, "agency": r.source_agency, "source_record": r.source_record,
             "name": " ".join(str(v) for v in (r.given_name, r.family_name) if isinstance(v, str) and v),
             "dob": "" if pd.isna(r.dob) else str(r.dob), "postcode": "" if pd.isna(r.postcode) else str(r.postcode),
             "probability": None, "comparison": "", "linked_as": linked.get(r.id, "")}
            for r in frame.itertuples()]


def search(request: Request):
    w, q, session = ws(request), request.query_params, request.state.session
    terms = {k: q.get(k, "").strip() for k in ("name", "dob", "postcode", "record_id")}
    reason = q.get("reason", "").strip() or session.search_reason
    if not any(terms.values()):
        return page(request, "search.html", terms=terms, reason=reason, hits=None, error=None)
    if not reason:
        return page(request, "search.html", status=400, terms=terms, reason="", hits=None,
                    error="Give the reason for this search (the referral number or why), for the audit log.")
    session.search_reason = reason
    with w.audited(request, "find", {k: v for k, v in terms.items() if v}, reason) as record:
        if terms["name"]:
            try:
                found = find_person(w.store, terms["name"], dob=terms["dob"] or None, postcode=terms["postcode"] or None,
                                    as_of=w.as_of, index=w.person_index())
            except LinkageError as exc:
                return page(request, "search.html", status=400, terms=terms, reason=reason, hits=None, error=str(exc))
            hits = [{"record_id": h.record_id, "agency": h.agency, "source_record": "", "name": h.name, "dob": h.dob or "",
                     "postcode": h.postcode or "", "probability": h.probability, "comparison": h.comparison,
                     "linked_as": h.resolved_id or ""} for h in found]
        else:
            frame = fetch_person_records(w.store, w.as_of)
            if not frame.empty:
                keep = pd.Series(True, index=frame.index)
                if terms["record_id"]:
                    keep &= (frame["id"] == terms["record_id"]) | (frame["source_record"] == terms["record_id"])
                if terms["dob"]:
                    keep &= frame["dob"].astype(str).str.startswith(terms["dob"])
                if terms["postcode"]:
                    squash = lambda s: s.astype(str).str.replace(" ", "").str.upper()  # noqa: E731
                    keep &= squash(frame["postcode"].fillna("")) == terms["postcode"].replace(" ", "").upper()
                frame = frame[keep].head(50)
            hits = _record_rows(frame, resolved_ids(w.store)) if not frame.empty else []
        record.touch(people=[h["record_id"] for h in hits], rows=len(hits))
    groups: dict[str, list[str]] = {}
    for h in hits:
        if h["linked_as"]:
            groups.setdefault(h["linked_as"], []).append(h["record_id"])
    return page(request, "search.html", terms=terms, reason=reason, hits=hits, groups=groups, error=None)


# -- the reason for a look -----------------------------------------------------------------------------
def reason(request: Request):
    q = request.query_params
    return page(request, "reason.html", person=q.get("person", ""), next=_safe_next(q.get("next")), error=None)


def reason_submit(request: Request):
    form = request.state.form
    person, why, target = str(form.get("person", "")), str(form.get("reason", "")).strip(), _safe_next(str(form.get("next", "")))
    if not person or not why:
        return page(request, "reason.html", status=400, person=person, next=target,
                    error="Say why you are opening this record: a referral number or a few words.")
    request.state.session.reasons[person] = why
    return RedirectResponse(target, status_code=303)


# -- the case view -------------------------------------------------------------------------------------
def person(request: Request):
    w, pid = ws(request), request.path_params["pid"]
    why = _reason_for(request, pid)
    if why is None:
        return _ask_reason(request, pid)
    with w.audited(request, "person", {"person": pid}, why) as record:
        try:
            history = build_history(w.store, pid, hops=1, as_of=w.as_of, viewer=viewer(request))
        except HistoryError as exc:
            return _fail(request, str(exc), 404)
        try:
            leads, preparing = w.leads(pid, viewer(request)).findings, None
        except FindingsPreparing as exc:
            leads, preparing = [], str(exc)
        record.touch(people=[pid])
    chron = history.chronology
    by_agency: dict[str, list] = {}
    for r in chron.records:
        by_agency.setdefault(r.agency.name, []).append(r)
    people = sorted(chron.people.values(), key=lambda p: (p.hop, p.id))
    return page(request, "person.html", pid=pid, child=chron.child, people=people, by_agency=by_agency,
                relation=chron.relation_text, leads=leads, preparing=preparing, as_of=w.as_of, withheld=chron.withheld)


# -- the network ---------------------------------------------------------------------------------------
def _network_json(g) -> dict:
    _, data = build_network(g)
    rels = sorted({e.get("rel", "") for e in data["edges"]} - {""})
    return {"nodes": data["nodes"], "edges": data["edges"], "options": data["options"], "legend": data["legend"],
            "findings": data["findings"], "relationships": rels}


def _people_in(g) -> list[str]:
    return [n for n, d in g.nodes(data=True) if d.get("kind") in PERSON_KINDS]


def _drawn_findings(request: Request, pid: str, as_of: dt.date) -> list:
    """The leads to draw on ``pid``'s map: the county's sweep as of the server's date (as the case view lists
    them); none on a map of another date (each would cost a county sweep) or while the sweep is prepared."""
    if as_of != ws(request).as_of:
        return []
    try:
        run = ws(request).leads(pid, viewer(request))
    except FindingsPreparing:
        return []
    return [m for f in sorted(run.findings, key=lambda f: (f.pattern, f.id)) for m in as_map_findings(f)]


def _ego(request: Request, pid: str, as_of: dt.date, hops: int, node: str | None = None) -> dict:
    """The map around ``node`` (default: the person ``pid`` whose page this is, whose reason covers it)."""
    w = ws(request)
    arguments = {"person": pid, "as_of": as_of, "hops": hops} | ({"expand": node} if node else {})
    with w.audited(request, "map", arguments, _reason_for(request, pid)) as record:
        # An expansion adds people and links; the leads were drawn with the person's own map.
        g = ego_graph(w.store, node or pid, hops=hops, window=Window.as_of(as_of),
                      findings=[] if node else _drawn_findings(request, pid, as_of), viewer=viewer(request))
        record.touch(people=_people_in(g), rows=len(g))
    return _network_json(g)


def network(request: Request):
    w, pid = ws(request), request.path_params["pid"]
    if _reason_for(request, pid) is None:
        return _ask_reason(request, pid)
    as_of = _date(request.query_params.get("as_of"), w.as_of)
    try:
        data = _ego(request, pid, as_of, hops=1)
    except MapError as exc:
        return _fail(request, str(exc), 404)
    data.update(person=pid, asOf=as_of.isoformat(), end=w.as_of.isoformat(), start=(w.as_of - dt.timedelta(days=365 * 10)).isoformat())
    return page(request, "network.html", pid=pid, data=data)


def network_data(request: Request):
    w, pid = ws(request), request.path_params["pid"]
    if _reason_for(request, pid) is None:
        return JSONResponse({"error": "give the reason for opening this person first"}, status_code=403)
    try:
        return JSONResponse(_ego(request, pid, _date(request.query_params.get("as_of"), w.as_of), hops=1))
    except MapError as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)


def network_expand(request: Request):
    """The neighbours of one node on ``pid``'s map (one person link out), to add to the map in the browser."""
    w, pid, q = ws(request), request.path_params["pid"], request.query_params
    if _reason_for(request, pid) is None:
        return JSONResponse({"error": "give the reason for opening this person first"}, status_code=403)
    node = q.get("node", "")
    try:
        return JSONResponse(_ego(request, pid, _date(q.get("as_of"), w.as_of), hops=1, node=node) | {"expanded": node})
    except MapError as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)


def network_leads(request: Request):
    """The leads about ``pid`` (the catalogue's, as the case view lists them) with each one's evidence path,
    and the map nodes and edges of that evidence, for the network page to highlight a chosen lead."""
    w, pid = ws(request), request.path_params["pid"]
    why = _reason_for(request, pid)
    if why is None:
        return JSONResponse({"error": "give the reason for opening this person first"}, status_code=403)
    with w.audited(request, "links", {"person": pid, "as_of": w.as_of}, why) as record:
        try:
            run = w.leads(pid, viewer(request))
        except FindingsPreparing as exc:
            return JSONResponse({"error": str(exc)}, status_code=503, headers={"retry-after": "60"})
        try:
            data = lead_evidence(w.store, run.findings, as_of=w.as_of, viewer=viewer(request))
        except MapError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        record.touch(people=[pid, *sorted({p for f in run.findings for p in f.people})], rows=len(data["leads"]))
    return JSONResponse(data)


# -- the chronology ------------------------------------------------------------------------------------
def _history(request: Request, pid: str, pseudonymised: bool):
    w = ws(request)
    pseudonymiser = None
    if pseudonymised:  # one key per store, so a reviewer's exports keep the same pseudonyms
        key = side_file(w.store, ".web-pseudonyms.json")
        pseudonymiser = Pseudonymiser.from_key_file(key, scrub_free_text=True)
    history = build_history(w.store, pid, hops=1, as_of=w.as_of, pseudonymiser=pseudonymiser, viewer=viewer(request))
    if pseudonymiser is not None:
        from ..files import atomic_write_text

        tmp = key.with_name(key.name + ".new")
        pseudonymiser.key.save(tmp)
        atomic_write_text(key, tmp.read_text(encoding="utf-8"))
        tmp.unlink()
    return history


def chronology(request: Request):
    w, pid, q = ws(request), request.path_params["pid"], request.query_params
    why = _reason_for(request, pid)
    if why is None:
        return _ask_reason(request, pid)
    agency, kind = q.get("agency", ""), q.get("kind", "")
    with w.audited(request, "history", {"person": pid, "agency": agency, "kind": kind}, why) as record:
        try:
            history = _history(request, pid, pseudonymised=False)
        except HistoryError as exc:
            return _fail(request, str(exc), 404)
        doc = as_dict(history)
        agencies = {a["id"]: a["name"] for a in doc["agencies"]}
        rows = [e for e in doc["chronology"] if (not agency or e["recorded_by"] == agency) and (not kind or e["kind"] == kind)]
        record.touch(rows=len(rows))
    kinds = sorted({e["kind"] for e in doc["chronology"]})
    return page(request, "chronology.html", pid=pid, doc=doc, rows=rows, agencies=agencies, kinds=kinds, agency=agency, kind=kind,
                reviewer=request.state.session.user.role == "reviewer")


EXPORTS = {"markdown": ("text/markdown", "md"), "csv": ("text/csv", "csv"), "html": ("text/html", "html")}


def chronology_export(request: Request):
    w, pid, q = ws(request), request.path_params["pid"], request.query_params
    why = _reason_for(request, pid)
    if why is None:
        return _ask_reason(request, pid)
    fmt, pseudonymised = q.get("format", "markdown"), q.get("pseudonymised") == "1"
    if fmt not in EXPORTS:
        return _fail(request, f"export format {fmt!r}: choose markdown, csv or html")
    if request.state.session.user.role == "reviewer" and not pseudonymised:
        return PlainTextResponse("Forbidden: reviewers export pseudonymised chronologies only.", status_code=403)
    with w.audited(request, "export", {"person": pid, "format": fmt, "pseudonymised": pseudonymised}, why) as record:
        history = _history(request, pid, pseudonymised)
        text = render_history(history, fmt)
        record.touch(rows=len(history.chronology.entries))
    media, ext = EXPORTS[fmt]
    name = f"chronology-{'pseudonymised' if pseudonymised else pid.replace(':', '-')}.{ext}"
    return Response(text, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


# -- linkage review ------------------------------------------------------------------------------------
def review_queue(request: Request):
    w = ws(request)
    reason_text = request.query_params.get("reason", "").strip() or request.state.session.search_reason
    if not reason_text:
        return page(request, "review.html", items=None, error=None)
    request.state.session.search_reason = reason_text
    with w.audited(request, "review", {"list": True}, reason_text) as record:
        try:
            items = ReviewQueue.open(review_path_for(w.store)).pending()
        except ReviewError as exc:
            return _fail(request, str(exc), 500)
        record.touch(people=[i["a"] for i in items] + [i["b"] for i in items], rows=len(items))
    return page(request, "review.html", items=items, error=None)


def review_decide(request: Request):
    w, form = ws(request), request.state.form
    decision, why = str(form.get("decision", "")), str(form.get("reason", "")).strip()
    item_id = int(request.path_params["item"])
    if not why:
        return _fail(request, "Give the reason for this decision.")
    with w.audited(request, "review", {"item": item_id, "decision": decision}, why) as record:
        try:
            queue = ReviewQueue.open(review_path_for(w.store))
            item = queue.decide(item_id, decision, why, request.state.session.user.name)
            queue.save()
        except ReviewError as exc:
            return _fail(request, str(exc))
        record.touch(people=[item["a"], item["b"]], rows=1)
    return RedirectResponse("/review", status_code=303)


# -- the partnership: figures, no people ---------------------------------------------------------------
def partnership(request: Request):
    w, q = ws(request), request.query_params
    end = _date(q.get("to"), w.as_of)
    start = _date(q.get("from"), end - dt.timedelta(days=365))
    if start > end:
        return _fail(request, f"the period starts ({start}) after it ends ({end})")
    with w.audited(request, "partnership", {"from": start, "to": end}, None) as record:
        g = partnership_graph(w.store, window=Window.between(start, end))
        figures = partnership_table(g)
        record.touch(rows=len(figures["flows"]))
    totals = g.graph["totals"]
    never_told = [a for a in figures["agencies"] if a["neverTold"]]
    most = max([1] + [max(m["referrals"], m["shared"]) for m in figures["byMonth"]])
    return page(request, "partnership.html", start=start, end=end, figures=figures, totals=totals, never_told=never_told,
                bar_scale=120 / most)


# -- the audit log, for administrators -----------------------------------------------------------------
def _audit_entries(request: Request, command: str):
    w, q = ws(request), request.query_params
    who, about = q.get("user", "").strip(), q.get("person", "").strip()
    with w.audited(request, command, {"user": who, "person": about}, None) as record:
        log, _ = audit.locate(w.store)
        entries = [e for e in audit.read_log(log.path) if e.get("phase") in ("end", "view")
                   and (not who or who in (e.get("user"), e.get("claimed_user"), e.get("os_account")))
                   and (not about or about in (e.get("people") or []))]
        record.touch(rows=len(entries))
    return log, entries, who, about


def audit_log(request: Request):
    log, entries, who, about = _audit_entries(request, "audit view")
    return page(request, "audit.html", entries=entries[-500:][::-1], who=who, about=about, verdict=log.verify())


AUDIT_COLUMNS = ["seq", "at", "user", "os_account", "claimed_user", "via", "command", "arguments", "reason", "outcome",
                 "message", "rows", "people", "findings", "hash"]


def audit_export(request: Request):
    """The filtered audit entries as CSV (formula-safe), for an information-governance request."""
    import io
    import json

    from ..output.csvsafe import SafeWriter

    _, entries, _, _ = _audit_entries(request, "audit export")
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(AUDIT_COLUMNS)
    writer.writerows([json.dumps(e.get(c), ensure_ascii=False) if isinstance(e.get(c), (dict, list)) else e.get(c)
                      for c in AUDIT_COLUMNS] for e in entries)
    return Response(out.getvalue(), media_type="text/csv", headers={"content-disposition": 'attachment; filename="graphcase-audit.csv"'})


GET, POST = ["GET"], ["POST"]
ROUTES = [
    ("/login", "login", login, GET),
    ("/login", "login_submit", login_submit, POST),
    ("/logout", "logout", logout, POST),
    ("/", "home", home, GET),
    ("/search", "search", search, GET),
    ("/reason", "reason", reason, GET),
    ("/reason", "reason_submit", reason_submit, POST),
    ("/person/{pid}", "person", person, GET),
    ("/person/{pid}/network", "network", network, GET),
    ("/api/network/{pid}", "network_data", network_data, GET),
    ("/api/network/{pid}/expand", "network_expand", network_expand, GET),
    ("/api/network/{pid}/leads", "network_leads", network_leads, GET),
    ("/person/{pid}/chronology", "chronology", chronology, GET),
    ("/person/{pid}/chronology/export", "chronology_export", chronology_export, GET),
    ("/review", "review_queue", review_queue, GET),
    ("/review/{item:int}", "review_decide", review_decide, POST),
    ("/partnership", "partnership", partnership, GET),
    ("/admin/audit", "audit_log", audit_log, GET),
    ("/admin/audit.csv", "audit_export", audit_export, GET),
]
