"""A guest kernel and UAPI headers built from a user's kernel tree: `python -m abi validate --kernel-tree DIR`.

One kernel per guest architecture (ARCHES): `make allnoconfig` with the project's fragment for it
(kvm-guest-<arch>.config beside this file) as KCONFIG_ALLCONFIG, compiled with Debian's gcc for that
architecture (aarch64-linux-gnu-, x86_64-linux-gnu-, riscv64-linux-gnu-), niced, in a build directory of the
cache (never in the tree): $XDG_CACHE_HOME/kvm-abi/build/<tree name>-<hash of its path>/obj[-<arch>]. The tree's
state (path, size and mtime of every file, plus the fragment and the compiler) is hashed; an unchanged state
reuses the last image without running make, a changed one runs make in the same build directory, so a one-file
change rebuilds incrementally. The build log stays in that directory; a failed build raises BuildError with the
first compiler error and the log's tail. After the build, every line of the fragment must be in .config with its
value: an option Kconfig silently dropped (a missing dependency) is an error, not a surprise at boot.

The UAPI headers for arm64, x86 and riscv (`make headers`, copied as `make headers_install` would, without its rsync)
go into the same directory, cached by the same state.
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from abi import debian, machines
from abi.target import provision


@dataclass(frozen=True)
class KernelArch:
    """How the guest kernel of one architecture (as abi/machines.py names it) is built."""

    arch: str
    make_arch: str         # make ARCH=
    cross_compile: str     # make CROSS_COMPILE= (Debian's gcc-<triplet> on another host; gcc itself on this one)
    cross_package: str     # the Debian package of that compiler on a host of another architecture
    target: str            # the make target, and where its image lands in the build directory
    image: str
    # Whether its fragment builds modules (KVM's, loaded by the guest's init): `make modules` too, and the .ko files
    # collected into the build directory's modules[-<arch>]/, given to the guests as --guest-modules.
    modules: bool
    markers: tuple[str, ...]  # what the tree must have to build it: the architecture's KVM
    # Build directory, stamp and lock names: "" for arm64, whose names predate the second architecture (so its
    # cached builds stay valid), "-<arch>" for the others.
    suffix: str
    # Options the fragment names as older trees spell them, and their later names: a tree that defines the later
    # name and not the older one is configured with the later (the fragment stays checked line by line).
    renamed: tuple[tuple[str, str], ...] = ()
    # Options later trees have that the guest needs there: requested (=y) where the tree defines them.
    later: tuple[str, ...] = ()

    @property
    def fragment(self) -> Path:
        return Path(__file__).with_name(f"kvm-guest-{self.arch}.config")

    def fragment_for(self, tree: Path, out: Path) -> Path:
        """The fragment as this tree spells its options (`renamed`), written into the build directory `out` when
        it differs from the project's."""
        text = self.fragment.read_text()
        renames = [(old, new) for old, new in self.renamed
                   if not kconfig_defines(tree, self.make_arch, old) and kconfig_defines(tree, self.make_arch, new)]
        later = [name for name in self.later if kconfig_defines(tree, self.make_arch, name)]
        if not renames and not later:
            return self.fragment
        for old, new in renames:
            text = re.sub(rf"^CONFIG_{old}=", f"CONFIG_{new}=", text, flags=re.M)
        text += "".join(f"CONFIG_{name}=y\n" for name in later)
        path = out / self.fragment.name
        path.write_text(text)
        return path

    @property
    def compiler(self) -> str:
        return f"{self.cross_compile}gcc"

    @property
    def compiler_package(self) -> str:
        return "gcc" if self.arch == machines.host_arch() else self.cross_package


ARCHES = {a.arch: a for a in (
    KernelArch("arm64", "arm64", "aarch64-linux-gnu-", "gcc-aarch64-linux-gnu", "Image", "arch/arm64/boot/Image",
               False, ("arch/arm64/Kconfig", "arch/arm64/kvm/arm.c"), ""),
    # kvm_amd: the x86 guest's KVM (TCG emulates SVM, not VMX), modules (kvm-guest-x86_64.config says why)
    KernelArch("x86_64", "x86_64", "x86_64-linux-gnu-", "gcc-x86-64-linux-gnu", "bzImage", "arch/x86/boot/bzImage",
               True, ("arch/x86/Kconfig", "arch/x86/kvm/svm/svm.c"), "-x86_64"),
    # KVM built in (kvm-guest-riscv64.config says why); the EFI-stub Image, uncompressed, as QEMU loads it
    # QEMU's virt platform: SOC_VIRT in older trees, ARCH_VIRT in newer (arch/riscv/Kconfig.socs). Newer trees read
    # a hart's extensions from "riscv,isa-extensions" and fall back to the "riscv,isa" string, the only one QEMU 7.2
    # writes, only with RISCV_ISA_FALLBACK (which allnoconfig leaves off: no F/D, and userspace's first FP
    # instruction is illegal).
    KernelArch("riscv64", "riscv", "riscv64-linux-gnu-", "gcc-riscv64-linux-gnu", "Image", "arch/riscv/boot/Image",
               False, ("arch/riscv/Kconfig", "arch/riscv/kvm/main.c"), "-riscv64", (("SOC_VIRT", "ARCH_VIRT"),),
               ("RISCV_ISA_FALLBACK",)),
)}
ARM64 = ARCHES["arm64"]
FRAGMENT = ARM64.fragment  # the arm64 fragment (older name, kept for callers)
# tool -> Debian package (the build's own needs besides the compiler; .ci/setup installs them)
BUILD_TOOLS = {"make": "make", "gcc": "gcc", "bc": "bc", "flex": "flex", "bison": "bison", "perl": "perl-base"}
# What makes a directory a kernel tree we can check (each architecture's build needs its own markers too).
TREE_MARKERS = ("Makefile", "Kconfig", "virt/kvm/kvm_main.c", "include/uapi/linux/kvm.h")
# Never part of the tree's state: VCS data, editor droppings, in-tree build output (`make O=` refuses to run
# on a tree built in place, so there is none to hash anyway).
SKIP_DIRS = {".git", ".hg", ".svn", ".pc"}
SKIP_SUFFIXES = (".o", ".cmd", ".swp", "~", ".orig", ".rej")
# the header check's name -> the kernel's ARCH
HEADER_ARCHES = {"arm64": "arm64", "x86_64": "x86", "riscv64": "riscv"}
LOG_TAIL = 25


class BuildError(Exception):
    """One clear line (str(e)), plus what to show under it: the first compiler error and the log's tail."""

    def __init__(self, message: str, detail: str = "", log: Path | None = None):
        super().__init__(message)
        self.detail = detail
        self.log = log


@dataclass(frozen=True)
class Build:
    tree: Path
    image: Path           # the arm64 or riscv64 Image, or the x86 bzImage, in the build directory
    release: str          # `make kernelrelease`
    config: Path          # the .config it was built with
    log: Path
    rebuilt: bool         # False: the tree was unchanged, make did not run
    seconds: float
    arch: str = "arm64"
    modules: Path | None = None  # the .ko files the guest's init loads (--guest-modules), None: all built in


def log(msg: str) -> None:
    provision.log(msg)


def _a(arch: str) -> str:
    """The article before an architecture's name as it is read: an arm64, an x86_64, a riscv64."""
    return "an" if arch[0] in "aeiosx" else "a"


# ---- the tree -------------------------------------------------------------------------------------------

def check_tree(path: str | os.PathLike) -> Path:
    """The tree's absolute path, or BuildError saying why DIR is not a kernel tree we can build."""
    tree = Path(path).expanduser().resolve()
    if tree.exists() and not tree.is_dir():
        raise BuildError(f"{path}: a file, not a kernel tree directory")
    if not tree.is_dir():
        raise BuildError(f"{path}: no such directory")
    missing = [m for m in TREE_MARKERS if not (tree / m).exists()]
    if len(missing) == len(TREE_MARKERS):
        raise BuildError(f"{path}: not a Linux kernel tree (none of {', '.join(TREE_MARKERS)})")
    if missing:
        raise BuildError(f"{path}: not a Linux kernel tree with KVM (missing {', '.join(missing)})")
    if any(c.isspace() or c == ":" for c in str(tree)):
        # The top Makefile stops on such a path ("source directory cannot contain spaces or colons"), after
        # `make allnoconfig` already failed with a message that names neither.
        raise BuildError(f"{path}: Kbuild refuses a source tree whose path contains spaces or colons; link or move "
                         "it to a path without them")
    for leftover in (".config", "include/config/auto.conf"):
        if (tree / leftover).exists():
            raise BuildError(f"{path}: the tree has been configured or built in place ({leftover} exists); "
                             "a build outside the tree (O=) needs a clean one: run `make mrproper` in it")
    return tree


def tree_state(tree: Path) -> str:
    """A hash of every source file's path, size and mtime: changes when any file is edited, added or removed.

    Content is not read (75 000 files: stat is ~0.5 s, reading would be ~10 s); make itself decides what to
    rebuild from mtimes, so a state key coarser than that would never miss a change make would see.
    """
    h = hashlib.sha256()
    stack = [tree]
    entries = []
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except OSError:
            continue
        with it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    if e.name not in SKIP_DIRS:
                        stack.append(Path(e.path))
                    continue
                if e.name.endswith(SKIP_SUFFIXES):
                    continue
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                entries.append(f"{os.path.relpath(e.path, tree)}\0{st.st_size}\0{st.st_mtime_ns}")
    for line in sorted(entries):
        h.update(line.encode() + b"\n")
    return h.hexdigest()


def build_key(tree: Path) -> str:
    """The build directory's name: readable, and unique per tree path."""
    name = re.sub(r"[^\w.+-]", "_", tree.name)[:40]
    return f"{name}-{hashlib.sha256(str(tree).encode()).hexdigest()[:12]}"


def build_dir(tree: Path) -> Path:
    d = provision.cache_dir() / "build" / build_key(tree)
    d.mkdir(parents=True, exist_ok=True)
    return d


def compiler_version(arch: KernelArch = ARM64) -> str:
    """The compiler's first --version line ('' without it: the header check's key, which needs no compiler)."""
    if not shutil.which(arch.compiler):
        return ""
    proc = subprocess.run([arch.compiler, "--version"], capture_output=True, text=True, timeout=SHORT)
    return proc.stdout.split("\n")[0]


def check_tools(arch: KernelArch | None = ARM64) -> None:
    """The build's tools, and the compiler for `arch` (None: the tools `make headers` needs)."""
    tools = {**BUILD_TOOLS, **({arch.compiler: arch.compiler_package} if arch else {})}
    missing = sorted({pkg for tool, pkg in tools.items() if not shutil.which(tool)})
    if missing:
        what = f"{_a(arch.arch)} {arch.arch} kernel" if arch else "UAPI headers"
        raise BuildError(f"cannot build {what} here: install the Debian package(s) {' '.join(missing)} "
                         "(sudo bash .ci/setup installs everything)")


def check_arch_tree(tree: Path, arch: KernelArch) -> None:
    missing = [m for m in arch.markers if not (tree / m).exists()]
    if missing:
        raise BuildError(f"{tree}: not a Linux kernel tree with {arch.arch} KVM (missing {', '.join(missing)})")


# ---- the configuration ----------------------------------------------------------------------------------

def parse_config(text: str) -> dict[str, str]:
    """CONFIG_FOO -> "y" / "m" / '"string"' / "n" (for `# CONFIG_FOO is not set`)."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(CONFIG_\w+)=(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^# (CONFIG_\w+) is not set$", line)
        if m:
            out[m.group(1)] = "n"
    return out


def kconfig_defines(tree: Path, make_arch: str, name: str) -> bool:
    """Whether the tree's Kconfig files define option `name` (`config NAME`): the architecture's own first, then
    every other directory but arch/."""
    pattern = re.compile(rf"^\s*(?:menu)?config\s+{re.escape(name)}\s*$", re.M)
    own = sorted((tree / "arch" / make_arch).rglob("Kconfig*"))
    rest = (p for top in sorted(tree.iterdir()) if top.is_dir() and top.name not in ("arch", ".git")
            for p in top.rglob("Kconfig*"))
    for path in (*own, *rest):
        try:
            if pattern.search(path.read_text(errors="replace")):
                return True
        except OSError:
            continue
    return False


def dropped_options(fragment: str, config: str) -> list[str]:
    """The fragment's requests that .config does not honour, one line each (empty: all there)."""
    want, have = parse_config(fragment), parse_config(config)
    out = []
    for name, value in want.items():
        got = have.get(name, "n")
        if got != value:
            shown = "not set" if got == "n" else f"={got}"
            out.append(f"{name}={value} requested, .config has it {shown}")
    return out


def verify_config(config_path: Path, fragment_path: Path = FRAGMENT) -> None:
    dropped = dropped_options(fragment_path.read_text(), config_path.read_text())
    if dropped:
        raise BuildError(f"the kernel configuration lacks {len(dropped)} option(s) of {fragment_path.name} "
                         "(Kconfig dropped them: a dependency is missing or the option does not exist in this "
                         "tree)", "\n".join(dropped), config_path)


# ---- the build log --------------------------------------------------------------------------------------

_ERROR = re.compile(r"^(?:[^\s:]+:\d+(?::\d+)?: (?:fatal )?error: |.*: undefined reference to |ld: .*error|"
                    r"[^\s:]+: error: |/bin/sh: \d+: .*not found$)")


def first_error(text: str, context: int = 4) -> str:
    """The first compiler/linker error in a build log with the lines that belong to it ('' if none).

    gcc's first error is the cause; later ones (and make's `***` lines) mostly follow from it. The lines
    after it up to the next diagnostic or make line are gcc's quotation of the source and its caret.
    """
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if _ERROR.match(line):
            block = [line]
            for nxt in lines[i + 1:i + 1 + context]:
                if re.match(r"^(make|  [A-Z]+ |\S+:\d+(:\d+)?: )", nxt):
                    break
                block.append(nxt)
            return "\n".join(block)
    for line in lines:
        if line.startswith("make") and "***" in line:
            return line
    return ""


# Time limits of the commands around a build (make itself streams its progress and is not bounded): a hung
# unpack or copy ends in one line instead of a run that never finishes.
SHORT, LONG = 30, 900
MAKE_LIMIT = 3 * 3600  # s: a cold build of the small guest kernel takes about 3 minutes on 2 cores


def _bounded(cmd: list[str], what: str, timeout: float = LONG, **kw) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what}: {cmd[0]} did not finish within {timeout} s") from None


def tail(text: str, n: int = LOG_TAIL) -> str:
    return "\n".join(text.rstrip().splitlines()[-n:])


def _make(args: list[str], tree: Path, logf, what: str, progress: bool = True) -> None:
    """Run make in the tree with its output appended to the log; a progress line on stderr every 20 s."""
    # niced: a build takes every core for minutes, and the guests of a run beside it must still keep time
    cmd = [*(["nice", "-n", "10"] if shutil.which("nice") else []), "make", "-C", str(tree), *args]
    logf.write(f"$ {' '.join(cmd)}\n".encode())
    logf.flush()
    # ASCII messages (the kernel's Makefile unexports LC_ALL, so LANG and LC_CTYPE too), the log greppable.
    env = dict(os.environ, LC_ALL="C", LANG="C", LC_CTYPE="C", LC_MESSAGES="C", KBUILD_BUILD_USER="kvm-abi",
               KBUILD_BUILD_HOST="kvm-abi")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=env)
    started = last = time.monotonic()
    steps, current = 0, ""
    # A make that hangs would hold the read below for ever: past MAKE_LIMIT it is killed, and that is the error.
    watchdog = threading.Timer(MAKE_LIMIT, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    try:
        for raw in proc.stdout:
            logf.write(raw)
            line = raw.decode(errors="replace").rstrip()
            if line.startswith("  ") and len(line) > 10 and line[2:10].strip().isupper():
                steps += 1
                current = line.strip()
            now = time.monotonic()
            if progress and now - last >= 20:
                log(f"{what}: {now - started:4.0f} s, {steps} steps (now: {current})")
                last = now
        proc.wait()
    finally:
        watchdog.cancel()
        if proc.poll() is None:  # interrupted: leave nothing running
            proc.kill()
            proc.wait()
        logf.flush()
    if time.monotonic() - started >= MAKE_LIMIT and proc.returncode:
        raise BuildError(f"{what}: make did not finish within {MAKE_LIMIT} s (killed); its log: {logf.name}")
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)


def _fail(what: str, log_path: Path) -> BuildError:
    text = log_path.read_text(errors="replace")
    err = first_error(text)
    detail = (f"first error:\n{err}\n\n" if err else "") + f"last lines of {log_path}:\n{tail(text)}"
    return BuildError(f"{what} failed" + (f": {err.splitlines()[0]}" if err else f" (log: {log_path})"),
                      detail, log_path)


# ---- the build ------------------------------------------------------------------------------------------

def _state_key(tree: Path, extra: str, state: str | None = None, arch: KernelArch = ARM64) -> str:
    h = hashlib.sha256()
    # how the fragment is adapted to a tree is part of it (only where there is any: other cached builds stay valid)
    adapted = (repr((arch.renamed, arch.later)),) if arch.renamed or arch.later else ()
    for part in (str(tree), state or tree_state(tree), arch.fragment.read_text(), *adapted, compiler_version(arch),
                 extra):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def _load_stamp(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def build(tree_path: str | os.PathLike, jobs: int | None = None, arch: str = "arm64") -> Build:
    """The tree's kernel for `arch` (an arm64 or riscv64 Image, an x86 bzImage): from the cache when the tree is
    unchanged, else built (incrementally)."""
    a = ARCHES[arch]
    tree = check_tree(tree_path)
    check_arch_tree(tree, a)
    check_tools(a)
    out = build_dir(tree)
    obj, log_path, stamp_path = out / f"obj{a.suffix}", out / f"build{a.suffix}.log", out / f"image{a.suffix}.json"
    mods = out / f"modules{a.suffix}" if a.modules else None
    with provision.cache_lock(f"build-{build_key(tree)}{a.suffix}.lock"):
        started = time.monotonic()
        state = _state_key(tree, a.target, arch=a)
        stamp = _load_stamp(stamp_path)
        image = obj / a.image
        if stamp.get("state") == state and image.is_file() and (mods is None or mods.is_dir()):
            return Build(tree, image, stamp["release"], obj / ".config", log_path, False,
                         time.monotonic() - started, arch, mods)
        obj.mkdir(exist_ok=True)
        kind = "incremental" if (obj / "vmlinux").exists() else "full"
        log(f"building {_a(arch)} {arch} {a.target} from {tree} ({kind}; build dir {obj}, log {log_path})")
        common = [f"ARCH={a.make_arch}", f"CROSS_COMPILE={a.cross_compile}", f"O={obj}"]
        with open(log_path, "wb") as logf:
            fragment = a.fragment_for(tree, out)
            try:
                _make([*common, f"KCONFIG_ALLCONFIG={fragment}", "allnoconfig"], tree, logf, "configuring")
            except subprocess.CalledProcessError:
                raise _fail("make allnoconfig", log_path) from None
            verify_config(obj / ".config", fragment)
            try:
                _make([*common, f"-j{jobs or os.cpu_count() or 1}", a.target, *(["modules"] if mods else [])], tree,
                      logf, "building")
            except subprocess.CalledProcessError:
                raise _fail("the kernel build", log_path) from None
        if not image.is_file():
            raise BuildError(f"the build succeeded but made no {image}", tail(log_path.read_text()), log_path)
        if mods is not None:
            collect_modules(obj, mods)
        try:  # an image of the architecture whose KVM the guest can load, or one line saying not
            provision.check_built_image(image.read_bytes(), str(image), machines.qemu_system(arch),
                                        str(mods) if mods else None)
        except provision.TargetUnavailable as e:
            raise BuildError(str(e), "", log_path) from None
        release = (obj / "include/config/kernel.release").read_text().strip()
        seconds = time.monotonic() - started
        stamp_path.write_text(json.dumps({"state": state, "release": release, "seconds": seconds, "kind": kind}))
        log(f"built {release} ({arch}) in {seconds:.0f} s ({image.stat().st_size / 1e6:.1f} MB)")
        return Build(tree, image, release, obj / ".config", log_path, True, seconds, arch, mods)


def collect_modules(obj: Path, dest: Path) -> None:
    """The build's .ko files, flat in dest (what --guest-modules reads; no modules_install, so no depmod needed:
    the initramfs orders them by their own `depends`). Made beside dest and renamed over it."""
    tmp = dest.with_name(dest.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for ko in obj.rglob("*.ko"):
        if "tools" not in ko.relative_to(obj).parts[:1]:
            shutil.copy2(ko, tmp / ko.name)
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)


def headers(tree_path: str | os.PathLike) -> dict[str, Path]:
    """The tree's UAPI headers for each architecture of the header check, laid out like INSTALL_HDR_PATH:
    {"arm64": DIR, "x86_64": DIR, "riscv64": DIR} with DIR/include/linux/kvm.h."""
    tree = check_tree(tree_path)
    check_tools(None)
    out = build_dir(tree)
    result = {}
    with provision.cache_lock(f"build-{build_key(tree)}.lock"):
        walked = tree_state(tree)
        for name, arch in HEADER_ARCHES.items():
            dest, stamp_path = out / f"headers-{name}", out / f"headers-{name}.json"
            log_path = out / f"headers-{name}.log"
            state = _state_key(tree, f"headers {arch}", walked)
            if _load_stamp(stamp_path).get("state") != state or not (dest / "include/linux/kvm.h").is_file():
                # `make headers` then a copy: what headers_install does, without its rsync dependency.
                log(f"make headers ARCH={arch}")
                hobj = out / f"obj-headers-{name}"
                with open(log_path, "wb") as logf:
                    try:
                        _make([f"ARCH={arch}", f"O={hobj}", "headers"], tree, logf, f"headers {arch}")
                    except subprocess.CalledProcessError:
                        raise _fail(f"make headers ARCH={arch}", log_path) from None
                shutil.rmtree(dest, ignore_errors=True)
                shutil.copytree(hobj / "usr/include", dest / "include",
                                ignore=shutil.ignore_patterns(".*"))  # .install, .check stamps
                stamp_path.write_text(json.dumps({"state": state}))
            result[name] = dest
    return result


# ---- Debian kernel sources --------------------------------------------------------------------------------

# baseline kernel name -> (apt channel, source package, or a meta package whose dependency names it)
SOURCES = {"debian-6.1": ("bookworm", "linux-source-6.1"), "debian-6.12": ("bookworm", "linux-source-6.12"),
           "debian-sid": ("sid", "linux-source")}


def debian_source_deb(name: str) -> tuple[Path, str]:
    """The linux-source .deb of a Debian kernel (downloaded once into the cache) and its version."""
    channel, package = SOURCES[name]
    try:
        apt = debian.Apt(channel)
        fields = apt.show(package)
        if not package[len("linux-source"):]:  # the meta package: its dependency is the versioned one
            m = re.search(r"(linux-source-[\d.]+)", fields.get("Depends", ""))
            if not m:
                raise BuildError(f"Debian {channel}: {package} names no linux-source-X.Y")
            package = m.group(1)
            fields = apt.show(package)
        return apt.fetch(package), fields["Version"]
    except debian.PackageUnavailable as e:
        raise BuildError(str(e)) from None


def extract_source(deb: Path, dest: Path, members: tuple[str, ...] = ()) -> None:
    """Unpack the kernel tarball of a linux-source .deb into dest, without its top directory (only
    `members`, e.g. 'Documentation/virt/kvm', when given)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        _bounded(["dpkg-deb", "-x", str(deb), tmp], f"unpacking {deb.name}", check=True)
        (tarball,) = Path(tmp).glob("usr/src/linux-source-*.tar.*")
        top = tarball.name.split(".tar.")[0]
        proc = _bounded(["tar", "-xf", str(tarball), "-C", str(dest), "--strip-components=1",
                         *(f"{top}/{m}" for m in members)], f"unpacking {tarball.name}", text=True)
        if proc.returncode:
            raise BuildError(f"unpacking {tarball.name} from {deb.name} failed: "
                             f"{(proc.stderr.strip().splitlines() or ['?'])[-1]}")


def debian_source_tree(name: str) -> Path:
    """A Debian kernel's whole source tree (linux-source-X.Y), unpacked once into the cache; build it with O=
    (kernel_build.build), never in place."""
    deb, version = debian_source_deb(name)
    root = provision.cache_dir() / "src" / f"{deb.name.split('_')[0]}_{version}"
    done = root.with_name(root.name + ".unpacked")  # beside the tree: not part of its state
    with provision.cache_lock("src.lock"):
        if not done.exists():
            log(f"unpacking {deb.name} into {root}")
            shutil.rmtree(root, ignore_errors=True)
            extract_source(deb, root)
            done.touch()
    return root


def patched_copy(tree: Path, patches: Path | list[Path], dest: Path) -> Path:
    """dest: a copy of the tree with the patches applied in order (`patch -p1`), the tree itself untouched.

    The copy is hard links (seconds for a whole tree) except for the files the patches touch, which are
    files of their own before they are patched. Timestamps behave as if one tree were edited in place, which
    is what make (and the build's state key) rely on: a file whose content is the same as in the previous
    copy at dest keeps that copy's mtime (same patches: the build is cached), and a file whose content
    differs from it, patched or reverted to the tree's, gets a new mtime (make recompiles it; an mtime taken
    from the tree or the patch could be older than the object built from the previous content). Files that
    any earlier copy patched stay files of their own, listed in DEST.patched beside the copy. The copy is
    made beside dest and renamed over it, so a failed patch leaves the previous copy as it was. Callers
    sharing one dest serialise themselves (its build directory is shared too).
    """
    patches = [patches] if isinstance(patches, Path) else list(patches)
    final, dest = dest, dest.with_name(f"{dest.name}.new-{os.getpid()}")
    manifest = final.with_name(final.name + ".patched")  # files whose mtime is not the tree's, one a line
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _bounded(["cp", "-al", str(tree), str(dest)], f"linking {tree} to {dest}", check=True)  # dest must not exist
    try:
        touched = _apply(tree, patches, dest)
        previous = manifest.read_text().split() if manifest.exists() else []  # even if the copy is gone
        own = sorted(set(previous) | set(touched))
        for rel in own:
            new, old = dest / rel, final / rel
            if not new.exists():
                continue
            _unlink_copy(new)  # its mtime is set below: never through a link into the tree
            if old.exists() and filecmp.cmp(old, new, shallow=False):
                st = old.stat()  # unchanged since the last copy: its timestamp too
                os.utime(new, ns=(st.st_atime_ns, st.st_mtime_ns))
            else:
                now = time.time_ns()
                os.utime(new, ns=(now, now))
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    if final.exists():  # out of the way first: never copy into an old copy that could not be fully removed
        old_copy = final.with_name(f"{final.name}.old-{os.getpid()}")
        os.rename(final, old_copy)
        shutil.rmtree(old_copy)
    os.rename(dest, final)
    manifest.write_text("".join(f"{rel}\n" for rel in own))
    return final


def _unlink_copy(f: Path) -> None:
    """Make f a file of its own (not a hard link into the tree), content and timestamps kept."""
    if f.stat().st_nlink > 1:
        tmp = f.with_name(f.name + ".kvm-abi-copy")
        shutil.copy2(f, tmp)
        os.replace(tmp, f)


def _apply(tree: Path, patches: list[Path], dest: Path) -> list[str]:
    """Apply the patches in dest (hard-linked files they touch made files of their own first); the files."""
    all_touched: list[str] = []
    for patch in patches:
        touched = sorted(set(re.findall(r"^\+\+\+ b/(\S+)", patch.read_text(), re.M)))
        if not touched:
            raise BuildError(f"{patch}: no `+++ b/FILE` lines: not a -p1 patch")
        for rel in touched:
            if (dest / rel).exists():
                _unlink_copy(dest / rel)  # patching it cannot reach the tree's file through the link
        proc = _bounded(["patch", "-p1", "--batch", "--forward", "--no-backup-if-mismatch", "-i",
                         str(patch.resolve())], f"applying {patch.name}", cwd=dest, text=True)
        if proc.returncode:
            raise BuildError(f"{patch.name} does not apply to {tree}: {(proc.stdout + proc.stderr).strip()}")
        all_touched += [t for t in touched if t not in all_touched]
    return all_touched


if __name__ == "__main__":  # python -m abi.target.kernel_build DIR [ARCH]: just the build
    try:
        b = build(sys.argv[1], arch=sys.argv[2] if len(sys.argv) > 2 else "arm64")
    except BuildError as e:
        print(f"error: {e}", file=sys.stderr)
        if e.detail:
            print(e.detail, file=sys.stderr)
        sys.exit(1)
    print(b.image)
