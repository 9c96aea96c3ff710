"""The lab files: the LAVA test definition (lab/lava/kvm-abi.yaml), its run step executed the way LAVA's test
shell runs it (parameters as shell variables, then the steps, with recording stand-ins for lava-test-case and
lava-test-set), the strict KTAP reader it reports through (Documentation/dev-tools/ktap.rst) fed the KTAP of real
runs, and the GitLab CI example (lab/gitlab-ci.yml)."""

import fnmatch
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LAVA = ROOT / "lab" / "lava"
DEFINITION = yaml.safe_load((LAVA / "kvm-abi.yaml").read_text())

_spec = importlib.util.spec_from_file_location("ktap_to_lava", LAVA / "ktap_to_lava.py")
ktl = sys.modules["ktap_to_lava"] = importlib.util.module_from_spec(_spec)  # dataclasses look it up
_spec.loader.exec_module(ktl)

# A few cases of each kind the local target has: plain passes, capability skips, several ioctl groups.
SMALL = "-k 'test_smoke or test_create_vcpu or test_x86_nested' -n 0"


def lava_shell(tmp_path: Path, bin_dir: Path | None = None, **params) -> tuple[subprocess.CompletedProcess, list]:
    """The definition's steps as LAVA runs them: its params (overridden by a job's) as shell variables, then the
    steps, in this repository's checkout. Returns the run and the lava-test-* calls it made, one list each."""
    values = {**DEFINITION["params"], **params}
    script = "\n".join([*(f"{k}={shlex.quote(v)}" for k, v in values.items()), *DEFINITION["run"]["steps"]])
    helpers = tmp_path / "lava-helpers"
    helpers.mkdir(exist_ok=True)
    calls = tmp_path / "calls"
    calls.unlink(missing_ok=True)
    for name in ("lava-test-case", "lava-test-set"):
        (helpers / name).write_text('#!/bin/sh\nprintf "%s\\n" "$(basename "$0") $*" >> "$LAVA_CALLS"\n')
        (helpers / name).chmod(0o755)
    path = os.pathsep.join(str(d) for d in (helpers, bin_dir) if d) + os.pathsep + os.environ["PATH"]
    proc = subprocess.run(["sh", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PATH": path, "LAVA_CALLS": str(calls)})
    return proc, [line.split() for line in calls.read_text().splitlines()] if calls.exists() else []


def cases(calls: list) -> dict[str, str]:
    """lava-test-case calls as {set/name: result}, checking that sets open and close in turn."""
    out, current = {}, None
    for call in calls:
        if call[:2] == ["lava-test-set", "start"]:
            assert current is None, calls
            current = call[2]
        elif call[:2] == ["lava-test-set", "stop"]:
            assert current is not None, calls
            current = None
        else:
            assert call[0] == "lava-test-case" and call[2] == "--result" and len(call) == 4, call
            key = f"{current}/{call[1]}" if current else call[1]
            assert key not in out, f"{key} reported twice"
            out[key] = call[3]
    assert current is None
    return out


def junit(xml: Path) -> dict:
    suite = ET.parse(xml).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    tests = suite.findall("testcase")
    return {"tests": len(tests), "failed": sum(1 for c in tests if c.find("failure") is not None
                                               or c.find("error") is not None),
            "skipped": sum(1 for c in tests if c.find("skipped") is not None)}


@pytest.fixture(scope="module")
def lava_run(tmp_path_factory):
    """A real conformance run of a few cases on the local target, made by the definition's run step: kvm-abi
    already installed (SKIP_INSTALL), here this checkout's `python -m abi`, as the image's kvm-abi would be."""
    tmp = tmp_path_factory.mktemp("lava")
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    (bin_dir / "kvm-abi").write_text(f'#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} '
                                     f'exec {shlex.quote(sys.executable)} -m abi "$@"\n')
    (bin_dir / "kvm-abi").chmod(0o755)
    out = tmp / "output"
    proc, calls = lava_shell(tmp, bin_dir, SKIP_INSTALL="true", ARGS=SMALL, OUTPUT=str(out))
    files = {p.suffix: p for p in (out / "reports").glob("conformance-*")}
    assert set(files) == {".ktap", ".xml", ".html", ".json"}, proc.stdout[-3000:] + proc.stderr[-2000:]
    return {"proc": proc, "calls": calls, **files}


@pytest.fixture(scope="module")
def fake_runs(tmp_path_factory):
    """tests/harness/data/failing_run.py's two runs: every outcome, an error and a fixed deviation included."""
    out = {}
    for which in ("base", "new"):
        d = tmp_path_factory.mktemp(which)
        subprocess.run([sys.executable, "-m", "pytest", "tests/harness/data/failing_run.py", "-p", "no:cacheprovider",
                        "-q", "--report-dir", str(d)], cwd=ROOT, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "KVM_ABI_FAKE_RUN": which})
        out[which] = {p.suffix: p for p in d.glob("conformance-*")}
        assert ".ktap" in out[which] and ".json" in out[which], which
    return out


# ---- the test definition ---------------------------------------------------------------------------------------

def test_definition_has_the_lava_layout():
    assert set(DEFINITION) == {"metadata", "params", "run"}
    meta = DEFINITION["metadata"]
    assert meta["format"] == "Lava-Test Test Definition 1.0" and meta["name"] == "kvm-abi"
    assert isinstance(meta["description"], str) and meta["description"]
    for key in ("os", "scope", "devices"):
        assert meta[key] and all(isinstance(v, str) for v in meta[key]), key
    # LAVA writes params into the test shell as shell variables: strings only
    assert all(isinstance(k, str) and k.isupper() and isinstance(v, str) for k, v in DEFINITION["params"].items())
    steps = DEFINITION["run"]["steps"]
    assert steps and all(isinstance(s, str) for s in steps)
    assert set(re.findall(r"\$\{(\w+)\}", "\n".join(steps))) == set(DEFINITION["params"])
    for script in re.findall(r"\./(\S+\.sh)", "\n".join(steps)):
        assert (ROOT / script).is_file(), script
    assert DEFINITION["params"]["TARGET"] == "local"


def test_run_step_reports_every_case_of_a_real_run(lava_run):
    """Each case once, in its ioctl's test set, with the outcome the JUnit XML of the same run gives it."""
    reported = cases(lava_run["calls"])
    assert reported.pop("kvm-abi-run") == "pass", lava_run["proc"].stderr[-2000:]
    j = junit(lava_run[".xml"])
    results = list(reported.values())
    assert len(results) == j["tests"]
    assert results.count("fail") == j["failed"] and results.count("skip") == j["skipped"]
    sets = {key.split("/")[0] for key in reported}
    assert "KVM_CREATE_VCPU" in sets and "test_api_version" in sets
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", part) for key in reported for part in key.split("/"))
    assert set(json.loads(lava_run[".json"].read_text())["targets"]) == {"local"}  # the TARGET parameter


def test_the_suites_ktap_follows_ktap_rst(lava_run):
    """The strict reader accepts the real run's KTAP: two levels, one group per ioctl, every result line as the
    JUnit XML counts it."""
    doc = ktl.parse(lava_run[".ktap"].read_text())
    assert doc.version == "KTAP version 1" and not doc.unknown
    assert doc.tests and all(t.subtests for t in doc.tests)
    leaves = [leaf for t in doc.tests for _, leaf in ktl.leaves(t)]
    j = junit(lava_run[".xml"])
    assert len(leaves) == j["tests"] and sum(1 for t in leaves if t.directive == "SKIP") == j["skipped"]
    assert all(t.diagnostic for t in leaves if t.directive == "SKIP")  # a skip says why


OUTCOME = {"passed": "pass", "failed": "fail", "xpassed": "fail", "error": "fail", "skipped": "skip",
           "xfailed": "pass"}


@pytest.mark.parametrize("which", ["base", "new"])
def test_every_outcome_reaches_lava(fake_runs, tmp_path, which):
    """Failures, an error (# ERROR), a fixed deviation (XPASS strict), expected failures (# XFAIL) and skips: the
    KTAP is valid and each case reaches LAVA with its outcome; an expected failure is a pass there (ktap.rst's
    fallback to ok), never a skip."""
    files = fake_runs[which]
    doc = ktl.parse(files[".ktap"].read_text())
    assert {leaf.directive for t in doc.tests for _, leaf in ktl.leaves(t)} >= {"", "ERROR", "XFAIL"}
    proc, calls = lava_shell(tmp_path, KTAP=str(files[".ktap"]))
    reported = cases(calls)
    assert reported.pop("kvm-abi-run") == "pass", proc.stderr
    records = json.loads(files[".json"].read_text())["records"]
    expected = {ktl.lava_name(r["name"]): OUTCOME[r["outcome"]] for r in records}
    assert {key.split("/")[-1]: result for key, result in reported.items()} == expected


def test_an_interrupted_run_fails_kvm_abi_run(lava_run, tmp_path):
    ktap = tmp_path / "stopped.ktap"
    ktap.write_text(lava_run[".ktap"].read_text() + "Bail out! interrupted (SIGTERM): 3 of 20 tests not run\n")
    proc, calls = lava_shell(tmp_path, KTAP=str(ktap))
    reported = cases(calls)
    assert reported.pop("kvm-abi-run") == "fail" and len(reported) == junit(lava_run[".xml"])["tests"]
    assert "the run stopped early: Bail out! interrupted (SIGTERM)" in proc.stderr


def test_invalid_ktap_is_no_result_but_a_failed_run(tmp_path):
    ktap = tmp_path / "broken.ktap"
    ktap.write_text("KTAP version 1\n1..2\nok 1 KVM_CREATE_VM\n")
    proc, calls = lava_shell(tmp_path, KTAP=str(ktap))
    assert calls == [["lava-test-case", "kvm-abi-run", "--result", "fail"]]
    assert re.search(r"not valid KTAP: line 1: plan 1\.\.2 but 1 results", proc.stderr), proc.stderr


def test_dry_run_prints_install_run_and_report(tmp_path):
    proc = subprocess.run(["sh", str(LAVA / "kvm-abi.sh"), "-n", "-o", "out", "-a", "-k 'KVM_CREATE_VM or KVM_RUN'"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines == [
        "+ python3 -m venv out/venv",
        f"+ out/venv/bin/python -m pip install -q -e {ROOT}",
        "+ mkdir -p out/reports",
        "+ out/venv/bin/kvm-abi run --target local --report-dir out/reports -p no:cacheprovider -k "
        "KVM_CREATE_VM or KVM_RUN",
        f"+ python3 {LAVA}/ktap_to_lava.py out/reports/conformance-*.ktap",
    ]
    assert list(tmp_path.iterdir()) == []


def test_without_kvm_abi_installed_one_line_and_a_failed_run(tmp_path):
    bare = tmp_path / "bin"  # a PATH with what the script needs before it looks for kvm-abi, and no kvm-abi
    bare.mkdir()
    os.symlink(shutil.which("dirname"), bare / "dirname")
    proc = subprocess.run(["/bin/sh", str(LAVA / "kvm-abi.sh"), "-s", "true", "-o", str(tmp_path / "o")], cwd=tmp_path,
                          capture_output=True, text=True, env={"PATH": str(bare)}, timeout=60)
    assert proc.returncode == 0
    assert proc.stderr == f"kvm-abi.sh: SKIP_INSTALL=true but no kvm-abi on PATH (install it: pip install -e {ROOT})\n"
    assert proc.stdout == "lava-test-case kvm-abi-run --result fail\n"


# ---- the strict KTAP reader (the rules are ktap.rst's; the documents here are the project's own) ------------------

NESTED = """\
some console line before the results
KTAP version 1
1..2
  KTAP version 1
  1..3
  # first: a diagnostic line
  ok 1 first
  not ok 2 second # SKIP not on this machine
  ok 3 third # XFAIL recorded
ok 1 group_a
  KTAP version 1
  1..1
    KTAP version 1
    1..1
    not ok 1 deep # ERROR the set-up failed
  not ok 1 middle
not ok 2 group_b
"""


def test_reader_accepts_nested_results_and_reads_directives():
    doc = ktl.parse(NESTED)
    assert doc.version == "KTAP version 1" and doc.unknown == ["some console line before the results"]
    a, b = doc.tests
    assert [(t.name, t.result, t.directive, t.diagnostic) for t in a.subtests] == [
        ("first", "pass", "", ""), ("second", "skip", "SKIP", "not on this machine"),
        ("third", "pass", "XFAIL", "recorded")]
    assert [path for path, _ in ktl.leaves(b)] == [("group_b", "middle", "deep")]
    assert ktl.lava_commands(doc)[-3:] == [["lava-test-set", "start", "group_b"],
                                           ["lava-test-case", "middle.deep", "--result", "fail"],
                                           ["lava-test-set", "stop"]]


def test_reader_falls_back_to_ok_for_what_is_no_directive():
    doc = ktl.parse("TAP version 13\n1..2\nok 1 check # rcode=0\nnot ok 2 # WHATEVER text\n")
    assert [(t.name, t.ok, t.directive, t.diagnostic) for t in doc.tests] == [
        ("check", True, "", "rcode=0"), ("", False, "", "WHATEVER text")]


@pytest.mark.parametrize("text, error", [
    ("", "no version line"),
    ("ok 1 a\n", "must begin with a version line"),
    ("KTAP version 1\n1..2\nok 1 a\n", r"plan 1\.\.2 but 1 results"),
    ("KTAP version 1\nok 2 a\n", "test number 2, expected 1"),
    ("KTAP version 1\nok 1 a\nok 3 b\n", "test number 3, expected 2"),
    ("KTAP version 1\nok 1 a\n1..1\n", "a plan line must follow its version line"),
    ("KTAP version 1\n1..1\n    KTAP version 1\n    ok 1 a\nok 1 g\n", "indented by 2 spaces"),
    ("KTAP version 1\n1..1\n  KTAP version 1\n   ok 1 a\nok 1 g\n", "result line indented 3, expected 2"),
    ("KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  ok 1 a\n", "subtests without their parent's result"),
    ("KTAP version 1\n1..1\n  KTAP version 1\n  not ok 1 a\nok 1 g\n", "'g' is ok but one of its subtests failed"),
    ("KTAP version 1\nok 1 a # TIMEOUT 30 s\n", "TIMEOUT on an \"ok\" line"),
    ("KTAP version 1\nok 1 a # ERROR lost\n", "ERROR on an \"ok\" line"),
    ("KTAP version 1\nok one\n", "not a test case result line"),
    ("KTAP version 1\nok 1 a\nKTAP version 1\nok 1 b\n", "a second version line at indentation 0"),
    ("KTAP version 1\n1..1\n  KTAP version 1\n  ok 1 a\n  KTAP version 1\n  ok 1 b\nok 1 g\n",
     "a second version line at indentation 2, inside the results begun at line 3"),
])
def test_reader_refuses_what_ktap_rst_rules_out(text, error):
    with pytest.raises(ktl.KtapError, match=error):
        ktl.parse(text)


def test_a_skipped_subtest_does_not_fail_its_parent():
    doc = ktl.parse("KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  not ok 1 a # SKIP absent\nok 1 g\n")
    assert doc.tests[0].ok and doc.tests[0].subtests[0].result == "skip"


def test_lava_names_keep_lava_characters_and_stay_unique():
    doc = ktl.parse("KTAP version 1\n1..1\n  KTAP version 1\n  1..3\n  ok 1 local@6.1+deb a\n"
                    "  ok 2 local@6.1+deb?a\n  ok 3\nok 1 KVM_RUN (x86)\n")
    assert ktl.lava_commands(doc) == [["lava-test-set", "start", "KVM_RUN_x86"],
                                      ["lava-test-case", "local_6.1_deb_a", "--result", "pass"],
                                      ["lava-test-case", "local_6.1_deb_a-2", "--result", "pass"],
                                      ["lava-test-case", "unnamed", "--result", "pass"],
                                      ["lava-test-set", "stop"]]


# ---- the GitLab CI example ------------------------------------------------------------------------------------

GITLAB = yaml.safe_load((ROOT / "lab" / "gitlab-ci.yml").read_text())


def test_gitlab_job_publishes_junit_and_every_report(lava_run):
    job = GITLAB["kvm-abi"]
    assert job["before_script"] == ["bash .ci/setup"]
    (run,) = [line for line in job["script"] if line.startswith("kvm-abi run")]
    report_dir = re.search(r"--report-dir (\S+)", run).group(1)
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"  # a failing run is the one whose reports matter most
    assert f"{report_dir}/" in artifacts["paths"] or report_dir in artifacts["paths"]
    # the glob matches the JUnit file a run writes, and nothing else it writes
    written = [f"{report_dir}/{lava_run[s].name}" for s in (".xml", ".html", ".ktap", ".json")]
    assert [w for w in written if fnmatch.fnmatch(w, artifacts["reports"]["junit"])] == written[:1]


def test_gitlab_jobs_command_line_is_one_kvm_abi_run_accepts(tmp_path):
    """Its options, as the job gives them (KVM_ABI_ARGS empty), collect a case."""
    (run,) = [line for line in GITLAB["kvm-abi"]["script"] if line.startswith("kvm-abi run")]
    args = shlex.split(run.replace("$KVM_ABI_ARGS", GITLAB["kvm-abi"]["variables"]["KVM_ABI_ARGS"]))[2:]
    proc = subprocess.run([sys.executable, "-m", "abi", "run", *args, "--co", "-q", "-k", "test_api_version",
                           "--target", "local", "-n", "0"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "test_smoke.py::test_api_version[local@" in proc.stdout
