"""What the workspace's partnership page costs over one year, and its per-month figures' share of it.

    python benchmarks/partnership_page_speed.py [STORE=generate 20000] [--repeat 3]

STORE: an embedded store to open read-only (e.g. /work/data/c1000000/county.db, never written), or a number
of people to generate and load into a temporary store. Figures, medians of --repeat runs, same run:
- baseline: the three partnership queries alone (partnership_referrals, partnership_shared,
  partnership_unshared_risk), the least any partnership figure costs;
- page: what the page computes (partnership_graph, with its totals and every month's figures, and
  partnership_table);
- months: the per-month and period figures alone (_period_figures over the flows' rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

from graphcase import load_bundle, run_query
from graphcase.maps import Window, partnership_graph
from graphcase.maps.build import partnership_table
from graphcase.maps.extract import _period_figures
from graphcase.stores.ladybug import LadybugStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_seconds  # noqa: E402


def open_store(spec: str, tmp: Path) -> tuple[LadybugStore, dt.date]:
    if not spec.isdigit():
        return LadybugStore(spec, read_only=True), dt.date(2026, 11, 1)
    from graphcase.synthetic.county import generate_county

    _, truth = generate_county(int(spec), seed=7, out_dir=tmp / "county")
    store = LadybugStore(tmp / "county.db")
    store.ensure_schema()
    load_bundle(store, tmp / "county")
    return store, truth.as_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", nargs="?", default="20000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store, as_of = open_store(args.store, Path(tmp))
        window = Window.between(as_of - dt.timedelta(days=365), as_of)
        params = {"from_date": window.events_from, "to_date": window.events_to}

        def queries():
            return [run_query(store, name, params).rows for name in ("partnership_referrals", "partnership_shared", "partnership_unshared_risk")]

        def page():
            g = partnership_graph(store, window=window)
            return g, partnership_table(g)

        base, rows = median_seconds(queries, args.repeat, warm=True)
        full, (g, table) = median_seconds(page, args.repeat)
        flows: dict = {}
        for row in run_query(store, "partnership_referrals", params).records():
            flows.setdefault(("referral", row["from_agency"], row["to_agency"]), []).append(row)
        for row in run_query(store, "partnership_shared", params).records():
            flows.setdefault(("shared", row["from_agency"], row["to_agency"]), []).append(row)
        months, figures = median_seconds(lambda: _period_figures(flows, window), max(args.repeat, 5))
        print(f"store {args.store}, one year to {as_of}: {len(rows[0]):,} referrals, {len(rows[1]):,} shares, "
              f"{len(rows[2]):,} unshared-risk rows, {len(table['byMonth'])} months, {len(table['flows'])} flows")
        print(f"baseline (the three queries): median {base:.3f} s")
        print(f"page (partnership_graph + partnership_table): median {full:.3f} s")
        print(f"months (per-month and period figures alone): median {months * 1000:.1f} ms "
              f"({100 * months / full:.1f}% of the page)")
        assert sum(m["referrals"] for m in table["byMonth"]) == figures["totals"]["referrals"]["count"] == len(rows[0])
        store.close()


if __name__ == "__main__":
    main()
