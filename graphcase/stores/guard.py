"""The read-only guard for ad-hoc Cypher (``graphcase cypher``, ``store.query_read_only``).

LadybugDB's ``read_only`` flag stops writes to tables, not to files or the storage itself: on a read-only
handle ``COPY ... TO`` writes any file, ``LOAD FROM`` reads any file, ``LOAD EXTENSION`` runs native code
and ``CHECKPOINT`` rewrites the store under a running load. So an ad-hoc query is accepted only when it is
allowed at three levels, each an allow-list:

1. :func:`check_statement` tokenizes the text the way Cypher does (string literals, backtick names,
   ``//`` and ``/* */`` comments, parameters), so ``RETURN 'COPY'`` is text and ``/* */ COPY`` is a clause.
   It accepts one statement that begins with a read clause, uses no clause outside the read set, CALLs only
   the metadata procedures in :data:`PROCEDURES` and calls no namespaced function outside
   :data:`FUNCTION_NAMESPACES` (so no ``apoc.*``). Nothing reaches the engine before this passes: binding a
   ``LOAD FROM`` already opens the file.
2. The engine's own parser and planner then say what the statement does: on LadybugDB every operator of
   the ``EXPLAIN`` plan must be a read operator (:data:`LADYBUG_READ_OPERATORS`) and every table function a
   metadata one; on Neo4j ``EXPLAIN``'s query type must be ``r`` (read only).
3. The statement runs with a time limit, a row limit and (embedded store) a memory limit (:class:`Limits`).
   On LadybugDB it runs in a worker process (:mod:`graphcase.stores.adhoc`) that is killed at the limits.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass

from .base import ReadOnlyViolation, StoreError

DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MEMORY_MB = 1024
MIN_MEMORY_MB = 64
TIMEOUT_ENV = "GRAPHCASE_CYPHER_TIMEOUT"
MAX_ROWS_ENV = "GRAPHCASE_CYPHER_MAX_ROWS"
MEMORY_ENV = "GRAPHCASE_CYPHER_MEMORY_MB"


class GuardRefusal(ReadOnlyViolation):
    """An ad-hoc query the read-only guard does not accept; the message names what was refused."""


class QueryLimitError(StoreError):
    """An ad-hoc query ran past its time limit or needed more memory than it is allowed."""


# -- limits ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_rows: int = DEFAULT_MAX_ROWS
    memory_mb: int = DEFAULT_MEMORY_MB  # the embedded store's worker process; Neo4j's server has its own


def resolve_limits(
    timeout: float | None = None, max_rows: int | None = None, memory_mb: int | None = None, env=None
) -> Limits:
    """Limits from the arguments, else GRAPHCASE_CYPHER_TIMEOUT / _MAX_ROWS / _MEMORY_MB, else 30 s, 10,000
    rows and 1024 MB."""
    env = os.environ if env is None else env
    if timeout is None:
        timeout = _number(env.get(TIMEOUT_ENV), TIMEOUT_ENV, float, DEFAULT_TIMEOUT_SECONDS)
    if max_rows is None:
        max_rows = _number(env.get(MAX_ROWS_ENV), MAX_ROWS_ENV, int, DEFAULT_MAX_ROWS)
    if memory_mb is None:
        memory_mb = _number(env.get(MEMORY_ENV), MEMORY_ENV, int, DEFAULT_MEMORY_MB)
    if not timeout > 0:
        raise StoreError(f"the time limit must be more than 0 seconds (got {timeout!r})")
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise StoreError(f"the row limit must be a whole number of rows, 1 or more (got {max_rows!r})")
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or memory_mb < MIN_MEMORY_MB:
        raise StoreError(f"the memory limit must be a whole number of MB, {MIN_MEMORY_MB} or more (got {memory_mb!r})")
    return Limits(float(timeout), max_rows, memory_mb)


def _number(text, name, kind, default):
    if text is None or not str(text).strip():
        return default
    try:
        return kind(text)
    except ValueError:
        raise StoreError(f"{name}={text!r} is not a {'whole ' if kind is int else ''}number") from None


def timeout_message(limits: Limits) -> str:
    return (
        f"stopped after {limits.timeout_seconds:g} s: the query ran past the time limit of {limits.timeout_seconds:g} s "
        f"(raise it with --timeout or {TIMEOUT_ENV}, or narrow the query)"
    )


def memory_message(limits: Limits) -> str:
    return (
        f"stopped: the query ran out of the {limits.memory_mb} MB allowed (for example a huge range(), "
        f"collect() or cartesian product; raise it with --max-memory-mb or {MEMORY_ENV}, or narrow the query)"
    )


OUT_OF_MEMORY_MESSAGE = (
    "stopped: the query needs more memory than this machine can give (for example a huge range() or "
    "collect()); narrow the query"
)


# -- tokens ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    kind: str  # word, name (`backticked`), string, number, param, punct
    text: str  # for a name: the identifier without backticks
    start: int


LEXER_REFUSAL = "refused: ad-hoc queries are read-only and checked word by word, and this one cannot be read: "
PUNCTUATION = ("<>", "<=", ">=", "=~", "+=", "..", "::", "->", "<-", *"()[]{},.:;=<>+-*/%^|!&?")
_NUMBER = re.compile(r"0x[0-9a-fA-F]+|0o[0-7]+|(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def tokenize(text: str) -> list[Token]:
    """Cypher tokens without whitespace or comments; a GuardRefusal for anything the lexer cannot place.

    Characters outside strings and comments must be ASCII punctuation, Unicode letters, digits or
    whitespace: an invisible, bidirectional-control or look-alike character is refused, never guessed at."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise GuardRefusal(f"{LEXER_REFUSAL}a /* comment at character {i + 1} is never closed")
            i = end + 2
        elif ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise GuardRefusal(f"{LEXER_REFUSAL}the string starting at character {i + 1} is never closed")
            tokens.append(Token("string", text[i : j + 1], i))
            i = j + 1
        elif ch == "`":
            j, name = i + 1, []
            while True:
                end = text.find("`", j)
                if end < 0:
                    raise GuardRefusal(f"{LEXER_REFUSAL}the `name` starting at character {i + 1} is never closed")
                name.append(text[j:end])
                if text.startswith("``", end):  # `` inside backticks is one backtick
                    name.append("`")
                    j = end + 2
                    continue
                break
            tokens.append(Token("name", "".join(name), i))
            i = end + 1
        elif ch == "$":
            j = i + 1
            if j < n and text[j] == "`":
                end = text.find("`", j + 1)
                if end < 0:
                    raise GuardRefusal(f"{LEXER_REFUSAL}the parameter at character {i + 1} is never closed")
                j = end + 1
            else:
                while j < n and _is_word_char(text[j]):
                    j += 1
            tokens.append(Token("param", text[i:j], i))
            i = j
        elif ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            match = _NUMBER.match(text, i)
            j = match.end() if match and match.end() > i else i + 1
            tokens.append(Token("number", text[i:j], i))
            i = j
        elif _is_word_char(ch):
            j = i
            while j < n and _is_word_char(text[j]):
                j += 1
            tokens.append(Token("word", text[i:j], i))
            i = j
        else:
            punct = next((p for p in PUNCTUATION if text.startswith(p, i)), None)
            if punct is None:
                raise GuardRefusal(
                    f"{LEXER_REFUSAL}character {i + 1} is {_describe(ch)}, which is not accepted outside quotes; "
                    "type the query in plain ASCII"
                )
            tokens.append(Token("punct", punct, i))
            i += len(punct)
    return tokens


def _is_word_char(ch: str) -> bool:
    return ch == "_" or (ch.isalnum() and unicodedata.category(ch)[0] in "LN")


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'unnamed')})"


# -- the statement check ----------------------------------------------------------------------------
# Words that can begin a read-only statement.
FIRST_WORDS = ("MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL")
# The read clauses (and the words inside them that a clause keyword could be confused with).
READ_CLAUSES = "MATCH, OPTIONAL MATCH, WHERE, WITH, UNWIND, RETURN, ORDER BY, SKIP, LIMIT, UNION [ALL], CALL of a metadata procedure"

# Every other word that begins a clause or statement in Neo4j 5 / Cypher 25 or LadybugDB, with why it is
# refused. A word here is refused wherever it stands as a keyword (not as `a.prop`, `:Label` or a map key);
# the engine's plan check below is the allow-list that catches anything this list misses.
WRITE_WORDS = {
    "CREATE": "CREATE writes nodes, relationships or schema",
    "MERGE": "MERGE writes nodes and relationships",
    "SET": "SET writes properties",
    "DELETE": "DELETE removes nodes and relationships",
    "DETACH": "DETACH DELETE removes nodes; DETACH detaches databases",
    "REMOVE": "REMOVE writes properties and labels",
    "DROP": "DROP removes schema",
    "ALTER": "ALTER changes schema",
    "RENAME": "RENAME changes schema",
    "INSERT": "INSERT writes nodes and relationships",
    "FOREACH": "FOREACH runs writes",
    "COPY": "COPY writes files (COPY ... TO) or loads rows into the store (COPY ... FROM)",
    "EXPORT": "EXPORT DATABASE writes the whole store to files",
    "IMPORT": "IMPORT DATABASE writes the store",
    "CHECKPOINT": "CHECKPOINT rewrites the store's files, and corrupts a store being loaded",
    "BEGIN": "transaction control is not accepted",
    "COMMIT": "transaction control is not accepted",
    "ROLLBACK": "transaction control is not accepted",
}
OTHER_WORDS = {
    "LOAD": "LOAD FROM and LOAD CSV read files, and LOAD EXTENSION runs native code",
    "INSTALL": "INSTALL downloads extensions",
    "UNINSTALL": "UNINSTALL removes extensions",
    "ATTACH": "ATTACH opens other databases",
    "USE": "USE switches database",
    "TRANSACTIONS": "CALL ... IN TRANSACTIONS is not accepted",
    "EXPLAIN": "query options are not accepted",
    "PROFILE": "query options are not accepted",
    "CYPHER": "query options are not accepted",
}

# Statements that can only begin a query; the first-word allow-list refuses them, these say why.
FIRST_ONLY_WORDS = {
    word: "administration commands are not accepted"
    for word in ("SHOW", "GRANT", "DENY", "REVOKE", "START", "STOP", "TERMINATE", "ENABLE")
}

# CALL targets: metadata only, per engine. LadybugDB's table functions (read_csv, gds, project_graph ...)
# and Neo4j's other procedures (apoc.*, dbms.*, gds.*) are refused.
PROCEDURES = {
    "ladybug": frozenset({"show_tables", "table_info", "show_connection"}),
    "neo4j": frozenset(
        {
            "db.labels",
            "db.relationshiptypes",
            "db.propertykeys",
            "db.schema.visualization",
            "db.schema.nodetypeproperties",
            "db.schema.reltypeproperties",
        }
    ),
}
# Namespaced functions (`ns.fn(...)`) allowed: Neo4j's built-in temporal, spatial and vector ones.
FUNCTION_NAMESPACES = frozenset({"date", "datetime", "localdatetime", "localtime", "time", "duration", "point", "vector"})


@dataclass(frozen=True)
class Statement:
    """One checked statement, ready for the engine."""

    text: str  # the user's statement, without a trailing ';'
    limit_at_end: bool  # its last part ends in RETURN without LIMIT: a LIMIT may be appended

    def limited(self, rows: int) -> str:
        """The statement with ``LIMIT rows`` appended when that keeps its meaning, else as it is."""
        # A newline first: the user's text may end in a // comment.
        return f"{self.text}\nLIMIT {int(rows)}" if self.limit_at_end else self.text


def check_statement(text: str, dialect: str) -> Statement:
    """Accept one read-only statement of ``dialect`` ("ladybug" or "neo4j"), else raise GuardRefusal."""
    if not isinstance(text, str):
        raise GuardRefusal(f"{LEXER_REFUSAL}a query must be text (got {type(text).__name__})")
    tokens = tokenize(text)
    if tokens and tokens[-1].text == ";" and tokens[-1].kind == "punct":
        end = tokens[-1].start
        tokens = tokens[:-1]
        text = text[:end]
    if not tokens:
        raise GuardRefusal(f"{LEXER_REFUSAL}the query is empty")
    for token in tokens:
        if token.kind == "punct" and token.text == ";":
            raise GuardRefusal(
                f"refused: ad-hoc queries are read-only and run one statement; a ';' at character "
                f"{token.start + 1} starts a second one (run each statement on its own)"
            )
    first = tokens[0]
    if first.kind != "word" or first.text.upper() not in FIRST_WORDS:
        keyword = _keyword(tokens, 0)
        if keyword in WRITE_WORDS or keyword in OTHER_WORDS or keyword in FIRST_ONLY_WORDS:
            _refuse_word(keyword, first)
        raise GuardRefusal(
            f"refused: ad-hoc queries are read-only and must begin with {', '.join(FIRST_WORDS)} "
            f"(this one begins with {first.text!r})"
        )
    depth = 0
    for index, token in enumerate(tokens):
        if token.kind == "punct" and token.text in "([{":
            depth += 1
        elif token.kind == "punct" and token.text in ")]}":
            depth -= 1
        keyword = _keyword(tokens, index)
        if keyword in WRITE_WORDS or keyword in OTHER_WORDS:
            _refuse_word(keyword, token)
        if keyword == "CALL":
            _check_call(tokens, index, dialect)
        if token.kind in ("word", "name") and _starts_function_namespace(tokens, index):
            _check_namespaced_function(tokens, index)
    return Statement(text.rstrip(), _limit_can_be_appended(tokens))


def _keyword(tokens: list[Token], index: int) -> str | None:
    """The upper-cased word at index when it stands as a keyword: not `a.word`, `:Word`, `{word: ...}`."""
    token = tokens[index]
    if token.kind != "word" or not token.text.isascii():
        return None
    before = tokens[index - 1] if index else None
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if before is not None and before.kind == "punct" and before.text in (".", ":", "::"):
        return None
    if after is not None and after.kind == "punct" and after.text == ":":
        return None
    return token.text.upper()


def _refuse_word(keyword: str, token: Token):
    where = f"at character {token.start + 1}"
    if keyword in WRITE_WORDS:
        raise GuardRefusal(
            f"refused: this query writes, and ad-hoc queries are read-only: {keyword} {where} is not allowed "
            f"({WRITE_WORDS[keyword]}). Allowed: {READ_CLAUSES}"
        )
    raise GuardRefusal(
        f"refused: ad-hoc queries are read-only and read only the store: {keyword} {where} is not allowed "
        f"({OTHER_WORDS.get(keyword) or FIRST_ONLY_WORDS[keyword]}). Allowed: {READ_CLAUSES}"
    )


def _qualified_name(tokens: list[Token], index: int) -> tuple[str, int]:
    """`a.b.c` (words or backtick names joined by '.') starting at index, and the index after it."""
    parts = []
    while index < len(tokens) and tokens[index].kind in ("word", "name"):
        parts.append(tokens[index].text)
        if index + 2 < len(tokens) and tokens[index + 1].text == "." and tokens[index + 1].kind == "punct":
            index += 2
        else:
            index += 1
            break
    return ".".join(parts), index


def _check_call(tokens: list[Token], index: int, dialect: str) -> None:
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if following is not None and following.kind == "punct" and following.text in ("{", "("):
        return  # a subquery, CALL { ... } or CALL (x) { ... }: its clauses are checked like the rest
    name, after = _qualified_name(tokens, index + 1)
    allowed = PROCEDURES.get(dialect, frozenset())
    opens = after < len(tokens) and tokens[after].kind == "punct" and tokens[after].text == "("
    if not name or name.lower() not in allowed or not opens:
        raise GuardRefusal(
            f"refused: ad-hoc queries are read-only and CALL only metadata procedures: "
            f"CALL {name or '...'} at character {tokens[index].start + 1} is not allowed "
            f"(allowed on this store: {', '.join(sorted(allowed))})"
        )


def _starts_function_namespace(tokens: list[Token], index: int) -> bool:
    """True at the first word of `ns.fn(` (not a property access `a.b`, which is never followed by '(')."""
    before = tokens[index - 1] if index else None
    if before is not None and before.kind == "punct" and before.text in (".", "$"):
        return False
    if before is not None and before.kind == "word" and before.text.upper() == "CALL":
        return False  # checked by _check_call
    name, after = _qualified_name(tokens, index)
    return "." in name and after < len(tokens) and tokens[after].kind == "punct" and tokens[after].text == "("


def _check_namespaced_function(tokens: list[Token], index: int) -> None:
    name, _ = _qualified_name(tokens, index)
    if name.split(".", 1)[0].lower() not in FUNCTION_NAMESPACES:
        raise GuardRefusal(
            f"refused: ad-hoc queries are read-only and call only built-in functions: {name}() at character "
            f"{tokens[index].start + 1} is not allowed (namespaces allowed: {', '.join(sorted(FUNCTION_NAMESPACES))})"
        )


def _limit_can_be_appended(tokens: list[Token]) -> bool:
    """True when the statement's only part ends in a top-level RETURN with no LIMIT after it."""
    depth, last_return, limited = 0, None, False
    for index, token in enumerate(tokens):
        if token.kind == "punct" and token.text in "([{":
            depth += 1
        elif token.kind == "punct" and token.text in ")]}":
            depth -= 1
        elif depth == 0 and token.kind == "word" and _keyword(tokens, index):
            word = token.text.upper()
            if word == "UNION":
                return False  # a LIMIT would bind to the last branch only
            if word == "RETURN":
                last_return, limited = index, False
            elif word == "LIMIT" and last_return is not None:
                limited = True
    return last_return is not None and not limited


# -- the engines' own verdicts ---------------------------------------------------------------------
EXPLAIN = "EXPLAIN "


def without_explain(message: str) -> str:
    """An engine's error about ``EXPLAIN query`` as if about the query: the echo, offsets and columns of
    line 1 without the prefix, so the user sees their own text."""
    shift = len(EXPLAIN)
    message = re.sub(r"offset: (\d+)", lambda m: f"offset: {max(0, int(m.group(1)) - shift)}", message)
    message = re.sub(r"line 1, column (\d+)", lambda m: f"line 1, column {max(1, int(m.group(1)) - shift)}", message)
    lines = message.split("\n")
    for index, line in enumerate(lines):
        if line.startswith('"' + EXPLAIN):
            lines[index] = '"' + line[1 + shift :]
            if index + 1 < len(lines) and lines[index + 1][:shift].isspace():
                lines[index + 1] = lines[index + 1][shift:]
    return "\n".join(lines)


# ---------------------------------------------------------------------
# Every physical operator of LadybugDB 0.22 that only reads (src/processor/operator/physical_operator.cpp
# lists them all); the others write (INSERT, SET_PROPERTY, COPY_TO, BATCH_INSERT ...), touch files or
# extensions (EXPORT_DATABASE, LOAD_EXTENSION ...) or control transactions (TRANSACTION = CHECKPOINT too).
LADYBUG_READ_OPERATORS = frozenset(
    {
        "AGGREGATE", "AGGREGATE_FINALIZE", "AGGREGATE_SCAN", "COUNT_ANTI_EDGE_CHAIN", "COUNT_EXTEND_CHAIN",
        "COUNT_REL_TABLE", "CROSS_PRODUCT", "EMPTY_RESULT", "FILTER", "FLATTEN", "GROUPED_REACHABLE_COUNT",
        "HASH_JOIN_BUILD", "HASH_JOIN_PROBE", "INTERSECT", "INTERSECT_BUILD", "LIMIT", "MULTIPLICITY_REDUCER",
        "PACKED_EXTEND", "PACKED_FILTERED_COUNT", "PATH_PROPERTY_PROBE", "PRIMARY_KEY_SCAN_NODE_TABLE",
        "PROJECTION", "QUERY_PRIMARY_KEY_LOOKUP", "REACHABLE_COUNT", "RECURSIVE_EXTEND", "REL_DEGREE_TABLE",
        "RESULT_COLLECTOR", "SCAN_NODE_TABLE", "SCAN_REL_TABLE", "SEMI_MASKER", "SKIP", "TABLE_FUNCTION_CALL",
        "TOP_K", "TOP_K_SCAN", "ORDER_BY", "ORDER_BY_MERGE", "ORDER_BY_SCAN", "UNION_ALL_SCAN", "UNWIND",
        "UNWIND_DEDUP", "DUMMY_SINK",
    }
)
# Table functions a read plan may call: the metadata procedures, and READ_FTABLE (the engine reading its
# own in-memory intermediate result).
LADYBUG_READ_FUNCTIONS = frozenset({"SHOW_TABLES", "TABLE_INFO", "SHOW_CONNECTION", "READ_FTABLE"})

_PLAN_OPERATOR = re.compile(r"│\s*([A-Z][A-Z_]*)\[(\d+)\]\s*│")
_PLAN_FUNCTION = re.compile(r"Function:\s*([A-Za-z_][A-Za-z0-9_]*)")


def check_ladybug_plan(plan: str) -> None:
    """Refuse a LadybugDB EXPLAIN plan unless every operator reads and every table function is metadata.

    Fails closed: a plan whose operators cannot all be read (ids 0..n with none missing) is refused."""
    operators = {int(number): name for name, number in _PLAN_OPERATOR.findall(plan)}
    for name in sorted(set(operators.values())):
        if name not in LADYBUG_READ_OPERATORS:
            raise GuardRefusal(
                f"refused: this query writes, and ad-hoc queries are read-only: the engine plans it with "
                f"{name}, which is not a read operator. Allowed: {READ_CLAUSES}"
            )
    if not operators or sorted(operators) != list(range(max(operators) + 1)) or "RESULT_COLLECTOR" not in operators.values():
        raise GuardRefusal("refused: ad-hoc queries are read-only, and the engine's plan for this one could not be checked")
    calls = sum(1 for name in operators.values() if name == "TABLE_FUNCTION_CALL")
    functions = [name.upper() for name in _PLAN_FUNCTION.findall(plan)]
    if len(functions) < calls:
        raise GuardRefusal("refused: ad-hoc queries are read-only, and the engine's plan for this one could not be checked")
    for name in functions:
        if name not in LADYBUG_READ_FUNCTIONS:
            raise GuardRefusal(
                f"refused: ad-hoc queries are read-only and read only the store: the engine plans this query "
                f"with the table function {name}, which is not allowed. Allowed: {READ_CLAUSES}"
            )


NEO4J_QUERY_TYPES = {"r": "read only", "rw": "reads and writes", "w": "writes", "s": "changes the schema"}


def check_neo4j_query_type(query_type: str | None) -> None:
    """Refuse anything Neo4j's EXPLAIN does not call read-only ('r')."""
    if query_type != "r":
        what = NEO4J_QUERY_TYPES.get(query_type or "", f"is of type {query_type!r}")
        raise GuardRefusal(
            f"refused: this query writes, and ad-hoc queries are read-only: Neo4j's planner says it {what}. "
            f"Allowed: {READ_CLAUSES}"
        )
