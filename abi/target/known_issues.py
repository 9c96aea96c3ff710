"""Known host issues: a lab's own declaration that its host fails some conformance cases, kept out of abi/spec.

The spec says what the documentation and the kernel source say, for every machine. A host whose KVM does something
else (an out-of-tree vendor module, a patched kernel) fails those cases, and that failure is a true finding about
the host. A lab that has looked at such a failure and wants its runs green can declare it, with
`--known-host-issues FILE`: a TOML file of entries

    [[issue]]
    test = "tests/conformance/test_vcpu_attrs.py::test_vcpu_attrs[local@6.18.*-tsc-set-reads-back]"
    fails_with = "read back 0x0, expected 0x12340000"
    why = "what the host does instead, and why the lab accepts it"

`test` is a node id in which `*` and `?` are wildcards (brackets are literal: they are the test id's; the id carries
the target and its kernel release, so an entry can hold for one host kernel only). A test it matches is a strict
expected failure: it must fail its case's own assertion with a message containing `fails_with`, or the run fails, so
a host that changes (a fix, or another wrong answer) turns the run red until the file is updated. Nothing is declared
unless the option is given, and the spec's expectations never change. The terminal summary lists every declared issue
and what became of it; the report shows the test as an expected failure whose reason starts "known host issue", and
lists it among the findings.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

_ISSUE = pytest.StashKey["Issue"]()
_ISSUES = pytest.StashKey[list]()


@dataclass(frozen=True)
class Issue:
    test: str  # a node id pattern
    fails_with: str  # text the failure message must contain
    why: str
    source: str  # the file that declared it

    def matches(self, nodeid: str) -> bool:
        return fnmatch.fnmatchcase(nodeid, self.test.replace("[", "[[]"))  # "[" would open a character class


def load(path: str | Path) -> list[Issue]:
    """The entries of a known-host-issues file; ValueError naming the file and entry when one is malformed."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"{path}: {e}") from None
    entries = data.get("issue", [])
    if not isinstance(entries, list) or set(data) - {"issue"}:
        raise ValueError(f"{path}: expected only [[issue]] tables")
    out = []
    for i, e in enumerate(entries, 1):
        missing = [k for k in ("test", "fails_with", "why") if not isinstance(e.get(k), str) or not e[k].strip()]
        unknown = set(e) - {"test", "fails_with", "why"}
        if missing or unknown:
            raise ValueError(f"{path}: issue {i}: " + "; ".join(
                ([f"missing {', '.join(missing)}"] if missing else []) +
                ([f"unknown key {', '.join(sorted(unknown))}"] if unknown else [])))
        out.append(Issue(e["test"].strip(), e["fails_with"], " ".join(e["why"].split()), str(path)))
    return out


def pytest_addoption(parser):
    parser.getgroup("kvm-abi targets").addoption(
        "--known-host-issues", action="append", default=[], metavar="FILE",
        help="a lab's declaration (TOML) of conformance cases its host is known to fail, each a strict expected "
             "failure with the failure text and the reason; see abi/target/known_issues.py (repeatable)")


def pytest_configure(config):
    issues = []
    for f in config.getoption("known_host_issues", []) or []:
        try:
            issues += load(f)
        except ValueError as e:
            raise pytest.UsageError(f"--known-host-issues: {e}") from None
    config.stash[_ISSUES] = issues


def pytest_collection_modifyitems(config, items):
    issues = config.stash.get(_ISSUES, [])
    if not issues:
        return
    for item in items:
        issue = next((i for i in issues if i.matches(item.nodeid)), None)
        if issue is None:
            continue
        item.stash[_ISSUE] = issue
        # A case's verdict fails through pytest.fail (abi.spec.plugin.replay); other tests assert. Which failure it
        # was is then decided by `fails_with`, below.
        item.add_marker(pytest.mark.xfail(strict=True, raises=(AssertionError, pytest.fail.Exception),
                                          reason=f"known host issue ({issue.source}): {issue.why}"))
        item.user_properties.append(("known_host_issue", f"{issue.why} [{issue.source}]"))


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: sees the report after the xfail marker was applied
def pytest_runtest_makereport(item, call):
    report = yield
    issue = item.stash.get(_ISSUE, None)
    if issue is None or call.when != "call" or not (report.skipped and hasattr(report, "wasxfail")):
        return report
    text = str(call.excinfo.value) if call.excinfo else ""
    if issue.fails_with not in text:
        report.outcome = "failed"
        del report.wasxfail
        report.longrepr = (f"known host issue ({issue.source}): declared to fail with {issue.fails_with!r}, but it "
                           f"failed otherwise:\n{text}")
    return report


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workerinput") or not config.stash.get(_ISSUES, []):
        return
    said = {"xfailed": "fails as declared", "failed": "FAILED (not as declared: see above)",
            "passed": "passed", "skipped": "skipped"}
    seen: dict[str, str] = {}
    for outcome, what in said.items():
        for r in terminalreporter.stats.get(outcome, []):
            if dict(getattr(r, "user_properties", ())).get("known_host_issue") and r.nodeid not in seen:
                xpass = outcome == "failed" and "[XPASS(strict)]" in str(r.longrepr)
                seen[r.nodeid] = "PASSED (XPASS strict: the host no longer has this issue; update the file)" \
                    if xpass else what
    terminalreporter.section("known host issues (--known-host-issues)")
    for issue in config.stash[_ISSUES]:
        terminalreporter.write_line(f"{issue.test}: {issue.why} [{issue.source}]")
        hits = sorted((n, o) for n, o in seen.items() if issue.matches(n))
        for n, o in hits:
            terminalreporter.write_line(f"  {o}: {n}")
        if not hits:
            terminalreporter.write_line("  matched no test of this run")
