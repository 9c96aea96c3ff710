"""Layout of the model's ctypes structures as the C compiler would lay them out.

ctypes lays structures out for the host only and (before Python 3.13) knows no alignment beyond its
fields'; the model marks over-aligned types with `_align_` and pads by hand. These helpers give offsets,
sizes and alignments of the model for comparison with the headers, and flatten nested and anonymous members
into dotted paths (`u.mmio.phys_addr`), the names a reader of the header would use.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

PAD_PREFIX = "_pad"


def alignment(t) -> int:
    own = getattr(t, "_align_", 1)
    if isinstance(t, type) and issubclass(t, ctypes.Array):
        return max(own, alignment(t._type_))
    if isinstance(t, type) and issubclass(t, (ctypes.Structure, ctypes.Union)):
        return max([own, 1] + [alignment(f[1]) for f in t._fields_])
    return max(own, ctypes.alignment(t))


@dataclass(frozen=True)
class Member:
    path: str
    offset: int
    size: int
    type: str  # signature: u4, s8, char, ptr, struct, union, with [n] per array dimension


_CODES = {"B": "u", "H": "u", "I": "u", "L": "u", "Q": "u", "b": "s", "h": "s", "i": "s", "l": "s", "q": "s"}


def signature(t) -> str:
    """A C type reduced to what the ABI depends on: signedness and size, arrays' dimensions."""
    dims = ""
    while isinstance(t, type) and issubclass(t, ctypes.Array):
        dims += f"[{t._length_}]"
        t = t._type_
    if hasattr(t, "_scalar_"):
        return t._scalar_ + dims
    if issubclass(t, ctypes.Structure):
        return "struct" + dims
    if issubclass(t, ctypes.Union):
        return "union" + dims
    code = t._type_
    if code == "c":
        return "char" + dims
    if code == "P":
        return "ptr" + dims
    return f"{_CODES[code]}{ctypes.sizeof(t)}{dims}"


def members(t, prefix: str = "", base: int = 0) -> list[Member]:
    """Every named member, nested ones as dotted paths; anonymous members' fields are reached through them
    without their own name, as C does. Padding the model adds (`_pad*`) is not a member."""
    out = []
    anonymous = set(getattr(t, "_anonymous_", ()))
    for name, ftype, *bits in t._fields_:
        if name.startswith(PAD_PREFIX):
            continue
        off = base + getattr(t, name).offset
        if bits:
            # ctypes packs a bit field's width and bit position into CField.size (little-endian hosts).
            total = off * 8 + (getattr(t, name).size & 0xFFFF)
            out.append(Member(prefix + name, total // 8, ctypes.sizeof(ftype),
                              f"{signature(ftype)}:{bits[0]}+{total % 8}"))
            continue
        if name in anonymous:
            out.extend(members(ftype, prefix, off))
            continue
        path = prefix + name
        out.append(Member(path, off, ctypes.sizeof(ftype), signature(ftype)))
        if isinstance(ftype, type) and issubclass(ftype, (ctypes.Structure, ctypes.Union)):
            out.extend(members(ftype, path + ".", off))
    return out


_STEP = re.compile(r"(\w+)((?:\[\d+\])*)")


def offsetof(t, path: str) -> int:
    """offsetof(struct, a.b[3].c) for a model structure."""
    off = 0
    for step in path.split("."):
        m = _STEP.fullmatch(step)
        if not m:
            raise ValueError(f"bad member path {path!r}")
        name, idx = m.group(1), m.group(2)
        off += _field_offset(t, name)
        t = _field_type(t, name)
        for i in re.findall(r"\[(\d+)\]", idx):
            t = t._type_
            off += int(i) * ctypes.sizeof(t)
    return off


def _field_type(t, name):
    for fname, ftype, *_ in t._fields_:
        if fname == name:
            return ftype
    for anon in getattr(t, "_anonymous_", ()):
        inner = _field_type_or_none(_field_type(t, anon), name)
        if inner is not None:
            return inner
    raise AttributeError(f"{t.__name__} has no member {name!r}")


def _field_type_or_none(t, name):
    try:
        return _field_type(t, name)
    except AttributeError:
        return None


def _field_offset(t, name) -> int:
    return getattr(t, name).offset
