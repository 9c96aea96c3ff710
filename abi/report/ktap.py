"""KTAP v1 (Documentation/dev-tools/ktap.rst): one nested subtest group per ioctl, and a reader for it.

An interrupted run says so twice: a diagnostic line after the plan, and a closing `Bail out!` line (TAP's, which
kselftest prints too; KTAP counts it among the "unknown lines" that do not change any result). The plan counts
the groups written, so the document stays valid."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from abi.report.records import Record

_DIRECTIVE = {"skipped": "SKIP", "xfailed": "XFAIL"}


def _clean(text: str) -> str:
    # A description cannot contain '#'; diagnostics stay on one line.
    return " ".join(text.replace("#", "").split())


def _line(n: int, r: Record) -> str:
    ok = r.outcome in ("passed", "skipped", "xfailed")
    text = f"{'ok' if ok else 'not ok'} {n} {_clean(r.name)}"
    if r.outcome in _DIRECTIVE:
        text += f" # {_DIRECTIVE[r.outcome]} {_clean(r.message)}".rstrip()
    elif r.outcome == "error":
        text += f" # ERROR {_clean(r.message)}".rstrip()
    return text


def render(records: list[Record], interrupted: str = "") -> str:
    """`interrupted`: why the run stopped early and what it did not run, one line ("" for a complete run)."""
    groups: dict[str, list[Record]] = {}
    for r in records:
        groups.setdefault(r.group, []).append(r)
    out = ["KTAP version 1", f"1..{len(groups)}"]
    if interrupted:
        out.append(f"# kvm-abi: {_clean(interrupted)}")
    for n, (group, members) in enumerate(groups.items(), 1):
        out += ["  KTAP version 1", f"  1..{len(members)}"]
        for i, r in enumerate(members, 1):
            if r.outcome in ("failed", "error", "xpassed") and r.message:
                out.append(f"  # {_clean(r.message)}")
            out.append("  " + _line(i, r))
        failed = any(r.outcome in ("failed", "error", "xpassed") for r in members)
        skipped = all(r.outcome == "skipped" for r in members)
        out.append(f"{'not ok' if failed else 'ok'} {n} {_clean(group)}" + (" # SKIP" if skipped else ""))
    if interrupted:
        out.append(f"Bail out! {_clean(interrupted)}")
    return "\n".join(out) + "\n"


@dataclass
class Node:
    name: str = ""
    ok: bool = True
    directive: str = ""
    children: list[Node] = field(default_factory=list)
    plan: int | None = None
    bail_out: str = ""  # the top level's `Bail out!` reason: the run stopped early


_RESULT = re.compile(r"^(ok|not ok) (\d+)(?: ([^#]*?))?\s*(?:#\s*(\w+)?.*)?$")


def parse(text: str) -> Node:
    """Read KTAP back into a tree, checking versions, plans and numbering as ktap.rst requires."""
    root = Node("root")
    stack: list[tuple[int, Node]] = []
    pending: list[Node] = []
    bail_out = ""
    for raw in text.splitlines():
        if not raw.strip():
            continue
        if raw.startswith("Bail out!"):
            bail_out = raw[len("Bail out!"):].strip() or "(no reason)"
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if line == "KTAP version 1":
            node = Node()
            stack.append((indent, node))
            continue
        if line.startswith("1.."):
            stack[-1][1].plan = int(line[3:])
            continue
        if line.startswith("#"):
            continue
        m = _RESULT.match(line)
        if not m:
            raise ValueError(f"not a KTAP line: {raw!r}")
        while stack and stack[-1][0] > indent:
            pending.append(stack.pop()[1])
        parent = stack[-1][1]
        number = int(m.group(2))
        if number != len(parent.children) + 1:
            raise ValueError(f"test number {number} out of order in {raw!r}")
        child = pending.pop() if pending else Node()
        child.name, child.ok, child.directive = (m.group(3) or "").strip(), m.group(1) == "ok", m.group(4) or ""
        parent.children.append(child)
    while stack:
        node = stack.pop()[1]
        root.children.append(node)
    top = root.children[0] if root.children else Node()
    top.bail_out = bail_out
    _check_plans(top)
    return top


def _check_plans(node: Node) -> None:
    if node.plan is not None and node.plan != len(node.children):
        raise ValueError(f"plan 1..{node.plan} but {len(node.children)} results in {node.name or 'top level'}")
    for child in node.children:
        _check_plans(child)


def leaves(node: Node) -> list[Node]:
    if not node.children:
        return [node]
    return [leaf for c in node.children for leaf in leaves(c)]
