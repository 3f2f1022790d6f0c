"""The output directory changes all at once or not at all.

A publish builds the new tree in a staging directory beside ``out/``: files that did not
change are hard links to the old ones (cheap, and the old tree stays intact because we never
write through a link: every write goes to a fresh file that replaces the link), changed
files are written anew. Only when every output has been validated is the staging directory
swapped in. A failure anywhere before the swap removes the staging directory and leaves
``out/`` byte for byte as it was.

An incremental publish that changes a few files does not copy the tree: the staging
directory then holds only the new files (an *overlay*; reads fall through to ``out/``), and
committing writes a journal of the moves and removals, then applies them. The journal is the
commit point: :func:`recover` finishes a commit that was killed half-way (roll forward), and
a staging directory without a journal is discarded as before. Linking and later removing the
~25,000 files of a 2,000-article tree cost ~1 s of a one-article edit.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

STATE_DIR = ".pipeline"  # manifest and parts: what incremental publishing remembers
COMMIT_JOURNAL = ".commit-journal.json"  # in an overlay staging directory: its moves, decided


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file and rename it over ``path`` (never into an existing inode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would survive otherwise
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _link_tree(source: Path, target: Path, skip: frozenset[str]) -> None:
    for dirpath, dirnames, filenames in os.walk(source):
        rel = os.path.relpath(dirpath, source)
        dest_dir = target if rel == "." else target / rel
        dest_dir.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            rel_file = name if rel == "." else os.path.join(rel, name)
            if rel_file in skip:
                continue
            try:
                os.link(os.path.join(dirpath, name), dest_dir / name)
            except OSError:  # another file system, or links not allowed: copy instead
                shutil.copy2(os.path.join(dirpath, name), dest_dir / name)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """One publish into ``out`` at a time; then clean what a killed publish left behind.

    The lock is taken on the directory that holds ``out`` (``out`` itself is swapped by every
    publish, so a lock inside it would not be one): no lock file is left behind."""
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            recover(out)
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def recover(out: Path) -> None:
    """A publish killed between its two renames leaves ``out`` missing and the old tree beside
    it: put the old tree back. Staging trees of killed publishes are removed."""
    olds = sorted(out.parent.glob(f".{out.name}.old-*"))
    if not out.exists() and olds:
        os.rename(olds[-1], out)
        olds = olds[:-1]
    for leftover in olds + sorted(out.parent.glob(f".{out.name}.staging-*")):
        if (leftover / COMMIT_JOURNAL).is_file() and out.is_dir():
            _apply_journal(leftover, out)
        shutil.rmtree(leftover, ignore_errors=True)


def _apply_journal(root: Path, out: Path) -> None:
    """Apply (or finish applying) an overlay's committed moves and removals; idempotent."""
    journal = json.loads((root / COMMIT_JOURNAL).read_bytes())
    for relative in journal["moves"]:
        source, target = root / relative, out / relative
        if source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    for relative in journal["removals"]:
        target = out / relative
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        parent = target.parent
        while parent != out and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


class Staging:
    """A private copy of ``out/`` that becomes ``out/`` on :meth:`commit`."""

    def __init__(self, out: Path, *, start_from_previous: bool, keep_out_of_tree: tuple[str, ...] = (),
                 overlay: bool = False):
        """``overlay``: keep only the new files (for a run expected to change few) instead of
        a linked copy of the whole previous tree."""
        self.out = out
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
        # mkdtemp makes the directory 0700, and it becomes out/: give it the mode any new
        # directory gets (the umask's), so a web or OAI server of another user can read it.
        os.chmod(self.root, 0o777 & ~_umask())
        self._moved_in: list[str] = []
        self.overlay = overlay and start_from_previous and out.is_dir()
        self._removed: set[str] = set()  # overlay: files of out/ that the commit removes
        self._root_text, self._out_text = str(self.root), str(self.out)
        self._directories: set[str] = set()  # made (or found) by write; remove() forgets them
        if start_from_previous and out.is_dir() and not self.overlay:
            _link_tree(out, self.root, frozenset(keep_out_of_tree))

    def _current(self, relative: str) -> Path | None:
        """Where the file the new tree will have at ``relative`` is now, if anywhere."""
        staged = self.path(relative)
        if not self.overlay or staged.exists():
            return staged
        if relative in self._removed:
            return None
        return self.out.joinpath(*relative.split("/"))

    def path(self, relative: str) -> Path:
        return Path(self._path_text(relative))

    def _path_text(self, relative: str) -> str:
        # Checked by its parts, not resolve(): that costs a system call per path component,
        # for every file of every record. Ids are already limited to [a-z0-9._-].
        parts = relative.split("/")
        if relative.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"output path {relative!r} escapes the output directory")
        return os.path.join(self._root_text, *parts)

    def write(self, relative: str, data: bytes) -> bool:
        """Write a file; returns False (and writes nothing) when its bytes are already there.

        Strings and one system call per step, not pathlib: a cold publish writes ~20 files
        per article here, and Path objects plus mkstemp's random names were most of the
        publishing process's own CPU (profiled at 2,000 articles)."""
        target = self._path_text(relative)
        current = target if not self.overlay or os.path.exists(target) else (
            None if relative in self._removed else os.path.join(self._out_text, *relative.split("/")))
        try:
            if current is not None and os.stat(current).st_size == len(data):
                with open(current, "rb") as handle:
                    if handle.read() == data:
                        return False
        except (FileNotFoundError, NotADirectoryError):
            pass
        self._write_new(target, data)
        self._removed.discard(relative)
        return True

    def _write_new(self, target: str, data: bytes) -> None:
        """A file that does not exist yet is created in place (O_EXCL: never into an existing
        inode, and the staging tree is thrown away whole if the run fails); one that exists,
        which may be a hard link into ``out/``, is replaced by :func:`write_atomic`."""
        directory = os.path.dirname(target)
        if directory not in self._directories:
            os.makedirs(directory, exist_ok=True)
            self._directories.add(directory)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        try:
            descriptor = os.open(target, flags, 0o666)  # the umask applies, as for write_atomic
        except FileExistsError:
            write_atomic(Path(target), data)
            return
        except FileNotFoundError:  # its directory went away since (a remove() elsewhere)
            os.makedirs(directory, exist_ok=True)
            descriptor = os.open(target, flags, 0o666)
        with open(descriptor, "wb") as handle:
            handle.write(data)

    def locate(self, relative: str) -> Path | None:
        """The file the new tree has at ``relative`` now (staged, or still in ``out/``)."""
        current = self._current(relative)
        return current if current is not None and current.is_file() else None

    def read(self, relative: str) -> bytes | None:
        current = self._current(relative)
        try:
            return current.read_bytes() if current is not None else None
        except (FileNotFoundError, NotADirectoryError):
            return None

    def remove(self, relative: str) -> None:
        if self.overlay and self.out.joinpath(*relative.split("/")).is_file():
            self._removed.add(relative)
        try:
            self.path(relative).unlink()
        except FileNotFoundError:
            return
        parent = self.path(relative).parent
        while parent != self.root and not any(parent.iterdir()):
            parent.rmdir()
            self._directories.discard(str(parent))
            parent = parent.parent

    def adopt(self, source: Path, relative: str) -> None:
        """Move a file that lives outside the tree build (the OAI store) into place."""
        if self.overlay and source.resolve() == self.out.joinpath(*relative.split("/")).resolve():
            return  # already where it belongs
        if source.exists():
            os.replace(source, self.path(relative))

    def commit(self) -> None:
        """Swap the staging tree in as ``out/`` (an overlay: move its files into ``out/``)."""
        if self.overlay:
            moves = sorted(
                os.path.relpath(os.path.join(directory, name), self.root)
                for directory, _, names in os.walk(self.root) for name in names
            )
            write_atomic(self.root / COMMIT_JOURNAL, json.dumps({"moves": moves, "removals": sorted(self._removed)}).encode())
            _apply_journal(self.root, self.out)
            shutil.rmtree(self.root, ignore_errors=True)
            return
        old = None
        if self.out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.old-", dir=self.out.parent))
            old.rmdir()
            os.rename(self.out, old)
        os.rename(self.root, self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
