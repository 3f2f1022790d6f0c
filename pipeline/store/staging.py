"""The output directory changes all at once or not at all.

A publish builds the new tree in a staging directory beside ``out/``: files that did not
change are hard links to the old ones (cheap, and the old tree stays intact because we never
write through a link: every write goes to a fresh file that replaces the link), changed
files are written anew. Only when every output has been validated is the staging directory
swapped in. A failure anywhere before the swap removes the staging directory and leaves
``out/`` byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

STATE_DIR = ".pipeline"  # manifest and parts: what incremental publishing remembers


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
        shutil.rmtree(leftover, ignore_errors=True)


class Staging:
    """A private copy of ``out/`` that becomes ``out/`` on :meth:`commit`."""

    def __init__(self, out: Path, *, start_from_previous: bool, keep_out_of_tree: tuple[str, ...] = ()):
        self.out = out
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
        # mkdtemp makes the directory 0700, and it becomes out/: give it the mode any new
        # directory gets (the umask's), so a web or OAI server of another user can read it.
        os.chmod(self.root, 0o777 & ~_umask())
        self._moved_in: list[str] = []
        if start_from_previous and out.is_dir():
            _link_tree(out, self.root, frozenset(keep_out_of_tree))

    def path(self, relative: str) -> Path:
        # Checked by its parts, not resolve(): that costs a system call per path component,
        # for every file of every record. Ids are already limited to [a-z0-9._-].
        parts = relative.split("/")
        if relative.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"output path {relative!r} escapes the output directory")
        return self.root.joinpath(*parts)

    def write(self, relative: str, data: bytes) -> bool:
        """Write a file; returns False (and writes nothing) when its bytes are already there."""
        target = self.path(relative)
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                return False
        except FileNotFoundError:
            pass
        write_atomic(target, data)
        return True

    def read(self, relative: str) -> bytes | None:
        try:
            return self.path(relative).read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, relative: str) -> None:
        try:
            self.path(relative).unlink()
        except FileNotFoundError:
            return
        parent = self.path(relative).parent
        while parent != self.root and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent

    def adopt(self, source: Path, relative: str) -> None:
        """Move a file that lives outside the tree build (the OAI store) into place."""
        if source.exists():
            os.replace(source, self.path(relative))

    def commit(self) -> None:
        """Swap the staging tree in as ``out/``."""
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
