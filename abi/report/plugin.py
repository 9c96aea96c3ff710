"""pytest wiring of the reports: every conformance run leaves HTML, JUnit XML, KTAP and results JSON in
--report-dir (default reports/), named with the date, the targets and the kernel releases it ran on.

Active when the run includes tests/conformance or --report-dir is given. With pytest-xdist only the
controller writes: workers' reports reach it with their user properties.

Nothing is lost and nothing is silent:
- the report dir is checked before the first test (one line, pytest's usage-error exit status 4);
- pytest-html and junitxml write into a private temp dir; at the end all four files are created exclusively in the
  report dir under a name no other run has taken (a `-2`, `-3` suffix otherwise), so runs never overwrite each
  other; if that fails, they go to a new temp dir, said in one line, and the exit status is not 0;
- a test whose pytest-xdist worker crashed is a failure in every report;
- a run that stopped early (SIGTERM, Ctrl-C, -x) writes what ran, marked interrupted, with the tests not run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import errno
import json
import os
import re
import shutil
import tempfile
from html import escape
from pathlib import Path

import pytest

from abi import machines, scratch
from abi.report import findings, ktap, matrix, page, verdict
from abi.report import html as report_html
from abi.report.records import Record, from_report, outcome_of

# The JSON first: whoever creates it owns the name (every run reserves in this order).
SUFFIXES = (".json", ".ktap", ".xml", ".html")
DEBIAN_ARCHES = tuple(s.debian_arch for s in machines.SYSTEMS)  # the suffixes of Debian's kernel releases

_KEY = pytest.StashKey["Reporter"]()
# The results JSON's format: 2 gives each finding its class ({"class", "text"}) and each record its verdict and
# the deviation's recorded outcome; 3 gives each finding its stable id (abi/report/findings.py), document, kernel
# function and places, and the run its verdict per place. `python -m abi.report diff` reads 1 to 3.
FORMAT = 3


def pytest_addoption(parser):
    group = parser.getgroup("kvm-abi reports")
    group.addoption("--report-dir", default=None, metavar="DIR",
                    help="write the conformance reports (HTML, JUnit XML, KTAP, results JSON) here "
                         "(default: reports/ when tests/conformance runs)")


class Reporter:
    def __init__(self, config, directory: Path):
        self.config = config
        self.dir = directory
        self.records: list[Record] = []
        self._by_id: dict[str, Record] = {}
        self.targets: dict[str, dict] = {}
        self.started = datetime.datetime.now()
        self.work = Path(scratch.mkdtemp("run"))  # pytest-html's and junitxml's files until the end
        self.html = self.xml = None  # their paths there, when this plugin chose them
        self.collected: dict[str, None] = {}  # node ids, in collection order
        self.stopped_by = ""  # what ended the session early, if anything did
        self.interruption: dict | None = None
        self.session = None
        self.written: list[Path] = []
        self.fallback: str = ""  # the one line saying where the reports went instead, if they did

    def add(self, report, outcome: str) -> None:
        rec = from_report(report, outcome)
        if rec.nodeid in self._by_id:
            # A later phase's outcome for a test already recorded (a teardown error after the call, a crash report
            # after its setup or call): the test's outcome is the error.
            prev = self._by_id[rec.nodeid]
            prev.outcome, prev.message = rec.outcome, rec.message
            return
        if not rec.target:
            self._crashed(rec)
        self.records.append(rec)
        self._by_id[rec.nodeid] = rec
        if rec.target:
            info = self.targets.setdefault(rec.target, {})
            for k in ("kernel_release", "profile"):
                info.setdefault(k, getattr(rec, k))
            for k, v in rec.extra.items():
                info.setdefault(k, v)

    def _crashed(self, rec: Record) -> None:
        """A test reported without its properties (pytest-xdist's report of a test whose worker crashed): its
        target from its id (`TARGET@RELEASE` or `TARGET@RELEASE-CASE`), and its spec case where the id names one
        unambiguously, so that the matrix and the comparison of two runs count it where it belongs."""
        # The longest name that fits: qemu-riscv64-aia's ids start with "qemu-riscv64-" too.
        name = max((t for t in (*self.targets, *machines.NAMES)
                    if rec.name == t or rec.name.startswith((f"{t}@", f"{t}-"))), key=len, default=None)
        if name is None:
            return
        info = self.targets.get(name, {})
        rec.target, rec.kernel_release, rec.profile = name, info.get("kernel_release", ""), info.get("profile", "")
        prefix = f"{name}@{rec.kernel_release}-" if rec.kernel_release else f"{name}-"
        if not rec.name.startswith(prefix):
            return
        from abi.spec import registry

        arch = info.get("arch", "")
        found = [c for c in registry.cases() if c.id == rec.name[len(prefix):] and arch in c.arch]
        if len(found) == 1:
            c = found[0]
            rec.group = rec.ioctl = c.ioctl
            rec.case, rec.condition, rec.expected, rec.basis, rec.cite = (
                c.id, c.condition, c.errno_name, c.basis, c.cite)

    def finish(self, session, exitstatus) -> None:
        """Whether the run stopped before every collected test reported, and how many did not."""
        not_run = [n for n in self.collected if n not in self._by_id]
        from abi.target.plugin import STOP_SIGNALS

        signalled = self.stopped_by in {s.name for s in STOP_SIGNALS}
        if not (signalled or not_run):
            return  # every test reported (pytest-xdist's -x may stop a run that had nothing left to do)
        reason = self.stopped_by or str(session.shouldfail or session.shouldstop or "") \
            or f"the run ended early (exit status {int(exitstatus)})"
        self.interruption = {
            "reason": reason, "not_run": len(not_run), "collected": len(self.collected),
            "message": f"interrupted ({reason}): {len(not_run)} of {len(self.collected)} tests not run",
            "not_run_ids": not_run}

    @property
    def interrupted(self) -> str:
        return self.interruption["message"] if self.interruption else ""

    def stem(self) -> str:
        """conformance-DATE-TIME-TARGETS-RELEASES: conformance-2026-11-24-015930-gicv2+gicv3-6.1.0-56-cloud-arm64."""
        order = {m.name: i for i, m in enumerate(machines.MACHINES)}
        names = sorted(self.targets, key=lambda n: (order.get(n, len(order)), n))
        short = "+".join(machines.named(n).label if n in order else n for n in names)
        # Debian builds one release per architecture: the arm64 and amd64 guests' 6.1.0-57 say "6.1.0-57" once
        # (the host's release stays whole).
        guests = {m.name for m in machines.GUESTS}
        releases = "+".join(sorted({re.sub(f"(-cloud)?-({'|'.join(DEBIAN_ARCHES)})$", "", r.kernel_release)
                                    if r.target in guests else r.kernel_release
                                    for r in self.records if r.kernel_release}))
        tag = "-".join(t for t in (short, releases) if t) or "no-target"
        tag = re.sub(r"[^\w.+-]", "_", tag)[:160]
        return f"conformance-{self.started:%Y-%m-%d-%H%M%S}-{tag}"

    def findings(self) -> list[dict]:
        """Every finding of the run once, under its stable id (abi/report/findings.py), by class in the order of
        abi.spec.case.FINDING_CLASSES: the deviations that held as recorded, the known host issues, the
        documentation's own, the UAPI headers', and implemented errnos the documents omit."""
        if not hasattr(self, "_findings"):
            from abi.spec import registry
            from abi.spec.case import FINDING_CLASSES, HEADER_NOT_COMPILABLE

            out = findings.from_records(self.records)
            out += [findings.documentation(f.kind, f"documentation: {f}") for f in registry.doc_findings()]
            out += [findings.documentation(HEADER_NOT_COMPILABLE, f"header check: {r.message}") for r in self.records
                    if r.nodeid.startswith("tests/abi/") and r.outcome in ("failed", "xfailed")]
            out += [findings.documentation(HEADER_NOT_COMPILABLE, f) for f in _header_findings()]
            out += [findings.undocumented(u, self.records) for u in self.undocumented() if not u.general]
            order = {kind: i for i, kind in enumerate(FINDING_CLASSES)}
            self._findings = sorted(findings.merge(out), key=lambda f: order.get(f["class"], len(order)))
        return self._findings

    def finding_counts(self) -> dict[str, int]:
        from abi.spec.case import FINDING_CLASSES

        found = self.findings()
        return {kind: sum(1 for f in found if f["class"] == kind) for kind in FINDING_CLASSES}

    def undocumented(self) -> list:
        """Errnos this run saw the kernel return (code-basis cases that passed) that its documentation omits."""
        if not hasattr(self, "_undocumented"):
            from abi.spec.coverage import documentation_kernel, undocumented_seen
            from abi.spec.docs import DocsUnavailable

            passed = [(r.ioctl, r.case, r.extra.get("arch", "")) for r in self.records
                      if r.outcome == "passed" and r.case]
            passed += [(r.ioctl, r.case, r.extra.get("arch", ""), r.observed) for r in self.records
                       if r.outcome == "xfailed" and r.verdict == "recorded" and r.case]
            try:
                kernel = documentation_kernel(self.config.getoption("guest_kernels", None))
                self._undocumented = undocumented_seen(kernel, passed) if passed else []
            except (DocsUnavailable, OSError):
                self._undocumented = []
        return self._undocumented

    def coverage(self):
        """(statuses, figures, what they were measured against); statuses None when the docs are unavailable."""
        if not hasattr(self, "_coverage"):
            from abi.spec import coverage
            from abi.spec.coverage import documentation_kernel, held
            from abi.spec.docs import DocsUnavailable

            kernel = documentation_kernel(self.config.getoption("guest_kernels", None))
            ran = held([{"ioctl": r.ioctl, "case": r.case, "arch": r.extra.get("arch", ""), "verdict": r.verdict}
                        for r in self.records if r.outcome in ("passed", "xfailed")])
            try:
                st, figs = coverage.for_kernel(kernel, ran)
                self._coverage = (st, figs, f"Documentation/virt/kvm/api.rst and devices/*.rst of {kernel}")
            except (DocsUnavailable, OSError) as e:
                self._coverage = (None, [], f"coverage not measured: {e}")
        return self._coverage

    def places(self) -> list[verdict.Place]:
        return verdict.places(self.records, bool(self.interruption), [m.name for m in machines.MACHINES])

    def summary_html(self) -> str:
        st, figs, source = self.coverage()
        places = self.places()
        rows = matrix.build(self.records, [p.name for p in places], [s.pair for s in st or []])
        # A target's properties are its first kernel's; each place has its own release.
        targets = {p.name: {**self.targets.get(p.target, {}), "kernel_release": p.kernel_release} for p in places
                   if p.target in self.targets}
        return report_html.summary(
            overall=verdict.overall(places, bool(self.interruption)), places=places,
            failed=verdict.failures(self.records), rows=rows, targets=targets, findings=self.findings(),
            records=self.records, figures=figs, interrupted=self.interrupted,
            coverage=report_html.coverage_table(st, figs, source) + report_html.undocumented_table(self.undocumented()))

    def contents(self) -> dict[str, str | Path]:
        """What each report file holds: text, or the file pytest-html/junitxml wrote."""
        _, figs, source = self.coverage()
        interruption = dict(self.interruption or {})
        not_run = interruption.pop("not_run_ids", [])
        places = self.places()
        results = {"format": FORMAT, "started": self.started.isoformat(timespec="seconds"), "targets": self.targets,
                   "interrupted": interruption or None, "not_run": not_run,
                   "verdict": {"overall": verdict.overall(places, bool(self.interruption)),
                               "places": [p.as_dict() for p in places]},
                   "findings": self.findings(), "finding_classes": self.finding_counts(),
                   "coverage": {"against": source, "figures": [f.line() for f in figs],
                                "arches": [{"arch": f.arch, "total": f.total, "tested": f.covered,
                                            "unreachable": f.unreachable, "measured": f.measured} for f in figs]},
                   "undocumented": [dataclasses.asdict(u) | {"general": u.general} for u in self.undocumented()],
                   "records": [r.as_dict() for r in self.records]}
        out: dict[str, str | Path] = {".json": json.dumps(results, indent=1),
                                      ".ktap": ktap.render(self.records, self.interrupted)}
        if self.xml is not None and self.xml.exists():
            out[".xml"] = self.xml
        if self.html is not None and self.html.exists():
            out[".html"] = page.compose(self.html.read_text(encoding="utf-8"), self.summary_html())
        return out

    def publish(self) -> None:
        """Write the reports into the report dir, each created exclusively under a name no other run has; if that
        fails, into a new temp dir, said in one line. Once: later calls do nothing."""
        if self.written or not (self.records or self.interruption):
            return
        contents = self.contents()
        try:
            self.written = _write_new(self.dir, self.stem(), contents)
        except OSError as e:
            elsewhere = Path(tempfile.mkdtemp(prefix="kvm-abi-reports-"))
            self.written = _write_new(elsewhere, self.stem(), contents)
            self.fallback = (f"kvm-abi: cannot write the reports to {self.dir}: {e.strerror or e}; "
                             f"they are in {elsewhere} instead")
            if self.session is not None and self.session.exitstatus == pytest.ExitCode.OK:
                self.session.exitstatus = pytest.ExitCode.TESTS_FAILED  # the run did not leave them where asked
        shutil.rmtree(self.work, ignore_errors=True)
        # What pytest-html and junitxml print in the terminal summary: their files' final names.
        final = {p.suffix: p for p in self.written}
        for plugin in self.config.pluginmanager.get_plugins():
            if self.html is not None and getattr(plugin, "_report_path", None) == self.html and ".html" in final:
                plugin._report_path = final[".html"]
            if self.xml is not None and getattr(plugin, "logfile", None) == str(self.xml) and ".xml" in final:
                plugin.logfile = str(final[".xml"])

    def lines(self) -> list[str]:
        out = [f"kvm-abi report: {p}" for p in self.written]
        if self.interrupted:
            out.append(f"kvm-abi: reports marked {self.interrupted}")
        if self.fallback:
            out.append(self.fallback)
        return out


def _make_dir(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file is in the way; "File exists" would not say so
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(directory)) from None


def _write_new(directory: Path, stem: str, contents: dict[str, str | Path]) -> list[Path]:
    """Create every file exclusively (O_EXCL): a name another run took gets the next free `-N` suffix."""
    _make_dir(directory)
    suffixes = [s for s in SUFFIXES if s in contents]
    for n in range(1, 1000):
        name = stem if n == 1 else f"{stem}-{n}"
        made: list[Path] = []
        try:
            for suffix in suffixes:
                path = directory / (name + suffix)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
                made.append(path)
        except FileExistsError:
            for path in made:
                path.unlink(missing_ok=True)
            continue
        try:
            for path, suffix in zip(made, suffixes, strict=True):
                what = contents[suffix]
                if isinstance(what, Path):
                    shutil.copyfile(what, path)
                else:
                    path.write_text(what)
        except OSError:
            for path in made:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
            raise
        return made
    raise FileExistsError(f"{directory / stem}: 999 runs already took this name")


def _header_findings() -> list[str]:
    from abi import abicheck, model
    from abi.headers import HeaderError, HeaderSet, dump

    out = []
    for arch in model.ARCH_MODULES:
        try:
            out += [f"UAPI header: {f}" for f in abicheck.findings(dump(HeaderSet(arch)))]
        except HeaderError:
            continue
    return out


def _wanted(config) -> Path | None:
    if config.getoption("report_dir"):
        # absolute: pytest-html's summary line writes the HTML's path as a file:// URI
        return Path(config.getoption("report_dir")).absolute()
    args = [a for a in config.args if not a.startswith("-")] or config.getini("testpaths")
    if any("conformance" in str(a) for a in args):
        return Path(config.rootpath) / "reports"
    return None


def check_writable(config, directory: Path) -> None:
    """Before the first test: can this process create files there? One line and exit status 4 if not."""
    try:
        _make_dir(directory)
        fd, probe = tempfile.mkstemp(prefix=".kvm-abi-probe-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        where = "--report-dir" if config.getoption("report_dir") else "the default report dir"
        hint = "" if config.getoption("report_dir") else " (choose another with --report-dir DIR)"
        raise pytest.UsageError(f"{where} {directory}: cannot write reports there: {e.strerror or e}{hint}") \
            from None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if hasattr(config, "workerinput"):
        return
    directory = _wanted(config)
    if directory is None:
        return
    check_writable(config, directory)
    scratch.sweep("run")  # the work dirs of runs that were killed
    reporter = Reporter(config, directory)
    # pytest-html and junitxml read their paths in their own pytest_configure, which runs after this one.
    if not config.getoption("htmlpath", None):
        reporter.html = reporter.work / "report.html"
        config.option.htmlpath = str(reporter.html)
        config.option.self_contained_html = True
    if not config.option.xmlpath:
        reporter.xml = reporter.work / "report.xml"
        config.option.xmlpath = str(reporter.xml)
    config.stash[_KEY] = reporter


def pytest_collection_finish(session):
    reporter = session.config.stash.get(_KEY, None)
    if reporter is not None:
        reporter.collected.update(dict.fromkeys(item.nodeid for item in session.items))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """Under pytest-xdist the controller collects nothing: each worker sends its ids."""
    reporter = node.config.stash.get(_KEY, None)
    if reporter is not None:
        reporter.collected.update(dict.fromkeys(ids))


def pytest_keyboard_interrupt(excinfo):
    reporter = _reporter()
    if reporter is not None:
        # A signal's name (abi.target.base.Stopping), or pytest-xdist's reason ("[gw0] ... keyboard-interrupt").
        reporter.stopped_by = reporter.stopped_by or str(excinfo.value) or excinfo.typename


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    """Before pytest-html and junitxml write: whether the run was interrupted, and the tests it did not run."""
    reporter = session.config.stash.get(_KEY, None)
    if reporter is None:
        return
    try:
        from abi.target.plugin import stop_signal

        reporter.stopped_by = stop_signal(session.config) or reporter.stopped_by
    except ImportError:
        pass
    reporter.finish(session, exitstatus)
    if reporter.interruption:
        for plugin in session.config.pluginmanager.get_plugins():
            if hasattr(plugin, "add_global_property") and hasattr(plugin, "logfile"):  # junitxml
                plugin.add_global_property("interrupted", reporter.interrupted)
                plugin.add_global_property("tests_not_run", reporter.interruption["not_run"])
                _drop_unfinished(plugin)


def _drop_unfinished(junitxml) -> None:
    """junitxml keeps a nameless <testcase> for a test interrupted after its setup (a JUnit reader counts it as a
    passed test): it is among the tests not run, as in the other reports."""
    ordered = getattr(junitxml, "node_reporters_ordered", None)
    if isinstance(ordered, list):
        ordered[:] = [r for r in ordered if "name" in getattr(r, "attrs", {"name": ""})]


def pytest_runtest_logreport(report):
    reporter = _reporter()
    if reporter is None:
        return
    outcome = outcome_of(report)
    if outcome is not None:
        reporter.add(report, outcome)


_CONFIG = []


def _reporter():
    # pytest_runtest_logreport gets no config: the session's is remembered at its start.
    return _CONFIG[0].stash.get(_KEY, None) if _CONFIG else None


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    _CONFIG[:] = [session.config]
    reporter = session.config.stash.get(_KEY, None)
    if reporter is not None:
        reporter.session = session


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_html(report, data):
    """Each case's details in the HTML report's log, shown when its row is expanded: the call under test decoded
    (request by name, argument field by field, ret and errno by name) and the citation. In the log, not as a
    pytest-html link: a data: link is a second, base64 copy of the text that Chromium refuses to open."""
    props = dict(report.user_properties)
    if report.when != "call" or "transcript" not in props:
        return
    text = (f"{props.get('ioctl')}: {props.get('condition')}\nexpected {props.get('expected')} "
            f"({props.get('basis')}: {props.get('cite')})\n\n{props['transcript']}\n")
    data.insert(0, escape(text))


def pytest_html_results_summary(prefix, summary, postfix, session):
    """An --html page of the user's own choosing gets the section in pytest-html's summary; the report dir's page
    gets it on top (Reporter.contents)."""
    reporter = session.config.stash.get(_KEY, None)
    if reporter is not None and reporter.html is None:
        prefix.append(reporter.summary_html())


@pytest.hookimpl(tryfirst=True)
def pytest_terminal_summary(terminalreporter, config):
    """Write the reports (pytest-html and junitxml have written theirs), before those two print where they are;
    where they went is said last, after pytest's own summary line."""
    reporter = config.stash.get(_KEY, None)
    if reporter is None:
        return
    if any(r.case for r in reporter.records):
        counts = reporter.finding_counts()
        terminalreporter.section(f"findings: {sum(counts.values())}, by class")
        for kind, n in counts.items():
            terminalreporter.write_line(f"{n:5}  {kind}")
    reporter.publish()


def pytest_html_report_title(report):
    report.title = "KVM ABI conformance"


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Where the reports went, and whether they are partial. Written now where no terminal summary came (an internal
    error, -p no:terminal); nothing ran (a usage error, an empty selection): no empty reports left behind."""
    reporter = config.stash.get(_KEY, None)
    if reporter is None:
        return
    reporter.publish()
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    for line in reporter.lines():
        if terminal is not None:
            terminal.write_line(line)
        else:
            print(line)
    shutil.rmtree(reporter.work, ignore_errors=True)
