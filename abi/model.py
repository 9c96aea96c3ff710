"""The ABI model of one architecture: linux/kvm.h plus that architecture's asm/kvm.h, resolved.

`for_arch("arm64").KVM_GET_REGS` is the request number arm64 userspace uses; `symbols` lists every
modelled name with its kind, which the header check and the coverage figures walk.
"""

from __future__ import annotations

import ctypes
import functools
import importlib
from dataclasses import dataclass
from types import ModuleType

from abi import kvm
from abi.ioctl import ArchRequest, Request

ARCH_MODULES = {"x86_64": "abi.x86", "arm64": "abi.arm64"}
# Module attributes that describe a module rather than model a header symbol.
_NOT_SYMBOLS = {"ARCH", "FEATURES", "ARCH_STRUCTS", "CONDITIONAL"}


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str
    value: object
    module: str

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


class Abi:
    """linux/kvm.h and asm/kvm.h of one architecture as one namespace."""

    def __init__(self, arch: str):
        self.arch = arch
        self.arch_module = importlib.import_module(ARCH_MODULES[arch])
        features = self.arch_module.FEATURES
        generic = {n: s for n, s in module_symbols(kvm).items()
                   if n not in kvm.CONDITIONAL or kvm.CONDITIONAL[n] in features}
        own = module_symbols(self.arch_module, imported_from=kvm)
        for name in own:
            generic.pop(name, None)
        types = {s.name: s.value for s in (*generic.values(), *own.values()) if s.kind == "struct"}
        for name, factory in kvm.ARCH_STRUCTS.items():
            types[name] = factory(self.arch_module)
            generic[name] = Symbol(name, "struct", types[name], "abi.kvm")
        self.unavailable: dict[str, str] = {}
        self.symbols: dict[str, Symbol] = {}
        for sym in (*generic.values(), *own.values()):
            value = sym.value
            if isinstance(value, ArchRequest):
                value = value.resolve(types)
                if value is None:
                    self.unavailable[sym.name] = f"struct {sym.value.struct} is not defined for {arch}"
                    continue
                sym = Symbol(sym.name, sym.kind, value, sym.module)
            if isinstance(value, Request) and not value.name:
                value.name = sym.name
            self.symbols[sym.name] = sym
        for feature in sorted(self.arch_module.FEATURES):
            self.symbols[feature] = Symbol(feature, "feature", True, self.arch_module.__name__)
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


@functools.cache
def for_arch(arch: str) -> Abi:
    if arch not in ARCH_MODULES:
        raise ValueError(f"no ABI model for architecture {arch!r} (modelled: {', '.join(ARCH_MODULES)})")
    return Abi(arch)


def request_name(number: int) -> str:
    name = getattr(number, "name", "")
    if name:
        return name
    for arch in ARCH_MODULES:
        names = for_arch(arch).request_names(number)
        if names:
            return "/".join(names)
    return f"ioctl {int(number):#x}"
