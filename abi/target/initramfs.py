"""The guest's initramfs: a cpio (newc) archive with busybox as init, a trimmed CPython of the guest's architecture
and the agent.

Built from unpacked Debian packages (see provision.py). Pure file assembly, no guest needed, so the harness
tests can check what goes in. The kernel modules the serial channel needs go in a second, per-kernel
archive: the kernel unpacks concatenated cpio archives in order, so one userspace archive serves every
kernel.
"""

from __future__ import annotations

import gzip
import io
import lzma
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from elftools.elf.elffile import ELFFile

PYTHON = "python3.11"  # the default guests' (Debian 12's); a machine's QemuSystem.userspace names its own
TRIPLET = "aarch64-linux-gnu"  # the default guests' (arm64) multiarch directory
AGENT_DIR = "agent"
# The serial channel: virtio-mmio transport plus the virtio console driver (and what they depend on).
SERIAL_MODULES = ("virtio_mmio", "virtio_console")
# Modules Python needs at start-up that no `import` statement names: codecs, and linecache, where 3.13 registers
# the `-c` source that runs the agent (CPython's pymain_run_command), with no module-level imports of its own.
STARTUP_MODULES = ("encodings", "encodings.aliases", "encodings.utf_8", "encodings.latin_1", "encodings.ascii",
                   "linecache")

_INIT = """#!/bin/sh
# kvm-abi guest init: mount the pseudo file systems, load the serial driver while the agent starts (it waits
# for its port), KVM's modules before it starts (not where KVM is built in: its /dev/kvm is there already), power
# off when the agent ends. x86's KVM takes the TSC frequency when it loads: while the clocksource is still
# tsc-early, the kernel has not refined its calibration yet (a fast-booting kernel gets here first), so wait for
# it, 3 s at most.
busybox mount -t proc proc /proc
busybox mount -t sysfs sys /sys
busybox mount -t devtmpfs dev /dev
for m in $(busybox cat /modules/order 2>/dev/null); do
    busybox insmod /modules/$m.ko || echo "kvm-abi: insmod $m failed"
done &
if [ -f /modules/kvm ] && [ ! -e /dev/kvm ]; then
    n=0 cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
    while [ $n -lt 30 ] && [ "$(busybox cat $cs 2>/dev/null)" = tsc-early ]; do
        busybox sleep 0.1
        n=$((n + 1))
    done
    for m in $(busybox cat /modules/kvm); do
        busybox insmod /modules/$m.ko || echo "kvm-abi: insmod $m failed"
    done
fi
cd /@AGENT@ && /usr/bin/@PYTHON@ -S -E -s -c "import sys, agent; sys.exit(agent.main(sys.argv))"
echo "kvm-abi: agent exited with status $?"
busybox poweroff -f
"""


def init_script(python: str = PYTHON) -> str:
    """/init, starting the agent on the userspace's interpreter."""
    return _INIT.replace("@PYTHON@", python).replace("@AGENT@", AGENT_DIR)


INIT = init_script()


class Cpio:
    """A cpio "newc" archive writer (the format the kernel's initramfs unpacker reads)."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1
        self.names: list[str] = []
        self._dirs: set[str] = set()

    def _entry(self, name: str, mode: int, data: bytes = b"") -> None:
        name_b = name.encode() + b"\0"
        fields = (self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0)
        self.buf.write(b"070701" + b"".join(b"%08X" % f for f in fields) + name_b)
        self._pad()
        self.buf.write(data)
        self._pad()
        self.ino += 1
        if name != "TRAILER!!!":
            self.names.append(name)

    def _pad(self) -> None:
        self.buf.write(b"\0" * (-self.buf.tell() % 4))

    def dir(self, name: str) -> None:
        name = name.strip("/")
        if not name or name in self._dirs:
            return
        self.dir(os.path.dirname(name))
        self._dirs.add(name)
        self._entry(name, 0o040755)

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        name = name.strip("/")
        self.dir(os.path.dirname(name))
        self._entry(name, 0o100000 | mode, data)

    def symlink(self, name: str, target: str) -> None:
        name = name.strip("/")
        self.dir(os.path.dirname(name))
        self._entry(name, 0o120777, target.encode())

    def finish(self) -> bytes:
        self._entry("TRAILER!!!", 0)
        self.buf.write(b"\0" * (-self.buf.tell() % 512))
        return self.buf.getvalue()


def elf_needs(path: Path) -> tuple[list[str], str | None]:
    """(DT_NEEDED libraries, PT_INTERP) of an ELF file."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        interp = None
        for seg in elf.iter_segments():
            if seg["p_type"] == "PT_INTERP":
                interp = seg.get_interp_name()
        dyn = elf.get_section_by_name(".dynamic")
        needed = [t.needed for t in dyn.iter_tags() if t.entry.d_tag == "DT_NEEDED"] if dyn else []
    return needed, interp


def lib_dirs(triplet: str) -> tuple[str, str]:
    return f"lib/{triplet}", f"usr/lib/{triplet}"


def find_lib(root: Path, name: str, triplet: str = TRIPLET) -> Path:
    for d in (*lib_dirs(triplet), "lib", "usr/lib"):
        p = root / d / name
        if p.exists():
            return p
    raise FileNotFoundError(f"{name} not found in the unpacked packages under {root}")


def add_elf_closure(cpio: Cpio, root: Path, binaries: list[Path], triplet: str = TRIPLET) -> None:
    """Put every shared library the binaries need (recursively) and the dynamic loader in the archive."""
    seen: set[str] = set()
    todo = list(binaries)
    while todo:
        needed, interp = elf_needs(todo.pop())
        if interp and interp not in seen:
            seen.update((interp, os.path.basename(interp)))  # libc names the loader too: one copy
            real = (root / interp.lstrip("/")).resolve()
            # An absolute symlink in the package, or a merged-/usr package (trixie) that has it under usr/ only.
            if not real.is_relative_to(root.resolve()) or not real.exists():
                real = find_lib(root, os.path.basename(interp), triplet)
            cpio.file(interp, real.read_bytes(), 0o755)
        for lib in needed:
            if lib in seen:
                continue
            seen.add(lib)
            path = find_lib(root, lib, triplet).resolve()
            cpio.file(f"{lib_dirs(triplet)[0]}/{lib}", path.read_bytes(), 0o755)
            todo.append(path)


def agent_sources() -> dict[str, bytes]:
    here = Path(__file__).parent
    return {name: (here / name).read_bytes() for name in ("agent.py", "protocol.py", "process.py")}


def imported_modules() -> set[str]:
    """Names of the modules the agent imports, found by importing it in a child of the host's Python.

    The host's Python is a stand-in for the guest's (same language version for the bytecode, close enough
    for the import graph); STARTUP_MODULES and the guest lookup in `python_modules` cover the rest.
    """
    here = Path(__file__).parent
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import agent; "
            "print('\\n'.join(n for n, m in sys.modules.items() if getattr(m, '__file__', None)))")
    out = subprocess.run([sys.executable, "-S", "-E", "-s", "-c", code, str(here)], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    return {n for n in out.split() if n not in ("agent", "protocol", "process")} | set(STARTUP_MODULES)


def python_modules(root: Path, python: str = PYTHON) -> dict[str, Path]:
    """The guest stdlib files the agent imports: {archive name: file}.

    Only these go in: every byte of the archive is unpacked by an emulated CPU at each boot. A name with no
    file in the guest's stdlib is built into Debian's interpreter (e.g. _struct, mmap).
    """
    lib = f"usr/lib/{python}"
    stdlib = root / lib
    files = {f"{lib}/os.py": stdlib / "os.py"}  # the landmark Python finds its prefix by
    for name in sorted(imported_modules()):
        rel = name.replace(".", "/")
        candidates = [stdlib / f"{rel}.py", stdlib / rel / "__init__.py"]
        candidates += sorted((stdlib / "lib-dynload").glob(f"{name}.cpython-*.so"))
        for c in candidates:
            if c.exists():
                files[str(c.relative_to(root))] = c
                break
    return files


def _pyc(source: Path, archive_name: str, python: str = PYTHON) -> tuple[str, bytes] | None:
    """Bytecode for a guest module, when the host's Python has the guest's bytecode format (else the guest
    compiles it at import, into its tmpfs: slower to boot, same behaviour)."""
    if python != f"python{sys.version_info[0]}.{sys.version_info[1]}":
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "m.pyc")
        # Unchecked hashes: the archive's timestamps are all zero, and the guest must not recompile at boot.
        py_compile.compile(str(source), cfile=str(out), dfile="/" + archive_name, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        d, base = os.path.split(archive_name)
        return f"{d}/__pycache__/{base[:-3]}.{sys.implementation.cache_tag}.pyc", out.read_bytes()


def userspace_archive(root: Path, triplet: str = TRIPLET, python: str = PYTHON) -> Cpio:
    """busybox, the `python` interpreter with the modules the agent imports, the agent, /init."""
    cpio = Cpio()
    for d in ("proc", "sys", "dev", "tmp", "modules", f"usr/lib/{python}/lib-dynload"):
        cpio.dir(d)
    # bookworm's busybox-static is in bin/, a merged-/usr channel's (trixie) in usr/bin/.
    busybox = next(p for p in (root / "bin/busybox", root / "usr/bin/busybox") if p.exists())
    cpio.file("bin/busybox", busybox.read_bytes(), 0o755)
    cpio.symlink("bin/sh", "busybox")
    cpio.file("init", init_script(python).encode(), 0o755)
    interpreter = root / "usr/bin" / python
    cpio.file(f"usr/bin/{python}", interpreter.read_bytes(), 0o755)
    extensions = []
    for name, path in sorted(python_modules(root, python).items()):
        cpio.file(name, path.read_bytes(), 0o644)
        if name.endswith(".py"):
            pyc = _pyc(path, name, python)
            if pyc:
                cpio.file(*pyc)
        elif name.endswith(".so"):
            extensions.append(path)
    here = Path(__file__).parent
    for name, data in agent_sources().items():
        cpio.file(f"{AGENT_DIR}/{name}", data, 0o644)
        pyc = _pyc(here / name, f"{AGENT_DIR}/{name}", python)  # imported, not run as a script: bytecode is used
        if pyc:
            cpio.file(*pyc)
    add_elf_closure(cpio, root, [interpreter] + extensions, triplet)
    return cpio


# ---- kernel modules -------------------------------------------------------------------------------------

MODULE_SUFFIXES = (".ko", ".ko.xz", ".ko.zst", ".ko.gz")


def module_bytes(path: Path) -> bytes:
    """A module's ELF bytes; compressed ones are unpacked here, since the guest's busybox may lack zstd."""
    data = path.read_bytes()
    name = path.name
    if name.endswith(".xz"):
        return lzma.decompress(data)
    if name.endswith(".gz"):
        return gzip.decompress(data)
    if name.endswith(".zst"):
        if not shutil.which("zstd"):
            raise RuntimeError(f"{name} is zstd-compressed and zstd is not installed (Debian package zstd)")
        return subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True, timeout=300).stdout
    return data


def module_depends(data: bytes) -> list[str]:
    """The `depends=` entry of a module's .modinfo section."""
    m = re.search(rb"(?:^|\0)depends=([^\0]*)\0", data)
    return [d for d in m.group(1).decode().split(",") if d] if m else []


def index_modules(moddir: Path) -> dict[str, Path]:
    """Module name -> file, for every module under moddir (names normalised: '-' is '_')."""
    found = {}
    for path in moddir.rglob("*.ko*"):
        for suffix in MODULE_SUFFIXES:
            if path.name.endswith(suffix):
                found[path.name[: -len(suffix)].replace("-", "_")] = path
    return found


def serial_modules(moddir: Path | None, roots: tuple[str, ...] = SERIAL_MODULES) -> list[tuple[str, bytes]]:
    """The modules to insmod for the agent's port (or `roots`), dependencies first; [] when they are built in."""
    if moddir is None:
        return []
    index = index_modules(moddir)
    order: list[tuple[str, bytes]] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name not in index:  # not a module file: built in (or absent, reported at boot)
            return
        done.add(name)
        data = module_bytes(index[name])
        for dep in module_depends(data):
            visit(dep.replace("-", "_"))
        order.append((name, data))

    for root_module in roots:
        visit(root_module)
    return order


def modules_archive(modules: list[tuple[str, bytes]], kvm: list[tuple[str, bytes]] = ()) -> Cpio:
    """The serial modules (modules/order, loaded while the agent starts) and KVM's (modules/kvm, before it)."""
    cpio = Cpio()
    for name, data in [*modules, *kvm]:
        cpio.file(f"modules/{name}.ko", data)
    cpio.file("modules/order", "".join(f"{name}\n" for name, _ in modules).encode())
    if kvm:
        cpio.file("modules/kvm", "".join(f"{name}\n" for name, _ in kvm).encode())
    return cpio


def compress(data: bytes, level: int = 6) -> bytes:
    """A gzip member (level 0: stored, not compressed, which the kernel unpacks at copying speed). mtime=0 keeps the
    archive byte-identical across builds of the same inputs."""
    return gzip.compress(data, compresslevel=level, mtime=0)
