"""``pipeline serve``: the editor's preview, the static site at ``/`` and OAI-PMH at ``/oai``.

:class:`StaticFiles` serves a directory read-only (GET and HEAD; a directory answers with its
``index.html``, or redirects to the slash form so relative links resolve) and refuses any path
that would leave it: ``..`` segments, encoded or not, and symbolic links pointing outside.
:func:`make_preview_app` composes it with the OAI-PMH WSGI application.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote

from .oai_app import PATHS as OAI_PATHS
from .oai_app import make_app as make_oai_app

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".xml": "application/xml",
    ".json": "application/json",
    ".bib": "text/plain; charset=utf-8",
    ".ris": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
}


def _respond(start_response, status: str, body: bytes, content_type: str = "text/plain; charset=utf-8", extra=()) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra])
    return [body]


class StaticFiles:
    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()

    def resolve(self, url_path: str) -> Path | None:
        """The file under the root a URL path names, or None when it would leave the root."""
        text = unquote(url_path)
        if "\0" in text or "\\" in text:
            return None
        segments = [s for s in text.split("/") if s not in ("", ".")]
        if any(s == ".." for s in segments):
            return None
        candidate = self.root.joinpath(*segments)
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):
            return None
        if real != self.root and self.root not in real.parents:
            return None
        return real

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return _respond(start_response, "405 Method Not Allowed", b"method not allowed\n", extra=[("Allow", "GET, HEAD")])
        raw_path = environ.get("PATH_INFO", "/") or "/"
        target = self.resolve(raw_path)
        if target is None:
            return _respond(start_response, "404 Not Found", b"not found\n")
        if target.is_dir():
            if not raw_path.endswith("/"):
                location = environ.get("SCRIPT_NAME", "") + raw_path + "/"
                return _respond(start_response, "301 Moved Permanently", b"", extra=[("Location", location)])
            target = target / "index.html"
        if not target.is_file():
            return _respond(start_response, "404 Not Found", b"not found\n")
        body = target.read_bytes()
        content_type = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [b""] if method == "HEAD" else [body]


def make_preview_app(site: Path | str, db: str | Path, page_size: int = 100) -> Callable:
    """One WSGI application: OAI-PMH at ``/oai``, the site's files everywhere else."""
    static = StaticFiles(site)
    oai = make_oai_app(db, page_size=page_size)

    def app(environ, start_response):
        if environ.get("PATH_INFO", "/") in OAI_PATHS:
            return oai(environ, start_response)
        return static(environ, start_response)

    return app
