"""The ABI model of one architecture: linux/kvm.h plus that architecture's asm/kvm.h, resolved.

`for_arch("arm64").KVM_GET_REGS` is the request number arm64 userspace uses; `symbols` lists every
modelled name with its kind, which the header check and the coverage figures walk.

Versions: a module's symbols are those of Debian 12's headers (6.1, BASELINE) unless its `SINCE` names the
release that added one, its `UNTIL` the release whose headers no longer have it, or its `CHANGED` a newer
definition (value or layout) from a release on. `for_arch(arch)` is every symbol any modelled release has,
each with its newest definition (what a program built today uses, and what a guest of any version answers
to); `for_arch(arch, "6.1")` is exactly what that release's headers define.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import importlib
from dataclasses import dataclass, field
from types import ModuleType

from abi import kvm
from abi.ioctl import ArchRequest, Request
from abi.versions import release

ARCH_MODULES = {"x86_64": "abi.x86", "arm64": "abi.arm64", "riscv64": "abi.riscv64"}
# Module attributes that describe a module rather than model a header symbol.
_NOT_SYMBOLS = {"ARCH", "FEATURES", "ARCH_STRUCTS", "CONDITIONAL", "UNCONDITIONAL", "SINCE", "UNTIL", "CHANGED",
                "MOVED"}
BASELINE = "6.1"  # the release whose headers (Debian 12's linux-libc-dev) the modules' plain definitions follow


def _show(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str
    value: object
    module: str
    since: str = ""  # the release whose headers first define it ("" = BASELINE or earlier)
    until: str = ""  # the first release whose headers no longer define it for this architecture

    @property
    def header(self) -> str:
        return "linux/kvm.h" if self.module == "abi.kvm" else "asm/kvm.h"


def _kind(name: str, value) -> str | None:
    if isinstance(value, (Request, ArchRequest)):
        return "ioctl"
    if isinstance(value, type) and issubclass(value, (ctypes.Structure, ctypes.Union)):
        return "struct"
    if callable(value) and getattr(value, "is_macro", False):
        return "macro"
    if isinstance(value, int) and not isinstance(value, bool):
        return "cap" if name.startswith("KVM_CAP_") else "constant"
    return None


def module_symbols(module: ModuleType, imported_from: ModuleType | None = None) -> dict[str, Symbol]:
    """The header symbols a model module defines itself, not those it imports from `imported_from`.
    A name both define with different values is the module's own: asm/kvm.h may override a default of
    linux/kvm.h (x86's KVM_DIRTY_LOG_PAGE_OFFSET)."""
    out = {}
    theirs = vars(imported_from) if imported_from else {}
    for name, value in vars(module).items():
        if name.startswith("_") or name in _NOT_SYMBOLS or theirs.get(name, object()) is value:
            continue
        if isinstance(value, ModuleType) or getattr(value, "__module__", module.__name__) not in (
                module.__name__, "abi.ioctl", "builtins"):
            continue
        kind = _kind(name, value)
        if kind:
            out[name] = Symbol(name, kind, value, module.__name__)
    return out


@dataclass
class _Timeline:
    since: tuple | None = None
    until: tuple | None = None
    changes: list = field(default_factory=list)  # (release, newer value), oldest first


def _timelines(modules: tuple[ModuleType, ...], arch: str) -> dict[str, _Timeline]:
    """Per symbol, the SINCE / UNTIL / CHANGED data of the modules (linux/kvm.h's, then asm/kvm.h's: the latter
    may change a symbol of the former, as arm64 does KVM_DIRTY_LOG_PAGE_OFFSET). MOVED[release][arch] names
    symbols that left linux/kvm.h for this architecture's asm/kvm.h in that release: still defined, not gone."""
    out: dict[str, _Timeline] = {}
    for module in modules:
        kept = {n for names in getattr(module, "MOVED", {}).values() for n in names.get(arch, ())}
        for rel, names in getattr(module, "SINCE", {}).items():
            for n in names:
                out.setdefault(n, _Timeline()).since = release(rel)
        for rel, names in getattr(module, "UNTIL", {}).items():
            for n in names:
                if n not in kept:
                    out.setdefault(n, _Timeline()).until = release(rel)
        for rel, values in getattr(module, "CHANGED", {}).items():
            for n, value in values.items():
                out.setdefault(n, _Timeline()).changes.append((release(rel), value))
    for t in out.values():
        t.changes.sort(key=lambda c: c[0])
    return out


class Abi:
    """linux/kvm.h and asm/kvm.h of one architecture as one namespace, for one release (None: every release,
    newest definitions)."""

    def __init__(self, arch: str, version: tuple[int, int] | None = None):
        self.arch = arch
        self.version = version
        self.arch_module = importlib.import_module(ARCH_MODULES[arch])
        features = self.arch_module.FEATURES
        times = _timelines((kvm, self.arch_module), arch)
        lacking = {n for n, switch in kvm.CONDITIONAL.items() if switch not in features}
        for rel, names in kvm.UNCONDITIONAL.items():
            for n in lacking.intersection(names):  # without the switch: a symbol since the release that dropped it
                times.setdefault(n, _Timeline()).since = release(rel)
                lacking.discard(n)
        generic = {n: s for n, s in module_symbols(kvm).items() if n not in lacking}
        own = module_symbols(self.arch_module, imported_from=kvm)
        for name in own:
            generic.pop(name, None)
        for feature in sorted(features):
            own[feature] = Symbol(feature, "feature", True, self.arch_module.__name__)
        candidates = {}
        for sym in (*generic.values(), *own.values()):
            t = times.get(sym.name)
            if t is None:
                candidates[sym.name] = sym
                continue
            if version and ((t.since and t.since > version) or (t.until and t.until <= version)):
                continue
            value = sym.value
            for rel, newer in t.changes:
                if version is None or rel <= version:
                    value = newer
            candidates[sym.name] = Symbol(sym.name, sym.kind, value, sym.module,
                                          _show(t.since) if t.since else "", _show(t.until) if t.until else "")
        types = {s.name: s.value for s in candidates.values() if s.kind == "struct"}
        for name, factory in kvm.ARCH_STRUCTS.items():
            types[name] = factory(self.arch_module, version)
            candidates[name] = Symbol(name, "struct", types[name], "abi.kvm")
        self.unavailable: dict[str, str] = {}
        self.symbols: dict[str, Symbol] = {}
        for sym in candidates.values():
            value = sym.value
            if isinstance(value, ArchRequest):
                value = value.resolve(types)
                if value is None:
                    self.unavailable[sym.name] = f"struct {sym.value.struct} is not defined for {arch}"
                    continue
                sym = dataclasses.replace(sym, value=value)
            if isinstance(value, Request) and not value.name:
                value.name = sym.name
            self.symbols[sym.name] = sym
        self._by_number: dict[int, list[str]] = {}
        for sym in self.symbols.values():
            if sym.kind == "ioctl":
                self._by_number.setdefault(int(sym.value), []).append(sym.name)

    def __getattr__(self, name: str):
        try:
            return self.symbols[name].value
        except KeyError:
            why = self.unavailable.get(name, "not in the model")
            raise AttributeError(f"{name} ({self.arch}): {why}") from None

    def of_kind(self, kind: str) -> dict[str, Symbol]:
        return {n: s for n, s in self.symbols.items() if s.kind == kind}

    def request_names(self, number: int) -> list[str]:
        """Every modelled request with this number (several ioctls share numbers, e.g. 0xa8 on ppc)."""
        return self._by_number.get(int(number), [])


def for_arch(arch: str, version=None) -> Abi:
    """The model of `arch`: for the headers of release `version` ("6.4", "7.2.13", (6, 1)), or every release."""
    if arch not in ARCH_MODULES:
        raise ValueError(f"no ABI model for architecture {arch!r} (modelled: {', '.join(ARCH_MODULES)})")
    return _for_arch(arch, release(version) if version is not None else None)


@functools.cache
def _for_arch(arch: str, version: tuple[int, int] | None) -> Abi:
    return Abi(arch, version)


def request_name(number: int) -> str:
    name = getattr(number, "name", "")
    if name:
        return name
    for arch in ARCH_MODULES:
        names = for_arch(arch).request_names(number)
        if names:
            return "/".join(names)
    return f"ioctl {int(number):#x}"
