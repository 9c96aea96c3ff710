"""Nothing lost, nothing silent: each way a run can fail to leave its reports, injected for real into a child
pytest run (a read-only report dir, one that disappears mid-run, two runs at once, a worker killed with SIGKILL,
SIGTERM and Ctrl-C), checked for its one-line message, its exit status and every result it had.

The child runs small generated test files with the project's plugins (`-p abi.target.plugin -p abi.report.plugin`)
and this tree on PYTHONPATH. Those that boot an arm64 guest skip with one line where QEMU or the guest's assets
are unavailable; the others need neither QEMU nor /dev/kvm.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from abi import scratch
from abi.report import ktap
from abi.report.plugin import _write_new

ROOT = Path(__file__).resolve().parents[2]
BOUND = 240  # seconds a child run may take at most: a bound against a hang, not a speed goal (2 loaded cores)


def _default_sigint():
    # A run started in the background by a non-interactive shell inherits SIGINT ignored (and keeps ignoring it):
    # give the child the default a user's terminal would.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Run:
    """A child pytest run in its own process group, its output in a file."""

    def __init__(self, where: Path, args: list[str], prefix: list[str] = (), env: dict | None = None):
        self.where = where
        self.log = where / f"run-{time.monotonic_ns()}.log"
        cmd = [*prefix, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark",
               "-p", "no:hypothesispytest", "-p", "abi.target.plugin", "-p", "abi.report.plugin",
               "--rootdir", str(where), *args]
        # Not an xdist worker's variables: a child of a worker of an `-n 2` run of these tests is no worker itself.
        environ = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")}
        environ.update(PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                       **(env or {}))
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(cmd, cwd=where, env=environ, stdout=out, stderr=subprocess.STDOUT, text=True,
                                         start_new_session=True, preexec_fn=_default_sigint)

    def wait(self, bound: float = BOUND) -> int:
        try:
            return self.proc.wait(bound)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"the child run did not end within {bound} s:\n{self.output[-3000:]}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def lines(self, start: str) -> list[str]:
        return [line for line in self.output.splitlines() if line.startswith(start)]


def write_tests(where: Path, name: str, text: str) -> Path:
    path = where / name
    path.write_text(textwrap.dedent(text))
    return path


def reports(directory: Path) -> dict[str, Path]:
    files = {p.suffix: p for p in directory.glob("conformance-*")}
    assert set(files) == {".json", ".ktap", ".xml", ".html"}, sorted(p.name for p in directory.iterdir())
    return files


def junit(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """({test name: outcome}, {suite property: value}) of a JUnit XML file."""
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    outcomes = {}
    for case in suite.findall("testcase"):
        bad = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        outcomes[short(case.get("name"))] = "failed" if bad else "skipped" if skipped else "passed"
    props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    return outcomes, props


def short(nodeid: str) -> str:
    """The test function's name: test_guest.py::test_a[qemu-arm64-gicv2@6.1.0-57-cloud-arm64] -> test_a."""
    return nodeid.split("::")[-1].split("[")[0]


def outcomes(results: dict) -> dict[str, str]:
    return {short(r["nodeid"]): r["outcome"] for r in results["records"]}


# ---- 1. a report dir that cannot be written ---------------------------------------------------------------------

PASSING = """
    import pathlib

    def test_runs():
        pathlib.Path(__file__).with_name("ran").touch()
"""


def _read_only(where: Path) -> tuple[Path, list[str]]:
    """A dir this process cannot write, and the command prefix that makes it so: a read-only bind mount in a
    private mount namespace for root (who writes through any mode bits), mode 0555 for anyone else."""
    ro = where / "read-only"
    ro.mkdir()
    if os.geteuid() != 0:
        ro.chmod(0o555)
        return ro, []
    if not shutil.which("unshare"):
        pytest.skip("root writes through mode bits, and there is no unshare(1) for a read-only mount")
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True, text=True)
    if probe.returncode:
        pytest.skip(f"root writes through mode bits, and no private mount namespace here: {probe.stderr.strip()}")
    return ro, ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                'mount --bind -o ro "$0" "$0" && exec "$@"', str(ro)]


@pytest.mark.parametrize("kind", ["read-only", "proc", "under-a-file"])
def test_unwritable_report_dir_stops_the_run_before_any_test(tmp_path, runs, kind):
    """Not a whole run and a traceback at its end (rc 1, every result lost; INTERNALERROR rc 3 for /proc): one line
    and pytest's usage-error status, before the first test."""
    write_tests(tmp_path, "test_one.py", PASSING)
    prefix = []
    if kind == "read-only":
        where, prefix = _read_only(tmp_path)
    elif kind == "proc":
        where = Path("/proc/forbidden")
    else:
        (tmp_path / "a-file").write_text("")
        where = tmp_path / "a-file" / "reports"
    run = Run(tmp_path, ["test_one.py", "--report-dir", str(where)], prefix)
    runs.append(run)
    assert run.wait() == pytest.ExitCode.USAGE_ERROR, run.output
    errors = run.lines("ERROR: ")
    assert errors == [f"ERROR: --report-dir {where}: cannot write reports there: "
                      + {"read-only": "Read-only file system" if prefix else "Permission denied",
                         "proc": "No such file or directory", "under-a-file": "Not a directory"}[kind]], run.output
    assert "Traceback" not in run.output and "INTERNALERROR" not in run.output
    assert not (tmp_path / "ran").exists(), "a test ran before the report dir was checked"


def test_report_dir_lost_during_the_run_falls_back_to_a_temp_dir(tmp_path, runs):
    """The dir was fine at the start and is gone at the end (here: replaced by a file, so every write fails): the
    reports go to a new temp dir, said in one line, and the exit status is not 0, though every test passed."""
    out = tmp_path / "reports"
    write_tests(tmp_path, "test_lose_dir.py", f"""
        import os

        def test_first():
            pass

        def test_takes_the_dir_away():
            os.rename({str(out)!r}, {str(out)!r} + ".gone")
            open({str(out)!r}, "w").close()

        def test_last():
            pass
    """)
    run = Run(tmp_path, ["test_lose_dir.py", "--report-dir", str(out)])
    runs.append(run)
    assert run.wait() == pytest.ExitCode.TESTS_FAILED, run.output
    said = run.lines("kvm-abi: cannot write the reports to ")
    elsewhere = re.findall(r"they are in (/\S+) instead", run.output)
    try:
        assert len(said) == 1 and elsewhere, run.output
        assert said[0] == (f"kvm-abi: cannot write the reports to {out}: Not a directory; they are in {elsewhere[0]} "
                           "instead")
        fallback = Path(elsewhere[0])
        files = reports(fallback)
        assert outcomes(json.loads(files[".json"].read_text())) == {
            "test_first": "passed", "test_takes_the_dir_away": "passed", "test_last": "passed"}
        assert set(junit(files[".xml"])[0].values()) == {"passed"}
        assert all(f"kvm-abi report: {p}" in run.output for p in files.values())
        assert "Traceback" not in run.output and "INTERNALERROR" not in run.output
    finally:
        for path in elsewhere:
            shutil.rmtree(path, ignore_errors=True)


# ---- 2. two runs, one report dir -----------------------------------------------------------------------------------

def test_exclusive_names_take_the_next_free_suffix(tmp_path):
    (tmp_path / "conformance-x.html").write_text("another run's")
    first = _write_new(tmp_path, "conformance-x", {".json": "{}", ".ktap": "k"})
    second = _write_new(tmp_path, "conformance-x", {".json": "{}", ".ktap": "k", ".html": "h"})
    assert [p.name for p in first] == ["conformance-x.json", "conformance-x.ktap"]
    assert [p.name for p in second] == ["conformance-x-2.json", "conformance-x-2.ktap", "conformance-x-2.html"]
    assert (tmp_path / "conformance-x.html").read_text() == "another run's"


def test_concurrent_runs_never_overwrite_each_others_reports(tmp_path, runs):
    """Two runs at once into one dir, whose names the date, time (to the second) and kernel releases no longer
    tell apart; and another run's files already under every name this second and the next minute could give:
    each run keeps its own four files, nobody's file is overwritten."""
    out = tmp_path / "reports"
    out.mkdir()
    start = int(time.time())
    decoys = {}
    for t in range(start, start + 60):  # what another run, started in that second, would have left
        stem = time.strftime("conformance-%Y-%m-%d-%H%M%S-no-target", time.localtime(t))
        for suffix in (".json", ".html"):
            decoys[out / (stem + suffix)] = f"another run's {stem}{suffix}"
    for path, text in decoys.items():
        path.write_text(text)
    for label in ("one", "two"):
        write_tests(tmp_path, f"test_{label}.py", f"""
            import time

            def test_{label}():
                time.sleep(1)  # both runs are running at once
        """)
    both = [Run(tmp_path, [f"test_{label}.py", "--report-dir", str(out)]) for label in ("one", "two")]
    runs.extend(both)
    assert [r.wait() for r in both] == [0, 0], both[0].output + both[1].output
    assert all(path.read_text() == text for path, text in decoys.items()), "another run's file was overwritten"
    written = []
    for run, label in zip(both, ("one", "two"), strict=True):
        paths = [Path(line.removeprefix("kvm-abi report: ")) for line in run.lines("kvm-abi report: ")]
        assert sorted(p.suffix for p in paths) == [".html", ".json", ".ktap", ".xml"], run.output
        assert len({p.stem for p in paths}) == 1, paths
        results = json.loads(next(p for p in paths if p.suffix == ".json").read_text())
        assert list(outcomes(results)) == [f"test_{label}"]
        assert list(junit(next(p for p in paths if p.suffix == ".xml"))[0]) == [f"test_{label}"]
        assert f"test_{label}" in next(p for p in paths if p.suffix == ".ktap").read_text()
        written += paths
    assert len(set(written)) == 8
    assert len(list(out.iterdir())) == len(decoys) + 8


# ---- 3. a crashed pytest-xdist worker --------------------------------------------------------------------------

def test_crashed_worker_test_is_a_failure_in_every_report(tmp_path, runs):
    """JUnit had it; the JSON, KTAP and HTML dropped it (pytest-xdist reports it with when="???")."""
    pytest.importorskip("xdist")
    out = tmp_path / "reports"
    write_tests(tmp_path, "test_crash.py", """
        import os, signal

        def test_before():
            pass

        def test_crash():
            os.kill(os.getpid(), signal.SIGKILL)

        def test_after():
            pass
    """)
    run = Run(tmp_path, ["test_crash.py", "-n", "2", "--report-dir", str(out)])
    runs.append(run)
    assert run.wait() == pytest.ExitCode.TESTS_FAILED, run.output
    files = reports(out)
    results = json.loads(files[".json"].read_text())
    assert outcomes(results) == {"test_before": "passed", "test_crash": "failed", "test_after": "passed"}
    crashed = next(r for r in results["records"] if r["nodeid"].endswith("test_crash"))
    assert re.fullmatch(r"worker 'gw\d' crashed while running 'test_crash.py::test_crash'", crashed["message"])
    leaves = {short(leaf.name): leaf.ok for leaf in ktap.leaves(ktap.parse(files[".ktap"].read_text()))}
    assert leaves == {"test_before": True, "test_crash": False, "test_after": True}
    assert junit(files[".xml"])[0] == {"test_before": "passed", "test_crash": "failed", "test_after": "passed"}
    assert re.search(r'id="kvm-totals" data-tests="3" data-passed="2" data-failed="1"', files[".html"].read_text())


@pytest.mark.parametrize("xdist", [False, True], ids=["plain", "n2"])
def test_sigterm_while_the_reports_are_written_loses_nothing(tmp_path, runs, xdist):
    """Every test has ended and the session is finishing (pytest-xdist tearing its workers down, junitxml and
    pytest-html writing) when SIGTERM comes: raising there skipped those hooks, and the JUnit XML and the HTML report
    were lost. The run completes its reports instead, and says it ignored the signal."""
    if xdist:
        pytest.importorskip("xdist")
    write_tests(tmp_path, "test_two.py", """
        def test_one():
            pass

        def test_two():
            pass
    """)
    write_tests(tmp_path, "conftest.py", """
        import os, signal

        def pytest_sessionfinish(session):
            if not os.environ.get("PYTEST_XDIST_WORKER"):
                os.kill(os.getpid(), signal.SIGTERM)  # a CI timeout, as the reports are being written
    """)
    out = tmp_path / "reports"
    run = Run(tmp_path, ["test_two.py", "--report-dir", str(out), *(["-n", "2"] if xdist else [])])
    runs.append(run)
    assert run.wait() == pytest.ExitCode.OK, run.output
    assert run.lines("kvm-abi: SIGTERM while the run ends: ignored (writing the reports)"), run.output
    files = reports(out)
    assert outcomes(json.loads(files[".json"].read_text())) == {"test_one": "passed", "test_two": "passed"}
    assert junit(files[".xml"])[0] == {"test_one": "passed", "test_two": "passed"}
    assert "Traceback" not in run.output


# ---- 4, 5. SIGTERM, Ctrl-C, a killed worker, on real guests ---------------------------------------------------

@pytest.fixture(scope="module")
def guest_kernel(request) -> str:
    """The guest kernel the child runs use; skips with one line where no arm64 guest can run here."""
    from abi.target.base import TargetUnavailable
    from abi.target.plugin import pool
    from abi.target.qemu import QemuTarget

    kernel = pool(request.config).kernels_for("arm64")[0]
    try:
        QemuTarget("gicv2", kernel).provision()  # QEMU, the kernel and initramfs (fetched once into the cache)
    except TargetUnavailable as e:
        pytest.skip(str(e))
    if not shutil.which("qemu-system-aarch64"):
        pytest.skip("no qemu-system-aarch64 here (apt-get install qemu-system-arm)")
    return kernel


GUEST_TESTS = """
    import os, pathlib, time
    from abi.target import protocol as P

    HERE = pathlib.Path(__file__).parent

    def test_a(target, vm):
        assert target.nop(b"a") == b"a"
        (HERE / "a-done").touch()

    def test_hang(target, vm):
        # A request in flight when the signal comes: the agent never answers it.
        deadline = time.monotonic() + 120
        while not (HERE / "a-done").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # test_a's report reaches the controller
        (HERE / "ready.tmp").write_text(f"{os.getpid()} {target.qemu_pid()} {target._tmp}")
        (HERE / "ready.tmp").rename(HERE / "ready")
        target.request_timeout = 600
        try:
            target.debug(P.DEBUG_HANG)
        finally:
            target.request_timeout = 5

    def test_c(target, vm):
        assert target.nop(b"c") == b"c"
"""


def wait_for(path: Path, run: Run, bound: float = BOUND) -> str:
    deadline = time.monotonic() + bound
    while not path.exists():
        if run.proc.poll() is not None or time.monotonic() > deadline:
            run.kill()
            pytest.fail(f"{path.name} never came (exit status {run.proc.returncode}):\n{run.output[-3000:]}")
        time.sleep(0.05)
    return path.read_text()


def parents() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command name) of every process."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    head, tail = f.read().rsplit(")", 1)
                out[int(entry)] = (int(tail.split()[1]), head.split("(", 1)[1])
            except (OSError, ValueError, IndexError):
                continue
    return out


def tree(root: int) -> set[int]:
    """root and its descendants."""
    table, found = parents(), {root}
    changed = True
    while changed:
        new = {pid for pid, (ppid, _) in table.items() if ppid in found} - found
        found |= new
        changed = bool(new)
    return found


def qemus(pids: set[int]) -> set[int]:
    return {pid for pid, (ppid, comm) in parents().items() if ppid in pids and comm.startswith("qemu-system")}


def temp_dirs(pids: set[int]) -> set[str]:
    return {str(p) for p in Path(scratch.tempfile.gettempdir()).glob("kvm-abi-qemu-*")
            if (m := re.match(r"kvm-abi-qemu-(\d+)-", p.name)) and int(m.group(1)) in pids}


def stop_run(run: Run, sig: int, group: bool) -> dict:
    """Send `sig` once the hanging test is in flight; watch for guests booted after it; return what happened."""
    ready = wait_for(run.where / "ready", run)
    worker, qemu_pid, qemu_tmp = ready.split()
    pids = tree(run.proc.pid)
    before = qemus(pids)
    sent = time.monotonic()
    (os.killpg if group else os.kill)(run.proc.pid, sig)
    booted, reports_at = set(), None
    while run.proc.poll() is None and time.monotonic() - sent < BOUND:
        booted |= qemus(pids) - before
        if reports_at is None and any((run.where / "reports").glob("conformance-*.json")):
            reports_at = time.monotonic() - sent
        time.sleep(0.02)
    status = run.wait(10)
    return {"status": status, "booted": booted, "pids": pids, "worker": int(worker), "qemu": int(qemu_pid),
            "tmp": qemu_tmp, "reports_after": reports_at, "exit_after": time.monotonic() - sent}


def check_interrupted(run: Run, what: dict, name: str) -> None:
    assert what["status"] == pytest.ExitCode.INTERRUPTED, run.output
    assert run.lines(f"kvm-abi: {name}: stopping: no new test or guest starts; the tests that ran are reported"), \
        run.output
    assert not what["booted"], f"guests booted after {name}: QEMU {what['booted']}"
    assert not temp_dirs(what["pids"]), "temp dirs left behind"
    assert not scratch.alive(what["qemu"]), "the hung guest's QEMU outlived the run"
    files = reports(run.where / "reports")
    assert re.search(r"conformance-[\d-]+-gicv2-", files[".json"].name), "the name says which targets"
    results = json.loads(files[".json"].read_text())
    done = outcomes(results)
    assert done.get("test_a") == "passed", "a result gathered before the signal was lost"
    assert "test_hang" not in done
    not_run = results["not_run"]
    assert "test_hang" in map(short, not_run) and len(done) + len(not_run) == 3
    message = f"interrupted ({name}): {len(not_run)} of 3 tests not run"
    assert results["interrupted"] == {"reason": name, "not_run": len(not_run), "collected": 3, "message": message}
    assert run.lines(f"kvm-abi: reports marked {message}") == [f"kvm-abi: reports marked {message}"]
    top = ktap.parse(files[".ktap"].read_text())
    assert top.bail_out == message and f"# kvm-abi: {message}" in files[".ktap"].read_text()
    assert len(ktap.leaves(top)) == len(done)
    tests, props = junit(files[".xml"])
    assert set(tests) == set(done) and props == {"interrupted": message, "tests_not_run": str(len(not_run))}
    assert f'<p id="kvm-interrupted" class="fail"><strong>Partial results: {message}.' in files[".html"].read_text()


@pytest.mark.guest
@pytest.mark.parametrize("xdist", [False, True], ids=["controller", "process-group-n2"])
def test_sigterm_writes_the_reports_marked_interrupted(tmp_path, runs, guest_kernel, xdist):
    """SIGTERM (a CI timeout) wrote no reports at all (exit 143). Now it ends the run as Ctrl-C does: the test in
    flight is interrupted, what ran is written, marked interrupted, with the tests not run counted. Sent to the
    controller alone, and to a pytest-xdist run's whole process group (what `timeout` and CI runners do)."""
    write_tests(tmp_path, "test_guest.py", GUEST_TESTS)
    args = ["test_guest.py", "--target", "qemu-arm64-gicv2", "--guest-kernel", guest_kernel,
            "--report-dir", str(tmp_path / "reports"), *(["-n", "2"] if xdist else [])]
    run = Run(tmp_path, args)
    runs.append(run)
    what = stop_run(run, signal.SIGTERM, group=xdist)
    check_interrupted(run, what, "SIGTERM")
    print(f"SIGTERM ({'process group, -n 2' if xdist else 'controller'}): reports written "
          f"{what['reports_after']:.2f} s after it, exit {what['exit_after']:.2f} s after it")


@pytest.mark.guest
def test_ctrl_c_starts_no_guest_and_leaves_nothing(tmp_path, runs, guest_kernel):
    """Ctrl-C (SIGINT to the terminal's process group) under pytest-xdist while a guest request is in flight:
    the worker's teardown used to read the stale answer, lose the guest and boot a new one to close an fd, and a
    worker too slow to come down was killed, its temp dir left behind. Now nothing starts and nothing is left."""
    pytest.importorskip("xdist")
    write_tests(tmp_path, "test_guest.py", GUEST_TESTS)
    run = Run(tmp_path, ["test_guest.py", "--target", "qemu-arm64-gicv2", "--guest-kernel", guest_kernel,
                         "--report-dir", str(tmp_path / "reports"), "-n", "2"])
    runs.append(run)
    what = stop_run(run, signal.SIGINT, group=True)
    check_interrupted(run, what, "SIGINT")
    assert not scratch.alive(what["worker"])
    print(f"Ctrl-C (-n 2): reports written {what['reports_after']:.2f} s after it, exit {what['exit_after']:.2f} s")


@pytest.mark.guest
def test_killed_worker_leaves_no_qemu_temp_dir(tmp_path, runs, guest_kernel):
    """kill -9 of a pytest-xdist worker that has a guest: QEMU dies with it (PR_SET_PDEATHSIG), and now its temp dir
    goes too (swept by whoever comes next, since the worker runs no code); the test it ran is a failure."""
    pytest.importorskip("xdist")
    write_tests(tmp_path, "test_guest_kill.py", """
        import os, pathlib, signal

        def test_a(target):
            assert target.nop(b"a") == b"a"

        def test_kill(target):
            assert target.nop(b"k") == b"k"
            pathlib.Path(__file__).with_name("killed").write_text(f"{os.getpid()} {target.qemu_pid()} {target._tmp}")
            os.kill(os.getpid(), signal.SIGKILL)

        def test_c(target):
            assert target.nop(b"c") == b"c"
    """)
    out = tmp_path / "reports"
    run = Run(tmp_path, ["test_guest_kill.py", "--target", "qemu-arm64-gicv2", "--guest-kernel", guest_kernel,
                         "--report-dir", str(out), "-n", "2"])
    runs.append(run)
    worker, qemu_pid, qemu_tmp = wait_for(tmp_path / "killed", run).split()
    pids = tree(run.proc.pid) | {int(worker)}
    status = run.wait()
    assert status == pytest.ExitCode.TESTS_FAILED, run.output
    assert re.search(r"worker 'gw\d' crashed while running 'test_guest_kill.py::test_kill", run.output)
    assert not scratch.alive(int(qemu_pid)), "the killed worker's QEMU lives on"
    assert not os.path.exists(qemu_tmp), f"the killed worker's QEMU temp dir {qemu_tmp} was left behind"
    assert not temp_dirs(pids | tree(run.proc.pid))
    results = json.loads(reports(out)[".json"].read_text())
    assert outcomes(results) == {"test_a": "passed", "test_kill": "failed", "test_c": "passed"}
    # The crashed test is not handed out again (it would kill the next worker); the target's others still run.
    assert sorted(short(r["nodeid"]) for r in results["records"]) == ["test_a", "test_c", "test_kill"]
    assert run.output.count("node down") == 1, run.output  # one worker crashed, the one that ran test_kill
    killed = next(r for r in results["records"] if short(r["nodeid"]) == "test_kill")
    assert killed["target"] == "qemu-arm64-gicv2", "the crashed test keeps its target"


# ---- the pieces, without a run -------------------------------------------------------------------------------

def test_a_stopping_run_starts_no_guest(monkeypatch):
    """Once stopping, whatever would boot a guest (a start, a request to a stopped guest) raises Stopping, a
    KeyboardInterrupt: a `finally` that reaches the target keeps the interruption; no QEMU, no temp dir."""
    from abi.target import qemu
    from abi.target.base import Stopping

    monkeypatch.setattr(qemu, "_stopping", "")
    qemu.stop_starting("SIGTERM")
    qemu.stop_starting("SIGINT")  # the first reason stays
    guest = qemu.QemuTarget("gicv2")
    for call in (guest.start, guest.nop, guest.open_kvm):
        with pytest.raises(Stopping, match="^SIGTERM$"):
            call()
    assert guest._proc is None and guest._tmp is None
    assert issubclass(Stopping, KeyboardInterrupt)


def test_sweep_removes_only_dirs_whose_process_is_gone(tmp_path, monkeypatch):
    monkeypatch.setattr(scratch.tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen(["true"])
    dead.wait()
    gone = tmp_path / f"kvm-abi-qemu-{dead.pid}-abcd1234"
    mine = Path(scratch.mkdtemp("qemu"))
    parent = tmp_path / f"kvm-abi-qemu-{os.getppid()}-abcd1234"  # a live process's
    old = tmp_path / "kvm-abi-qemu-abcd1234"  # an older kvm-abi's name: no pid, never touched
    other = tmp_path / f"kvm-abi-run-{dead.pid}-abcd1234"  # another kind
    for d in (gone, parent, old, other):
        d.mkdir()
    (gone / "console.log").write_text("x")
    (tmp_path / f"kvm-abi-qemu-{dead.pid}-file").write_text("not a dir")
    assert scratch.sweep("qemu") == [str(gone)]
    assert not gone.exists() and all(d.exists() for d in (mine, parent, old, other))
    assert mine.name.startswith(f"kvm-abi-qemu-{os.getpid()}-") and mine.stat().st_mode & 0o777 == 0o700


def test_a_test_reported_without_properties_counts_for_the_machine_its_id_names(tmp_path):
    """A report without the target's properties (a crashed worker, a guest that could not come up) is placed by its
    id: the longest machine name that fits, so qemu-riscv64-aia's tests are not counted as qemu-riscv64's."""
    from types import SimpleNamespace

    from abi.report.plugin import Reporter

    reporter = Reporter(SimpleNamespace(), tmp_path)
    for machine in ("qemu-riscv64-aia", "qemu-riscv64"):
        for param in (machine, f"{machine}@6.12.118+deb13-riscv64-aia-create"):
            report = SimpleNamespace(nodeid=f"tests/conformance/test_cases.py::test_x[{param}]", user_properties=[],
                                     longrepr=None, duration=0.0, skipped=False, failed=True, longreprtext="")
            reporter.add(report, "error")
    assert [r.target for r in reporter.records] == ["qemu-riscv64-aia"] * 2 + ["qemu-riscv64"] * 2
