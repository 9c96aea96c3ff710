"""Documentation/virt/kvm/api.rst (and devices/*.rst) as data: sections, their fields, errors and rules.

A section is a numbered heading underlined with dashes ("4.85 KVM_ARM_SET_DEVICE_ADDR (deprecated)"); it ends
at the next one or at a chapter heading. The reader keeps what a test needs: the names the heading gives (a
heading may name several ioctls: "KVM_SET_DEVICE_ATTR/KVM_GET_DEVICE_ATTR", "KVM_GET_MSR_INDEX_LIST,
KVM_GET_MSR_FEATURE_INDEX_LIST"), its suffix, the `:Field:` lines (wrapped ones joined), the Errors table (a row
per errno and condition, wrapped conditions joined, the same errno may come twice), and the rest as sentences:
every errno the prose names is a mention, one per sentence and errno, the sentence its condition. A field's
value, a list item and a line of a literal block count as a sentence each. Chapter 4 documents ioctls, chapters
6 to 8 the capabilities KVM_ENABLE_CAP enables, in the same shape. A sentence that orders calls ("must be called
after KVM_CREATE_IRQCHIP") is a rule (ORDERING). Section numbers are not unique (several kernels repeat one):
sections are kept in document order.
"""

from __future__ import annotations

import dataclasses
import errno as _errno
import re
from dataclasses import dataclass, field

# The kernel's errnos Python's errno module lacks (EHWPOISON: KVM_RUN after a memory failure).
ERRNO_NAMES = frozenset(_errno.errorcode.values()) | {"ENOTSUPP", "ENOIOCTLCMD", "EOPNOTSUPP", "EHWPOISON"}

_HEADING = re.compile(r"^(\d+)\.(\d+)\s+(\S.*?)\s*$")
_UNDERLINE = re.compile(r"^-{3,}\s*$")
_CHAPTER = re.compile(r"^\d+\.\s+\S")  # "7. Capabilities that can be enabled on VMs", underlined with "="
_CHAPTER_UNDERLINE = re.compile(r"^={3,}\s*$")
_FIELD = re.compile(r"^:(\w[\w ]*):\s*(.*)$")
# The section fields api.rst's introductions define, also as some sections write them: without the colons
# ("Architectures: x86", 6.1's 7.24), without the second (":Returns 0 on success", 6.1's 8.35), or singular
# (":Architecture:", 7.2's 7.45).
_FIELD_NAMES = {"Capability": "Capability", "Capabilities": "Capability", "Architectures": "Architectures",
                "Architecture": "Architectures", "Type": "Type", "Target": "Target", "Parameters": "Parameters",
                "Returns": "Returns"}
_LOOSE_FIELD = re.compile(r"^(:?)(" + "|".join(_FIELD_NAMES) + r")(:?)(?:\s+|$)(.*)$")
_ERRORS = re.compile(r"^\s*Errors(?: include)?:\s*$")
_BORDER = re.compile(r"^(\s*)(=+)(\s+)(=+)\s*$")
_PROSE_ERRNO = re.compile(r"(?<![\w-])-?(E[A-Z0-9]{2,})\b")
_NAME = re.compile(r"\bKVM_[A-Z0-9_]+\b")


@dataclass(frozen=True)
class DocError:
    errno: str
    condition: str
    line: int
    arch: str = ""  # as Sentence.arch


@dataclass(frozen=True)
class Sentence:
    """A sentence of prose (or a field's value, a list item, a line of a literal block), whitespace joined."""

    text: str
    line: int  # where it starts (1-based)
    end: int  # where it ends
    errnos: tuple[tuple[str, int], ...] = ()  # the errnos it names, each once, with the line naming it first
    arch: str = ""  # the architecture of the part of a shared section it stands in ("X86:", "RISC-V registers ...")


@dataclass
class Section:
    number: str
    title: str
    line: int
    names: list[str] = field(default_factory=list)
    suffix: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    errors: list[DocError] = field(default_factory=list)
    mentions: list[DocError] = field(default_factory=list)  # errnos named in prose: one per sentence and errno
    body: str = ""
    sentences: list[Sentence] = field(default_factory=list)  # the prose outside the Errors tables

    @property
    def chapter(self) -> int:
        return int(self.number.split(".")[0])

    @property
    def architectures(self) -> list[str]:
        """The architectures the section applies to (ARCHITECTURES' names), from its :Architectures: field. A
        section without the field applies to all: api.rst's introductions list the field among what each section
        gives, and the sections that omit it (4.79-4.81, the device ioctls) are the generic ones."""
        return sorted(architectures(self.fields.get("Architectures")))

    @property
    def rules(self) -> list[Sentence]:
        """The sentences that order calls (ORDERING)."""
        return [st for st in self.sentences if is_ordering(st.text)]

    @property
    def type(self) -> str:
        """system, vm, vcpu or device (several when the documentation says "vm ioctl, vcpu ioctl")."""
        return self.fields.get("Type", "")



# The architectures the documents name, as they name them (api.rst 6.1 still says "powerpc" in places; a
# device document "ARM64").
ARCHITECTURES = ("x86", "arm64", "s390", "ppc", "mips", "riscv", "loongarch")
_ARCH_ALIASES = {"powerpc": "ppc", "arm": "arm64", "aarch64": "arm64", "x86_64": "x86", "i386": "x86"}
_ARCH_WORD = re.compile(r"[a-z0-9_]+")


def _arch_words(text: str) -> set[str]:
    return {_ARCH_ALIASES.get(w, w) for w in _ARCH_WORD.findall(text.lower())} & set(ARCHITECTURES)


def architectures(value: str | None) -> frozenset[str]:
    """An :Architectures: value as the set of architectures it stands for: None (no field) and "all" are every
    one, "all except arm64" all but those named, "none" none, and otherwise the architectures it names, whatever
    words surround them ("x86, arm64", "x86 s390 arm64", "x86 SEV enabled", "Any that implement pvclocks
    (currently x86 only)", "arm64, mips, riscv, x86 (if KVM_CAP_ONE_REG)")."""
    if value is None:
        return frozenset(ARCHITECTURES)
    m = re.match(r"\s*all\b(?:\s*(?:except|but)\b(.*))?", value, re.I)
    if m:
        return frozenset(ARCHITECTURES) - _arch_words(m.group(1) or "")
    return frozenset(_arch_words(value))


def _names(title: str) -> tuple[list[str], str]:
    # "KVM_(UN)REGISTER_COALESCED_MMIO" documents two ioctls.
    title = re.sub(r"\bKVM_\((\w+)\)(\w+)", r"KVM_\2, KVM_\1\2", title)
    suffix = ""
    m = re.search(r"\(([^)]*)\)\s*$", title)
    if m:
        suffix = m.group(1).strip()
        title = title[: m.start()]
    return _NAME.findall(title), suffix


def _unlined_heading(lines: list[str], i: int) -> bool:
    """A heading its author forgot to underline (6.1's "7.18 KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2"): a line of its
    own naming a KVM_ symbol, then a blank line and a field block."""
    return (i + 2 < len(lines) and (i == 0 or not lines[i - 1].strip()) and not lines[i + 1].strip()
            and bool(re.match(r"^\d+\.\d+\s+KVM_[A-Z0-9_]+\s*$", lines[i])) and _field(lines[i + 2]) is not None)


def _sections(lines: list[str]):
    """(start, end, number, title) of every numbered section, in order. A section ends at the next section or at
    the next chapter heading: the introduction of chapter 7 is no part of chapter 6's last section."""
    starts, chapters = [], []
    for i in range(len(lines) - 1):
        m = _HEADING.match(lines[i])
        if m and (_UNDERLINE.match(lines[i + 1]) or _unlined_heading(lines, i)):
            starts.append((i, f"{m.group(1)}.{m.group(2)}", m.group(3)))
        elif _CHAPTER.match(lines[i]) and _CHAPTER_UNDERLINE.match(lines[i + 1]):
            chapters.append(i)
    for k, (i, number, title) in enumerate(starts):
        end = min([starts[k + 1][0] if k + 1 < len(starts) else len(lines)] + [c for c in chapters if c > i])
        yield i, end, number, title


def _field(line: str) -> tuple[str, str] | None:
    """(name, value) of a field line: `:Name: value`, or one of api.rst's own fields written loosely."""
    m = _LOOSE_FIELD.match(line)
    if m and (m.group(1) or m.group(3)):
        return _FIELD_NAMES[m.group(2)], m.group(4).strip()
    m = _FIELD.match(line)
    return (m.group(1).strip(), m.group(2).strip()) if m else None


def _fields(lines: list[str], start: int, end: int) -> dict[str, str]:
    """The `:Field: value` block after a heading; an indented line continues the field before it."""
    out: dict[str, str] = {}
    last = None
    for line in lines[start:end]:
        f = _field(line)
        if f:
            last = f[0]
            out[last] = f[1]
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

# --- prose as sentences ----------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*+]|\d+\.|#\.|\(?[a-z0-9]\))\s+")
_DIRECTIVE = re.compile(r"^\s*\.\.(?:\s|$)")
_DIRECTIVE_TEXT = re.compile(r"^\s*\.\.\s+[\w-]+::\s+(\S.*)$")
_RULE_LINE = re.compile(r"^\s*([-=~^*+#])\1{2,}\s*$")  # an underline or a transition
# The end of a sentence: a full stop (question or exclamation mark), closing quotes or brackets, then space; not
# after the abbreviations the documents use.
_STOP = re.compile(r"[.!?][\"')\]]*\s+")
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|cf|resp|approx|incl|no|ie|eg)|\.\.)\.$", re.I)


def _units(lines: list[str], numbers) -> list[list[tuple[int, str]]]:
    """The prose units of the lines whose numbers (0-based, ascending) are given, a gap in them being a break:
    paragraphs, each field with its indented continuation, each list item, each line of a literal block
    (after a paragraph ending "::")."""
    units: list[list[tuple[int, str]]] = []
    cur: list[tuple[int, str]] = []
    cont = None  # the indentation a continuation line has: -1 any (a field's)
    literal = None  # inside a literal block: the indentation of the paragraph that opened it
    last = None

    def flush():
        nonlocal cur, literal
        if cur:
            units.append(cur)
            if cur[-1][1].rstrip().endswith("::"):
                literal = len(cur[0][1]) - len(cur[0][1].lstrip())
        cur = []

    for n in numbers:
        line = lines[n].expandtabs(8)
        if last is not None and n != last + 1:
            flush()
        last = n
        if not line.strip():
            flush()
            continue
        indent = len(line) - len(line.lstrip())
        if literal is not None:
            if indent > literal:
                units.append([(n, line)])
                continue
            literal = None
        m = _DIRECTIVE_TEXT.match(line)
        if m:  # ".. note:: The ... ioctl will return EINVAL": the note's text is prose, at its column
            flush()
            cur, cont = [(n, " " * m.start(1) + m.group(1))], m.start(1)
            continue
        if _BORDER.match(line) or _RULE_LINE.match(line) or _DIRECTIVE.match(line):
            flush()  # a directive (".. note::") or comment line is no prose; a note's indented body is
            continue
        bullet = _BULLET.match(line)
        if _field(line) or bullet:
            flush()
            cur, cont = [(n, line)], (bullet.end() if bullet else -1)
        elif cur and (indent == cont or (cont == -1 and indent > 0)):
            cur.append((n, line))
        else:
            flush()
            cur, cont = [(n, line)], indent
    flush()
    return units


def _split(unit: list[tuple[int, str]]) -> list[Sentence]:
    """A unit's sentences, each with the errnos it names."""
    text, where = "", []  # where: (offset in text, line number) of each line
    for n, line in unit:
        if text:
            text += " "
        where.append((len(text), n + 1))
        text += line.strip()

    def line_at(offset: int) -> int:
        return [ln for o, ln in where if o <= offset][-1]

    out, begin = [], 0
    for m in _STOP.finditer(text):
        if _ABBREV.search(text[: m.start() + 1]):
            continue
        out.append((begin, m.start() + 1 + len(m.group(0)[1:].rstrip())))
        begin = m.end()
    if begin < len(text):
        out.append((begin, len(text)))
    sentences = []
    for a, b in out:
        body = text[a:b].strip()
        if not re.search(r"\w", body):
            continue  # "::" alone
        errnos: dict[str, int] = {}
        for m in _PROSE_ERRNO.finditer(text, a, b):
            if m.group(1) in ERRNO_NAMES:
                errnos.setdefault(m.group(1), line_at(m.start(1)))
        sentences.append(Sentence(body, line_at(a), line_at(max(a, b - 1)), tuple(errnos.items())))
    return sentences


# --- ordering rules --------------------------------------------------------------------------------------

# A sentence that orders calls: what must (or can only) come before or after what, what fails once something has
# happened, what may be done only once. Matched case-insensitively, each alternative narrow enough that a
# sentence merely describing a sequence ("KVM pre-increments %rip before exiting", "the bits are cleared before
# the ioctl returns") is no rule.
_SUBJECT = (r"(?:v?cpus?|guest\s+v?cpus?|irqchip|in-kernel\s+irqchip|interrupt\s+controller(?:\s+model)?|it|this|"
            r"feature|capability|ioctl|device|register|filter|ring|memslots?|(?-i:[A-Z][A-Z0-9_]{2,})(?:\([^)]*\))?)")
_VERB = (r"(?:run|created|initiali[sz]ed|finali[sz]ed|called|invoked|set|enabled|registered|restored|"
         r"started|succeeded|selected)")
ORDERING = re.compile("|".join([
    # "must be called after", "has to be called before", "can only be written before", "only valid after",
    # "should set GICD_IIDR before" (not "for kvm-intel only, DR6 will not be modified prior to")
    r"\b(?:must|should|has\s+to|have\s+to|needs?\s+to|(?:is|are)\s+(?:required|expected)\s+to|can\s+only|may\s+only|"
    r"can\s+be\s+(?:called|invoked|issued|used)|only(?![,)]))\b[^.;]{0,120}?\b(?:before|after|prior\s+to)\b",
    # "The vcpu must already have been initialised"
    r"\b(?:must|should)\s+(?:already\s+)?have\s+(?:already\s+)?been\b",
    # "before calling KVM_RUN", "after KVM_ARM_VCPU_INIT", "before creating any VCPUs", "after restoring X"
    r"\b(?:before|after|prior\s+to|until)\s+(?:calling|invoking|creating|initiali[sz]ing|enabling|finali[sz]ing|"
    r"restoring|setting|running\s+(?:any|the)\s+v?cpus?|the\s+(?:first|initial)\s+(?:call|run|KVM_[A-Z0-9_]+)|"
    r"KVM_[A-Z0-9_]+)",
    # "after guest_memfd-backed memslots have been created"
    r"\b(?:before|after|once|until)\s[^.;,]{0,40}?\s(?:has|have)\s+(?:already\s+)?been\s+" + _VERB + r"\b",
    # "prior to the creation of vCPUs", "before vcpu creation", "until a vCPU is created", "before a Guest VCPU runs"
    r"\b(?:before|after|prior\s+to|until|once)\s+(?:the\s+)?(?:creation|initiali[sz]ation|finali[sz]ation)\s+of\b",
    r"\b(?:before|after|prior\s+to|until|once)\s+(?:any\s+|all\s+|a\s+|the\s+)?(?:guest\s+)?v?cpus?\s+"
    r"(?:creation|(?:is|are|has|have)\s+(?:been\s+)?(?:created|run|initiali[sz]ed)|runs?)\b",
    # What has happened: "once any of the vCPUs of the VM has run", "Fails if any VCPU has already been created",
    # "unless the feature has already been finalized", "if a PMU event filter is already present", "If this is
    # not called" (not "If KVM_MSI_VALID_DEVID is set", "when KVM_GET_CLOCK was called": no rule, a state)
    r"\b(?:once|after|when|if|unless|until|or|presumes|provided|that)\s+(?:any\s+(?:of\s+the\s+)?|all\s+(?:the\s+)?|"
    r"the\s+|an?\s+|this\s+)?" + _SUBJECT + r"\b[^.;,]{0,40}?\s(?:has|have|had|was|were|is|are)(?:n't)?\s+"
    r"(?:(?:not\s+)?(?:already\s+|previously\s+|explicitly\s+)?been\s+(?:previously\s+|explicitly\s+)?" + _VERB +
    r"|(?:already|previously)\s+(?:" + _VERB + r"|present|in\s+the\s+kernel)"
    r"|(?:not\s+)?(?:run|ran|created|initiali[sz]ed|finali[sz]ed)|not\s+(?:called|invoked))\b",
    # "didn't succeed earlier"
    r"\b(?:succeed(?:ed)?|called|created|run)\s+(?:earlier|beforehand)\b",
    # "only once", "twice", "a second time", "multiple times"
    r"\b(?:only\s+once|more\s+than\s+once|twice|a\s+second\s+time|multiple\s+times|only\s+one\s+time)\b",
]), re.I)


# Sentences ORDERING matches that order no two calls: a default stated for when a call is not made, an example
# that names no KVM call, and how often a file is read.
NOT_ORDERING = re.compile("|".join([
    r"\bis\s+not\s+(?:called|invoked),\s+the\s+default\b",
    r"^For\s+example\b(?!.*\bKVM_)",
    r"\bread\b[^.;]{0,20}\bonly\s+one\s+time\b",
]), re.I)


def is_ordering(text: str) -> bool:
    """Whether a sentence states an ordering rule (ORDERING, and not NOT_ORDERING)."""
    return bool(ORDERING.search(text)) and not NOT_ORDERING.search(text)


def sentences(lines: list[str], numbers) -> list[Sentence]:
    """The sentences of the given lines (see _units)."""
    return [s for unit in _units(lines, numbers) for s in _split(unit)]


# Where a shared section turns to one architecture: a subheading ("X86:", "ARM64:", underlined or not) or 4.68's
# register families ("RISC-V registers are mapped using ..."). "ARM" alone is 32-bit arm, which has no KVM host.
_REGION_NAMES = {"x86": "x86", "arm64": "arm64", "s390": "s390", "mips": "mips", "risc-v": "riscv", "riscv": "riscv",
                 "powerpc": "ppc", "ppc": "ppc", "loongarch": "loongarch", "arm": "arm32"}
_REGION = re.compile(r"^(X86|x86|ARM64|arm64|S390|s390|MIPS|RISC-V|RISCV|PowerPC|PPC|LoongArch|ARM)"
                     r"(?::\s*$| registers are mapped\b)")


def _arch_regions(lines: list[str], start: int, end: int) -> list[tuple[int, str]]:
    """(1-based line, architecture) where each architecture's part of a section begins."""
    out = []
    for n in range(start, end):
        m = _REGION.match(lines[n])
        if m and (n == start or not lines[n - 1].strip() or re.fullmatch(r"[\^~'=-]+", lines[n - 1].strip())):
            out.append((n + 1, _REGION_NAMES[m.group(1).lower()]))
    return out


def _region_at(regions: list[tuple[int, str]], line: int) -> str:
    arch = ""
    for first, name in regions:
        if first <= line:
            arch = name
    return arch


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
        regions = _arch_regions(lines, start + 2, end)
        sec.sentences = [dataclasses.replace(st, arch=_region_at(regions, st.line))
                         for st in sentences(lines, [n for n in range(start + 2, end) if n not in table_lines])]
        sec.mentions = [DocError(e, st.text, n, st.arch) for st in sec.sentences for e, n in st.errnos]
        sec.body = "\n".join(lines[start:end])
        out.append(sec)
    return out


def ioctl_sections(sections: list[Section]) -> list[Section]:
    """The sections that document ioctls: chapter 4 of api.rst."""
    return [s for s in sections if s.chapter == 4 and s.names]


# The chapters of api.rst whose sections are capabilities, not ioctls: 6 "Capabilities that can be enabled on
# vCPUs", 7 "... on VMs", 8 "Other capabilities" (7.2 moved sections between them: 8.2 KVM_CAP_HYPERV_SYNIC of
# 6.1 is 6.76 there). What they document is what KVM_ENABLE_CAP (4.37) does with the capability.
CAPABILITY_CHAPTERS = (6, 7, 8)


def capability_sections(sections: list[Section]) -> list[Section]:
    """The sections of chapters 6 to 8 that name a capability ("7.13 KVM_CAP_X86_DISABLE_EXITS")."""
    return [s for s in sections if s.chapter in CAPABILITY_CHAPTERS and any(n.startswith("KVM_CAP_") for n in s.names)]


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
    """An errno a device document gives for a group (and attribute) of KVM_{SET,GET,HAS}_DEVICE_ATTR."""

    document: str  # "arm-vgic.rst"
    groups: tuple[str, ...]  # ("KVM_DEV_ARM_VGIC_GRP_ADDR",); a heading may name several; () before the first
    attributes: tuple[str, ...]  # where the document goes attribute by attribute ("KVM_ARM_VCPU_PMU_V3_IRQ",)
    errno: str
    condition: str
    line: int
    architectures: tuple[str, ...]  # from the group's :Architectures: line, else the document's own (ARCHITECTURES)
    source: str = "table"  # "table": a row of an errors table; "prose": a sentence naming the errno
    end: int = 0  # the last line of the row or sentence

    @property
    def group(self) -> str:
        return self.groups[0] if self.groups else ""

    @property
    def attribute(self) -> str:
        return self.attributes[0] if self.attributes else ""


# Architectures of the device documents that have no :Architectures: lines of their own.
DEVICE_DOC_ARCH = {"arm-vgic.rst": ("arm64",), "arm-vgic-v3.rst": ("arm64",), "arm-vgic-its.rst": ("arm64",),
                   "arm-vgic-v5.rst": ("arm64",), "mpic.rst": ("ppc",), "xics.rst": ("ppc",), "xive.rst": ("ppc",),
                   "s390_flic.rst": ("s390",), "vfio.rst": ("all",)}

# The shapes of a group heading: "N. GROUP: X" (vcpu.rst, vm.rst) or "N. X_GRP_Y" (xics.rst, xive.rst), a name
# indented by two spaces (arm-vgic*.rst: "  KVM_DEV_ARM_VGIC_GRP_DIST_REGS, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS",
# mpic.rst with "(rw, 32-bit)" after it), or a name at column 0 underlined with dashes (arm-vgic-its.rst).
# Attributes: "N.M ATTRIBUTE[S]: X, Y" or "X_{A,B}".
_DEV_GROUP_NUMBERED = re.compile(r"^\s*\d+\.\s+(?:GROUP:\s*(KVM_[A-Z0-9_]+)|(KVM_[A-Z0-9_]*_GRP_[A-Z0-9_]+))"
                                 r"\s*(?:\([^)]*\))?\s*$")
_DEV_GROUP_NAMES = re.compile(r"^ {0,2}(KVM_[A-Z0-9_]*_GRP_[A-Z0-9_]+(?:\s*,\s*KVM_[A-Z0-9_]+)*)\s*(?:\([^)]*\))?\s*$")
_DEV_ATTR = re.compile(r"^\d+\.\d+\.?\s+ATTRIBUTES?:?\s*(KVM_[A-Z0-9_{}, ]+?)\s*$")
_DEV_ARCH = re.compile(r"^:Architectures:\s*(.+)$")


def _expand(names: str) -> tuple[str, ...]:
    """"A, B" and "KVM_X_{P,Q}" as the names they stand for."""
    out = []
    for part in re.split(r",\s*(?![^{]*})", names):
        m = re.match(r"(\w*)\{([^}]*)\}(\w*)$", part.strip())
        out += [m.group(1) + x.strip() + m.group(3) for x in m.group(2).split(",")] if m else [part.strip()]
    return tuple(n for n in out if n)


def _device_doc(name: str, text: str):
    """The rows of a device document's errors tables, and its prose as sentences, each under the group, attributes
    and architectures it stands in."""
    rows: list[DeviceError] = []
    default_arch = tuple(sorted(architectures(", ".join(DEVICE_DOC_ARCH[name])))) if name in DEVICE_DOC_ARCH else ()
    groups: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    arches = default_arch
    lines = text.expandtabs(8).splitlines()
    table_col = None  # the second column's offset while inside an errors table
    table_rows = table_lines = 0
    prose: list[int] = []  # 0-based numbers of the lines of prose
    context: dict[int, tuple] = {}  # and the (groups, attributes, architectures) each stands in
    for n, line in enumerate(lines, 1):
        nxt = lines[n] if n < len(lines) else ""
        m = _BORDER.match(line)
        if m:
            if table_col is None:
                table_col, table_rows, table_lines = len(m.group(1)) + len(m.group(2)) + len(m.group(3)), 0, 0
            elif table_rows or table_lines != 1:
                table_col = None  # a border after rows closes the table; one after a single line ends its header
            continue
        if table_col is not None:
            table_lines += 1 if line.strip() else 0
            first, rest = line[:table_col].strip(), line[table_col:].strip()
            errno = first.lstrip("-")
            if errno in ERRNO_NAMES:
                rows.append(DeviceError(name, groups, attributes, errno, rest, n, arches, end=n))
                table_rows += 1
            elif not first and rest and table_rows:
                e = rows[-1]
                rows[-1] = dataclasses.replace(e, condition=f"{e.condition} {rest}", end=n)
            continue
        m = _DEV_GROUP_NUMBERED.match(line)
        names = m and (m.group(1) or m.group(2))
        m = None if names else _DEV_GROUP_NAMES.match(line)
        if m and (line[0] == " " or re.match(r"^-{3,}\s*$", nxt)):
            names = m.group(1)
        if names:
            groups, attributes, arches = _expand(names), (), default_arch
            continue
        m = _DEV_ATTR.match(line)
        if m:
            attributes = _expand(m.group(1))
            continue
        m = _DEV_ARCH.match(line)
        if m:
            arches = tuple(sorted(architectures(m.group(1))))
            continue
        prose.append(n - 1)
        context[n - 1] = (groups, attributes, arches)
    return rows, [(st, context[st.line - 1]) for st in sentences(lines, prose)]


def parse_device_doc(name: str, text: str) -> list[DeviceError]:
    """Every errno a device document names, under the group and attribute it stands in, in document order: the
    rows of its error tables with their (wrapped) conditions, and one row per sentence of prose and errno it
    names, the sentence as the condition."""
    rows, prose = _device_doc(name, text)
    for st, (groups, attributes, arches) in prose:
        rows += [DeviceError(name, groups, attributes, e, st.text, n, arches, "prose", st.end) for e, n in st.errnos]
    return sorted(rows, key=lambda e: e.line)


@dataclass(frozen=True)
class DeviceRule:
    """A sentence of a device document that orders calls (ORDERING), under the group and attribute it stands in."""

    document: str
    groups: tuple[str, ...]
    attributes: tuple[str, ...]
    text: str
    line: int
    end: int
    architectures: tuple[str, ...]


def device_doc_rules(name: str, text: str) -> list[DeviceRule]:
    """The ordering rules of a device document, in document order."""
    _, prose = _device_doc(name, text)
    return [DeviceRule(name, groups, attributes, st.text, st.line, st.end, arches)
            for st, (groups, attributes, arches) in prose if is_ordering(st.text)]
