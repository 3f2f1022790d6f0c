"""``pipeline schemas fetch``: fill the per-user schema cache from the schemas' canonical URLs.

What to fetch is fixed in ``bundle_manifest.json`` (relative path, canonical URL, SHA-256 and the
catalog entries), derived by :func:`derive_manifest` from the offline bundle's ``catalog.xml``
and ``SHA256SUMS``: start at the schemas the pipeline validates with (:data:`ENTRY_POINTS`),
follow every XSD import/include and every DTD external parameter entity through the catalog,
and read each file's canonical URL back out of the catalog. Regenerate it with
``python -m pipeline.schema_bundle.fetch ../shared/schemas``.

A fetch is all or nothing: files go into a temporary directory next to the cache, each is
checked (SHA-256 where the manifest pins one, well-formed XML/JSON, and the XSDs and DTDs are
compiled from the temporary copy), and only then does the directory replace the cache.

Each file is fetched with pooch (``pooch.retrieve``): it streams into a temporary file, checks
the pinned ``sha256:`` hash and only then moves the file to its name. The download itself is
pooch's custom-downloader hook around :func:`_download`, which pooch's HTTP downloader cannot
replace: it bounds a server that drips bytes by a deadline and refuses files over
:data:`MAX_FILE_BYTES`, says who it is (some hosts throttle anonymous clients), and goes
through the ``opener`` given (the tests' proxy-less one).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pooch
from lxml import etree
from lxml.builder import ElementMaker

from pipeline.schema_bundle.bundle import user_cache_dir

from ..errors import PipelineError

MANIFEST_PATH = Path(__file__).with_name("bundle_manifest.json")
CATALOG_NS = "urn:oasis:names:tc:entity:xmlns:xml:catalog"
XSD_NS = "http://www.w3.org/2001/XMLSchema"

# The schemas the output validators load; everything they pull in is found by derive_manifest.
ENTRY_POINTS = (
    "https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing1-3.dtd",
    "https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing1-3-mathml3.dtd",
    "https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing-oasis-article1-3.dtd",
    "https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing-oasis-article1-3-mathml3.dtd",
    "https://jats.nlm.nih.gov/publishing/1.3/xsd/JATS-journalpublishing1-3-mathml3.xsd",
    "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    # Identify responses describe the repository's identifier scheme with this schema.
    "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
    "https://www.crossref.org/schemas/crossref5.3.1.xsd",
    "https://doaj.org/static/doaj/doajArticles.xsd",
    "https://resource.citationstyles.org/schema/v1.0/input/json/csl-data.json",
)

# Files whose bundled bytes are not what the canonical URL serves (see the bundle's README), so
# their SHA-256 cannot be pinned; they are still checked for well-formedness and compiled.
UNPINNED = {
    "oai-pmh/dc/simpledc20021212.xsd":
        "the bundle holds the NIST XCCDF copy, whose xml.xsd import was edited",
    "csl/csl-data.json":
        "the bundle holds a 2023 repository revision; the published URL may serve another",
}

DTD_SUFFIXES = (".dtd", ".ent", ".mod")
MAX_FILE_BYTES = 16 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0


class FetchError(PipelineError):
    """The fetch failed; the cache was left exactly as it was."""


@dataclass(frozen=True)
class FetchedFile:
    path: str
    url: str  # the URL actually requested (after base_urls rewriting)
    size: int
    sha256: str
    checked: str  # "sha256" or "well-formed"


@dataclass(frozen=True)
class FetchReport:
    dest: Path
    files: tuple[FetchedFile, ...]

    def __str__(self) -> str:
        pinned = sum(1 for f in self.files if f.checked == "sha256")
        size = sum(f.size for f in self.files)
        return (f"fetched {len(self.files)} schema files ({size} bytes; {pinned} matched their "
                f"pinned SHA-256, {len(self.files) - pinned} checked as well-formed) into "
                f"{self.dest}")


# --- the catalog ----------------------------------------------------------------------------------

_KIND_ATTRS = {  # element -> (identifier attribute, target attribute)
    "public": ("publicId", "uri"),
    "system": ("systemId", "uri"),
    "uri": ("name", "uri"),
    "rewriteSystem": ("systemIdStartString", "rewritePrefix"),
    "rewriteURI": ("uriStartString", "rewritePrefix"),
}


def read_catalog(path: Path) -> list[dict]:
    """The catalog's entries in document order as ``{kind, match, target}``."""
    tree = etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))
    entries = []
    for element in tree.getroot().iter(f"{{{CATALOG_NS}}}*"):
        kind = etree.QName(element).localname
        if kind in _KIND_ATTRS:
            match_attr, target_attr = _KIND_ATTRS[kind]
            entries.append({"kind": kind, "match": element.get(match_attr),
                            "target": element.get(target_attr)})
    return entries


class _Catalog:
    def __init__(self, entries: list[dict]):
        self.entries = entries

    def public(self, public_id: str) -> str | None:
        return next((e["target"] for e in self.entries
                     if e["kind"] == "public" and e["match"] == public_id), None)

    def url(self, url: str) -> str | None:
        """Bundle-relative path for an absolute URL, as libxml2 would resolve it."""
        for entry in self.entries:
            if entry["kind"] in ("system", "uri") and entry["match"] == url:
                return entry["target"]
        rewrites = [e for e in self.entries if e["kind"].startswith("rewrite")
                    and url.startswith(e["match"])]
        if not rewrites:
            return None
        best = max(rewrites, key=lambda e: len(e["match"]))
        return best["target"] + url[len(best["match"]):]

    def canonical_url(self, path: str) -> str | None:
        """The URL a bundle file is published at: under the rewrite rule with the longest
        prefix (the publisher's own directory), else an exact entry; https preferred."""
        rewrites = [e for e in self.entries if e["kind"].startswith("rewrite")
                    and path.startswith(e["target"])]
        if rewrites:
            longest = max(len(e["target"]) for e in rewrites)
            urls = [e["match"] + path[longest:] for e in rewrites if len(e["target"]) == longest]
        else:
            urls = [e["match"] for e in self.entries
                    if e["kind"] in ("system", "uri") and e["target"] == path]
        if not urls:
            return None
        return next((u for u in urls if u.startswith("https://")), urls[0])


# --- deriving the manifest --------------------------------------------------------------------

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_QUOTED = r"""("[^"]*"|'[^']*')"""
_PARAMETER_ENTITY = re.compile(
    r"<!ENTITY\s+%\s+[^\s]+\s+(?:PUBLIC\s+" + _QUOTED + r"\s+" + _QUOTED
    + r"|SYSTEM\s+" + _QUOTED + r")")


def _relative(base_path: str, reference: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_path), reference))


def _references(root: Path, path: str, catalog: _Catalog) -> list[str]:
    """Bundle paths a schema file loads, resolved the way libxml2 resolves them."""
    data = (root / path).read_bytes()

    def resolve(reference: str) -> str | None:
        if re.match(r"^[a-z]+://", reference):
            return catalog.url(reference)
        return _relative(path, reference)

    found: list[str | None] = []
    if path.endswith(".xsd"):
        tree = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
        for element in tree.iter(f"{{{XSD_NS}}}import", f"{{{XSD_NS}}}include",
                                 f"{{{XSD_NS}}}redefine"):
            if element.get("schemaLocation"):
                found.append(resolve(element.get("schemaLocation")))
    elif path.endswith(DTD_SUFFIXES):
        text = _COMMENT.sub("", data.decode("utf-8"))
        for public_id, public_system, system in _PARAMETER_ENTITY.findall(text):
            if public_id and catalog.public(public_id[1:-1]):  # prefer="public"
                found.append(catalog.public(public_id[1:-1]))
            else:
                found.append(resolve((public_system or system)[1:-1]))
    return [p for p in found if p]


def _loaded_closure(root: Path, starts: list[str], catalog: _Catalog, present: Callable[[str], bool],
                    missing: Callable[[str, str], Exception]) -> set[str]:
    """The files ``starts`` load, transitively, themselves included, read below ``root``. A
    schema that loads a file not ``present`` raises ``missing(schema, file)``; a DTD may."""
    seen: set[str] = set()
    pending = list(starts)
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for reference in _references(root, path, catalog):
            if present(reference):
                pending.append(reference)
            elif not path.endswith(DTD_SUFFIXES):
                raise missing(path, reference)
            # A DTD declares fallbacks that an earlier declaration overrides (the first
            # declaration of an entity wins), e.g. mathml3.dtd's own mmlalias.ent; reading the
            # declarations over-approximates, and fetching compiles the DTDs to catch real gaps.
    return seen


def derive_manifest(bundle_root: Path) -> dict:
    """The manifest for the files :data:`ENTRY_POINTS` need, from an offline bundle."""
    bundle_root = Path(bundle_root)
    catalog = _Catalog(read_catalog(bundle_root / "catalog.xml"))
    sums = {}
    for line in (bundle_root / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        sums[name] = digest

    pending = []
    for url in ENTRY_POINTS:
        path = catalog.url(url)
        if path not in sums:
            raise ValueError(f"entry point {url} is not in the bundle (catalog gives {path})")
        pending.append(path)
    selected = _loaded_closure(
        bundle_root, pending, catalog, present=sums.__contains__,
        missing=lambda path, reference: ValueError(f"{path} loads {reference}, which is not in the bundle"))

    files = []
    for path in sorted(selected):
        url = catalog.canonical_url(path)
        if url is None:
            raise ValueError(f"the catalog maps no URL to {path}")
        files.append({"path": path, "url": url,
                      "sha256": None if path in UNPINNED else sums[path]})

    def used(entry: dict) -> bool:
        if entry["kind"].startswith("rewrite"):
            return any(p.startswith(entry["target"]) for p in selected)
        return entry["target"] in selected

    return {
        "about": "Schema files 'pipeline schemas fetch' downloads. Derived from the offline "
                 "bundle's catalog.xml and SHA256SUMS by pipeline.schema_bundle.fetch.derive_manifest; "
                 "do not edit by hand. sha256 null: the canonical file differs from the "
                 "bundle's copy (see 'unpinned').",
        "entry_points": list(ENTRY_POINTS),
        "unpinned": {p: UNPINNED[p] for p in sorted(UNPINNED) if p in selected},
        "files": files,
        "catalog": [e for e in catalog.entries if used(e)],
    }


@cache
def load_manifest() -> dict:
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


# --- writing the catalog ----------------------------------------------------------------------


def catalog_xml(entries: list[dict]) -> bytes:
    """An OASIS XML Catalog (relative targets) for the fetched files, built with lxml."""
    E = ElementMaker(namespace=CATALOG_NS, nsmap={None: CATALOG_NS})
    root = E.catalog(prefer="public")
    root.append(etree.Comment(" Written by 'pipeline schemas fetch'; targets are relative "
                              "to this file. "))
    for entry in entries:
        match_attr, target_attr = _KIND_ATTRS[entry["kind"]]
        etree.SubElement(root, f"{{{CATALOG_NS}}}{entry['kind']}",
                         {match_attr: entry["match"], target_attr: entry["target"]})
    etree.indent(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- fetching ---------------------------------------------------------------------------------


def _rewrite(url: str, base_urls: Mapping[str, str] | None) -> str:
    if not base_urls:
        return url
    prefixes = [p for p in base_urls if url.startswith(p)]
    if not prefixes:
        return url
    prefix = max(prefixes, key=len)
    return base_urls[prefix] + url[len(prefix):]


def _user_agent() -> str:
    from pipeline import __version__

    return f"pipeline/{__version__} (pipeline schemas fetch)"


def _download(opener, url: str, timeout: float) -> bytes:
    # The socket timeout bounds each read; the deadline bounds a server that drips bytes.
    deadline = time.monotonic() + 4 * timeout
    chunks, size = [], 0
    try:
        # Some hosts (www.w3.org) throttle clients that do not say who they are.
        request = urllib.request.Request(url, headers={"User-Agent": _user_agent()})
        with opener.open(request, timeout=timeout) as response:
            status = getattr(response, "status", 200)
            if status != 200:
                raise FetchError(f"{url}: HTTP status {status}")
            # read1 returns what one recv gives, so the deadline is checked between drips.
            read = getattr(response, "read1", response.read)
            while chunk := read(65536):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise FetchError(f"{url}: larger than {MAX_FILE_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise FetchError(f"{url}: timed out (took longer than {4 * timeout:g} s)")
                chunks.append(chunk)
    except urllib.error.HTTPError as error:
        raise FetchError(f"{url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise FetchError(f"{url}: {error.reason}") from None
    except TimeoutError:
        raise FetchError(f"{url}: timed out (no data for {timeout:g} s)") from None
    except OSError as error:
        raise FetchError(f"{url}: {error}") from None
    return b"".join(chunks)


class _PoochDownloader:
    """pooch's downloader protocol (``url, output_file, pooch``) over :func:`_download`; it
    keeps the SHA-256 of what it wrote, for the mismatch message."""

    def __init__(self, opener, timeout: float):
        self.opener, self.timeout = opener, timeout
        self.sha256 = ""

    def __call__(self, url: str, output_file, pooch_instance=None, check_only: bool = False):
        data = _download(self.opener, url, self.timeout)
        self.sha256 = hashlib.sha256(data).hexdigest()
        if isinstance(output_file, (str, Path)):
            Path(output_file).write_bytes(data)
        else:
            output_file.write(data)


def _check_syntax(path: str, data: bytes) -> None:
    if path.endswith(".json"):
        try:
            json.loads(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise FetchError(f"{path}: not valid JSON ({error})") from None
    elif path.endswith(DTD_SUFFIXES):
        # DTD modules are not XML documents; they are checked by loading the DTDs later.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FetchError(f"{path}: not UTF-8 text ({error})") from None
    else:
        try:
            root = etree.fromstring(data, etree.XMLParser(no_network=True,
                                                          resolve_entities=False))
        except etree.XMLSyntaxError as error:
            raise FetchError(f"{path}: not well-formed XML ({error})") from None
        if path.endswith(".xsd") and root.tag != f"{{{XSD_NS}}}schema":
            raise FetchError(f"{path}: not an XML Schema (root element {root.tag})")


class _StagingResolver(etree.Resolver):
    """Resolves absolute schema URLs and public ids into the staging directory, so the check
    compiles exactly the downloaded files whatever XML_CATALOG_FILES says."""

    def __init__(self, staging: Path, catalog: _Catalog):
        super().__init__()
        self.staging, self.catalog = staging, catalog
        self.missing: list[str] = []

    def resolve(self, url, public_id, context):
        target = self.catalog.public(public_id) if public_id else None
        if target is None and url and re.match(r"^[a-z]+://", url):
            target = self.catalog.url(url)
        if target is None:
            return None
        if (self.staging / target).is_file():
            return self.resolve_filename(str(self.staging / target), context)
        # Never fall through to the process's own catalog, which may find an older bundle.
        self.missing.append(target)
        return self.resolve_string("", context)


def _closure(staging: Path, path: str, catalog: _Catalog) -> set[str]:
    """Files ``path`` loads, transitively; raises when a schema needs a file not fetched."""
    return _loaded_closure(
        staging, [path], catalog, present=lambda reference: (staging / reference).is_file(),
        missing=lambda schema, reference: FetchError(f"{schema}: loads {reference}, which the manifest lacks"))


def _compile_entry_points(staging: Path, manifest: dict) -> None:
    """Load each DTD (cheap) and compile each XSD whose files are not all pinned by SHA-256.

    Files that match their pinned hash are the bundle's own, known to compile; compiling the
    JATS and Crossref XSDs costs libxml2 10-15 s each, so they are only compiled when an
    unpinned file (one checked for well-formedness only) takes part.
    """
    catalog = _Catalog(manifest["catalog"])
    unpinned = {f["path"] for f in manifest["files"] if not f["sha256"]}
    public_ids = {e["target"]: e["match"] for e in manifest["catalog"] if e["kind"] == "public"}
    for url in manifest["entry_points"]:
        path = catalog.url(url)
        closure = _closure(staging, path, catalog)
        if path.endswith(".xsd") and not closure & unpinned:
            continue
        if not path.endswith((".xsd", ".dtd")):
            continue
        parser = etree.XMLParser(no_network=True, load_dtd=path.endswith(".dtd"),
                                 resolve_entities=False)
        resolver = _StagingResolver(staging, catalog)
        parser.resolvers.add(resolver)
        try:
            if path.endswith(".xsd"):
                etree.XMLSchema(etree.parse(str(staging / path), parser))
            elif path.endswith(".dtd"):
                # Loading a DTD through a DOCTYPE is what pulls in its modules by public id.
                doctype = (f'<!DOCTYPE article PUBLIC "{public_ids[path]}" '
                           f'"{(staging / path).as_uri()}"><article/>')
                tree = etree.fromstring(doctype.encode(), parser).getroottree()
                dtd = tree.docinfo.externalDTD
                if dtd is None or dtd.elements() is None or \
                        not any(e.name == "article" for e in dtd.elements()):
                    raise FetchError(f"{path}: the DTD did not load completely")
                missing = [m for m in parser.error_log if "failed to load" in m.message]
                if missing:
                    raise FetchError(f"{path}: {missing[0].message}")
        except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
            raise FetchError(f"{path}: does not compile from the fetched files ({error})") \
                from None
        if resolver.missing:
            raise FetchError(f"{path}: needs {resolver.missing[0]}, which the manifest lacks")


def fetch_bundle(dest: Path | None = None, base_urls: Mapping[str, str] | None = None,
                 opener: urllib.request.OpenerDirector | None = None,
                 timeout: float = DEFAULT_TIMEOUT, manifest: dict | None = None) -> FetchReport:
    """Download the manifest's files into ``dest`` (default: the per-user cache), atomically.

    ``base_urls`` maps canonical URL prefixes to other prefixes (a mirror, or a local test
    server). Raises :class:`FetchError` on any failure, leaving ``dest`` as it was.
    """
    dest = Path(dest) if dest is not None else user_cache_dir()
    manifest = manifest or load_manifest()
    opener = opener or urllib.request.build_opener()
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.fetch-", dir=dest.parent))
    try:
        fetched = []
        for item in manifest["files"]:
            path, url = item["path"], _rewrite(item["url"], base_urls)
            downloader = _PoochDownloader(opener, timeout)
            target = staging / path
            try:
                pooch.retrieve(url, known_hash=f"sha256:{item['sha256']}" if item["sha256"] else None,
                               fname=target.name, path=target.parent, downloader=downloader)
            except ValueError:  # pooch: the downloaded file's hash is not the pinned one
                raise FetchError(f"{path}: SHA-256 mismatch for {url} (expected "
                                 f"{item['sha256']}, got {downloader.sha256})") from None
            data = target.read_bytes()
            _check_syntax(path, data)
            fetched.append(FetchedFile(path, url, len(data), hashlib.sha256(data).hexdigest(),
                                       "sha256" if item["sha256"] else "well-formed"))
        (staging / "catalog.xml").write_bytes(catalog_xml(manifest["catalog"]))
        _compile_entry_points(staging, manifest)
        _swap_into_place(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return FetchReport(dest, tuple(fetched))


def _swap_into_place(staging: Path, dest: Path) -> None:
    if not dest.exists():
        staging.rename(dest)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
    retired.rmdir()
    dest.rename(retired)
    try:
        staging.rename(dest)
    except OSError:
        retired.rename(dest)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Rewrite bundle_manifest.json from an offline bundle: ``python -m pipeline.schema_bundle.fetch DIR``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m pipeline.schema_bundle.fetch BUNDLE_DIR", file=sys.stderr)
        return 2
    manifest = derive_manifest(Path(args[0]))
    MANIFEST_PATH.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    print(f"wrote {MANIFEST_PATH} ({len(manifest['files'])} files)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
