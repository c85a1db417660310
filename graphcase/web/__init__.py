"""``graphcase serve``: the analyst's workspace, a local web app over the same Python API and store.

Built on Starlette + Jinja2 + uvicorn. Starlette because the app is a dozen server-rendered pages and three
JSON endpoints: it gives routing, signed session cookies (itsdangerous), form parsing, static files and a
test client, and nothing else to configure (FastAPI's request models and OpenAPI pages would add surface
without a use here). Jinja2 is what the maps and history pages already use, autoescaping every value.
uvicorn is the well-kept ASGI server that honours a reverse proxy's X-Forwarded-Proto (``--proxy-headers``).

Every page is rendered by the server; the only scripts are files under ``/static`` and vis-network from the
installed pyvis package under ``/vis`` (nothing from a CDN), so the Content-Security-Policy allows scripts
and styles from the app itself only. Data for a script travels as JSON in ``<script type="application/json">``
with ``<``, ``>`` and ``&`` written as ``\\u`` escapes.

>>> from graphcase import open_store
>>> from graphcase.web import Workspace, create_app
>>> app = create_app(Workspace.open(open_store("graphcase.db", read_only=True)))  # doctest: +SKIP
"""

from __future__ import annotations

from .app import create_app
from .views import Workspace

__all__ = ["Workspace", "create_app"]
