"""JSON for people's data: dates as ISO text, one function for every command and export that writes JSON."""

from __future__ import annotations

import datetime as dt
import json

from ..stores.base import Result


def to_jsonable(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def result_json(result: Result) -> str:
    return json.dumps([to_jsonable(r) for r in result.records()], indent=1, ensure_ascii=False)
