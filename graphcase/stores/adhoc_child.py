"""The worker process of an ad-hoc query on the embedded store (started by :mod:`graphcase.stores.adhoc`).

Run as a script, never imported: it needs only the standard library and ``ladybug``, so it starts in a
fraction of a second instead of importing graphcase (pandas, pyarrow ...). It opens the store read-only,
caps its own address space, plans the statement (``EXPLAIN``: the engine folds constants while planning, so
even planning ``range(1, 500000000)`` can take seconds and gigabytes), sends the plan for the guard to check
and, when told to go on, runs the statement and sends the raw rows. The parent kills it at the time limit.

Messages are length-prefixed pickles, on stdin (from the parent) and on the original stdout (to the parent);
anything the engine prints goes to stderr.
"""

import os
import pickle
import resource
import struct
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
# graphcase/stores/ladybug.py must not shadow the ladybug package when this runs as a script.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]


class SeveralStatements(Exception):
    pass


def read_message(stream):
    header = stream.read(4)
    if len(header) < 4:
        return None
    (size,) = struct.unpack(">I", header)
    return pickle.loads(stream.read(size))


def send_message(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def _virtual_memory_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _cap_address_space(extra_bytes: int) -> None:
    """Allow ``extra_bytes`` of address space beyond what is mapped now (the engine's code, its reserved
    buffer pool and file region, its threads): an allocation past it fails (std::bad_alloc, MemoryError)."""
    limit = _virtual_memory_bytes() + extra_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _file_region_bytes(path: str) -> int:
    """The address range the engine reserves for the store's pages (``max_db_size``; its default is 8 TB,
    which no address-space cap would allow): a power of two, at least twice the file, at least 64 MB."""
    need = max(2 * os.path.getsize(path), 64 << 20)
    return 1 << (need - 1).bit_length()


def _rows(result, max_rows: int) -> tuple[list, list, list]:
    rows = []
    while len(rows) <= max_rows and result.has_next():
        rows.append(result.get_next())
    return result.get_column_names(), result.get_column_data_types(), rows


def serve(inbox, outbox) -> None:
    request = read_message(inbox)
    if request is None:
        return
    import ladybug

    db = ladybug.Database(
        request["path"],
        read_only=True,
        buffer_pool_size=request["buffer_pool_bytes"],
        max_db_size=_file_region_bytes(request["path"]),
    )
    conn = ladybug.Connection(db)
    _cap_address_space(request["heap_bytes"])
    send_message(outbox, ("ready",))
    conn.set_query_timeout(request["timeout_ms"])
    params = request["params"]

    def execute(text):
        result = conn.execute(text, params)
        if isinstance(result, list):  # several statements: the guard lets only one through
            raise SeveralStatements()
        return result

    plan = execute(request["explain"]).get_all()
    send_message(outbox, ("plan", "\n".join(str(row[0]) for row in plan)))
    if read_message(inbox) != "go":
        return
    send_message(outbox, ("rows", [_rows(execute(branch), request["max_rows"]) for branch in request["branches"]]))


def main() -> int:
    inbox = sys.stdin.buffer
    outbox = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # the engine's own prints go to stderr, never into the messages
    try:
        serve(inbox, outbox)
    except MemoryError:
        send_message(outbox, ("memory", "MemoryError"))
    except SeveralStatements:
        send_message(outbox, ("several", ""))
    except Exception as exc:  # the engine's RuntimeError, a parameter it cannot take ...
        message = str(exc)
        kind = "memory" if ("bad_alloc" in message or "Unable to allocate memory" in message) else "error"
        send_message(outbox, (kind, message))
    return 0


if __name__ == "__main__":
    sys.exit(main())
