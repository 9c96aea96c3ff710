"""The header check: what real UAPI headers say, read from an object file that gcc compiles and nobody runs.

For one architecture and one header set, a generated C file includes <linux/kvm.h> and stores every value we
want to know (each object-like macro of linux/kvm.h and asm/kvm.h, each value the model has, each sample of a
function-like macro, sizeof and alignment of each structure) in a data object of its own; the layouts come
from the DWARF of the same object. Both are read back with pyelftools. Nothing is executed, so a cross
compiler is all a foreign architecture needs.

A symbol that does not compile is dropped and the file compiled again, so one bad macro never hides the
others; why it failed is kept: a structure the architecture does not define (KVM_GET_XSAVE on arm64) is
"not on this architecture", a kernel-internal name (GENMASK, SZ_64K, PAGE_SIZE) is a finding.

Results are cached under the XDG cache directory, keyed by the headers' content, the compiler and this
file, so the check compiles once per architecture per header set.

Header sets: Debian 12's linux-libc-dev (and its arm64 cross package) as installed, the default; Debian 13's
(6.12) and sid's linux-libc-dev, fetched into the cache on first use (`debian-13`, `debian-sid`: one
Architecture: all package with every architecture's asm/ headers under include/<multiarch triplet>/); or a
kernel's `make headers_install` output.
The dump records the headers' release (LINUX_VERSION_CODE), which the model is judged against.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from elftools.elf.elffile import ELFFile

from abi import layout, model

COMPILERS = {"x86_64": "gcc", "arm64": "aarch64-linux-gnu-gcc", "riscv64": "riscv64-linux-gnu-gcc"}
# Debian packages that provide each architecture's compiler and default headers.
PACKAGES = {
    "x86_64": ("gcc", "linux-libc-dev"),
    "arm64": ("gcc-aarch64-linux-gnu", "linux-libc-dev-arm64-cross"),
    "riscv64": ("gcc-riscv64-linux-gnu", "linux-libc-dev-riscv64-cross"),
}
DEFAULT_INCLUDE = {"x86_64": Path("/usr/include"), "arm64": Path("/usr/aarch64-linux-gnu/include"),
                   "riscv64": Path("/usr/riscv64-linux-gnu/include")}
MULTIARCH = {"x86_64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu", "riscv64": "riscv64-linux-gnu"}
# Debian header sets by name: the apt channel (abi.debian) whose linux-libc-dev they are; None for the
# packages installed on this host (Debian 12 here).
DEBIAN = {"debian-12": None, "debian-13": "trixie", "debian-sid": "sid"}
# The headers whose symbols are the KVM ABI; others they include (asm/ptrace.h, linux/psci.h) only
# contribute types and values.
KVM_HEADERS = ("linux/kvm.h", "asm/kvm.h")
TYPE_HEADERS = KVM_HEADERS + ("asm/ptrace.h",)
FORMAT = 4  # bump when the dump's shape changes, so old caches are not read


class HeaderError(Exception):
    """The header set cannot be checked; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class HeaderSet:
    arch: str
    root: Path | None = None  # a `make headers_install` INSTALL_HDR_PATH (contains include/), searched first
    debian: str = ""  # a name of DEBIAN other than this host's: that linux-libc-dev, searched after root

    @property
    def dirs(self) -> list[Path]:
        """Include directories in search order, before the compiler's own; none for the installed headers."""
        out = []
        for top in ([self.root / "include"] if self.root else []) + (
                [debian_headers(self.debian)[0] / "usr" / "include"] if DEBIAN.get(self.debian) else []):
            # A Debian-shaped tree keeps asm/ under the multiarch triplet, as /usr/include does.
            if (top / MULTIARCH[self.arch]).is_dir():
                out.append(top / MULTIARCH[self.arch])
            out.append(top)
        return out

    @property
    def compiler(self) -> str:
        return COMPILERS[self.arch]

    def describe(self) -> str:
        parts = [str(self.root / "include")] if self.root else []
        if DEBIAN.get(self.debian):
            parts.append(f"Debian {DEBIAN[self.debian]} linux-libc-dev {debian_headers(self.debian)[1]}")
        elif not self.root:
            parts.append(f"Debian {PACKAGES[self.arch][1]} {_package_version(PACKAGES[self.arch][1])}")
        return " over ".join(parts)

    def validate(self) -> None:
        """Raise HeaderError (one line) when this set cannot be checked here."""
        if self.arch not in COMPILERS:
            raise HeaderError(f"unknown architecture {self.arch!r} (known: {', '.join(COMPILERS)})")
        if shutil.which(self.compiler) is None:
            raise HeaderError(f"{self.arch}: compiler {self.compiler} not found "
                              f"(apt-get install {PACKAGES[self.arch][0]})")
        if self.root and not self.root.is_dir():
            raise HeaderError(f"{self.arch}: {self.root} is not a directory")
        dirs = self.dirs or [DEFAULT_INCLUDE[self.arch]]
        if not any((d / "linux" / "kvm.h").is_file() for d in dirs):
            hint = ("give the INSTALL_HDR_PATH of `make headers_install`, which contains include/linux/kvm.h"
                    if self.root else f"apt-get install {PACKAGES[self.arch][1]}")
            raise HeaderError(f"{self.arch}: no linux/kvm.h under {', '.join(map(str, dirs))} ({hint})")

    def flags(self) -> list[str]:
        return [f for d in self.dirs for f in ("-I", str(d))]


def debian_headers(name: str) -> tuple[Path, str]:
    """Debian's linux-libc-dev of the channel DEBIAN[name], unpacked in the cache: (directory, version). Without
    apt or network, the newest copy already in the cache, if any; else HeaderError saying why."""
    if name not in _DEBIAN_DIRS:
        from abi import debian
        from abi.target import cache

        channel = DEBIAN[name]
        top = cache.cache_dir() / "uapi" / channel
        try:
            with cache.cache_lock("uapi.lock"):
                apt = debian.Apt(channel)
                version = apt.show("linux-libc-dev")["Version"]
                dest = top / f"linux-libc-dev_{version.replace(':', '%3a')}"
                if not cache.usable(dest, f"Debian {channel}'s linux-libc-dev {version}", "unpacking it again"):
                    deb = apt.fetch("linux-libc-dev")
                    top.mkdir(parents=True, exist_ok=True)
                    tmp = top / f".unpack-{os.getpid()}"
                    shutil.rmtree(tmp, ignore_errors=True)
                    debian.unpack([deb], tmp)
                    shutil.rmtree(dest, ignore_errors=True)
                    os.replace(tmp, dest)
                    cache.record(dest)
        except debian.PackageUnavailable as e:
            cached = sorted(top.glob("linux-libc-dev_*"), key=lambda p: p.stat().st_mtime)
            if not cached:
                raise HeaderError(f"{name}: Debian {channel}'s linux-libc-dev is not available here ({e}; no "
                                  "network or Debian archive, and no earlier copy in the cache)") from None
            dest, version = cached[-1], cached[-1].name.split("_", 1)[1].replace("%3a", ":")
        _DEBIAN_DIRS[name] = (dest, version)
    return _DEBIAN_DIRS[name]


_DEBIAN_DIRS: dict[str, tuple[Path, str]] = {}


@dataclass
class Value:
    value: int | None
    file: str = ""
    line: int = 0
    error: str = ""  # why the header's value could not be computed
    reason: str = ""  # "arch" (not on this architecture), "kernel-internal" (a finding), "absent"


@dataclass
class Layout:
    size: int
    align: int
    file: str
    line: int
    members: list[tuple[str, int, int, str]]  # (path, offset, size, type signature)


@dataclass
class Dump:
    arch: str
    headers: str
    compiler: str
    macros: dict[str, dict] = field(default_factory=dict)  # name -> {kind, body, file, line, args}
    values: dict[str, Value] = field(default_factory=dict)
    layouts: dict[str, Layout] = field(default_factory=dict)
    version: str = ""  # the headers' LINUX_VERSION_CODE as "7.2.13"; "" when they do not say
    seconds: float = 0.0
    cached: bool = False

    def to_json(self) -> dict:
        return {"format": FORMAT, "arch": self.arch, "headers": self.headers, "compiler": self.compiler,
                "version": self.version, "macros": self.macros,
                "values": {k: asdict(v) for k, v in self.values.items()},
                "layouts": {k: asdict(v) for k, v in self.layouts.items()}}

    @classmethod
    def from_json(cls, d: dict) -> Dump:
        dump = cls(d["arch"], d["headers"], d["compiler"], d["macros"], version=d["version"])
        dump.values = {k: Value(**v) for k, v in d["values"].items()}
        dump.layouts = {k: Layout(**{**v, "members": [tuple(m) for m in v["members"]]})
                        for k, v in d["layouts"].items()}
        return dump


# --- reading the headers' macros ---------------------------------------------------------------------

_LINEMARK = re.compile(r'# (\d+) "([^"]+)"')
_DEFINE = re.compile(r"#define (\w+)(\([^)]*\))?\s*(.*)")


def _macro_kind(name: str, args: str | None, body: str) -> str:
    if args is not None:
        return "macro"
    if not body:
        return "feature" if name.startswith("__KVM_HAVE_") else "guard"
    if name.startswith("__"):
        return "helper"  # the header's own plumbing (__KVM_DEPRECATED_*): its public aliases are the ABI
    if name.startswith("KVM_CAP_"):
        return "cap"
    if re.search(r"\b_IO(R|W|WR)?\s*\(", body) or re.fullmatch(r"__KVM_DEPRECATED_\w+", body):
        return "ioctl"
    return "constant"


def read_macros(hs: HeaderSet) -> tuple[dict[str, dict], set[str], list[str], str]:
    """Object- and function-like macros of linux/kvm.h and asm/kvm.h with file and line, every name defined, every
    file the preprocessor read (for the cache key), and the headers' release from linux/version.h."""
    out = _run([hs.compiler, *hs.flags(), "-E", "-dD", "-x", "c", "-"],
               "#include <linux/kvm.h>\n#include <linux/version.h>\n", hs)
    m = re.search(r"^#define LINUX_VERSION_CODE (\d+)", out, re.M)
    version = ""
    if m:
        code = int(m.group(1))
        version = f"{code >> 16}.{(code >> 8) & 0xFF}.{code & 0xFF}"
        sub = re.search(r"^#define LINUX_VERSION_SUBLEVEL (\d+)", out, re.M)
        if sub:  # the code caps the sublevel at 255
            version = version.rsplit(".", 1)[0] + "." + sub.group(1)
    macros: dict[str, dict] = {}
    defined: set[str] = set()
    files: list[str] = []
    cur, line = "", 0
    for text in out.splitlines():
        m = _LINEMARK.match(text)
        if m:
            line, cur = int(m.group(1)), m.group(2)
            if cur.startswith("/") and cur not in files:
                files.append(cur)
            continue
        if text.startswith("#define "):
            defined.add(_DEFINE.match(text).group(1))
        if text.startswith("#define ") and cur.endswith(KVM_HEADERS):
            d = _DEFINE.match(text)
            name, args, body = d.group(1), d.group(2), d.group(3).strip()
            kind = _macro_kind(name, args, body)
            if kind not in ("guard", "helper"):
                macros[name] = {"kind": kind, "body": body, "args": args, "file": cur, "line": line}
        line += 1
    return macros, defined, files, version


_C_WORDS = {"struct", "union", "sizeof", "unsigned", "signed", "int", "long", "char", "short", "void",
            "__u8", "__u16", "__u32", "__u64", "__s8", "__s16", "__s32", "__s64", "offsetof", "__alignof__"}


def culprits(name: str, macros: dict[str, dict], defined: set[str]) -> list[str]:
    """Identifiers a macro's expansion uses that no header userspace includes defines (GENMASK, SZ_64K):
    why it cannot be evaluated, which the compiler's 'initializer element is not constant' does not say."""
    seen, out, todo = set(), [], [name]
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        body = macros.get(n, {}).get("body", "")
        for ident in re.findall(r"\b[A-Za-z_]\w*\b", body):
            if ident in macros:
                todo.append(ident)
            elif ident not in defined and ident not in _C_WORDS and not ident.startswith("kvm_") \
                    and ident not in out:
                out.append(ident)
    return out


# --- compiling the values -----------------------------------------------------------------------------

@dataclass
class _Probe:
    name: str
    expr: str


def _probes(dump: Dump, abi: model.Abi) -> list[_Probe]:
    probes: dict[str, _Probe] = {}
    for name, m in dump.macros.items():
        if m["kind"] in ("constant", "cap", "ioctl"):
            probes[name] = _Probe(name, name)
    for name, sym in abi.symbols.items():
        if sym.kind in ("constant", "cap", "ioctl"):
            probes.setdefault(name, _Probe(name, name))
        elif sym.kind == "macro":
            for sample in sym.value.samples:
                key = sample_key(name, sample)
                probes[key] = _Probe(key, key)
    for name in abi.unavailable:
        probes.setdefault(name, _Probe(name, name))
    return list(probes.values())


def sample_key(name: str, sample: tuple) -> str:
    return f"{name}({', '.join(a if isinstance(a, str) else hex(a) for a in sample)})"


def _c_source(probes: list[_Probe], structs: list[str]) -> tuple[str, dict[int, str]]:
    # stddef.h for offsetof, which KVM_REG_ARM_CORE_REG expects its user to have.
    lines = ["#include <stddef.h>", "#include <linux/kvm.h>", "typedef unsigned long long kvmabi_u64;"]
    where: dict[int, str] = {}
    for i, p in enumerate(probes):
        # Two words: the value as unsigned, and whether it is negative, so -1 and 0xffffffffffffffff
        # are told apart.
        where[len(lines) + 1] = p.name
        lines.append(f"const kvmabi_u64 kvmabi_v{i}[2] __attribute__((used)) = "
                     f"{{ (kvmabi_u64)({p.expr}), ({p.expr}) < 0 }};")
    for i, s in enumerate(structs):
        where[len(lines) + 1] = "struct " + s
        lines.append(f"const kvmabi_u64 kvmabi_s{i}[2] __attribute__((used)) = "
                     f"{{ sizeof(struct {s}), __alignof__(struct {s}) }};")
    return "\n".join(lines) + "\n", where


_DIAG = re.compile(r"^(.*?):(\d+):\d+: (error|note|warning): (.*)$")


def _errors_by_line(stderr: str, cfile: str, where: dict[int, str]) -> dict[str, str]:
    """The first error of each failing probe. An error inside a header macro is reported at the header's
    line, followed by a note `in expansion of macro` at our line: attribute it there."""
    bad: dict[str, str] = {}
    pending: list[str] = []
    for text in stderr.splitlines():
        m = _DIAG.match(text)
        if not m:
            continue
        path, line, level, msg = m.group(1), int(m.group(2)), m.group(3), m.group(4).strip()
        if level == "error" and not path.endswith(cfile):
            pending.append(msg)
            continue
        if path.endswith(cfile):
            name = where.get(line)
            if name:
                msgs = pending + ([msg] if level == "error" else [])
                if msgs and name not in bad:
                    bad[name] = msgs[0]
            if level == "error" or (level == "note" and pending):
                pending = []
    return bad


def _classify(message: str, name: str = "") -> str:
    if "incomplete type" in message or re.search(r"storage size of .* isn't known", message):
        return "arch"
    if "undeclared" in message and (re.search(r"[‘'](KVM_|__KVM)", message) or f"‘{name}’ undeclared" in message
                                    or f"'{name}' undeclared" in message):
        return "absent"
    return "kernel-internal"


def compile_values(hs: HeaderSet, probes: list[_Probe], structs: list[str], workdir: Path):
    """Compile until it compiles, dropping failing lines; return the linked object's path and the failures."""
    failed: dict[str, str] = {}
    probes, structs = list(probes), list(structs)
    for _ in range(6):
        src, where = _c_source(probes, structs)
        c, obj = workdir / f"kvmabi-{hs.arch}.c", workdir / f"kvmabi-{hs.arch}.o"
        c.write_text(src)
        # An undefined function must be an error that names it (GENMASK), not a later 'not constant'.
        proc = _compiler([hs.compiler, *hs.flags(), "-c", "-g", "-O0", "-Werror=implicit-function-declaration",
                          "-fno-eliminate-unused-debug-types", str(c), "-o", str(obj)], hs, "compiling the probes")
        if proc.returncode == 0:
            return _link(hs, obj), probes, structs, failed
        bad = _errors_by_line(proc.stderr, c.name, where)
        if not bad:
            raise HeaderError(f"{hs.arch}: the headers do not compile for userspace: "
                              f"{_first_error(proc.stderr)}")
        failed.update(bad)
        probes = [p for p in probes if p.name not in bad]
        structs = [s for s in structs if "struct " + s not in bad]
    raise HeaderError(f"{hs.arch}: still failing after dropping {len(failed)} symbols")


def _link(hs: HeaderSet, obj: Path) -> Path:
    """The probes' object linked into a shared object, so that the linker has applied the relocations of its
    DWARF sections: pyelftools applies them itself for x86_64 and arm64, but knows none of riscv64's. Nothing in it
    needs a C library (-nostdlib)."""
    linked = obj.with_suffix(".so")
    proc = _compiler([hs.compiler, "-nostdlib", "-shared", str(obj), "-o", str(linked)], hs, "linking the probes")
    if proc.returncode != 0:
        raise HeaderError(f"{hs.arch}: linking the probes failed: {_first_error(proc.stderr)}")
    return linked


def _first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if "error" in line:
            return line.strip()
    return stderr.strip().splitlines()[-1] if stderr.strip() else "no output"


# --- reading the object ------------------------------------------------------------------------------

def _read_words(elf: ELFFile) -> dict[str, tuple[int, int]]:
    symtab = elf.get_section_by_name(".symtab")
    out = {}
    order = "<" if elf.little_endian else ">"
    for sym in symtab.iter_symbols():
        if not sym.name.startswith("kvmabi_"):
            continue
        sec = elf.get_section(sym["st_shndx"])
        start = sym["st_value"] - sec["sh_addr"]  # an address in the linked object, its section's offset + base
        data = sec.data()[start:start + 16]
        import struct

        out[sym.name] = struct.unpack(order + "QQ", data)
    return out


def _dwarf_layouts(elf: ELFFile) -> dict[str, Layout]:
    dwarf = elf.get_dwarf_info()
    layouts: dict[str, Layout] = {}
    for cu in dwarf.iter_CUs():
        files = _cu_files(dwarf, cu)
        for die in cu.get_top_DIE().iter_children():
            if die.tag not in ("DW_TAG_structure_type", "DW_TAG_union_type"):
                continue
            if "DW_AT_name" not in die.attributes or "DW_AT_declaration" in die.attributes:
                continue
            f = files.get(die.attributes["DW_AT_decl_file"].value, "")
            if not f.endswith(TYPE_HEADERS):
                continue
            name = die.attributes["DW_AT_name"].value.decode()
            layouts[name] = Layout(die.attributes["DW_AT_byte_size"].value, 0, f,
                                   die.attributes["DW_AT_decl_line"].value, list(_dwarf_members(die, "", 0)))
    return layouts


def _cu_files(dwarf, cu) -> dict[int, str]:
    lp = dwarf.line_program_for_CU(cu)
    v5 = lp.header.version >= 5
    dirs = [d.decode() for d in lp["include_directory"]]
    out = {}
    for i, fe in enumerate(lp["file_entry"]):
        idx = fe.dir_index if v5 else fe.dir_index - 1
        d = dirs[idx] if 0 <= idx < len(dirs) and (v5 or fe.dir_index) else ""
        out[i if v5 else i + 1] = os.path.join(d, fe.name.decode())
    return out


def _strip(die):
    while die.tag in ("DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type"):
        die = die.get_DIE_from_attribute("DW_AT_type")
    return die


_ENC = {0x02: "b", 0x05: "s", 0x06: "s", 0x07: "u", 0x08: "u", 0x04: "f"}


def _signature(die) -> tuple[str, int]:
    """(type signature, byte size) of a member's type, in the form layout.signature gives the model's."""
    die = _strip(die)
    if die.tag == "DW_TAG_array_type":
        dims = []
        for ch in die.iter_children():
            if ch.tag == "DW_TAG_subrange_type":
                if "DW_AT_count" in ch.attributes:
                    dims.append(ch.attributes["DW_AT_count"].value)
                elif "DW_AT_upper_bound" in ch.attributes:
                    dims.append(ch.attributes["DW_AT_upper_bound"].value + 1)
                else:
                    dims.append(0)
        elem, esize = _signature(die.get_DIE_from_attribute("DW_AT_type"))
        n = 1
        for d in dims:
            n *= d
        return elem + "".join(f"[{d}]" for d in dims), esize * n
    if die.tag == "DW_TAG_pointer_type":
        return "ptr", die.attributes["DW_AT_byte_size"].value
    if die.tag in ("DW_TAG_structure_type", "DW_TAG_union_type"):
        kind = "struct" if die.tag == "DW_TAG_structure_type" else "union"
        return kind, die.attributes["DW_AT_byte_size"].value
    if die.tag == "DW_TAG_enumeration_type":
        size = die.attributes["DW_AT_byte_size"].value
        return f"u{size}", size
    size = die.attributes["DW_AT_byte_size"].value
    name = die.attributes["DW_AT_name"].value.decode()
    if name == "char":
        return "char", 1
    return f"{_ENC.get(die.attributes['DW_AT_encoding'].value, '?')}{size}", size


def _dwarf_members(die, prefix: str, base: int):
    for ch in die.iter_children():
        if ch.tag != "DW_TAG_member":
            continue
        off = base + ch.attributes.get("DW_AT_data_member_location").value \
            if "DW_AT_data_member_location" in ch.attributes else base
        tdie = ch.get_DIE_from_attribute("DW_AT_type")
        sig, size = _signature(tdie)
        inner = _strip(tdie)
        name = ch.attributes["DW_AT_name"].value.decode() if "DW_AT_name" in ch.attributes else None
        if name and name.startswith("__empty_"):
            continue  # __DECLARE_FLEX_ARRAY's zero-size marker: the flexible array beside it is the member
        if "DW_AT_bit_size" in ch.attributes:
            total = ch.attributes["DW_AT_data_bit_offset"].value + base * 8
            yield (prefix + name, total // 8, size, f"{sig}:{ch.attributes['DW_AT_bit_size'].value}+{total % 8}")
            continue
        if "DW_AT_name" not in ch.attributes:  # anonymous struct/union: its members belong to the parent
            yield from _dwarf_members(inner, prefix, off)
            continue
        path = prefix + name
        yield (path, off, size, sig)
        if inner.tag in ("DW_TAG_structure_type", "DW_TAG_union_type"):
            yield from _dwarf_members(inner, path + ".", off)


# --- the whole dump, cached ---------------------------------------------------------------------------

def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kvm-abi" / "headers"


def _key(hs: HeaderSet, files: list[str], abi: model.Abi) -> str:
    h = hashlib.sha256()
    h.update(f"{FORMAT}\0{hs.arch}\0{_compiler_version(hs.compiler)}\0".encode())
    for f in sorted(files):
        h.update(f.encode() + b"\0")
        try:
            h.update(Path(f).read_bytes())
        except OSError:
            pass
    # The probes depend on the model's names, and the reading on this file.
    h.update(Path(__file__).read_bytes())
    h.update("\0".join(sorted(abi.symbols) + sorted(abi.unavailable)).encode())
    for sym in abi.of_kind("macro").values():
        h.update(repr(sym.value.samples).encode())
    return h.hexdigest()[:32]


def dump(hs: HeaderSet, use_cache: bool = True) -> Dump:
    import time

    t0 = time.monotonic()
    hs.validate()
    abi = model.for_arch(hs.arch)
    macros, defined, files, version = read_macros(hs)
    key = _key(hs, files, abi)
    cached = cache_dir() / f"{hs.arch}-{key}.json"
    if use_cache and cached.exists():
        try:
            d = Dump.from_json(json.loads(cached.read_text()))
            d.seconds, d.cached = time.monotonic() - t0, True
            return d
        except (ValueError, KeyError, TypeError):
            pass  # an old or torn cache file: compute again
    d = Dump(hs.arch, hs.describe(), _compiler_version(hs.compiler), macros, version=version)
    structs = sorted(set(abi.of_kind("struct")) | _header_struct_names(files))
    with tempfile.TemporaryDirectory(prefix="kvm-abi-headers-") as tmp:
        obj, probes, structs_ok, failed = compile_values(hs, _probes(d, abi), structs, Path(tmp))
        with open(obj, "rb") as f:
            elf = ELFFile(f)
            words = _read_words(elf)
            layouts = _dwarf_layouts(elf)
    for i, p in enumerate(probes):
        u, neg = words[f"kvmabi_v{i}"]
        m = macros.get(p.name.split("(")[0], {})
        d.values[p.name] = Value(u - (1 << 64) if neg else u, m.get("file", ""), m.get("line", 0))
    for name, msg in failed.items():
        base = name.split("(")[0]
        if name.startswith("struct "):
            continue
        m = macros.get(base, {})
        reason = _classify(msg, base)
        if reason == "kernel-internal" and "not constant" in msg:
            names = culprits(base, macros, defined)
            if names:
                msg = f"uses {', '.join(names)}, which no userspace header defines ({msg})"
        d.values[name] = Value(None, m.get("file", ""), m.get("line", 0), msg, reason)
    for i, s in enumerate(structs_ok):
        size, align = words[f"kvmabi_s{i}"]
        if s in layouts:
            layouts[s].align = align
    d.layouts = {n: lay for n, lay in layouts.items() if lay.align}
    d.seconds = time.monotonic() - t0
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmpf = cached.with_suffix(f".tmp{os.getpid()}")
    tmpf.write_text(json.dumps(d.to_json()))
    os.replace(tmpf, cached)
    return d


def _header_struct_names(files: list[str]) -> set[str]:
    """Structure names declared in the KVM headers the preprocessor read, so layouts the model lacks are measured
    too."""
    names = set()
    for f in files:
        if f.endswith(KVM_HEADERS):
            try:
                names |= set(re.findall(r"^struct (\w+) \{", Path(f).read_text(), re.M))
            except OSError:
                pass
    return names


COMPILE_TIMEOUT = 300  # s: the largest probe file compiles in about 1 s


def _compiler(cmd: list[str], hs: HeaderSet, what: str, **kw) -> subprocess.CompletedProcess:
    """A compiler step, bounded in time: a hung compiler is one line, not a run that never ends."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=COMPILE_TIMEOUT, **kw)
    except subprocess.TimeoutExpired:
        raise HeaderError(f"{hs.arch}: {what}: {cmd[0]} did not finish within {COMPILE_TIMEOUT} s") from None


def _run(cmd: list[str], stdin: str, hs: HeaderSet) -> str:
    proc = _compiler(cmd, hs, "preprocessing <linux/kvm.h>", input=stdin)
    if proc.returncode != 0:
        raise HeaderError(f"{hs.arch}: preprocessing <linux/kvm.h> failed: {_first_error(proc.stderr)}")
    return proc.stdout


_VERSIONS: dict[str, str] = {}


def _compiler_version(cc: str) -> str:
    if cc not in _VERSIONS:
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30).stdout
        _VERSIONS[cc] = out.splitlines()[0] if out else cc
    return _VERSIONS[cc]


def _package_version(pkg: str) -> str:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or "(not installed)"
    except (OSError, subprocess.TimeoutExpired):
        return "(unknown)"


def parse_uapi_option(values: list[str]) -> dict[str, dict[str, HeaderSet]]:
    """`--uapi-headers`, repeatable: `ARCH=DIR` (a `make headers_install` tree, or a Debian-shaped usr/ with
    include/<triplet>/asm) or a Debian name (debian-12, debian-13, debian-sid). Header sets by label ("" for
    Debian 12's and for ARCH=DIR, which replace Debian 12's for that architecture), each per architecture.
    Without the option: Debian 12's, 13's and sid's. HeaderError with one line on a bad value."""
    default = {arch: HeaderSet(arch) for arch in COMPILERS}
    if not values:
        return {"": default, **{name: {arch: HeaderSet(arch, debian=name) for arch in COMPILERS}
                                for name, channel in DEBIAN.items() if channel}}
    sets: dict[str, dict[str, HeaderSet]] = {}
    for v in values:
        if v in DEBIAN:
            label = "" if DEBIAN[v] is None else v
            sets.setdefault(label, {}).update({arch: HeaderSet(arch, debian=v if DEBIAN[v] else "")
                                               for arch in COMPILERS})
            continue
        arch, sep, d = v.partition("=")
        if not sep or not d:
            raise HeaderError(f"--uapi-headers {v!r}: expected ARCH=DIR (e.g. arm64=/tmp/hdr) or one of "
                              f"{', '.join(DEBIAN)}")
        if arch not in COMPILERS:
            raise HeaderError(f"--uapi-headers {v!r}: unknown architecture {arch!r} "
                              f"(known: {', '.join(COMPILERS)})")
        root = Path(d).expanduser()
        if not root.is_dir():
            raise HeaderError(f"--uapi-headers {v!r}: {root} does not exist or is not a directory")
        if not (root / "include" / "linux" / "kvm.h").is_file():
            raise HeaderError(f"--uapi-headers {v!r}: no include/linux/kvm.h under {root} (give the "
                              "INSTALL_HDR_PATH of `make headers_install ARCH=...`)")
        sets.setdefault("", dict(default))[arch] = HeaderSet(arch, root)
    return sets


__all__ = ["HeaderSet", "HeaderError", "Dump", "dump", "parse_uapi_option", "layout"]
