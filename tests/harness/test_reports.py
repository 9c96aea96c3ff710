"""The reports a conformance run leaves, read back the way their readers read them: KTAP by a parser that
enforces ktap.rst, the HTML in a real browser (pytest-html draws its results table with JavaScript), and
both counted against the JUnit XML of the same run."""

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from abi.report import ktap
from abi.report.diff import compare
from abi.spec.case import FINDING_CLASSES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One real conformance run on the local target (its cases skip, saying why, where there is no KVM), under
    pytest-xdist as the README runs it."""
    out = tmp_path_factory.mktemp("reports")
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/conformance", "--target", "local", "-q", "-n", "2",
                           "-p", "no:cacheprovider", "--report-dir", str(out)], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-2000:]
    files = {p.suffix: p for p in out.glob("conformance-*")}
    assert set(files) == {".html", ".xml", ".ktap", ".json"}, proc.stdout[-2000:]
    files["stdout"] = proc.stdout
    return files


def junit_counts(xml: Path) -> dict:
    suite = ET.parse(xml).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    cases = suite.findall("testcase")
    return {"tests": len(cases),
            "failed": sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
            "with_ioctl": sum(1 for c in cases if any(p.get("name") == "ioctl" for p in c.iter("property")))}


def test_terminal_summary_has_coverage_and_undocumented_errnos(run):
    """The controller of an xdist run collects nothing itself: the summary must still appear."""
    out = run["stdout"]
    assert "documented errors covered (api.rst and devices/*.rst of " in out
    assert re.search(r"^x86_64: \d+/\d+ documented .* rows reachable here are tested", out, re.M), out[-3000:]
    assert "implemented errors the documentation does not name" in out


def test_file_names_carry_date_targets_and_kernel_release(run):
    import os

    name = run[".json"].name
    assert name.startswith("conformance-20") and f"-local-{os.uname().release.replace('#', '_')}" in name


def test_ktap_is_valid_and_matches_junit(run):
    tree = ktap.parse(run[".ktap"].read_text())
    leaves = ktap.leaves(tree)
    j = junit_counts(run[".xml"])
    assert len(leaves) == j["tests"]
    assert sum(1 for leaf in leaves if not leaf.ok) == j["failed"]
    # JUnit files expected failures under <skipped>, KTAP under its own XFAIL directive.
    assert sum(1 for leaf in leaves if leaf.directive in ("SKIP", "XFAIL")) == j["skipped"]
    assert all(group.children for group in tree.children)


def test_ktap_reader_rejects_broken_plans():
    with pytest.raises(ValueError, match="plan"):
        ktap.parse("KTAP version 1\n1..2\nok 1 a\n")
    with pytest.raises(ValueError, match="out of order"):
        ktap.parse("KTAP version 1\n1..2\nok 1 a\nok 3 b\n")


def test_results_json_has_one_record_per_case(run):
    data = json.loads(run[".json"].read_text())
    assert len(data["records"]) == junit_counts(run[".xml"])["tests"]
    spec = [r for r in data["records"] if r["ioctl"]]
    assert spec and all(r["expected"] and r["cite"] and r["condition"] for r in spec)
    assert any("GENMASK" in f["text"] or "PAGE_SIZE" in f["text"] for f in data["findings"])
    assert {f["class"] for f in data["findings"]} <= set(FINDING_CLASSES)


def test_targets_table_shows_the_probed_features(run):
    """The targets of the JSON and of the HTML summary say what the local machine's cases were selected by: the
    features probed from this host's kernel."""
    from html import unescape

    from abi import machines
    from abi.target.base import TargetUnavailable
    from abi.target.local import LocalTarget
    from abi.target.plugin import features_line

    try:
        with LocalTarget() as local:
            probed = features_line(machines.probe(local))
    except TargetUnavailable as e:
        pytest.skip(str(e))
    assert json.loads(run[".json"].read_text())["targets"]["local"]["features"] == probed
    table = re.search(r'<table id="kvm-targets">.*?</table>', unescape(run[".html"].read_text()), re.S)
    assert table and "<th>features</th>" in table.group(0) and f"<td>{probed}</td>" in table.group(0)


def test_undocumented_errnos_come_from_cases_that_passed(run):
    """What the report calls implemented-but-undocumented is what this run saw: code-basis cases that passed."""
    data = json.loads(run[".json"].read_text())
    passed = {(r["ioctl"], r["case"]) for r in data["records"] if r["outcome"] == "passed" and r["basis"] == "code"}
    # a deviation that held as recorded stands for what the kernel returned instead
    passed |= {(r["ioctl"], r["case"]) for r in data["records"] if r["verdict"] == "recorded"}
    if not passed:
        pytest.skip("no code-basis case passed in this run (no /dev/kvm?)")
    assert data["undocumented"], "the x86 specs have code-basis errnos api.rst does not name"
    for u in data["undocumented"]:
        # the label is the ioctl, the capability (KVM_ENABLE_CAP(KVM_CAP_...)) or the device document's group
        assert {(u["label"].split("(")[0], c) for c in u["cases"]} & passed or u["label"].endswith(".rst"), u
        assert u["general"] == (u["errno"] in ("EINVAL", "ENOMEM", "EBADF", "ENOTTY"))
    specific = [u for u in data["undocumented"] if not u["general"]]
    assert len([f for f in data["findings"] if f["text"].startswith("undocumented: ")]) == len(specific)


def test_diff_of_a_run_with_itself_is_clean(run):
    d = compare(str(run[".json"]), str(run[".json"]))
    assert not d.regressed and not d.new_failures and not d.changed_errnos


def test_diff_names_a_new_failure_and_exits_non_zero(run, tmp_path):
    data = json.loads(run[".json"].read_text())
    victim = next(r for r in data["records"] if r["ioctl"] and r["outcome"] == "passed")
    victim.update(outcome="failed", observed="EINVAL", message="expected ENOTTY")
    broken = tmp_path / "new.json"
    broken.write_text(json.dumps(data))
    proc = subprocess.run([sys.executable, "-m", "abi.report", "diff", str(run[".json"]), str(broken), "--html",
                           str(tmp_path / "d.html")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1
    assert victim["name"].split("@")[0] in proc.stdout and "REGRESSED" in proc.stdout
    assert "New failures (1)" in (tmp_path / "d.html").read_text()


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("no chromium here (apt-get install chromium)")


# Appended to a copy of the report: once pytest-html's table is drawn (after the per-test detail is unpacked), it
# writes on <body> the page's width in a 1400-px window, the same with a 2000-px-wide block added (the proof that
# the measure sees an overflow), and the matrix rows the filters leave for (KVM_CREATE_VM, passed).
PROBE = """<script>
(function probe() {
  if (!document.querySelector('#results-table tbody.results-table-row')) return setTimeout(probe, 50);
  var root = document.documentElement, body = document.body, wide = document.createElement('div');
  body.dataset.scrollWidth = root.scrollWidth;
  wide.style.width = '2000px'; wide.style.height = '1px';
  body.appendChild(wide);
  body.dataset.scrollWidthControl = root.scrollWidth;
  wide.remove();
  var ioctl = document.getElementById('kvm-f-ioctl'), outcome = document.getElementById('kvm-f-outcome');
  ioctl.value = 'kvm_create_vm'; outcome.value = 'passed';
  ioctl.dispatchEvent(new Event('input')); outcome.dispatchEvent(new Event('input'));
  body.dataset.filtered = Array.from(document.querySelectorAll('#kvm-matrix tr.matrix-row'))
    .filter(function (r) { return r.style.display !== 'none'; }).length;
})();
</script>"""


class Page(HTMLParser):
    """What the browser shows, from its DOM: pytest-html's rows, the verdict rows, the findings, the pictures,
    the matrix's rows and cells, and what the probe wrote."""

    def __init__(self):
        super().__init__()
        self.rows = 0
        self.matrix: list[dict] = []
        self.cells: dict[str, int] = {}
        self.totals: dict[str, int] = {}
        self.verdict: list[dict] = []
        self.findings: list[str] = []
        self.bars: dict[str, list[str]] = {}
        self.svg = ""
        self.body: dict[str, str] = {}
        self.head: dict[str, str] = {}
        self.in_template = 0  # pytest-html keeps row templates in <template>: not shown

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template -= 1
        if tag == "svg":
            self.svg = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "template":
            self.in_template += 1
        if tag == "body":
            self.body = a
        if tag == "tbody" and "results-table-row" in classes and not self.in_template:
            self.rows += 1
        if tag == "tr" and "matrix-row" in classes:
            self.matrix.append(a)
        if tag == "tr" and "verdict-row" in classes:
            self.verdict.append(a)
        if tag == "tr" and "finding" in classes:
            self.findings.append(a["id"])
        if a.get("id") == "kvm-verdict-head":
            self.head = a
        if tag == "svg":
            self.svg = a.get("id", "")
            self.bars[self.svg] = []
        if tag == "g" and "bar" in classes and self.svg:
            self.bars[self.svg].append(a["data-label"])
        if tag == "td":
            for k, v in a.items():
                if k.startswith("data-"):
                    self.cells[k[5:]] = self.cells.get(k[5:], 0) + int(v)
        if a.get("id") == "kvm-totals":
            self.totals = {k[5:]: int(v) for k, v in a.items() if k.startswith("data-")}


@pytest.fixture(scope="module")
def page(run, tmp_path_factory):
    """The report as headless Chromium shows it in a 1400x900 window, probed (PROBE)."""
    browser = _chromium()
    tmp = tmp_path_factory.mktemp("browser")
    text = run[".html"].read_text()
    end = text.rindex("</body>")
    probed = tmp / run[".html"].name
    probed.write_text(text[:end] + PROBE + text[end:])
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp / 'profile'}", "--window-size=1400,900", "--virtual-time-budget=10000",
           "--dump-dom", probed.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=180).stdout
    p = Page()
    p.feed(dom)
    return p


def junit_places(xml: Path) -> dict[str, dict]:
    """Per TARGET@RELEASE (the JUnit properties of each case): tests, failed, skipped."""
    suite = ET.parse(xml).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    out: dict[str, dict] = {}
    for c in suite.findall("testcase"):
        props = {p.get("name"): p.get("value") for p in c.iter("property")}
        target, release = props.get("target") or "(no target)", props.get("kernel_release") or ""
        n = out.setdefault(f"{target}@{release}" if release else target, {"tests": 0, "failed": 0, "skipped": 0})
        n["tests"] += 1
        n["failed"] += c.find("failure") is not None or c.find("error") is not None
        n["skipped"] += c.find("skipped") is not None
    return out


def test_html_report_renders_in_a_browser(run, page):
    j = junit_counts(run[".xml"])
    assert page.rows == j["tests"], "the JavaScript results table shows every test (its detail unpacked)"
    assert page.matrix
    assert sum(page.cells.values()) == j["with_ioctl"], "every spec case is counted once in the matrix"
    assert page.totals["tests"] == j["tests"]
    assert page.totals["failed"] + page.totals["error"] + page.totals["xpassed"] == j["failed"]


def test_html_opens_on_the_verdict_per_machine_and_kernel(run, page):
    """One verdict row per target and kernel release, its counts those of the JUnit XML (which files the expected
    failures under <skipped>), above pytest-html's environment table."""
    rows = {r["data-place"]: r for r in page.verdict}
    expected = junit_places(run[".xml"])
    assert set(rows) == set(expected)
    for place, n in expected.items():
        r = {k: int(v) for k, v in rows[place].items() if k[5:] in ("passed", "failed", "deviations",
                                                                      "not-applicable")}
        assert r["data-failed"] == n["failed"], place
        assert r["data-deviations"] + r["data-not-applicable"] == n["skipped"], place
        assert sum(r.values()) == n["tests"], place
        assert rows[place]["data-verdict"] == ("FAIL" if n["failed"] else "PASS" if n["tests"] > n["skipped"]
                                               else "NOTHING RAN"), place
    assert page.head["data-verdict"] == json.loads(run[".json"].read_text())["verdict"]["overall"]
    text = run[".html"].read_text()
    assert text.index('id="kvm-verdict"') < text.index('id="kvm-findings"') < text.index('id="environment"')


def test_html_has_the_pictures(page):
    assert page.bars["kvm-outcomes-chart"] == [r["data-place"] for r in page.verdict]
    assert page.bars.get("kvm-coverage-chart"), "a bar per architecture measured"


def test_html_lists_each_finding_once_under_its_id(run, page):
    data = json.loads(run[".json"].read_text())
    ids = [f["id"] for f in data["findings"]]
    assert ids and len(set(ids)) == len(ids)
    assert page.findings == ids


def test_html_fits_a_1400_px_window(page):
    assert int(page.body["data-scroll-width-control"]) > 1400, "the probe sees an overflow when there is one"
    assert int(page.body["data-scroll-width"]) <= 1400


def test_matrix_filters_work_from_a_file(page):
    """The filters' script, run by the browser from file://: ioctl KVM_CREATE_VM (any case) and outcome passed."""
    want = [r for r in page.matrix if "KVM_CREATE_VM" in r["data-ioctl"]
            and any(s.endswith("|passed") for s in r["data-seen"].split())]
    assert int(page.body["data-filtered"]) == len(want)
    assert any("KVM_CREATE_VM" in r["data-ioctl"] for r in page.matrix)


def test_html_detail_is_packed_not_repeated(run):
    """The per-test detail is gzipped into the page (a fraction of its size unpacked), and no transcript is there
    twice (as a base64 data: link)."""
    import base64
    import gzip

    text = run[".html"].read_text()
    packed = re.search(r'<script id="kvm-abi-tests" type="application/gzip\+base64">([^<]*)</script>', text)
    assert packed and 'data-jsonblob=""' in text
    unpacked = gzip.decompress(base64.b64decode(packed.group(1)))
    assert len(packed.group(1)) * 4 < len(unpacked)
    assert "data:text/plain" not in unpacked.decode()
    ran = [r for r in json.loads(run[".json"].read_text())["records"] if r["observed"]]
    if ran:  # the case's transcript is in its row's log (escaped, as pytest-html's logs are)
        assert "-&gt; ret" in unpacked.decode() and ran[0]["cite"].split(" ")[0] in unpacked.decode()
