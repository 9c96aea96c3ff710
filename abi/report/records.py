"""One record per test of a run: what the JSON results, KTAP, the matrix and the diff are made from."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field


@dataclass
class Record:
    nodeid: str
    outcome: str
    group: str  # the ioctl for spec cases; the test function for others (KTAP's subtest group)
    name: str  # the case within the group: "qemu-arm64-gicv2-dist-already-set"
    target: str = ""
    kernel_release: str = ""
    profile: str = ""
    ioctl: str = ""
    case: str = ""  # the spec case's id
    condition: str = ""
    expected: str = ""
    observed: str = ""
    basis: str = ""
    cite: str = ""
    deviation: str = ""
    recorded: str = ""  # what the deviation records the kernel does instead
    finding_class: str = ""  # a deviation's class (abi.spec.case.FINDING_CLASSES)
    follows: str = ""  # the case whose finding this deviation is a consequence of
    verdict: str = ""  # held, recorded, fixed or broken (abi.spec.run), for a case that got as far as its call
    message: str = ""  # why it failed or was skipped, one line
    duration: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def place(self) -> str:
        """Where it ran: the target on its kernel release, "qemu-arm64-gicv3@6.1.0-57-cloud-arm64"."""
        return f"{self.target}@{self.kernel_release}" if self.kernel_release else self.target

    def as_dict(self) -> dict:
        return asdict(self)


def outcome_of(report) -> str | None:
    """The test's outcome from its phase reports (None: not final yet)."""
    if report.when not in ("setup", "call", "teardown"):
        return "failed" if report.failed else None  # pytest-xdist's when="???": the test's worker crashed
    xfail = hasattr(report, "wasxfail")
    if report.when == "call":
        if xfail:
            return "xpassed" if report.passed else "xfailed"
        if report.failed and dict(report.user_properties).get("verdict") == "fixed":
            return "xpassed"  # the documented outcome despite a recorded deviation: fixed, and the run fails
        return report.outcome
    if report.when == "setup":
        if report.skipped:
            return "xfailed" if xfail else "skipped"
        if report.failed:
            return "error"
    if report.when == "teardown" and report.failed:
        return "error"
    return None


def _message(report) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if hasattr(report, "wasxfail") and report.wasxfail:
        return str(report.wasxfail).removeprefix("reason: ")
    if report.failed:
        text = getattr(report, "longreprtext", "") or str(report.longrepr or "")
        # pytest-xdist heads a worker's failure with "[gw1] linux -- Python ...": not the test's words.
        lines = [line for line in text.splitlines() if line.strip() and not re.match(r"\[gw\d+\] ", line)]
        for line in lines:
            if line.startswith("E "):
                return line[1:].strip()
        if not re.search(r"^\S+\.py:\d+", text, re.M):
            # A sentence a test failed with (pytrace=False, e.g. a case's documented, recorded and observed
            # outcomes): all of it, on one line.
            return " | ".join(line.strip() for line in lines)
        return lines[-1].strip() if lines else ""
    return ""


def from_report(report, outcome: str) -> Record:
    props = dict(report.user_properties)
    func = report.nodeid.split("::")[-1].split("[")[0]
    param = report.nodeid.split("[", 1)[1].rstrip("]") if "[" in report.nodeid else func
    return Record(
        nodeid=report.nodeid, outcome=outcome, group=str(props.get("ioctl") or func), name=param,
        target=str(props.get("target", "")), kernel_release=str(props.get("kernel_release", "")),
        profile=str(props.get("profile", "")), ioctl=str(props.get("ioctl", "")), case=str(props.get("case", "")),
        condition=str(props.get("condition", "")), expected=str(props.get("expected", "")),
        observed=str(props.get("observed", "")), basis=str(props.get("basis", "")), cite=str(props.get("cite", "")),
        deviation=str(props.get("deviation", "")), recorded=str(props.get("recorded", "")),
        finding_class=str(props.get("finding_class", "")),
        follows=str(props.get("follows", "")), verdict=str(props.get("verdict", "")),
        message=_message(report), duration=report.duration,
        extra={k: v for k, v in props.items() if k in ("qemu_version", "cpu_model", "arch", "ipa_limit", "features")},
    )
