"""Write the generated documentation from the code and from real runs of the ``graphcase`` command.

    python docs/generate.py           # rewrite the generated files
    python docs/generate.py --check   # exit 1 if a checked-in file differs from what the code gives now

Generated:

- ``docs/commands.md``: every command's ``--help`` (found by walking the click command tree, so a new command
  appears without anyone remembering to add it), and worked examples run for real, one process per command, in a
  fresh temporary folder holding a copy of ``fixtures/sample``;
- the README's five-minute tour (between ``<!-- tour:start -->`` and ``<!-- tour:end -->``), from the same runs;
- ``docs/reference/catalogue.md``: the missed-link catalogue, from the headers of ``cypher/**/*.cypher``;
- ``docs/guides/walkthrough.md``: one scenario from the library (``fixtures/scenarios/invisible_men_baby``) taken
  end to end as an analyst would (find, links, explain, history, map), run for real in its own folder;
- the bundle reference in ``docs/reference/bundle.md`` (between ``<!-- bundle-reference:start/end -->``), from the
  Frictionless schemas.

The check compares after ``normalise``, which blanks only what changes from run to run by nature: the temporary
folder, durations, clock times and the load ids made from them. Everything else must match byte for byte, so a
change of behaviour or output shows up as a failing check (``tests/test_docs.py``) until this script is re-run.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
COMMANDS_MD = DOCS / "commands.md"
CATALOGUE_MD = DOCS / "reference" / "catalogue.md"
BUNDLE_MD = DOCS / "reference" / "bundle.md"
README = ROOT / "README.md"
WALKTHROUGH_MD = DOCS / "guides" / "walkthrough.md"

WIDTH = "100"  # terminal width for click's help and rich's tables, so the output does not depend on the terminal
WORK_SHOWN_AS = "~/case-work"  # how the temporary working folder is printed in the docs
AS_OF = "2026-11-01"  # every example reads the sample at one date, so no output depends on today's date

BUNDLE_START, BUNDLE_END = "<!-- bundle-reference:start -->", "<!-- bundle-reference:end -->"
TOUR_START, TOUR_END = "<!-- tour:start -->", "<!-- tour:end -->"

# ---------------------------------------------------------------------------------------------------------------
# What may differ between two runs of the same commands on the same data.

_VOLATILE = [
    (re.compile(r"\b\d{8}T\d{6}-[0-9a-f]{8}\b"), "<load-id>"),  # load ids: UTC start time + random suffix
    (re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:\+00:00|Z)?"), "<time>"),  # clock times
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),  # audit hashes chain over entry times
    (re.compile(r"\b\d+:\d{2}:\d{2}\b"), "<elapsed>"),  # progress bars' elapsed time
    (re.compile(r"\b\d+(?:\.\d+)? ?(?:s|ms)\b"), "<duration>"),  # 0.52 s, 41.4 ms
    (re.compile(r"(│ \d+ +│ )\d+\.\d{3}( +│)$", re.M), r"\1<seconds>\2"),  # the 'seconds' column of links' summary
]


def normalise(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


# ---------------------------------------------------------------------------------------------------------------
# The commands and examples.


@dataclass
class Run:
    """One command line as a user types it, run for real; ``exit_code`` is what it must exit with."""

    line: str
    exit_code: int = 0
    max_lines: int | None = None  # show only the first lines (the page says how many were left out)


@dataclass
class Show:
    """Show a file the commands wrote, as ``head``/``tail`` would."""

    line: str  # the shell line shown, e.g. "tail -1 graphcase.db.audit.jsonl"
    path: str  # glob inside the working folder
    first: int | None = None
    last: int | None = None


@dataclass
class Example:
    title: str
    text: str
    steps: list = field(default_factory=list)


@dataclass
class Section:
    command: str  # the command path, e.g. "load" or "review accept"; help of every sub-command follows it
    text: str
    examples: list[Example] = field(default_factory=list)


SECTIONS = [
    Section(
        "",
        "Global options go before the command: `--db FILE` (the embedded store, default `./graphcase.db`, env "
        "`GRAPHCASE_DB`), `--neo4j URI` (env `GRAPHCASE_NEO4J_URI`), `--neo4j-database NAME`, `--batch-size N` "
        "(Neo4j rows per UNWIND batch), and `--user` / `--reason` for the audit log. Every command has `--help`.",
    ),
    Section(
        "init",
        "Creates an empty store with the schema: node and relationship tables on LadybugDB; uniqueness "
        "constraints and indexes on Neo4j. `load` does this itself, so `init` is only needed to start empty.",
        [Example("", "", [Run("graphcase init")])],
    ),
    Section(
        "load",
        "Validates the bundle and writes the accepted rows in **one transaction**: all of them land or none do, "
        "and a killed process leaves the store as it was. Only new and changed rows are written, so loading the "
        "same bundle twice changes nothing, and a newer extract from an agency updates its records in place. "
        "Without `--allow-rejects`, nothing is written when any row is rejected and the exit code is 2; the "
        "reject report (file, row, field, reason, value) goes beside the store, `<db>.rejects-<load id>.csv`, or to "
        "`--rejects FILE`; like every file graphcase writes it is private (0600), and a value a spreadsheet would run "
        "as a formula is written with a leading `'` ([Security](security.md#outputs-and-files)). "
        "Identical repeated rows are kept once and counted. `--max-file-size`, `--max-field-size` and `--date-range` "
        "set the limits on input ([Security: bad input](security.md#bad-input)). `--quiet` hides the progress bar.",
        [
            Example("The sample bundle", "", [Run("graphcase load fixtures/sample --quiet")]),
            Example("Loading it again writes nothing", "", [Run("graphcase load fixtures/sample --quiet")]),
            Example(
                "A newer extract with one more record",
                "`police-update/` holds one `people.csv` row: the police's record of a Lee Brown with another "
                "date of birth than probation's. References to agencies already in the store are accepted.",
                [Run("graphcase load police-update --quiet")],
            ),
            Example(
                "A bad row",
                "`bad-bundle/` is the sample with one impossible date of birth. Nothing is loaded, the exit code "
                "is 2, and the reject report names file, row (the CSV line, header = 1), field, reason and value.",
                [Run("graphcase load bad-bundle --quiet", exit_code=2), Show("head -2 graphcase.db.rejects-*.csv", "graphcase.db.rejects-*.csv", first=2)],
            ),
        ],
    ),
    Section(
        "stats",
        "Counts by node label and relationship type, and the people known to each agency (`--format json` for "
        "scripts).",
        [Example("", "", [Run("graphcase stats")])],
    ),
    Section(
        "queries",
        "Lists the query catalogue: every `.cypher` file under `cypher/` with its parameters (`--format json` "
        "for the full headers: description, columns, why it matters). The [catalogue reference]"
        "(reference/catalogue.md) is generated from the same headers.",
        [Example("", "", [Run("graphcase queries")])],
    ),
    Section(
        "run",
        "Runs one catalogue query. Parameters are typed by the query's header (`date`, `int`, `float`, `str`, "
        "`bool`, `list[str]` as `a,b,c`); an unknown parameter or a bad value is an error naming it. Wide results "
        "print one block per row; `--format csv|json` for other programs.",
        [
            Example("", "", [Run(f"graphcase run probation_adult_child_unknown_to_csc -p as_of={AS_OF}")]),
            Example(
                "A bad parameter",
                "",
                [Run("graphcase run cumulative_harm -p as_of=2026-11-01 -p min_count=three", exit_code=1)],
            ),
        ],
    ),
    Section(
        "cypher",
        "Ad-hoc Cypher, **read-only**: the embedded store is opened read-only and Neo4j runs it in a READ "
        "transaction, so the database itself refuses any write (exit code 3). Values go in as parameters "
        "(`-p name=value`, `$name` in the query).",
        [
            Example(
                "",
                "",
                [
                    Run(
                        "graphcase cypher \"MATCH (p:Person)-[k:KNOWN_TO]->(a:Agency {kind: 'probation'}) "
                        'RETURN p.id AS person, k.record_id AS record, k.since AS since ORDER BY person"'
                    ),
                    Run("graphcase cypher \"MATCH (p:Person) SET p.family_name = 'X'\"", exit_code=3),
                ],
            )
        ],
    ),
    Section(
        "links",
        "Runs the [missed-link catalogue](reference/catalogue.md): every pattern (or `--pattern NAME`, "
        "repeatable) over the whole store, or the findings touching one person's network (`--person ID`: two "
        "steps of current relationships, shared current homes and SAME_AS). Findings are grouped from the query "
        "rows, each with a stable id, a plain-English explanation and its evidence; they are saved beside the "
        "database (`<db>.findings.json`) for `explain`. The last county sweep is kept too (`<db>.sweep.json`), so "
        "`--person` filters it in milliseconds while the data and the date are unchanged.",
        [
            Example("The whole store", "", [Run(f"graphcase links --as-of {AS_OF}")]),
            Example(
                "One person's network, as CSV",
                "",
                [Run(f"graphcase links --as-of {AS_OF} --person gp:AKHAN --format csv")],
            ),
        ],
    ),
    Section(
        "explain",
        "Prints the evidence of one finding from the last `links` run: the path of nodes and relationships and "
        "the `agency:record` of every fact. It reads the saved findings, so the analyst sees exactly what the "
        "list showed even after a re-load changed the data; `--rerun` runs the catalogue again at the saved "
        "date and says whether the finding still stands.",
        [Example("", "", [Run("graphcase explain F-c6db4f4866a8"), Run("graphcase explain F-c6db4f4866a8 --rerun", max_lines=2)])],
    ),
    Section(
        "find",
        "Start from a name, not a record id: every person record across agencies that may be this person, best "
        "first, scored by the record-linkage model's own comparisons (misspelt and sound-alike names, transposed "
        "day and month of birth). The probability is printed as computed; `linked as` names a SAME_AS cluster.",
        [Example("", "", [Run('graphcase find "Jon Smyth" --dob 1990')])],
    ),
    Section(
        "history",
        "The cross-agency chronology of a child for a reviewer: every event about the child and the people "
        "around them, which agencies were told, which agencies working with the child were not, the knowledge "
        "gaps, and who knew what, when. Every line cites its source record. See the "
        "[reviewer's guide](guides/reviewer.md).",
        [
            Example("", "", [Run(f"graphcase history gp:TWARD --to {AS_OF} --format markdown")]),
            Example(
                "Pseudonymised for publication",
                "Names, ids and addresses become stable labels (`Child A`, `Adult B`, `Address 1`, `Record 5`); "
                "`--key-file` keeps them the same across every file of a review.",
                [Run(f"graphcase history gp:TWARD --to {AS_OF} --format markdown --pseudonymise", max_lines=12)],
            ),
        ],
    ),
    Section(
        "map",
        "Interactive network maps, each one self-contained HTML file that opens offline: the network around a "
        "child, every finding of the catalogue, or the partnership's information flows. See the "
        "[partnership lead's guide](guides/partnership-lead.md).",
        [
            Example(
                "",
                "",
                [
                    Run(f"graphcase map gp:TWARD --hops 2 --as-of {AS_OF} -o tyler.html"),
                    Run(f"graphcase map --findings --as-of {AS_OF} -o findings.html"),
                    Run(f"graphcase map --findings --pattern hidden_men --as-of {AS_OF} -o hidden-men.html"),
                    Run("graphcase map --partnership --from 2025-01-01 --to 2026-11-01 -o partnership.html"),
                ],
            ),
            Example(
                "Errors name the bad input",
                "",
                [
                    Run("graphcase map gp:NOPE -o x.html", exit_code=1),
                    Run("graphcase map --partnership --from 2026-01-01 --to 2025-01-01 -o x.html", exit_code=1),
                    Run("graphcase map --findings gp:TWARD -o x.html", exit_code=2),
                ],
            ),
        ],
    ),
    Section(
        "link-records",
        "Finds the person records that are one person across agencies (Splink), links them with `SAME_AS` "
        "carrying the probability and the reasons, and gives each cluster a stable resolved id. Pairs the model "
        "is unsure about wait for a person in the review queue. The model is trained on the first run (not below "
        "1,000 records: the sample is scored with the stated priors) and saved beside the store. See "
        "[record linkage](reference/record-linkage.md).",
        [
            Example(
                "",
                "On the sample plus the extra police record loaded above: the police's Jon Smith and the GP's "
                "Jonathan Smyth are linked; the two Lee Browns wait for review.",
                [Run(f"graphcase link-records --as-of {AS_OF}")],
            ),
            Example(
                "The finding that exists only through a linkage",
                "",
                [Run(f"graphcase run linked_records_risk -p as_of={AS_OF} --format json")],
            ),
        ],
    ),
    Section(
        "review",
        "The review queue: each pair side by side with the reasons for and against (each comparison's match "
        "weight in bits). Who decides is `--user` / `GRAPHCASE_USER`, else the login name. A rejected pair is never "
        "linked again, whatever the threshold; an accepted one always is. Decisions take effect on the next "
        "`link-records`.",
        [
            Example(
                "",
                "",
                [
                    Run("graphcase review"),
                    Run('graphcase review reject 1 --reason "PNC: different men, different dob"'),
                    Run(f"graphcase link-records --as-of {AS_OF} --threshold 0.5 --review-band 0.3 0.5"),
                ],
            )
        ],
    ),
    Section(
        "fixtures generate",
        "Writes a synthetic county: a background population plus planted hits and near-misses of every pattern, "
        "with `ground_truth.json` listing them. The same seed gives byte-identical files. See the "
        "[synthetic county](reference/synthetic-county.md).",
        [Example("", "", [Run("graphcase fixtures generate --people 2000 --seed 7 county/")])],
    ),
    Section(
        "demo",
        "End to end with no server: generates a synthetic county, loads it into a fresh embedded store in the "
        "output folder, links records, runs the catalogue (scored against the generator's ground truth), and "
        "writes query rows, findings, a chronology and maps. The default is 5,000 people (about a minute); here "
        "1,000.",
        [Example("", "", [Run("graphcase demo --people 1000 --out demo")])],
    ),
    Section(
        "users",
        "Accounts of the web workspace (`graphcase serve`), kept in `<db>.users.json` beside the store (0600) with "
        "argon2id password hashes. The password comes from a prompt, or with `--password-stdin` from the first "
        "line of standard input, never from the command line. Roles: analyst, reviewer, lead, admin; every user "
        "belongs to an agency; a reviewer opens only the cases assigned to them (`users assign`). See "
        "[the workspace](workspace.md).",
    ),
    Section(
        "serve",
        "The analyst's workspace: a web app on http://127.0.0.1:8765/ with sign-in, roles, a reason for every "
        "person opened and an audit entry for every view. See [the workspace](workspace.md).",
    ),
    Section(
        "audit",
        "Every command that shows or changes people's data writes a start entry before it runs and an end entry "
        "after it (outcome, people and findings touched, row count): who (the OS account, and `--user` as a claim), "
        "when (UTC), the command and its arguments, the store, and why (`--reason` / `GRAPHCASE_REASON`, required "
        "for person-level commands by default; these examples set `GRAPHCASE_REASON`). Entries are hash-chained: "
        "`audit verify` finds the first edited, inserted, reordered or missing entry; `audit show` filters them. "
        "The log sits beside the store's real file and moves only by the store's own settings "
        "(`audit settings`). See [security](security.md).",
        [
            Example(
                "",
                "",
                [
                    Run(
                        'graphcase --user ana.analyst --reason "MASH referral 2026-0412" '
                        f"run probation_adult_child_unknown_to_csc -p as_of={AS_OF} --format csv",
                        max_lines=2,
                    ),
                    Run("graphcase audit verify"),
                    Run("graphcase audit show --user ana.analyst", max_lines=8),
                ],
            )
        ],
    ),
]

# The README's tour: a subset of the same runs, in the order a newcomer meets them.
TOUR = [
    ("Load the sample bundle (five families, nine agencies):", "load", 0, 0),
    ("Run the missed-link catalogue as of a date:", "links", 0, 0),
    ("Show the evidence behind one finding:", "explain", 0, 0),
    ("Rebuild one child's chronology across agencies (first lines):", "history", 0, 0),
    ("Draw the network around the child as one offline HTML file:", "map", 0, 0),
]
TOUR_LINES = {"history": 16, "explain": 12}


# The analysts' walkthrough: one scenario, end to end, in its own folder.
WALKTHROUGH_SCENARIO = "invisible_men_baby"
WALKTHROUGH = [
    ("Load the agencies' extracts (the scenario's bundle: GP, midwifery, health visiting, probation, police, CSC).",
     Run(f"graphcase load {WALKTHROUGH_SCENARIO} --quiet")),
    ("The referral names a baby, Lily Harper, born November 2024. Find her records across agencies by name, "
     "without knowing any record id; each candidate shows the comparisons that matched.",
     Run('graphcase find "Lily Harper" --dob 2024-11-20', max_lines=24)),
    ("Ask for the missed links around her, as things stood on 1 March 2025 (the day of the referral). One lead "
     "about Lily and one other person, with every reason that fired for the pair.",
     Run("graphcase links --person gp:LHARPER --as-of 2025-03-01", max_lines=20)),
    ("Open the lead: each reason with its evidence, the path through the graph and the agency record behind "
     "every fact.",
     Run("graphcase explain L-557566881ca8", max_lines=40)),
    ("Lily's chronology across agencies as recorded by that date: who knew what, when, and who working with "
     "her was never told.",
     Run("graphcase history gp:LHARPER --as-of 2025-03-01", max_lines=45)),
    ("The network around her as one offline HTML file to open in a browser (findings listed beside the map).",
     Run("graphcase map gp:LHARPER --as-of 2025-03-01 -o lily-map.html")),
]


def run_walkthrough(work: Path) -> list[str]:
    shutil.copytree(ROOT / "fixtures" / "scenarios" / WALKTHROUGH_SCENARIO, work / WALKTHROUGH_SCENARIO)
    return [run_line(step.line, work, step.exit_code) for _, step in WALKTHROUGH]


def walkthrough_page(outputs: list[str]) -> str:
    out = [
        "# Walkthrough: one case, end to end",
        "",
        "<!-- Generated by docs/generate.py from real runs; edit that script, not this file. -->",
        "",
        f"A MASH analyst's route through one case from the scenario library, `fixtures/scenarios/{WALKTHROUGH_SCENARIO}`: "
        "a baby unknown to children's social care, her mother, and the mother's new partner, supervised by probation "
        "for violence and domestic abuse, who has moved in. It follows the Child Safeguarding Practice Review Panel's "
        "*The Myth of Invisible Men* (2021); the scenario's README tells the story and its `expected.yaml`, written "
        "before any query ran, says what a reviewer expects graphcase to find.",
        "",
        f"Every output below is real: `docs/generate.py` ran these commands in an empty folder (shown as `{WORK_SHOWN_AS}`) "
        "holding a copy of the scenario, and a test fails when the code prints something else. The commands ask for "
        "a reason once (here `GRAPHCASE_REASON=\"MASH referral 2026-0412\"`), which goes to the audit log with each look.",
        "",
    ]
    for number, ((text, step), output) in enumerate(zip(WALKTHROUGH, outputs), start=1):
        out += [f"## {number}. {step.line.split()[1].capitalize()}", "", text, "", transcript([step], [output]), ""]
    out += [
        "## What the analyst now knows",
        "",
        "Probation knows Jason Reid as violent and a domestic-abuse perpetrator; he has lived with a baby under one "
        "since January 2025; children's social care has no record of her; and the health visitor and GP working with "
        "her were never told. That is the lead to take to the MASH meeting, with the record behind each fact.",
        "",
    ]
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Running.


def graphcase_argv() -> list[str]:
    """How to start the installed ``graphcase`` command with this interpreter, wherever its module lives."""
    return [
        sys.executable,
        "-c",
        "import sys; from importlib.metadata import entry_points; "
        "sys.exit(tuple(entry_points(group='console_scripts', name='graphcase'))[0].load()(prog_name='graphcase'))",
    ]


def command_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GRAPHCASE_", "NEO4J_")) and k not in ("FORCE_COLOR", "CLICOLOR_FORCE")
    }
    env.update(COLUMNS=WIDTH, LINES="50", NO_COLOR="1", PYTHONUNBUFFERED="1", TERM="dumb", GRAPHCASE_USER="ana.analyst",
               # Person-level commands require a reason (the store's audit settings); every example gives one this way.
               GRAPHCASE_REASON="MASH referral 2026-0412")
    return env


def prepare(work: Path) -> None:
    """The working folder: the sample bundle, a one-record update and a bundle with one bad row."""
    sample = ROOT / "fixtures" / "sample"
    shutil.copytree(sample, work / "fixtures" / "sample")
    update = work / "police-update"
    update.mkdir()
    (update / "people.csv").write_text(
        "id,role,given_name,family_name,dob,sex,nhs_number,source_agency,source_record\n"
        "police:LBROWN,adult,Lee,Brown,1990-01-15,male,,police,POL-P-50211\n",
        encoding="utf-8",
    )
    bad = work / "bad-bundle"
    shutil.copytree(sample, bad)
    people = (bad / "people.csv").read_text(encoding="utf-8")
    (bad / "people.csv").write_text(people.replace("gp:TWARD,child,Tyler,Ward,2019-05-30", "gp:TWARD,child,Tyler,Ward,2019-13-30"), encoding="utf-8")


def run_line(line: str, work: Path, expected: int) -> str:
    argv = shlex.split(line)
    assert argv[0] == "graphcase", line
    proc = subprocess.run(
        graphcase_argv() + argv[1:], cwd=work, env=command_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if proc.returncode != expected:
        raise SystemExit(f"`{line}` exited with {proc.returncode}, expected {expected}:\n{proc.stdout}")
    return proc.stdout.replace(str(work), WORK_SHOWN_AS).rstrip()


def show_file(step: Show, work: Path) -> str:
    matches = sorted(work.glob(step.path))
    if len(matches) != 1:
        raise SystemExit(f"`{step.line}`: expected one file matching {step.path}, found {len(matches)}")
    lines = matches[0].read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[: step.first] if step.first else lines[-step.last :])


def transcript(steps: list, outputs: list[str], max_lines: dict | None = None) -> str:
    parts = []
    for step, output in zip(steps, outputs):
        limit = step.max_lines if isinstance(step, Run) else None
        lines = output.splitlines()
        if limit and len(lines) > limit:
            lines = lines[:limit] + [f"... ({len(lines) - limit} more lines)"]
        parts.append("$ " + step.line + ("\n" + "\n".join(lines) if lines else ""))
    return "```console\n" + "\n".join(parts) + "\n```"


def help_texts(command_path: str) -> list[tuple[str, str]]:
    """``--help`` of the command, of the groups above it, and of every sub-command under it, from the click tree."""
    import click
    from click.testing import CliRunner

    main = _main_command()
    names = command_path.split()
    command = main
    for name in names:
        command = command.commands[name]
    found = [names[:i] for i in range(1, len(names))] + [names]  # fixtures, then fixtures generate
    if isinstance(command, click.Group) and names:
        found += [names + [sub] for sub in sorted(command.commands)]
    runner = CliRunner(env={"COLUMNS": WIDTH})
    out = []
    for path in found:
        result = runner.invoke(main, path + ["--help"], prog_name="graphcase", terminal_width=int(WIDTH))
        assert result.exit_code == 0, result.output
        out.append((" ".join(["graphcase", *path]), result.output.rstrip()))
    return out


def _main_command():
    from importlib.metadata import entry_points

    return tuple(entry_points(group="console_scripts", name="graphcase"))[0].load()


def all_command_paths() -> list[str]:
    import click

    main = _main_command()

    def walk(group: click.Group, prefix: list[str]):
        for name in sorted(group.commands):
            sub = group.commands[name]
            yield " ".join(prefix + [name])
            if isinstance(sub, click.Group):
                yield from walk(sub, prefix + [name])

    return list(walk(main, []))


def run_sections(work: Path) -> dict[tuple[int, int], tuple[list, list[str]]]:
    """Run every example in order (later ones use what earlier ones loaded)."""
    prepare(work)
    done = {}
    for s, section in enumerate(SECTIONS):
        for e, example in enumerate(section.examples):
            outputs = [
                run_line(step.line, work, step.exit_code) if isinstance(step, Run) else show_file(step, work)
                for step in example.steps
            ]
            done[(s, e)] = (example.steps, outputs)
    return done


def commands_page(done) -> str:
    covered = [s.command for s in SECTIONS if s.command]
    missing = [
        p for p in all_command_paths() if not any(c == p or c.startswith(p + " ") or p.startswith(c + " ") for c in covered)
    ]
    if missing:
        raise SystemExit(f"commands without a section in docs/generate.py: {', '.join(missing)}")
    out = [
        "# Commands",
        "",
        "<!-- Generated by docs/generate.py from real runs; edit that script, not this file. -->",
        "",
        "Every command, with its real output: each example below was run by `docs/generate.py`, one process per "
        f"command, in an empty folder (shown as `{WORK_SHOWN_AS}`) holding a copy of `fixtures/sample`, in the "
        "order shown, so later examples see what earlier ones loaded. A test re-runs the script and fails when "
        "an output here differs from what the code prints now (durations, clock times and load ids aside).",
        "",
    ]
    for s, section in enumerate(SECTIONS):
        title = f"`graphcase {section.command}`" if section.command else "Global options"
        out += [f"## {title}", "", section.text, ""]
        for e, example in enumerate(section.examples):
            steps, outputs = done[(s, e)]
            if example.title:
                out += [f"### {example.title}", ""]
            if example.text:
                out += [example.text, ""]
            out += [transcript(steps, outputs), ""]
        for name, text in help_texts(section.command):
            out += [f'??? abstract "{name} --help"', "", "    ```text"]
            out += [("    " + line).rstrip() for line in text.splitlines()]
            out += ["    ```", ""]
    return "\n".join(out).rstrip() + "\n"


def tour_markdown(done) -> str:
    index = {section.command: s for s, section in enumerate(SECTIONS)}
    out = []
    for text, command, example, step in TOUR:
        steps, outputs = done[(index[command], example)]
        run = steps[step]
        limit = TOUR_LINES.get(command)
        out += [text, "", transcript([Run(run.line, max_lines=limit)], [outputs[step]]), ""]
    return "\n".join(out).rstrip()


# ---------------------------------------------------------------------------------------------------------------
# The catalogue and bundle references.


def _default(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def catalogue_page() -> str:
    from graphcase import load_catalogue

    queries = load_catalogue()
    links = [q for q in queries.values() if q.group == "links"]
    out = [
        "# Missed-link catalogue",
        "",
        "<!-- Generated by docs/generate.py from the query headers in cypher/; edit the headers, not this file. -->",
        "",
        "One named, parameterised Cypher query per pattern that national reviews say nobody asked about. Each "
        "file under `cypher/links/` starts with a header (comment lines read as YAML: title, description, "
        "parameters, columns, why); this page is generated from those headers. `graphcase links` runs the "
        "finding patterns and groups their rows into findings; every query also runs alone with "
        "`graphcase run NAME -p key=value`. Every query takes `as_of`: addresses and relationships must be "
        "current that day (`from <= as_of <= to`), and records must have opened by then.",
        "",
        "| query | title | engine-specific forms |",
        "|---|---|---|",
    ]
    for q in links:
        forms = ", ".join(f"`{q.name}.{d}.cypher`" for d in sorted(q.dialect_paths)) or "portable"
        out.append(f"| [`{q.name}`](#{q.name}) | {_cell(q.title)} | {forms} |")
    out.append("")
    for q in links:
        out += [f"## {q.name}", "", f"**{_cell(q.title)}**", "", " ".join(str(q.description).split()), ""]
        out += [f"*Why it matters:* {q.why}", ""]
        if q.dialect_paths:
            forms = ", ".join(f"`{p.name}`" for p in q.dialect_paths.values())
            out += [f"File `cypher/links/{q.path.name}`; engine-specific form: {forms}.", ""]
        else:
            out += [f"File `cypher/links/{q.path.name}` (portable: the same text on both engines).", ""]
        out += ["| parameter | type | default | description |", "|---|---|---|---|"]
        out += [f"| `{p.name}` | {p.type} | {_cell(_default(p.default))} | {_cell(p.description)} |" for p in q.parameters]
        out += ["", "| column | meaning |", "|---|---|"]
        out += [f"| `{name}` | {_cell(meaning)} |" for name, meaning in q.columns.items()]
        out.append("")
    others = [q for q in queries.values() if q.group != "links"]
    out += [
        "## Other queries",
        "",
        "The chronology (`history`) and the maps (`maps`) read the store through queries of their own, with the "
        "same headers; they are listed by `graphcase queries` and run with `graphcase run` too.",
        "",
        "| group | query | title | parameters |",
        "|---|---|---|---|",
    ]
    out += [
        f"| {q.group} | `{q.name}` | {_cell(q.title)} | {', '.join(f'`{p.name}`' for p in q.parameters)} |"
        for q in others
    ]
    return "\n".join(out).rstrip() + "\n"


def bundle_reference() -> str:
    from graphcase.model import bundle_reference_markdown

    return bundle_reference_markdown().strip()


def replace_between(text: str, start: str, end: str, body: str, where: Path) -> str:
    if start not in text or end not in text.split(start, 1)[-1]:
        raise SystemExit(f"{where}: markers {start} ... {end} not found")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body.strip()}\n{end}{tail}"


# ---------------------------------------------------------------------------------------------------------------


def generate() -> dict[Path, str]:
    """Every generated file's full text as the code gives it now."""
    with tempfile.TemporaryDirectory(prefix="graphcase-docs-") as tmp:
        work = Path(tmp).resolve() / "case-work"
        work.mkdir()
        done = run_sections(work)
        walk = Path(tmp).resolve() / "walkthrough"
        walk.mkdir()
        walked = run_walkthrough(walk)
    return {
        WALKTHROUGH_MD: walkthrough_page([o.replace(str(walk), WORK_SHOWN_AS) for o in walked]),
        COMMANDS_MD: commands_page(done),
        CATALOGUE_MD: catalogue_page(),
        BUNDLE_MD: replace_between(BUNDLE_MD.read_text(encoding="utf-8"), BUNDLE_START, BUNDLE_END, bundle_reference(), BUNDLE_MD),
        README: replace_between(README.read_text(encoding="utf-8"), TOUR_START, TOUR_END, tour_markdown(done), README),
    }


def stale(files: dict[Path, str]) -> list[str]:
    """Unified diffs (normalised) of each checked-in file that differs from the fresh text."""
    diffs = []
    for path, fresh in files.items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if normalise(current) != normalise(fresh):
            diffs.append(
                "".join(
                    difflib.unified_diff(
                        normalise(current).splitlines(True),
                        normalise(fresh).splitlines(True),
                        f"{path.relative_to(ROOT)} (checked in)",
                        f"{path.relative_to(ROOT)} (generated now)",
                    )
                )
            )
    return diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="Only compare; exit 1 when a file is stale.")
    args = parser.parse_args(argv)
    files = generate()
    if args.check:
        diffs = stale(files)
        for diff in diffs:
            print(diff)
        if diffs:
            print("stale generated docs: run python docs/generate.py", file=sys.stderr)
        return 1 if diffs else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
