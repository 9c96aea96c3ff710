"""Kernel versions, read one way everywhere: a release ("6.12.57+deb12-cloud-arm64", "7.2", a LINUX_VERSION_CODE)
as (major, minor), and the version specs cases and deviations name kernels by ("all", "6.1", "6.12+",
"6.1-6.15", "6.1-6.15, 7.2+"). The model's SINCE/UNTIL/CHANGED releases, the kvm_run members by release and the
cases' `kernels` all compare (major, minor), so a stable or distribution suffix never decides anything.
"""

from __future__ import annotations

import re

_RELEASE = re.compile(r"(\d+)\.(\d+)")
_RANGE = re.compile(r"(\d+)\.(\d+)(?:(\+)|-(\d+)\.(\d+))?$")
_OPEN_END = (10**6, 0)  # "X.Y+": every later release

Version = tuple[int, int]
Ranges = tuple[tuple[Version, Version], ...]


def release_of(text: str) -> Version | None:
    """(major, minor) a release string starts with, or None when it names no version (a user's own kernel)."""
    m = _RELEASE.match(text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def release(v) -> Version:
    """(major, minor) of "6.4", "7.2.13", "6.12.57+deb12-cloud-arm64", (6, 1, 187) or a LINUX_VERSION_CODE int."""
    if isinstance(v, int):
        return v >> 16, (v >> 8) & 0xFF
    if isinstance(v, str):
        found = release_of(v)
        if found is None:
            raise ValueError(f"{v!r} is not a kernel release (X.Y...)")
        return found
    return tuple(v[:2])


def spec(kernels: str) -> Ranges | None:
    """The inclusive (low, high) ranges of a version spec, None for every kernel ("all" or empty). A parenthesised
    part ("6.12+ (why)") is for the reader. ValueError for anything else, naming the spec."""
    kernels = re.sub(r"\([^)]*\)", "", kernels).strip()
    if kernels in ("all", ""):
        return None
    ranges = []
    for part in (p.strip() for p in kernels.split(",")):
        n = _RANGE.match(part)
        if not n:
            raise ValueError(f"kernels={kernels!r}: {part!r} is not X.Y, X.Y+ or X.Y-A.B")
        low = (int(n.group(1)), int(n.group(2)))
        high = _OPEN_END if n.group(3) else (int(n.group(4)), int(n.group(5))) if n.group(4) else low
        if high < low:
            raise ValueError(f"kernels={kernels!r}: {part!r} ends before it starts")
        ranges.append((low, high))
    return tuple(ranges)


def covers(ranges: Ranges | None, version: Version) -> bool:
    return ranges is None or any(low <= version <= high for low, high in ranges)
