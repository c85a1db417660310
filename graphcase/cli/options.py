"""What every store-opening command shares: the store options from the root group, and -p key=value parameters."""

from __future__ import annotations

from ..output import fail
from ..stores import open_store


class StoreOptions:
    def __init__(self, db, neo4j, neo4j_database, batch_size):
        self.db, self.neo4j, self.neo4j_database, self.batch_size = db, neo4j, neo4j_database, batch_size

    def open(self, read_only: bool = False):
        return open_store(
            self.db,
            neo4j_uri=self.neo4j,
            neo4j_database=self.neo4j_database,
            read_only=read_only,
            batch_size=self.batch_size,
        )


def parse_params(pairs: tuple[str, ...]) -> dict:
    params = {}
    for pair in pairs:
        if "=" not in pair:
            fail(f"parameter {pair!r} must look like key=value")
        key, value = pair.split("=", 1)
        params[key.strip()] = value
    return params


