"""The checkout itself: no file carries the markers a merge or rebase conflict leaves behind.

Regression: a rebase once committed conflict markers into templates/errors/error.html, and
every 404 page showed them until someone looked at one.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKERS = ("<<<<<<< ", ">>>>>>> ", "||||||| ")


def tracked_text_files() -> list[Path]:
    """Every file git tracks that is not binary (the suite runs in a git checkout, as CI's clone)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True).stdout
    files = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if path.is_file() and b"\0" not in path.read_bytes()[:8192]:
            files.append(path)
    return files


def test_no_conflict_markers_in_tracked_files() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in tracked_text_files()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if line.startswith(MARKERS)
    ]
    assert offenders == []
