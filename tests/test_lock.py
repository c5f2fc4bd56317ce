"""The committed lock: ``uv.lock`` agrees with pyproject.toml, every package in it comes from PyPI, and the pip
fallback's requirements files are exactly what uv exports from it.

``./run`` installs with ``uv sync --locked``, which refuses a lock that no longer matches pyproject.toml, so the
versions CI tests with are the versions a user gets. These tests run uv offline: the lock check needs only the lock.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from uv import find_uv_bin

ROOT = Path(__file__).resolve().parents[1]
PYPI = "https://pypi.org/simple"
PYPI_FILES = "https://files.pythonhosted.org/"
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")


def uv(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the locked uv (a dev dependency) offline in ``cwd``."""
    env = {**os.environ, "UV_OFFLINE": "1", "UV_PYTHON_DOWNLOADS": "never", "UV_NO_CONFIG": "1"}
    return subprocess.run([find_uv_bin(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def project_copy(tmp_path: Path) -> Path:
    """pyproject.toml, uv.lock and README.md (named by pyproject) in a folder of their own."""
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy2(ROOT / name, tmp_path / name)
    return tmp_path


def lock() -> dict:
    return tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))


def test_lock_agrees_with_pyproject() -> None:
    r = uv("lock", "--check", cwd=ROOT)
    assert r.returncode == 0, f"uv.lock is out of date with pyproject.toml; run ./run lock\n{r.stderr}"


def test_lock_check_fails_when_pyproject_changes(tmp_path: Path) -> None:
    # The check above would pass vacuously if uv accepted any lock; a constraint the locked networkx breaks must fail.
    work = project_copy(tmp_path)
    pyproject = work / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert '"networkx>=3.4"' in text
    pyproject.write_text(text.replace('"networkx>=3.4"', '"networkx>=3.4,<3.5"'), encoding="utf-8")
    assert uv("lock", "--check", cwd=work).returncode != 0


def test_every_locked_package_comes_from_pypi() -> None:
    packages = lock()["package"]
    assert len(packages) > 50
    for p in packages:
        if p["name"] == "caregraph":
            assert p["source"] == {"editable": "."}
            continue
        assert p["source"] == {"registry": PYPI}, p["name"]
        files = [p["sdist"]] if "sdist" in p else []
        files += p.get("wheels", [])
        assert files, p["name"]
        for f in files:
            assert f["url"].startswith(PYPI_FILES), (p["name"], f["url"])
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", f["hash"]), (p["name"], f["url"])


def test_ladybug_is_locked_at_the_pinned_release() -> None:
    versions = {p["version"] for p in lock()["package"] if p["name"] == "ladybug"}
    assert versions == {"0.22.0"}


def test_lock_pins_the_uv_that_run_installs() -> None:
    # ./run reads the uv version from the lock (and its hashes from requirements-dev.txt) to install uv from PyPI.
    versions = [p["version"] for p in lock()["package"] if p["name"] == "uv"]
    assert len(versions) == 1
    dev = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert re.search(rf"^uv=={re.escape(versions[0])} \\\n +--hash=sha256:", dev, re.MULTILINE)


@pytest.mark.parametrize("name", REQUIREMENTS)
def test_requirements_are_the_export_of_the_lock(tmp_path: Path, name: str) -> None:
    committed = (ROOT / name).read_text(encoding="utf-8")
    # uv writes the command that made the file into its header; running it again must give the same file.
    header = committed.splitlines()[1]
    assert header.startswith("#    uv export --frozen "), header
    args = shlex.split(header.removeprefix("#    uv "))
    assert args[args.index("-o") + 1] == name
    work = project_copy(tmp_path)
    r = uv(*args, "--quiet", cwd=work)
    assert r.returncode == 0, r.stderr
    assert (work / name).read_text(encoding="utf-8") == committed, f"{name} is stale; run ./run lock"
    assert "--hash=sha256:" in committed
    assert "-e " not in committed  # the project itself installs editable in a separate step
