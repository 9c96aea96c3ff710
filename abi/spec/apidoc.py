"""Documentation/virt/kvm/api.rst (and devices/*.rst) as data: sections, their fields and their errors.

A section is a numbered heading underlined with dashes ("4.85 KVM_ARM_SET_DEVICE_ADDR (deprecated)"). The
reader keeps what a test needs: the names the heading gives (a heading may name several ioctls:
"KVM_SET_DEVICE_ATTR/KVM_GET_DEVICE_ATTR", "KVM_GET_MSR_INDEX_LIST, KVM_GET_MSR_FEATURE_INDEX_LIST"), its
suffix, the `:Field:` lines (wrapped ones joined), the Errors table (a row per errno and condition, wrapped
conditions joined, the same errno may come twice), and every errno the prose mentions, with its line.
Section numbers are not unique (several kernels repeat one): sections are kept in document order.
"""

from __future__ import annotations

import errno as _errno
import re
from dataclasses import dataclass, field

ERRNO_NAMES = frozenset(_errno.errorcode.values()) | {"ENOTSUPP", "ENOIOCTLCMD", "EOPNOTSUPP"}

_HEADING = re.compile(r"^(\d+)\.(\d+)\s+(\S.*?)\s*$")
_UNDERLINE = re.compile(r"^-{3,}\s*$")
_FIELD = re.compile(r"^:(\w[\w ]*):\s*(.*)$")
_ERRORS = re.compile(r"^\s*Errors(?: include)?:\s*$")
_BORDER = re.compile(r"^(\s*)(=+)(\s+)(=+)\s*$")
_PROSE_ERRNO = re.compile(r"(?<![\w-])-?(E[A-Z0-9]{2,})\b")
_NAME = re.compile(r"\bKVM_[A-Z0-9_]+\b")


@dataclass(frozen=True)
class DocError:
    errno: str
    condition: str
    line: int


@dataclass
class Section:
    number: str
    title: str
    line: int
    names: list[str] = field(default_factory=list)
    suffix: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    errors: list[DocError] = field(default_factory=list)
    mentions: list[DocError] = field(default_factory=list)  # errnos named in prose, with their sentence
    body: str = ""

    @property
    def chapter(self) -> int:
        return int(self.number.split(".")[0])

    @property
    def architectures(self) -> list[str]:
        return [a.strip() for a in re.split(r"[,\s]+", self.fields.get("Architectures", "")) if a.strip()]

    @property
    def type(self) -> str:
        """system, vm, vcpu or device (several when the documentation says "vm ioctl, vcpu ioctl")."""
        return self.fields.get("Type", "")



def _names(title: str) -> tuple[list[str], str]:
    # "KVM_(UN)REGISTER_COALESCED_MMIO" documents two ioctls.
    title = re.sub(r"\bKVM_\((\w+)\)(\w+)", r"KVM_\2, KVM_\1\2", title)
    suffix = ""
    m = re.search(r"\(([^)]*)\)\s*$", title)
    if m:
        suffix = m.group(1).strip()
        title = title[: m.start()]
    return _NAME.findall(title), suffix


def _sections(lines: list[str]):
    """(start, end, number, title) of every numbered section, in order."""
    starts = []
    for i in range(len(lines) - 1):
        m = _HEADING.match(lines[i])
        if m and _UNDERLINE.match(lines[i + 1]):
            starts.append((i, f"{m.group(1)}.{m.group(2)}", m.group(3)))
    for k, (i, number, title) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        yield i, end, number, title


def _fields(lines: list[str], start: int, end: int) -> dict[str, str]:
    """The `:Field: value` block after a heading; an indented line continues the field before it."""
    out: dict[str, str] = {}
    last = None
    for line in lines[start:end]:
        m = _FIELD.match(line)
        if m:
            last = m.group(1).strip()
            out[last] = m.group(2).strip()
        elif last and line.startswith((" ", "\t")) and line.strip():
            out[last] += " " + line.strip()
        elif not line.strip() and not out:
            continue  # blank lines before the block
        else:
            break
    return out


def _table(lines: list[str], i: int, end: int) -> tuple[list[DocError], int]:
    """A simple rst table of errno and condition starting at or after line i; returns rows and the line after."""
    while i < end and not lines[i].strip():
        i += 1
    m = _BORDER.match(lines[i]) if i < end else None
    if not m:
        return _list(lines, i, end)
    col2 = len(m.group(1)) + len(m.group(2)) + len(m.group(3))
    rows: list[DocError] = []
    i += 1
    while i < end and not _BORDER.match(lines[i]):
        line = lines[i]
        first, rest = line[:col2].strip(), line[col2:].strip()
        if first:
            rows.append(DocError(first.lstrip("-"), rest, i + 1))
        elif rest and rows:
            last = rows[-1]
            rows[-1] = DocError(last.errno, f"{last.condition} {rest}", last.line)
        i += 1
    return rows, i + 1


def _list(lines: list[str], i: int, end: int) -> tuple[list[DocError], int]:
    """Errors written as indented lines ("  EFAULT  the pointer is bad") instead of a table."""
    rows: list[DocError] = []
    pat = re.compile(r"^\s+-?(E[A-Z0-9]+)\s*[:\-]?\s+(.*)$")
    while i < end and lines[i].strip():
        m = pat.match(lines[i])
        if m:
            rows.append(DocError(m.group(1), m.group(2).strip(), i + 1))
        elif rows:
            last = rows[-1]
            rows[-1] = DocError(last.errno, f"{last.condition} {lines[i].strip()}", last.line)
        i += 1
    return rows, i


def parse(text: str) -> list[Section]:
    lines = text.splitlines()
    out = []
    for start, end, number, title in _sections(lines):
        names, suffix = _names(title)
        sec = Section(number, title, start + 1, names, suffix, _fields(lines, start + 2, end))
        table_lines: set[int] = set()
        i = start + 2
        while i < end:
            if _ERRORS.match(lines[i]):
                rows, j = _table(lines, i + 1, end)
                sec.errors += rows
                table_lines |= set(range(i, j))
                i = j
                continue
            i += 1
        for n in range(start + 2, end):
            if n in table_lines:
                continue
            for m in _PROSE_ERRNO.finditer(lines[n]):
                if m.group(1) in ERRNO_NAMES:
                    sec.mentions.append(DocError(m.group(1), lines[n].strip(), n + 1))
        sec.body = "\n".join(lines[start:end])
        out.append(sec)
    return out


def ioctl_sections(sections: list[Section]) -> list[Section]:
    """The sections that document ioctls: chapter 4 of api.rst."""
    return [s for s in sections if s.chapter == 4 and s.names]


def by_name(sections: list[Section]) -> dict[str, list[Section]]:
    out: dict[str, list[Section]] = {}
    for s in sections:
        for n in s.names:
            out.setdefault(n, []).append(s)
    return out


def errors_changed(base: list[Section], new: list[Section]) -> dict[str, tuple[set, set]]:
    """Per ioctl name, the (errno, condition) rows only in base and only in new: what a patch changed."""
    b, n = by_name(ioctl_sections(base)), by_name(ioctl_sections(new))
    out = {}
    for name in sorted(b.keys() | n.keys()):
        rows_b = {(e.errno, e.condition) for s in b.get(name, []) for e in s.errors}
        rows_n = {(e.errno, e.condition) for s in n.get(name, []) for e in s.errors}
        if rows_b != rows_n:
            out[name] = (rows_b - rows_n, rows_n - rows_b)
    return out


# --- Documentation/virt/kvm/devices/*.rst ---------------------------------------------------------------

@dataclass(frozen=True)
class DeviceError:
    """An errno a device document gives for one group (and attribute) of KVM_{SET,GET,HAS}_DEVICE_ATTR."""

    document: str  # "arm-vgic.rst"
    group: str  # "KVM_DEV_ARM_VGIC_GRP_ADDR", or "" before the first group
    attribute: str  # "KVM_ARM_VCPU_PMU_V3_IRQ" where the document documents attributes one by one, else ""
    errno: str
    condition: str
    line: int


# The two shapes of the device documents: "Groups:" with indented group names and their Errors blocks
# (arm-vgic*.rst), or numbered "GROUP: X" / "ATTRIBUTE: Y" headings with Returns tables (vcpu.rst, vm.rst).
_DEV_GROUP = re.compile(r"^(?:\d+\.\s+GROUP:\s*|\s{1,4})(KVM_[A-Z0-9_]+)\s*$")
_DEV_ATTR = re.compile(r"^\d+\.\d+\.?\s+ATTRIBUTE:?\s*(KVM_[A-Z0-9_]+)")
_DEV_ROW = re.compile(r"^\s*-?(E[A-Z0-9]{2,})\s{2,}(\S.*)$")


def parse_device_doc(name: str, text: str) -> list[DeviceError]:
    """Every errno a device document names, with the group and attribute it stands under: table rows with
    their (wrapped) condition, and errnos in prose with their line."""
    out: list[DeviceError] = []
    group = attribute = ""
    lines = text.expandtabs(8).splitlines()
    last_row = None
    for n, line in enumerate(lines, 1):
        m = _DEV_GROUP.match(line)
        if m and ("GRP" in m.group(1) or "GROUP" in line or "_CTRL" in m.group(1)):
            group, attribute, last_row = m.group(1), "", None
            continue
        m = _DEV_ATTR.match(line)
        if m:
            attribute, last_row = m.group(1), None
            continue
        m = _DEV_ROW.match(line)
        if m and m.group(1) in ERRNO_NAMES:
            out.append(DeviceError(name, group, attribute, m.group(1), m.group(2).strip(), n))
            last_row = len(out) - 1
            continue
        if last_row is not None and line.strip() and not line.strip().startswith("=") \
                and line.startswith(" " * 8) and not _PROSE_ERRNO.search(line):
            e = out[last_row]
            out[last_row] = DeviceError(e.document, e.group, e.attribute, e.errno, f"{e.condition} {line.strip()}",
                                        e.line)
            continue
        if not line.strip() or line.strip().startswith("="):
            last_row = None if not line.strip() else last_row
        for m in _PROSE_ERRNO.finditer(line):
            if m.group(1) in ERRNO_NAMES:
                out.append(DeviceError(name, group, attribute, m.group(1), line.strip(), n))
    return out
