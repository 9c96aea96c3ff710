"""Compare the ABI model with what the headers say (a headers.Dump): one verdict per symbol, coverage, findings.

A verdict is PASS, FAIL (the model is wrong, or the headers changed: the message names the symbol, both
values and the header's file:line), FINDING (the headers define it but userspace cannot evaluate it: the model
cannot be proven and the header has a defect), NOT_IN (the model has it for other releases than the headers'
one: added later, or gone by then; a FAIL instead when the headers do define it, since the model's release data
is wrong). What an architecture does not define is not a symbol of its model.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

from abi import layout, model
from abi.headers import Dump, sample_key
from abi.ioctl import Request, decode
from abi.model import Abi

PASS, FAIL, FINDING, NOT_IN = "pass", "fail", "finding", "not in these headers"
COVERAGE_KINDS = ("ioctl", "cap", "constant", "struct")


@dataclass(frozen=True)
class Verdict:
    status: str
    message: str = ""


def _where(file: str, line: int) -> str:
    return f"{file}:{line}" if file else "(no header line)"


def _show(name: str, value: int, is_request: bool) -> str:
    if value is None:
        return "none"
    if is_request and 0 <= value < 1 << 32:
        return f"{value:#x} {decode(value)}"
    return f"{value:#x}" if value >= 0 else str(value)


def check_value(abi: Abi, dump: Dump, name: str) -> Verdict:
    model_value = getattr(abi, name)
    is_request = isinstance(model_value, Request)
    got = dump.values.get(name)
    if got is None:
        return Verdict(FAIL, f"{name} ({abi.arch}): the model has it, the check did not probe it")
    if got.error:
        if got.reason == "absent":
            return Verdict(FAIL, f"{name} ({abi.arch}): model {_show(name, model_value, is_request)}, "
                                 f"but the headers ({dump.headers}) do not define it")
        if got.reason == "arch":
            return Verdict(FAIL, f"{name} ({abi.arch}): the model resolves it, but the headers cannot: "
                                 f"{got.error} ({_where(got.file, got.line)})")
        return Verdict(FINDING, f"{name} ({abi.arch}): the header defines it with something userspace "
                                f"cannot evaluate: {got.error} ({_where(got.file, got.line)}); "
                                f"the model's value {_show(name, model_value, is_request)} is unproven")
    if int(model_value) != got.value:
        return Verdict(FAIL, f"{name} ({abi.arch}): model {_show(name, int(model_value), is_request)}, "
                             f"header {_show(name, got.value, is_request)} at {_where(got.file, got.line)}")
    return Verdict(PASS)


def check_macro(abi: Abi, dump: Dump, name: str) -> Verdict:
    fn = getattr(abi, name)
    problems = []
    for sample in fn.samples:
        key = sample_key(name, sample)
        got = dump.values.get(key)
        mine = fn(*sample)
        if got is None or got.error:
            why = got.error if got else "not probed"
            reason = got.reason if got else ""
            if reason == "kernel-internal":
                return Verdict(FINDING, f"{key} ({abi.arch}): userspace cannot evaluate it: {why}")
            problems.append(f"{key}: model {mine:#x}, header cannot evaluate it: {why}")
        elif mine != got.value:
            m = dump.macros.get(name, {})
            problems.append(f"{key}: model {mine:#x}, header {got.value:#x} at "
                            f"{_where(m.get('file', ''), m.get('line', 0))}")
    if problems:
        return Verdict(FAIL, f"{name} ({abi.arch}): " + "; ".join(problems))
    return Verdict(PASS)


def check_feature(abi: Abi, dump: Dump, name: str) -> Verdict:
    if name in dump.macros and dump.macros[name]["kind"] == "feature":
        return Verdict(PASS)
    return Verdict(FAIL, f"{name} ({abi.arch}): the model says asm/kvm.h defines it; the headers "
                         f"({dump.headers}) do not")


def check_layout(abi: Abi, dump: Dump, name: str) -> Verdict:
    cls = getattr(abi, name)
    hdr = dump.layouts.get(name)
    if hdr is None:
        return Verdict(FAIL, f"struct {name} ({abi.arch}): the model has it, the headers ({dump.headers}) "
                             "do not define it")
    where = _where(hdr.file, hdr.line)
    problems = []
    if ctypes.sizeof(cls) != hdr.size:
        problems.append(f"sizeof: model {ctypes.sizeof(cls)}, header {hdr.size}")
    if layout.alignment(cls) != hdr.align:
        problems.append(f"alignment: model {layout.alignment(cls)}, header {hdr.align}")
    mine = {m.path: m for m in layout.members(cls)}
    theirs = {p: (off, size, sig) for p, off, size, sig in hdr.members}
    for path, (off, size, sig) in theirs.items():
        m = mine.get(path)
        if m is None:
            problems.append(f"member {path} ({sig} at offset {off}) is in the header, not in the model")
        elif (m.offset, m.size, m.type) != (off, size, sig):
            problems.append(f"member {path}: model {m.type} at offset {m.offset} size {m.size}, "
                            f"header {sig} at offset {off} size {size}")
    for path in mine.keys() - theirs.keys():
        problems.append(f"member {path} is in the model, not in the header")
    if problems:
        return Verdict(FAIL, f"struct {name} ({abi.arch}) at {where}: " + "; ".join(problems))
    return Verdict(PASS)


CHECKS = {"ioctl": check_value, "cap": check_value, "constant": check_value, "macro": check_macro,
          "feature": check_feature, "struct": check_layout}


def at_release(abi: Abi, dump: Dump) -> Abi:
    """The model of the headers' own release (the model as given when the headers do not say)."""
    return model.for_arch(abi.arch, dump.version) if dump.version else abi


def _defines(dump: Dump, sym) -> bool:
    if sym.kind == "struct":
        return sym.name in dump.layouts
    if sym.kind in ("macro", "feature"):
        return sym.name in dump.macros
    v = dump.values.get(sym.name)
    return v is not None and v.value is not None


def _releases(sym, at: Abi) -> str:
    if sym.name in at.unavailable:
        return f"its structure is not there: {at.unavailable[sym.name]}"
    if sym.since and model.release(sym.since) > at.version:
        return f"the model has it since {sym.since}"
    if sym.until:
        return f"the model has it until {sym.until}"
    return "the model has it for other releases"


def check(abi: Abi, dump: Dump, name: str) -> Verdict:
    at = at_release(abi, dump)
    if name not in at.symbols:
        sym = abi.symbols[name]
        why = _releases(sym, at)
        if _defines(dump, sym):
            return Verdict(FAIL, f"{name} ({abi.arch}): {why}, but these {dump.version} headers ({dump.headers}) "
                                 "define it")
        return Verdict(NOT_IN, f"{name} ({abi.arch}): not in these {dump.version} headers ({dump.headers}): {why}")
    return CHECKS[at.symbols[name].kind](at, dump, name)


@dataclass(frozen=True)
class Coverage:
    kind: str
    modelled: int
    present: int
    missing: tuple[str, ...]
    not_in: tuple[str, ...] = ()  # the model has them for other releases than the headers'

    @property
    def percent(self) -> float:
        return 100.0 * self.modelled / self.present if self.present else 100.0


def _present(dump: Dump, kind: str) -> set[str]:
    """What the headers define for this architecture: usable there, or unusable by anyone (a finding)."""
    names = set()
    if kind == "struct":
        return {n for n, lay in dump.layouts.items() if lay.file.endswith(("linux/kvm.h", "asm/kvm.h"))}
    for name, m in dump.macros.items():
        if m["kind"] != kind:
            continue
        v = dump.values.get(name)
        if v is not None and v.reason in ("arch", "absent"):
            continue
        names.add(name)
    return names


def coverage(abi: Abi, dump: Dump) -> list[Coverage]:
    """Per kind: what the headers define, how much of it the model of their release has, and what the model has
    for other releases only."""
    at = at_release(abi, dump)
    out = []
    for kind in COVERAGE_KINDS:
        present = _present(dump, kind)
        modelled = present & at.symbols.keys()
        not_in = {n for n, s in abi.symbols.items() if s.kind == kind} - at.symbols.keys()
        out.append(Coverage(kind, len(modelled), len(present), tuple(sorted(present - modelled)),
                            tuple(sorted(not_in))))
    return out


def findings(dump: Dump) -> list[str]:
    """Header defects: symbols of the KVM headers that userspace cannot evaluate on this architecture."""
    out = []
    for name, v in sorted(dump.values.items()):
        if v.reason == "kernel-internal" and "(" not in name:
            out.append(f"{dump.arch}: {name} at {_where(v.file, v.line)}: {v.error}")
    return out
