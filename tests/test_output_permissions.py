"""out/ honours the umask and publish leaves nothing beside it (issue 11 item 10)."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys

import pytest

from .conftest import REPO, SEEDS


def _publish_with_umask(tmp_path, umask: str):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    out = tmp_path / "out"
    command = f"umask {umask} && exec {sys.executable} -m pipeline.cli publish {seeds} -o {out} --jobs 1 -q"
    result = subprocess.run(["sh", "-c", command], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask, directory, file", [("022", 0o755, 0o644), ("027", 0o750, 0o640)])
def test_out_and_its_files_get_the_umask_modes(tmp_path, umask, directory, file):
    out = _publish_with_umask(tmp_path, umask)
    assert _mode(out) == directory
    assert _mode(out / "tjh") == directory
    assert _mode(out / "tjh" / "jats") == directory
    jats_file = next((out / "tjh" / "jats").glob("*.xml"))
    assert _mode(jats_file) == file


def test_publish_leaves_no_lock_file_beside_out(tmp_path):
    _publish_with_umask(tmp_path, "022")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "seeds"]
