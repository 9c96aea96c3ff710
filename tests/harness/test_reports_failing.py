"""The reports and the diff of runs that go wrong: failures, a strict XPASS (a deviation fixed), a deviation that
moved to a third outcome, a broken set-up, an error, skips, and an expected failure whose observation changed.
Two real pytest runs of tests/harness/data/failing_run.py (a fake target, so no KVM is needed) are read back
the way their readers read them."""

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest

from abi.report import ktap
from abi.report.diff import compare

ROOT = Path(__file__).resolve().parents[2]
RUN = "tests/harness/data/failing_run.py"


def _run(out: Path, which: str) -> dict:
    env = {**os.environ, "KVM_ABI_FAKE_RUN": which}
    proc = subprocess.run([sys.executable, "-m", "pytest", RUN, "-p", "no:cacheprovider", "-q", "--report-dir",
                           str(out)], cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    files = {p.suffix: p for p in out.glob("conformance-*")}
    assert set(files) == {".html", ".xml", ".ktap", ".json"}, proc.stdout[-3000:] + proc.stderr[-2000:]
    return {"rc": proc.returncode, "stdout": proc.stdout, **files}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    base = tmp_path_factory.mktemp("base")
    new = tmp_path_factory.mktemp("new")
    return {"base": _run(base, "base"), "new": _run(new, "new")}


def records(run) -> dict:
    return {r["name"]: r for r in json.loads(run[".json"].read_text())["records"]}


# What the new run's cases come to, and why (tests/harness/data/failing_run.py has the table).
NEW = {"held": "passed", "becomes-failed": "failed", "xfail-to-failed": "failed", "fixed": "xpassed",
       "xfail-observed-changes": "xfailed", "skip-to-failed": "failed", "passed-to-skipped": "skipped",
       "test_fake_setup_broken": "failed", "test_fake_error": "error"}
BASE = {"held": "passed", "becomes-failed": "passed", "xfail-to-failed": "xfailed", "fixed": "xfailed",
        "xfail-observed-changes": "xfailed", "skip-to-failed": "skipped", "passed-to-skipped": "passed",
        "test_fake_setup_broken": "failed", "test_fake_error": "error"}


def test_the_run_fails_and_json_has_every_outcome(both):
    assert both["new"]["rc"] == 1 and both["base"]["rc"] == 1  # the base has its error and broken set-up too
    assert {n: r["outcome"] for n, r in records(both["new"]).items()} == NEW
    assert {n: r["outcome"] for n, r in records(both["base"]).items()} == BASE


def test_json_says_documented_recorded_and_observed(both):
    new = records(both["new"])
    third = new["xfail-to-failed"]
    assert (third["expected"], third["recorded"], third["observed"], third["verdict"]) == \
        ("EBUSY", "success", "EINVAL", "broken")
    assert "neither the documented nor the recorded" in third["message"]
    fixed = new["fixed"]
    assert (fixed["observed"], fixed["verdict"]) == ("EBUSY", "fixed") and "XPASS(strict), fixed" in fixed["message"]
    changed = new["xfail-observed-changes"]
    assert (changed["recorded"], changed["observed"]) == ("ENOENT (6.12+)", "ENOENT")
    assert "KVM_CREATE_VM failed: ENOMEM" in new["test_fake_setup_broken"]["message"]
    data = json.loads(both["new"][".json"].read_text())
    assert data["format"] == 3
    keys = {"id", "key", "class", "text", "ioctl", "case", "document", "kernel", "where"}
    assert all(set(f) == keys for f in data["findings"])


def test_verdict_rows_count_the_failures(both):
    """The failing run's verdict: its machine and kernel FAIL with the fixed deviation counted as a failure, the
    test that ran on no target in a row of its own; the rows add up to the run."""
    data = json.loads(both["new"][".json"].read_text())
    rows = {p["place"]: p for p in data["verdict"]["places"]}
    assert data["verdict"]["overall"] == "FAIL"
    fake = rows["fake-gicv2@6.12.1-fake"]
    assert (fake["passed"], fake["failed"], fake["deviations"], fake["not_applicable"], fake["verdict"]) == \
        (1, 5, 1, 1, "FAIL")
    assert rows["(no target)"]["failed"] == 1
    assert sum(p["passed"] + p["failed"] + p["deviations"] + p["not_applicable"] for p in rows.values()) == \
        len(data["records"])


def test_a_finding_keeps_its_id_across_kernels(both):
    """The deviation held on 6.1 and on 6.12 with different observations: one finding, the same id in both runs,
    so the comparison calls it neither new nor gone."""
    ids = {}
    for which in ("base", "new"):
        data = json.loads(both[which][".json"].read_text())
        held = [f for f in data["findings"] if f["case"] == "xfail-observed-changes"]
        assert len(held) == 1 and re.fullmatch(r"KVM-ABI-[0-9a-f]{6}", held[0]["id"]), held
        ids[which] = held[0]
    assert ids["base"]["id"] == ids["new"]["id"] and ids["base"]["text"] != ids["new"]["text"]
    assert ids["new"]["where"] == ["fake-gicv2@6.12.1-fake"]
    d = compare(str(both["base"][".json"]), str(both["new"][".json"]))
    assert not any(ids["new"]["id"] in f for f in d.new_findings + d.gone_findings)


def test_ktap_marks_failures_on_the_case_and_its_group(both):
    tree = ktap.parse(both["new"][".ktap"].read_text())
    leaves = {leaf.name: leaf for group in tree.children for leaf in group.children}
    for name, outcome in NEW.items():
        leaf = next(v for k, v in leaves.items() if k.endswith(name))
        assert leaf.ok == (outcome in ("passed", "skipped", "xfailed")), (name, outcome)
        assert leaf.directive == {"skipped": "SKIP", "xfailed": "XFAIL", "error": "ERROR"}.get(outcome, ""), name
    group = next(g for g in tree.children if g.name == "KVM_ARM_SET_DEVICE_ADDR")
    assert not group.ok and group.directive != "SKIP"


def test_ktap_of_the_base_writes_an_expected_failure_as_xfail_never_skip(both):
    text = both["base"][".ktap"].read_text()
    lines = [line for line in text.splitlines() if line.strip().endswith(("fixed", "xfail-to-failed"))
             or "fixed # " in line or "xfail-to-failed # " in line]
    assert lines and all("# XFAIL" in line and "# SKIP" not in line and line.strip().startswith("ok ")
                         for line in lines), lines


def test_junit_counts_a_fixed_deviation_as_a_failure(both):
    suite = ET.parse(both["new"][".xml"]).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    by_name = {c.get("name").split("[")[-1].rstrip("]"): c for c in suite.findall("testcase")}
    failing = {n for n, c in by_name.items() if c.find("failure") is not None or c.find("error") is not None}
    assert failing == {n for n, o in NEW.items() if o in ("failed", "error", "xpassed")}
    xfail = by_name["xfail-observed-changes"].find("skipped")
    assert xfail is not None and xfail.get("type") == "pytest.xfail"


def test_html_totals_and_findings_by_class(both):
    html = both["new"][".html"].read_text()
    assert 'data-xpassed="1"' in html and 'data-failed="4"' in html and 'data-error="1"' in html
    assert "the kernel breaks the document" in html and 'class="finding-class"' in html


def test_the_terminal_names_only_files_that_exist(both):
    """Every report path the run prints (pytest-html's, junitxml's, ours) is a file that is there afterwards: no
    temporary name that the run renamed away."""
    out = both["new"]["stdout"]
    named = re.findall(r"(?:file://|kvm-abi report: |generated xml file: )(/\S+?)(?: -)?$", out, re.M)
    assert named and all(Path(unquote(p)).is_file() for p in named), named


def test_terminal_summary_counts_findings_by_class(both):
    out = both["new"]["stdout"]
    assert "findings: " in out and "the document is silent where the kernel has a rule" in out


def test_diff_flags_every_regression(both):
    d = compare(str(both["base"][".json"]), str(both["new"][".json"]))
    failures = "\n".join(d.new_failures)
    assert "becomes-failed: passed -> failed" in failures
    assert "xfail-to-failed: xfailed -> failed" in failures
    assert "skip-to-failed: skipped -> failed" in failures
    assert "fixed: xfailed -> xpassed" in failures
    assert any("xfail-observed-changes" in c and "EINVAL, now ENOENT" in c for c in d.observation_changed)
    assert any("passed-to-skipped: passed -> skipped" in c for c in d.coverage_lost)
    assert d.regressed and d.status == 1


def test_diff_exit_status_per_kind(both, tmp_path):
    base = json.loads(both["base"][".json"].read_text())

    def diff(records_of_new) -> subprocess.CompletedProcess:
        new = tmp_path / "new.json"
        new.write_text(json.dumps({**base, "records": records_of_new}))
        return subprocess.run([sys.executable, "-m", "abi.report", "diff", str(both["base"][".json"]), str(new)],
                              cwd=ROOT, capture_output=True, text=True)

    same = diff(base["records"])
    assert same.returncode == 0 and "no regression" in same.stdout
    skipped = [dict(r, outcome="skipped", message="needs a capability") if r["outcome"] == "passed" else r
               for r in base["records"]]
    lost = diff(skipped)
    assert lost.returncode == 3 and "COVERAGE LOST" in lost.stdout
    empty = diff([])
    assert empty.returncode == 3 and "not in the new run" in empty.stdout
    gone = [dict(r, outcome="passed", observed="EBUSY") if r["name"].endswith("fixed") else r for r in base["records"]]
    assert diff(gone).returncode == 0  # a deviation gone: the case carries none any more


@pytest.mark.parametrize("content, words", [
    ("[1, 2]", "no list of records"),
    ('{"records": "x"}', "no list of records"),
    ('{"format": 99, "records": []}', "results format 99"),
    ("not json", "not readable as JSON"),
])
def test_diff_of_a_malformed_file_is_one_line_exit_2(both, tmp_path, content, words):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    proc = subprocess.run([sys.executable, "-m", "abi.report", "diff", str(both["base"][".json"]), str(bad)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_diff_to_an_unwritable_html_is_one_line_exit_2(both):
    proc = subprocess.run([sys.executable, "-m", "abi.report", "diff", str(both["base"][".json"]),
                           str(both["new"][".json"]), "--html", "/proc/forbidden/d.html"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "cannot write --html" in proc.stderr and "Traceback" not in proc.stderr
