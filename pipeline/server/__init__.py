"""HTTP: the OAI-PMH endpoint over the record store (:mod:`.oai_app`) and the editor's preview,
the static site next to it (:mod:`.preview`). The pure OAI-PMH rules it applies live in
:mod:`pipeline.oai`, below the store, so the store can use them without importing a server.

:func:`serve` is the one way to run it (``pipeline serve`` calls it); a production WSGI server
runs :func:`pipeline.server.oai_app.app_from_environment` instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable


def serve(db: str | Path, site: str | Path | None = None, host: str = "127.0.0.1", port: int = 8000,
          page_size: int = 100, threads: int = 8, ready: Callable[[str], None] | None = None) -> None:
    """Serve OAI-PMH at ``/oai`` over the store ``db`` (a SQLite file or a ``postgresql://``
    URL) and, when ``site`` is given, that directory's files everywhere else, with waitress
    until interrupted. ``port=0`` picks a free port; ``ready`` is called with the URL once the
    socket listens (by default it is printed)."""
    if site is None:
        from .oai_app import make_app

        app, path = make_app(db, page_size=page_size), "/oai"
        announce = ready or (lambda u: print(f"serving OAI-PMH at {u}", flush=True))
    else:
        from .preview import make_preview_app

        app, path = make_preview_app(site, db, page_size), "/"
        announce = ready or (lambda u: print(f"serving the site at {u} and OAI-PMH at {u}oai", flush=True))
    run_server(app, host, port, threads, path, announce)


def run_server(app, host: str, port: int, threads: int, path: str, ready: Callable[[str], None]) -> None:
    """Serve a WSGI app with waitress until interrupted; ``ready`` gets the URL of ``path``
    once the socket listens (``port=0`` picks a free port)."""
    import waitress

    server = waitress.create_server(app, host=host, port=port, threads=threads)
    ready(f"http://{host}:{server.effective_port}{path}")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
