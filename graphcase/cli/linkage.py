"""``graphcase link-records`` and ``graphcase review``: record linkage from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..output import fail
from ..output.terminal import plain
from ..stores import StoreError


@click.command("link-records")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=0.95, show_default=True, help="Link pairs at or above this match probability.")
@click.option("--review-band", nargs=2, type=click.FloatRange(0, 1, min_open=True), default=(0.50, 0.95), show_default=True, metavar="LOW HIGH", help="Queue undecided pairs with LOW <= probability < HIGH for a person to review.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Read current addresses at this date [default: today].")
@click.option("--retrain", is_flag=True, help="Train a new model even if one is saved beside the store.")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Model file [default: <db>.linkage-model.json].")
@click.pass_obj
def link_records_command(opts, threshold, review_band, as_of, retrain, model_path):
    """Find person records that are the same person across agencies (Splink) and link them with SAME_AS.

    Parameters are trained without labels on the first run (or with --retrain) and saved beside the store.
    Human review decisions are respected: a rejected pair is never linked, an accepted one always is.
    """
    from ..linkage import LinkageError, link_records
    from ..linkage.review import ReviewError

    try:
        with opts.open() as store:
            report = link_records(
                store,
                as_of=as_of.date() if as_of else None,
                threshold=threshold,
                review_band=tuple(review_band),
                model_path=model_path,
                retrain=retrain,
            )
    except (LinkageError, ReviewError, StoreError) as exc:
        fail(str(exc))
    from ..catalogue.wording import probability
    from ..output import print_table

    for pair in report.pairs:  # every pair linked or queued, both records side by side
        print_table(["", "record A", "record B"], _side_by_side(pair),
                    title=f"{pair['decision']} (probability {probability(pair['probability'])})")
    click.echo(report.summary())


def _review_path(opts) -> Path:
    from ..linkage.review import REVIEW_SUFFIX
    from ..stores import DEFAULT_DB

    if opts.neo4j:
        return Path(f"graphcase{REVIEW_SUFFIX}")
    import os

    return Path(f"{opts.db or os.environ.get('GRAPHCASE_DB') or DEFAULT_DB}{REVIEW_SUFFIX}")


def _side_by_side(item: dict) -> list[list[str]]:
    a, b = item["records"]
    return [[field, a.get(field) or "", b.get(field) or ""] for field in a]


@click.group("review", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Also list decided pairs.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def review(ctx, show_all, fmt):
    """List pairs waiting for a human decision, both records side by side with the model's reasons."""
    if ctx.invoked_subcommand:
        return
    from ..linkage.review import ReviewError, ReviewQueue
    from ..output import print_table

    ctx.obj.begin_audit()
    try:
        queue = ReviewQueue.open(_review_path(ctx.obj))
    except ReviewError as exc:
        fail(str(exc))
    items = queue.all() if show_all else queue.pending()
    if ctx.obj.audit and ctx.obj.audit.record:
        ctx.obj.audit.record.touch(people=[i[side] for i in items for side in ("a", "b")], rows=len(items))
    if fmt == "json":
        click.echo(json.dumps(items, indent=1, ensure_ascii=False))
        return
    if not items:
        click.echo(f"no pairs waiting for review in {queue.path}")
        return
    for item in items:
        status = item["status"]
        if status != "pending":
            status += f" by {item['decided_by']} at {item['decided_at']}: {item['reason']}"
        print_table(
            ["field", item["a"], item["b"]],
            _side_by_side(item),
            title=f"review {item['id']}: probability {item['probability']:.3f}, match weight {item['match_weight']:.1f} ({status})",
        )
        click.echo("reasons: " + plain(item["explanation"]).replace("; ", "\n         "))
        click.echo("")
    click.echo("decide with: graphcase review accept|reject ID --reason TEXT")


def _decide(ctx, item_id: int, decision: str, reason: str):
    from ..linkage.review import ReviewError, decide

    if ctx.obj.audit and not ctx.obj.audit.reason:
        ctx.obj.audit.reason = reason  # the decision's reason is the reason for looking
    ctx.obj.begin_audit()
    try:
        item = decide(_review_path(ctx.obj), item_id, decision, reason)
    except ReviewError as exc:
        fail(str(exc))
    if ctx.obj.audit and ctx.obj.audit.record:
        ctx.obj.audit.record.touch(people=[item["a"], item["b"]], rows=1)
    click.echo(plain(
        f"review {item['id']} ({item['a']} / {item['b']}): {decision} by {item['decided_by']} at {item['decided_at']}; "
        "takes effect on the next 'graphcase link-records'"
    ))


@review.command("accept")
@click.argument("item_id", type=int)
@click.option("--reason", required=True, help="Why these two records are the same person.")
@click.pass_context
def accept(ctx, item_id, reason):
    """Accept review item ITEM_ID: the pair will always be linked."""
    _decide(ctx, item_id, "accepted", reason)


@review.command("reject")
@click.argument("item_id", type=int)
@click.option("--reason", required=True, help="Why these two records are different people.")
@click.pass_context
def reject(ctx, item_id, reason):
    """Reject review item ITEM_ID: the pair will never be linked."""
    _decide(ctx, item_id, "rejected", reason)
