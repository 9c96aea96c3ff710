"""Compare two runs' results JSON: the patch-validation view (stock against patched kernel, one distribution
kernel against the next). Cases are matched by target and case id, without the kernel release."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

BAD = ("failed", "error", "xpassed")


@dataclass
class Diff:
    base: str
    new: str
    new_failures: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    changed_errnos: list[str] = field(default_factory=list)
    new_findings: list[str] = field(default_factory=list)
    gone_findings: list[str] = field(default_factory=list)
    new_cases: list[str] = field(default_factory=list)
    gone_cases: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # what changed in the machines themselves

    @property
    def regressed(self) -> bool:
        return bool(self.new_failures)

    def sections(self):
        return (("Targets", self.targets), ("New failures", self.new_failures), ("Fixed", self.fixed),
                ("Changed errnos", self.changed_errnos),
                ("New findings", self.new_findings), ("Gone findings", self.gone_findings),
                ("New cases", self.new_cases), ("Gone cases", self.gone_cases))

    def text(self) -> str:
        out = [f"base: {self.base}", f"new:  {self.new}"]
        for title, items in self.sections():
            out.append(f"{title}: {len(items)}")
            out += [f"  {i}" for i in items]
        out.append("REGRESSED" if self.regressed else "no regression")
        return "\n".join(out)

    def html(self) -> str:
        body = "".join(f"<h3>{escape(t)} ({len(items)})</h3><ul>" + "".join(f"<li>{escape(i)}</li>" for i in items)
                       + "</ul>" for t, items in self.sections())
        verdict = "REGRESSED" if self.regressed else "no regression"
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>kvm-abi diff</title></head><body>"
                f"<h2>kvm-abi: {escape(verdict)}</h2><p>base: {escape(self.base)}<br>new: {escape(self.new)}</p>"
                f"{body}</body></html>")


def _key(rec: dict) -> str:
    name = rec["name"]
    if rec.get("kernel_release"):
        name = name.replace("@" + rec["kernel_release"], "")
    return f"{rec['group']}: {name}"


def _load(path: str) -> dict:
    return json.loads(Path(path).read_text())


def _observed(rec: dict) -> str:
    return rec.get("observed") or rec["outcome"]


def compare(base_path: str, new_path: str) -> Diff:
    base, new = _load(base_path), _load(new_path)
    b = {_key(r): r for r in base["records"]}
    n = {_key(r): r for r in new["records"]}
    releases = lambda d: ", ".join(sorted({r["kernel_release"] for r in d["records"] if r["kernel_release"]}))  # noqa: E731
    d = Diff(f"{base_path} ({releases(base)})", f"{new_path} ({releases(new)})")
    for key in sorted(b.keys() & n.keys()):
        was, now = b[key], n[key]
        if now["outcome"] in BAD and was["outcome"] not in BAD:
            d.new_failures.append(f"{key}: {was['outcome']} -> {now['outcome']}: {now.get('message', '')}")
        elif was["outcome"] in BAD and now["outcome"] not in BAD:
            d.fixed.append(f"{key}: {was['outcome']} -> {now['outcome']}")
        elif was["outcome"] == "xfailed" and now["outcome"] == "passed":
            d.fixed.append(f"{key}: deviation gone")
        if was.get("observed") and now.get("observed") and _observed(was) != _observed(now):
            d.changed_errnos.append(f"{key}: {_observed(was)} -> {_observed(now)}")
    for name in sorted(base.get("targets", {}).keys() | new.get("targets", {}).keys()):
        bt, nt = base.get("targets", {}).get(name, {}), new.get("targets", {}).get(name, {})
        changes = [f"{k} {bt.get(k, '-')} -> {nt.get(k, '-')}" for k in sorted(bt.keys() | nt.keys())
                   if bt.get(k) != nt.get(k)]
        if changes:
            d.targets.append(f"{name}: " + "; ".join(changes))
    d.new_cases = sorted(n.keys() - b.keys())
    d.gone_cases = sorted(b.keys() - n.keys())
    strip = lambda fs: {f for f in fs}  # noqa: E731
    d.new_findings = sorted(strip(new.get("findings", [])) - strip(base.get("findings", [])))
    d.gone_findings = sorted(strip(base.get("findings", [])) - strip(new.get("findings", [])))
    return d
