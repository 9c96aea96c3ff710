"""Compare two runs' results JSON: the patch-validation view (stock against patched kernel, one distribution
kernel against the next). Cases are matched by target and case id, without the kernel release (with it for a
target that ran on several kernels of one run: two kernel matrices are compared kernel by kernel).

What a comparison can say, from worst to mildest, and the exit status of `python -m abi.report diff`:
- regressed (1): a case that passed, was skipped, or failed as its deviation records now fails, errors, or passes
  against a recorded deviation (fixed: the expectation needs updating); or a deviation's observed outcome
  changed although both runs call it expected.
- coverage lost (3): a case that ran (passed, or held as recorded) is now skipped or gone, or a target that ran
  cases runs none, or either run was interrupted: the new run claims less than the base did.
- neither (0): what is left is information (fixed cases, gone deviations, new cases, changed errnos of passing
  code-basis cases).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

BAD = ("failed", "error", "xpassed")
RAN = ("passed", "xfailed")
FORMATS = (1, 2, 3)  # results JSON formats this comparison reads (abi.report.plugin.FORMAT)
OK, REGRESSED, COVERAGE_LOST = 0, 1, 3


class ResultsError(ValueError):
    """A file that is not a results JSON this comparison reads; the message is one line."""


@dataclass
class Diff:
    base: str
    new: str
    new_failures: list[str] = field(default_factory=list)
    observation_changed: list[str] = field(default_factory=list)  # xfailed both times, another outcome observed
    coverage_lost: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    deviations_gone: list[str] = field(default_factory=list)
    changed_errnos: list[str] = field(default_factory=list)
    new_findings: list[str] = field(default_factory=list)
    gone_findings: list[str] = field(default_factory=list)
    new_cases: list[str] = field(default_factory=list)
    gone_cases: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # what changed in the machines themselves
    interrupted: list[str] = field(default_factory=list)  # a run that stopped early (its "interrupted" message)

    @property
    def regressed(self) -> bool:
        return bool(self.new_failures or self.observation_changed)

    @property
    def status(self) -> int:
        if self.regressed:
            return REGRESSED
        return COVERAGE_LOST if self.coverage_lost or self.interrupted else OK

    @property
    def verdict(self) -> str:
        return {REGRESSED: "REGRESSED", COVERAGE_LOST: "COVERAGE LOST", OK: "no regression"}[self.status]

    def sections(self):
        return (("Interrupted", self.interrupted), ("Targets", self.targets), ("New failures", self.new_failures),
                ("Deviations observed differently", self.observation_changed), ("Coverage lost", self.coverage_lost),
                ("Fixed", self.fixed), ("Deviations gone", self.deviations_gone),
                ("Changed errnos", self.changed_errnos),
                ("New findings", self.new_findings), ("Gone findings", self.gone_findings),
                ("New cases", self.new_cases), ("Gone cases", self.gone_cases))

    def text(self) -> str:
        out = [f"base: {self.base}", f"new:  {self.new}"]
        for title, items in self.sections():
            out.append(f"{title}: {len(items)}")
            out += [f"  {i}" for i in items]
        out.append(self.verdict)
        return "\n".join(out)

    def html(self) -> str:
        body = "".join(f"<h3>{escape(t)} ({len(items)})</h3><ul>" + "".join(f"<li>{escape(i)}</li>" for i in items)
                       + "</ul>" for t, items in self.sections())
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>kvm-abi diff</title></head><body>"
                f"<h2>kvm-abi: {escape(self.verdict)}</h2><p>base: {escape(self.base)}<br>new: {escape(self.new)}</p>"
                f"{body}</body></html>")


def _keyed(records: list[dict]) -> dict[str, dict]:
    """Records by the key the comparison matches them on: group and test id without the kernel release, so that
    the patched kernel's run meets the stock one's; a target that ran on several kernels in one run (a kernel
    matrix) keeps its releases, and meets the same kernels of the other run."""
    releases: dict[str, set] = {}
    for r in records:
        releases.setdefault(r.get("target", ""), set()).add(r.get("kernel_release", ""))
    out = {}
    for r in records:
        name = r["name"]
        if r.get("kernel_release") and len(releases[r.get("target", "")]) == 1:
            name = name.replace("@" + r["kernel_release"], "")
        out[f"{r['group']}: {name}"] = r
    return out


def load(path: str) -> dict:
    """A results JSON, checked enough that the comparison cannot trip over it later."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ResultsError(f"{path}: not readable as JSON ({e})") from e
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise ResultsError(f"{path}: not a kvm-abi results file (no list of records)")
    fmt = data.get("format", 1)
    if fmt not in FORMATS:
        raise ResultsError(f"{path}: results format {fmt}; this kvm-abi reads formats "
                           f"{', '.join(map(str, FORMATS))} (compare files written by the same version)")
    for r in data["records"]:
        if not isinstance(r, dict) or not all(isinstance(r.get(k), str) for k in ("group", "name", "outcome")):
            raise ResultsError(f"{path}: a record without group, name and outcome: {str(r)[:80]}")
    return data


def _observed(rec: dict) -> str:
    return rec.get("observed") or rec["outcome"]


def _findings(data: dict, by_id: bool) -> dict[str, str]:
    """What each finding is matched by -> how the comparison names it. Format 3 gives findings a stable id
    (abi/report/findings.py): two such runs match findings by id, so a finding whose wording or places changed
    is neither new nor gone. Otherwise by text (format 1: strings; 2: {"class", "text"})."""
    out = {}
    for f in data.get("findings", []):
        if isinstance(f, str):
            out[f] = f
        elif by_id:
            out[f["id"]] = f"{f['id']} ({f.get('class')}): {f.get('text')}"
        else:
            text = f"{f.get('class')}: {f.get('text')}"
            out[text] = text
    return out


def compare(base_path: str, new_path: str) -> Diff:
    base, new = load(base_path), load(new_path)
    b, n = _keyed(base["records"]), _keyed(new["records"])
    releases = lambda d: ", ".join(sorted({r.get("kernel_release", "") for r in d["records"]} - {""}))  # noqa: E731
    d = Diff(f"{base_path} ({releases(base)})", f"{new_path} ({releases(new)})")
    for key in sorted(b.keys() & n.keys()):
        was, now = b[key], n[key]
        w, o = was["outcome"], now["outcome"]
        if o in BAD and w not in BAD:
            d.new_failures.append(f"{key}: {w} -> {o}: {now.get('message', '')}")
        elif w in BAD and o not in BAD:
            d.fixed.append(f"{key}: {w} -> {o}")
        elif w == "xfailed" and o == "xfailed" and _observed(was) != _observed(now):
            d.observation_changed.append(f"{key}: the kernel gave {_observed(was)}, now {_observed(now)} "
                                         f"(documented {now.get('expected', '?')})")
        elif w == "xfailed" and o == "passed":
            d.deviations_gone.append(f"{key}: xfailed -> passed (the case no longer carries a deviation)")
        elif w in RAN and o == "skipped":
            d.coverage_lost.append(f"{key}: {w} -> skipped: {now.get('message', '')}")
        if (w == o == "passed" and was.get("observed") and now.get("observed")
                and _observed(was) != _observed(now)):
            d.changed_errnos.append(f"{key}: {_observed(was)} -> {_observed(now)}")
    for name in sorted(base.get("targets", {}).keys() | new.get("targets", {}).keys()):
        bt, nt = base.get("targets", {}).get(name, {}), new.get("targets", {}).get(name, {})
        changes = [f"{k} {bt.get(k, '-')} -> {nt.get(k, '-')}" for k in sorted(bt.keys() | nt.keys())
                   if bt.get(k) != nt.get(k)]
        if changes:
            d.targets.append(f"{name}: " + "; ".join(changes))
    d.new_cases = sorted(n.keys() - b.keys())
    d.gone_cases = sorted(b.keys() - n.keys())
    d.coverage_lost += [f"{key}: {b[key]['outcome']} -> not in the new run" for key in d.gone_cases
                        if b[key]["outcome"] in RAN]
    for which, data in (("base", base), ("new", new)):
        if data.get("interrupted"):
            d.interrupted.append(f"{which}: {data['interrupted'].get('message', 'interrupted')}")
    by_id = all(isinstance(f, dict) and f.get("id") for data in (base, new) for f in data.get("findings", []))
    b_found, n_found = _findings(base, by_id), _findings(new, by_id)
    d.new_findings = sorted(n_found[k] for k in n_found.keys() - b_found.keys())
    d.gone_findings = sorted(b_found[k] for k in b_found.keys() - n_found.keys())
    return d
