#!/usr/bin/env python3
"""Read a KTAP document strictly and report each of its tests to LAVA: `ktap_to_lava.py FILE [--dry-run]`.

The rules are those of the kernel's Documentation/dev-tools/ktap.rst (KTAP version 1), each checked where the
section that states it is named below; a document that breaks one is refused with its line number, so what LAVA
records is what the document says. Standard library only: it runs on the board, next to any KTAP producer.

LAVA gets one test set per top-level test (kvm-abi: per ioctl) and one `lava-test-case` per leaf test below it,
named with LAVA's characters (no whitespace; anything outside [A-Za-z0-9._-] becomes `_`). The result is `skip`
for the SKIP directive and otherwise falls back to ok/not ok (`pass`/`fail`), as ktap.rst asks of a parser for a
directive it has no use for: LAVA has no expected failure, so an XFAIL (a deviation that held as recorded) is a
pass there; the suite's JSON and HTML reports tell them apart. Without `lava-test-case` on PATH, or with
--dry-run, the commands are printed instead of run.

Exit status: 0 every test reported from a complete document, 1 reported but the document says the run stopped
early (a `Bail out!` line, which kvm-abi writes when interrupted), 2 no report (no file, or not valid KTAP).
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# "Version lines": KTAP version 1 going forward; the TAP versions a parser is expected to accept too.
VERSIONS = ("KTAP version 1", "TAP version 13", "TAP version 14")
# "Test case result lines": the accepted directives; TIMEOUT and ERROR belong on a "not ok" line.
DIRECTIVES = ("SKIP", "TODO", "XFAIL", "TIMEOUT", "ERROR")
NOT_OK_ONLY = ("TIMEOUT", "ERROR")
# "Nested tests": one level of indentation is two spaces.
INDENT = 2

_PLAN = re.compile(r"1\.\.(\d+)")
_RESULT = re.compile(r"(ok|not ok) (\d+)(?:$| (.*))")


class KtapError(ValueError):
    def __init__(self, lineno: int, message: str):
        super().__init__(f"line {lineno}: {message}")
        self.lineno = lineno


@dataclass
class Test:
    name: str
    ok: bool
    directive: str = ""  # one of DIRECTIVES, upper case, or ""
    diagnostic: str = ""  # the result line's text after the directive
    subtests: list[Test] = field(default_factory=list)

    @property
    def result(self) -> str:
        if self.directive == "SKIP":
            return "skip"
        return "pass" if self.ok else "fail"

    @property
    def failed(self) -> bool:
        return not self.ok and self.directive != "SKIP"


@dataclass
class Document:
    version: str
    tests: list[Test]
    unknown: list[str]  # "Unknown lines": allowed anywhere, they change no result

    @property
    def bail_out(self) -> str:
        """TAP's `Bail out!` line (an unknown line to KTAP): the run that wrote the document stopped early."""
        return next((line.strip() for line in self.unknown if line.strip().startswith("Bail out!")), "")


@dataclass
class _Line:
    no: int
    indent: int
    text: str  # without the indentation
    kind: str  # version, plan, result, diagnostic, unknown


def _classify(no: int, raw: str) -> _Line:
    text = raw.lstrip(" ")
    indent = len(raw) - len(text)
    text = text.rstrip()
    if text in VERSIONS:
        kind = "version"
    elif _PLAN.fullmatch(text):
        kind = "plan"
    elif text.startswith(("ok ", "not ok ")) or text in ("ok", "not ok"):
        kind = "result"
    elif text.startswith("#"):
        kind = "diagnostic"
    else:
        kind = "unknown"
    return _Line(no, indent, text, kind)


def _result(line: _Line) -> tuple[int, Test]:
    """`<result> <number> [<description>][ # [<directive>] [<diagnostic data>]]`."""
    m = _RESULT.fullmatch(line.text)
    if not m:
        raise KtapError(line.no, f"not a test case result line: {line.text!r}")
    description, _, tail = (m.group(3) or "").partition("#")
    words = tail.split(None, 1)
    directive = words[0].upper() if words and words[0].upper() in DIRECTIVES else ""
    diagnostic = (words[1] if len(words) > 1 else "") if directive else tail.strip()
    test = Test(description.strip(), m.group(1) == "ok", directive, diagnostic)
    if directive in NOT_OK_ONLY and test.ok:
        raise KtapError(line.no, f"{directive} on an \"ok\" line: {line.text!r}")
    return int(m.group(2)), test


class _Parser:
    def __init__(self, text: str):
        self.lines = [_classify(no, raw) for no, raw in enumerate(text.splitlines(), 1)]
        self.i = 0
        self.unknown: list[str] = []

    def _skip_free_lines(self) -> None:
        """Diagnostic lines may be anywhere; unknown lines too, at any indentation."""
        while self.i < len(self.lines) and self.lines[self.i].kind in ("diagnostic", "unknown"):
            if self.lines[self.i].kind == "unknown" and self.lines[self.i].text:
                self.unknown.append(self.lines[self.i].text)
            self.i += 1

    def block(self, indent: int) -> tuple[str, list[Test]]:
        """A version line at `indent`, an optional plan, then this level's results (each after its subtests)."""
        version = self.lines[self.i]
        self.i += 1
        plan = None
        if self.i < len(self.lines) and self.lines[self.i].kind == "plan":
            # "Plan lines follow version lines".
            if self.lines[self.i].indent != indent:
                raise KtapError(self.lines[self.i].no, "plan line not at its version line's indentation")
            plan = int(_PLAN.fullmatch(self.lines[self.i].text).group(1))
            self.i += 1
        tests: list[Test] = []
        subtests: list[Test] | None = None
        while True:
            self._skip_free_lines()
            if self.i == len(self.lines):
                break
            line = self.lines[self.i]
            if line.indent < indent:
                break
            if line.kind == "plan":
                raise KtapError(line.no, "a plan line must follow its version line")
            if line.kind == "version":
                if line.indent == indent:
                    raise KtapError(line.no, f"a second version line at indentation {indent}, inside the results "
                                             f"begun at line {version.no}")
                if line.indent != indent + INDENT or subtests is not None:
                    raise KtapError(line.no, f"subtests must be indented by {INDENT} spaces under their parent, "
                                             f"and followed by the parent's result line (at {indent}, got "
                                             f"{line.indent})")
                _, subtests = self.block(indent + INDENT)
                continue
            if line.indent != indent:
                raise KtapError(line.no, f"result line indented {line.indent}, expected {indent}")
            number, test = _result(line)
            if number != len(tests) + 1:
                raise KtapError(line.no, f"test number {number}, expected {len(tests) + 1} (numbers start at 1 "
                                         "and increase by 1 at each level)")
            if subtests is not None:
                test.subtests = subtests
                # "If one of the subtests fail ... the parent test should also fail."
                if test.ok and any(t.failed for t in subtests):
                    raise KtapError(line.no, f"{test.name!r} is ok but one of its subtests failed")
                subtests = None
            tests.append(test)
            self.i += 1
        if subtests is not None:
            raise KtapError(version.no, "subtests without their parent's result line")
        if plan is not None and plan != len(tests):
            raise KtapError(version.no, f"plan 1..{plan} but {len(tests)} results at this level")
        return version.text, tests

    def document(self) -> Document:
        self._skip_free_lines()  # what a console printed before the results
        if self.i == len(self.lines):
            raise KtapError(len(self.lines), "no version line (KTAP version 1)")
        first = self.lines[self.i]
        if first.kind != "version" or first.indent:
            raise KtapError(first.no, f"the results must begin with a version line, got {first.text!r}")
        version, tests = self.block(0)  # to the end: nothing is indented less than the top level
        return Document(version, tests, self.unknown)


def parse(text: str) -> Document:
    return _Parser(text).document()


def leaves(test: Test, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Test]]:
    path = (*path, test.name)
    if not test.subtests:
        return [(path, test)]
    return [leaf for t in test.subtests for leaf in leaves(t, path)]


def lava_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "unnamed"


def lava_commands(doc: Document) -> list[list[str]]:
    """One test set per top-level test with subtests, one test case per leaf (below its set, the path of names
    joined with '.'); a name made the same as another's by LAVA's characters gets a -2, -3, ... suffix."""
    out: list[list[str]] = []
    for top in doc.tests:
        inside = bool(top.subtests)
        if inside:
            out.append(["lava-test-set", "start", lava_name(top.name)])
        seen: dict[str, int] = {}
        for path, leaf in leaves(top):
            name = lava_name(".".join(path[1:] if inside else path))
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name}-{seen[name]}"
            out.append(["lava-test-case", name, "--result", leaf.result])
        if inside:
            out.append(["lava-test-set", "stop"])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="ktap_to_lava.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("ktap", help="the KTAP file (kvm-abi writes reports/conformance-*.ktap)")
    ap.add_argument("--dry-run", action="store_true", help="print the lava-test-* commands instead of running them")
    args = ap.parse_args(argv)
    try:
        doc = parse(Path(args.ktap).read_text(errors="replace"))
    except OSError as e:
        print(f"ktap_to_lava: {args.ktap}: {e.strerror or e}", file=sys.stderr)
        return 2
    except KtapError as e:
        print(f"ktap_to_lava: {args.ktap}: not valid KTAP: {e}", file=sys.stderr)
        return 2
    run = not args.dry_run and shutil.which("lava-test-case")
    for cmd in lava_commands(doc):
        if run:
            subprocess.run(cmd, check=False)  # run, not Popen: LAVA must see each result before the next
        else:
            print(shlex.join(cmd), flush=True)
    if doc.bail_out:
        print(f"ktap_to_lava: the run stopped early: {doc.bail_out}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
