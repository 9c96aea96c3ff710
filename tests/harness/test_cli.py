"""The `kvm-abi` console script as pip installs it (into a scratch venv, from this checkout, editable as
.ci/setup installs it), and `python -m abi`: one dispatcher, every command's --help, and `kvm-abi run` finding
the conformance tests from any directory or saying in one line that it cannot."""

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from abi import suite

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ["run", "validate", "coverage", "diff", "bench", "cache"]


@pytest.fixture(scope="module")
def script(tmp_path_factory) -> Path:
    """The venv sees the host's packages (no download) and leaves the host's own kvm-abi install alone."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], check=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                           "--disable-pip-version-check", "--no-deps", "-e", str(ROOT)],
                          capture_output=True, text=True, timeout=900)
    if proc.returncode:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        pytest.skip(f"pip cannot install kvm-abi into a scratch venv here: {last}")
    return venv / "bin" / "kvm-abi"


def kvm_abi(script, *args, cwd, env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout)


def listed(help_text: str) -> list[str]:
    """The commands a top-level --help lists, in its order."""
    block = help_text.split("COMMAND\n", 2)[-1]
    return re.findall(r"^    (\w+)\s", block, re.M)


def test_help_lists_every_command(script, tmp_path):
    proc = kvm_abi(script, "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: kvm-abi ")
    assert listed(proc.stdout) == COMMANDS


def test_python_m_abi_is_the_same_dispatcher(script, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "abi", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: python -m abi ") and listed(proc.stdout) == COMMANDS


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "run"] + ["bench targets"])
def test_each_command_has_help(script, tmp_path, command):
    proc = kvm_abi(script, *command.split(), "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: kvm-abi {command} ") and "Traceback" not in proc.stderr


def test_run_help_gives_the_defaults_and_the_suites_options(script, tmp_path):
    proc = kvm_abi(script, "run", "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: kvm-abi run [pytest options]")
    # pytest's help as the checkout's conftest.py makes it: the suite's own options are there
    assert "--target=" in proc.stdout and "--report-dir=" in proc.stdout


def test_run_collects_from_any_directory(script, tmp_path):
    proc = kvm_abi(script, "run", "--co", "-q", "-k", "test_api_version", "--target", "local", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert re.search(r"^tests/conformance/test_smoke\.py::test_api_version\[local@", proc.stdout, re.M), proc.stdout
    assert re.search(r"^1/\d+ tests collected", proc.stdout, re.M), proc.stdout[-500:]
    assert list(tmp_path.iterdir()) == []  # nothing left in the directory it ran from


def test_run_without_the_tests_says_so_in_one_line(script, tmp_path):
    """An installed wheel has abi/ only: here a copy of it first on the path, as site-packages would hold it."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "abi", site / "abi", ignore=shutil.ignore_patterns("__pycache__"))
    proc = kvm_abi(script, "run", "-k", "test_api_version", cwd=tmp_path, env={"PYTHONPATH": str(site),
                                                                               "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("kvm-abi run: the conformance tests are not "), \
        proc.stderr
    assert str(site / "abi") in proc.stderr and "pip install -e ." in proc.stderr and not proc.stdout


@pytest.mark.parametrize("args, chosen", [
    ([], False), (["-k", "x", "--target", "local"], False), (["--no-header"], False),
    (["-n", "4"], True), (["-n0"], True), (["--numprocesses=3"], True), (["--dist", "no"], True),
    (["-p", "no:xdist"], True), (["-pno:xdist"], True), (["-p", "no:cacheprovider"], False),
])
def test_run_adds_two_workers_unless_the_options_say(args, chosen):
    assert suite.chooses_workers(args) == chosen
    cmd = suite.command(ROOT, args)
    head = [sys.executable, "-P", "-m", "pytest", str(ROOT / "tests" / "conformance")]
    workers = ["-n", "2"] if not chosen and importlib.util.find_spec("xdist") else []
    assert cmd == head + workers + args
