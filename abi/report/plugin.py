"""pytest wiring of the reports: every conformance run leaves HTML, JUnit XML, KTAP and results JSON in
--report-dir (default reports/), named with the date and the kernel releases it ran on.

Active when the run includes tests/conformance or --report-dir is given. With pytest-xdist only the
controller writes: workers' reports reach it with their user properties.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
from pathlib import Path

import pytest

from abi.report import html as report_html
from abi.report import ktap, matrix
from abi.report.records import Record, from_report, outcome_of

_KEY = pytest.StashKey["Reporter"]()
# The results JSON's format: 2 gives each finding its class ({"class", "text"}) and each record its verdict and
# the deviation's recorded outcome. `python -m abi.report diff` reads 1 and 2.
FORMAT = 2


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
        self.targets: dict[str, dict] = {}
        self.started = datetime.datetime.now()
        self.renames: list[tuple[Path, str]] = []
        self.written: list[Path] = []

    def add(self, report, outcome: str) -> None:
        rec = from_report(report, outcome)
        if self.records and self.records[-1].nodeid == rec.nodeid:
            # A teardown error after the call's outcome: the test's outcome is the error.
            self.records[-1].outcome, self.records[-1].message = rec.outcome, rec.message
            return
        self.records.append(rec)
        if rec.target:
            info = self.targets.setdefault(rec.target, {})
            for k in ("kernel_release", "profile"):
                info.setdefault(k, getattr(rec, k))
            for k, v in rec.extra.items():
                info.setdefault(k, v)

    def stem(self) -> str:
        releases = sorted({r.kernel_release for r in self.records if r.kernel_release})
        tag = "+".join(releases) or "no-target"
        tag = re.sub(r"[^\w.+-]", "_", tag)[:120]
        return f"conformance-{self.started:%Y-%m-%d-%H%M%S}-{tag}"

    def findings(self) -> list[dict]:
        """Every finding of the run once, with its class (abi.spec.case.FINDING_CLASSES): the deviations that held
        as recorded, the documentation's own, the UAPI headers', and implemented errnos the documents omit."""
        from abi.spec import registry
        from abi.spec.case import DOCUMENT_SILENT, HEADER_NOT_COMPILABLE

        held: dict[tuple, list[str]] = {}  # one finding per case and observation, with the machines it held on
        consequences: dict[str, list[str]] = {}  # a case id -> what follows from its finding
        for r in self.records:
            if r.outcome == "xfailed" and r.deviation:
                held.setdefault((r.finding_class, r.ioctl, r.case, r.condition, r.expected, r.observed, r.deviation,
                                 r.follows), []).append(r.target)
        primaries = {key[2] for key in held}
        for (_, ioctl, _, condition, *_, follows), _machines in held.items():
            if follows in primaries:
                consequences.setdefault(follows, []).append(f"{ioctl}, {condition}")
        out = []
        for (kind, ioctl, case, condition, expected, observed, why, follows), machines in held.items():
            if follows in primaries:
                continue  # reported with the finding it follows from
            also = "".join(f"; a consequence: {c}" for c in dict.fromkeys(consequences.get(case, [])))
            out.append((kind, f"deviation: {ioctl}, {condition}: documented {expected}, the kernel gives {observed} "
                              f"({', '.join(sorted(set(machines)))}): {why}{also}"))
        out += [(f.kind, f"documentation: {f}") for f in registry.doc_findings()]
        out += [(HEADER_NOT_COMPILABLE, f"header check: {r.message}") for r in self.records
                if r.nodeid.startswith("tests/abi/") and r.outcome in ("failed", "xfailed")]
        out += [(HEADER_NOT_COMPILABLE, f) for f in _header_findings()]
        out += [(DOCUMENT_SILENT, f"undocumented: {u.line()}") for u in self.undocumented() if not u.general]
        return [{"class": kind, "text": text} for kind, text in dict.fromkeys(out)]

    def finding_counts(self) -> dict[str, int]:
        from abi.spec.case import FINDING_CLASSES

        found = self.findings()
        return {kind: sum(1 for f in found if f["class"] == kind) for kind in FINDING_CLASSES}

    def undocumented(self) -> list:
        """Errnos this run saw the kernel return (code-basis cases that passed) that its documentation omits."""
        if not hasattr(self, "_undocumented"):
            from abi.spec.plugin import documentation_kernel, undocumented_seen
            from abi.target.base import TargetUnavailable

            passed = [(r.ioctl, r.case, r.target) for r in self.records if r.outcome == "passed" and r.case]
            passed += [(r.ioctl, r.case, r.target, r.observed) for r in self.records
                       if r.outcome == "xfailed" and r.verdict == "recorded" and r.case]
            try:
                self._undocumented = undocumented_seen(documentation_kernel(self.config), passed) if passed else []
            except (TargetUnavailable, OSError):
                self._undocumented = []
        return self._undocumented

    def coverage(self):
        """(statuses, figures, what they were measured against); statuses None when the docs are unavailable."""
        if not hasattr(self, "_coverage"):
            from abi.spec import coverage
            from abi.spec.plugin import documentation_kernel, held
            from abi.target.base import TargetUnavailable

            kernel = documentation_kernel(self.config)
            ran = held([{"ioctl": r.ioctl, "case": r.case, "arch": r.extra.get("arch", ""), "verdict": r.verdict}
                        for r in self.records if r.outcome in ("passed", "xfailed")])
            try:
                st, figs = coverage.for_kernel(kernel, ran)
                self._coverage = (st, figs, f"Documentation/virt/kvm/api.rst and devices/*.rst of {kernel}")
            except (TargetUnavailable, OSError) as e:
                self._coverage = (None, [], f"coverage not measured: {e}")
        return self._coverage

    def summary_html(self) -> str:
        names = list(self.targets)
        st, figs, source = self.coverage()
        rows = matrix.build(self.records, names, [s.pair for s in st or []])
        return report_html.summary(rows, self.targets, self.findings(), self.records,
                                   report_html.coverage_table(st, figs, source)
                                   + report_html.undocumented_table(self.undocumented()))

    def write(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        stem = self.stem()
        _, figs, source = self.coverage()
        results = {"format": FORMAT, "started": self.started.isoformat(timespec="seconds"), "targets": self.targets,
                   "findings": self.findings(), "finding_classes": self.finding_counts(),
                   "coverage": {"against": source, "figures": [f.line() for f in figs]},
                   "undocumented": [dataclasses.asdict(u) | {"general": u.general} for u in self.undocumented()],
                   "records": [r.as_dict() for r in self.records]}
        for suffix, text in ((".json", json.dumps(results, indent=1)), (".ktap", ktap.render(self.records))):
            path = self.dir / (stem + suffix)
            path.write_text(text)
            self.written.append(path)
        for tmp, suffix in self.renames:
            if tmp.exists():
                final = self.dir / (stem + suffix)
                os.replace(tmp, final)
                self.written.append(final)


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
        return Path(config.getoption("report_dir"))
    args = [a for a in config.args if not a.startswith("-")] or config.getini("testpaths")
    if any("conformance" in str(a) for a in args):
        return Path(config.rootpath) / "reports"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if hasattr(config, "workerinput"):
        return
    directory = _wanted(config)
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    reporter = Reporter(config, directory)
    # pytest-html and junitxml read their paths in their own pytest_configure, which runs after this one.
    if not config.getoption("htmlpath", None):
        tmp = directory / f".kvm-abi-{os.getpid()}.html"
        config.option.htmlpath = str(tmp)
        config.option.self_contained_html = True
        reporter.renames.append((tmp, ".html"))
    if not config.option.xmlpath:
        tmp = directory / f".kvm-abi-{os.getpid()}.xml"
        config.option.xmlpath = str(tmp)
        reporter.renames.append((tmp, ".xml"))
    config.stash[_KEY] = reporter


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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each case's details in the HTML report: the call under test decoded (request by name, argument field by
    field, ret and errno by name) and the citation."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call":
        return
    props = dict(item.user_properties)
    if "transcript" not in props:
        return
    try:
        from pytest_html import extras
    except ImportError:
        return
    text = (f"{props.get('ioctl')}: {props.get('condition')}\nexpected {props.get('expected')} "
            f"({props.get('basis')}: {props.get('cite')})\n\n{props['transcript']}")
    report.extras = [*getattr(report, "extras", []), extras.text(text, name="call")]


def pytest_html_results_summary(prefix, summary, postfix, session):
    reporter = session.config.stash.get(_KEY, None)
    if reporter is not None:
        prefix.append(reporter.summary_html())


@pytest.hookimpl(tryfirst=True)
def pytest_terminal_summary(terminalreporter, config):
    """Give the HTML report its final name before pytest-html prints where it is."""
    reporter = config.stash.get(_KEY, None)
    if reporter is None or not reporter.records:
        return
    if any(r.case for r in reporter.records):
        counts = reporter.finding_counts()
        terminalreporter.section(f"findings: {sum(counts.values())}, by class")
        for kind, n in counts.items():
            terminalreporter.write_line(f"{n:5}  {kind}")
    for plugin in config.pluginmanager.get_plugins():
        path = getattr(plugin, "_report_path", None)  # pytest-html's reporter
        for tmp, suffix in list(reporter.renames):
            if suffix == ".html" and path is not None and Path(path) == tmp and tmp.exists():
                final = reporter.dir / (reporter.stem() + suffix)
                os.replace(tmp, final)
                plugin._report_path = final
                reporter.renames.remove((tmp, suffix))
                reporter.written.append(final)


def pytest_html_report_title(report):
    report.title = "KVM ABI conformance"


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    reporter = config.stash.get(_KEY, None)
    if reporter is None:
        return
    if not reporter.records:
        # Nothing ran (a usage error, an empty selection): leave no empty reports behind.
        for tmp, _ in reporter.renames:
            tmp.unlink(missing_ok=True)
        return
    reporter.write()
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        for path in reporter.written:
            terminal.write_line(f"kvm-abi report: {path}")
