"""Everything a guest needs, fetched and built on first use and cached: kernel, initramfs, novgic DTB.

Debian's arm64 packages are fetched with the host's own apt, pointed by command-line options at a private
state directory, so the host's apt configuration is never touched. The mirrors are the ones the host's apt
already uses (read from its sources). The cache lives under $XDG_CACHE_HOME/kvm-abi (default
~/.cache/kvm-abi); every artefact's name carries the package versions or a hash of its inputs, so an
update of any input builds a new one, and a warm run starts no apt at all.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import gzip
import hashlib
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from abi.target import cache, initramfs
from abi.target.base import HostMissing, TargetUnavailable

QEMU = "qemu-system-aarch64"
HOST_TOOLS = {QEMU: "qemu-system-arm", "dtc": "device-tree-compiler"}
USERSPACE = ("busybox-static", "python3.11-minimal", "libpython3.11-minimal", "libpython3.11-stdlib", "libffi8",
             "libc6", "zlib1g", "libexpat1")
# name -> (package channel, meta package whose dependency is the kernel image)
KERNELS = {
    "debian-6.1": ("bookworm", "linux-image-cloud-arm64"),
    "debian-6.12": ("bookworm", "linux-image-6.12-cloud-arm64"),
    "debian-sid": ("sid", "linux-image-cloud-arm64"),
}
CHANNEL_SUITES = {"bookworm": (("debian", "bookworm"), ("debian", "bookworm-updates"),
                               ("debian-security", "bookworm-security")),
                  "trixie": (("debian", "trixie"), ("debian", "trixie-updates"),
                             ("debian-security", "trixie-security")),
                  "sid": (("debian", "sid"),)}
LISTS_MAX_AGE = 24 * 3600  # after that, ask the mirror again for newer versions
ARM64_MAGIC_OFFSET, ARM64_MAGIC = 0x38, b"ARM\x64"


def log(msg: str) -> None:
    print(f"kvm-abi: {msg}", file=sys.stderr, flush=True)


cache_dir = cache.cache_dir


@contextmanager
def cache_lock(name: str = "lock"):
    """Serialise builders across processes (pytest-xdist workers provisioning the same artefacts). In a read-only
    cache (a CI image's pre-seeded one) nobody can build: the lock is taken shared where its file exists, else
    not at all, and what is needed must be there already."""
    path = cache_dir() / name
    try:
        f = open(path, "a")
    except OSError:
        try:
            f = open(path)
        except OSError:
            yield
            return
    with f:
        fcntl.flock(f, fcntl.LOCK_EX if f.mode == "a" else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _atomic_write(path: Path, data: bytes) -> None:
    cache.need_space(path.parent, len(data), path.name)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


# Bounds for every external command (seconds): a full disk made `apt-get update` hang forever.
TIMEOUTS = {"apt-get": 600, "apt-cache": 120, "dpkg-deb": 300, "dtc": 60, QEMU: 60}


def _run(cmd: list[str], what: str, timeout: float | None = None, **kw) -> subprocess.CompletedProcess:
    timeout = timeout or TIMEOUTS.get(os.path.basename(cmd[0]), 300)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        raise TargetUnavailable(f"{what} did not finish within {timeout:.0f} s (killed)") from None
    if proc.returncode:
        out = (proc.stderr or proc.stdout).strip().splitlines()
        full = [line for line in out if "No space left on device" in line]
        if full:
            where = kw.get("cwd") or cache_dir()
            raise TargetUnavailable(f"{what} failed: no space left on the device of {where} "
                                    f"({cache.mb(cache.free_bytes(Path(where)))} free): {full[0].strip()}")
        last = out[-1:] or ["(no output)"]
        raise TargetUnavailable(f"{what} failed: {last[0]}")
    return proc


# ---- host tools -----------------------------------------------------------------------------------------

def ensure_host_tools() -> None:
    """qemu-system-aarch64 and dtc, installed with apt when missing and we are root."""
    missing = [pkg for tool, pkg in HOST_TOOLS.items() if not shutil.which(tool)]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise HostMissing(f"{', '.join(t for t, p in HOST_TOOLS.items() if p in missing)} not found: "
                                f"install the Debian package(s) {' '.join(missing)}")
    with cache_lock("apt-host.lock"):
        missing = [pkg for tool, pkg in HOST_TOOLS.items() if not shutil.which(tool)]
        if not missing:
            return
        log(f"installing {' '.join(missing)} with apt-get")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
        try:
            first = subprocess.run(cmd, capture_output=True, env=env, timeout=TIMEOUTS["apt-get"]).returncode
        except subprocess.TimeoutExpired:
            first = 1  # tried once more after an update, bounded in _run
        if first:
            with contextlib.suppress(subprocess.TimeoutExpired):
                subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=TIMEOUTS["apt-get"])
            try:
                _run(cmd, f"apt-get install {' '.join(missing)}", env=env)
            except TargetUnavailable as e:
                raise HostMissing(str(e)) from None


@functools.cache
def qemu_version() -> str:
    out = _run([QEMU, "--version"], f"{QEMU} --version").stdout
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else out.split("\n")[0]


# ---- Debian arm64 packages ------------------------------------------------------------------------------

def host_mirrors(files: list[Path] | None = None) -> dict[str, tuple[str, str]]:
    """{"debian": (uri, signed_by), "debian-security": ...} from the host's apt sources (both formats)."""
    found: dict[str, tuple[str, str]] = {}
    if files is None:
        files = [Path("/etc/apt/sources.list")] + sorted(Path("/etc/apt/sources.list.d").glob("*"))
    for f in files:
        try:
            text = f.read_text()
        except OSError:
            continue
        entries = []
        if f.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(re.findall(r"^([\w-]+):\s*(.*)$", stanza, re.M))
                for uri in fields.get("URIs", "").split():
                    entries.append((uri, fields.get("Signed-By", "")))
        elif f.suffix == ".list" or f.name == "sources.list":
            for line in text.splitlines():
                m = re.match(r"\s*deb\s+(?:\[([^]]*)\]\s+)?(\S+)", line)
                if m:
                    signed = re.search(r"signed-by=(\S+)", m.group(1) or "")
                    entries.append((m.group(2), signed.group(1) if signed else ""))
        for uri, signed in entries:
            kind = uri.rstrip("/").rsplit("/", 1)[-1]
            if kind in ("debian", "debian-security") and kind not in found:
                found[kind] = (uri.rstrip("/"), signed)
    return found


class Apt:
    """apt-get for arm64 packages of one channel (bookworm or sid), with all state in the cache."""

    def __init__(self, channel: str):
        self.channel = channel
        self.root = cache_dir() / "apt" / channel
        self.lists = self.root / "lists"
        mirrors = host_mirrors()
        lines = []
        for kind, suite in CHANNEL_SUITES[channel]:
            if kind not in mirrors:
                raise TargetUnavailable(f"no '{kind}' archive in this host's apt sources: cannot fetch arm64 "
                                        "packages (add Debian's archive to /etc/apt/sources.list.d)")
            uri, signed = mirrors[kind]
            opt = f"[signed-by={signed}] " if signed else ""
            lines.append(f"deb {opt}{uri} {suite} main\n")
        sources = self.root / "sources.list"
        try:
            for d in (self.lists / "partial", self.root / "cache/archives/partial", self.root / "parts"):
                d.mkdir(parents=True, exist_ok=True)
            if not sources.exists() or sources.read_text() != "".join(lines):
                sources.write_text("".join(lines))
        except OSError:
            if cache.writable():
                raise
        self.opts = [
            "-oAPT::Architecture=arm64", "-oAPT::Architectures=arm64",
            f"-oDir::State::Lists={self.lists}", f"-oDir::Cache={self.root / 'cache'}",
            f"-oDir::Etc::SourceList={self.root / 'sources.list'}", f"-oDir::Etc::SourceParts={self.root / 'parts'}",
            "-oAPT::Sandbox::User=root",  # our own cache dir: no need to hand downloads to the _apt user
        ]
        self._updated = False

    _said_read_only = False

    def update(self, force: bool = False) -> None:
        stamp = self.root / "updated"
        fresh = stamp.exists() and time.time() - stamp.stat().st_mtime < LISTS_MAX_AGE
        if self._updated or (fresh and not force):
            return
        if stamp.exists() and not cache.writable():
            if not Apt._said_read_only:
                log(f"read-only cache: its arm64 package lists ({self.channel}) are used as they are")
                Apt._said_read_only = True
            self._updated = True
            return
        if not shutil.which("apt-get"):
            raise HostMissing("apt-get not found: arm64 guest packages come from Debian's archive")
        log(f"apt-get update (arm64, {self.channel})")
        cache.need_space(self.root, 64 << 20, f"the arm64 package lists of Debian {self.channel}")
        _run(["apt-get", *self.opts, "update"], f"apt-get update for arm64 {self.channel}")
        stamp.touch()
        self._updated = True

    def show(self, package: str) -> dict[str, str]:
        """The candidate version's Version and Depends, remembered until the next `update`."""
        self.update()
        memo_path = self.root / "show.json"
        stamp = str((self.root / "updated").stat().st_mtime)
        memo = json.loads(memo_path.read_text()) if memo_path.exists() else {}
        if memo.get("stamp") != stamp or memo.get("format") != 2:  # 2: with Debian's SHA256 and sizes
            memo = {"stamp": stamp, "format": 2, "packages": {}}
        if package not in memo["packages"]:
            try:
                proc = subprocess.run(["apt-cache", *self.opts, "show", "--no-all-versions", package],
                                      capture_output=True, text=True, timeout=TIMEOUTS["apt-cache"])
            except subprocess.TimeoutExpired:
                raise TargetUnavailable(f"apt-cache show {package} did not finish within "
                                        f"{TIMEOUTS['apt-cache']} s (killed)") from None
            if proc.returncode or not proc.stdout.strip():
                raise TargetUnavailable(f"arm64 package {package} not found in Debian {self.channel}")
            fields = dict(re.findall(r"^([\w-]+): (.*)$", proc.stdout.split("\n\n")[0], re.M))
            memo["packages"][package] = {k: fields.get(k, "") for k in ("Version", "Depends", "SHA256", "Size",
                                                                         "Installed-Size")}
            if cache.writable():
                _atomic_write(memo_path, json.dumps(memo).encode())
        return memo["packages"][package]

    def deb_path(self, package: str) -> Path:
        version = self.show(package)["Version"]
        return cache_dir() / "debs" / f"{package}_{version.replace(':', '%3a')}_arm64.deb"

    def fetch(self, package: str) -> Path:
        """The .deb of the candidate version, downloaded into the cache once."""
        info = self.show(package)
        version, debian_sha = info["Version"], info.get("SHA256", "")
        path = self.deb_path(package)
        debs = path.parent
        if path.exists() and cache.recorded(path) is None and debian_sha and cache.writable():
            cache.record(path, {".": debian_sha})  # from an older kvm-abi: Debian's checksum is the record
        if not cache.usable(path, f"debs/{path.name}", "downloading it again"):
            log(f"downloading {package} {version} (arm64)")
            debs.mkdir(exist_ok=True)
            cache.need_space(debs, int(info.get("Size") or 0), f"{package} {version}")
            with tempfile.TemporaryDirectory(dir=debs) as tmp:
                _run(["apt-get", *self.opts, "download", f"{package}={version}"], f"apt-get download {package}",
                     cwd=tmp)
                (got,) = Path(tmp).glob("*.deb")
                os.replace(got, path)
            cache.record(path, {".": debian_sha or cache.sha256(path)})
        return path


def unpack(debs: list[Path], dest: Path) -> None:
    need = sum(d.stat().st_size for d in debs) * 4  # a .deb unpacks to about 2-4 times its size
    cache.need_space(dest, need, f"unpacking {', '.join(d.name for d in debs)}")
    for deb in debs:
        _run(["dpkg-deb", "-x", str(deb), str(dest)], f"dpkg-deb -x {deb.name}")


# ---- kernels --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kernel:
    name: str            # debian-6.1, or the user's path
    image: Path          # uncompressed arm64 Image
    modules: tuple       # ((module name, ELF bytes) ...) to insmod, dependencies first
    release: str = ""    # known for Debian packages; a user's kernel reports it from the guest
    key: str = ""        # identifies image + modules in cache names


def image_bytes(data: bytes, origin: str) -> bytes:
    """An uncompressed arm64 Image from a plain, gzip, xz or EFI zboot kernel file; else a one-line error."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    elif data[:6] == b"\xfd7zXZ\x00":
        data = lzma.decompress(data)
    elif data[:2] == b"MZ" and data[4:8] == b"zimg":
        # EFI zboot (linux/drivers/firmware/efi/libstub/zboot-header.S): payload offset/size, compression name.
        off, size = int.from_bytes(data[8:12], "little"), int.from_bytes(data[12:16], "little")
        comp = data[24:32].rstrip(b"\0").decode(errors="replace")
        payload = data[off:off + size]
        if comp == "gzip":
            data = gzip.decompress(payload)
        elif comp in ("xz", "lzma"):
            data = lzma.decompress(payload)
        elif comp == "zstd" and shutil.which("zstd"):
            data = subprocess.run(["zstd", "-dc"], input=payload, capture_output=True, check=True, timeout=300).stdout
        else:
            raise TargetUnavailable(f"{origin}: EFI zboot kernel compressed with {comp}, which cannot be unpacked here")
    check_image_header(data[:4096], len(data), origin)
    return data


def check_image_header(head: bytes, size: int, origin: str) -> None:
    """The arm64 Image header's magic, and for an EFI-stub Image (every Debian kernel) that the file holds all the
    sections its PE header lists: a truncated or garbage Image fails here in a line, not after the boot timeout."""
    if head[ARM64_MAGIC_OFFSET:ARM64_MAGIC_OFFSET + 4] != ARM64_MAGIC:
        raise TargetUnavailable(f"{origin}: not an arm64 Linux Image (no 'ARM\\x64' magic at offset 0x38)")
    if head[:2] != b"MZ":
        return
    pe = int.from_bytes(head[0x3c:0x40], "little")
    if head[pe:pe + 4] != b"PE\0\0":
        raise TargetUnavailable(f"{origin}: damaged arm64 Image (an EFI stub whose PE header is missing)")
    nsections = int.from_bytes(head[pe + 6:pe + 8], "little")
    table = pe + 24 + int.from_bytes(head[pe + 20:pe + 22], "little")
    end = 0
    for i in range(nsections):
        sec = head[table + 40 * i:table + 40 * (i + 1)]
        if len(sec) < 40:
            break
        end = max(end, int.from_bytes(sec[20:24], "little") + int.from_bytes(sec[16:20], "little"))
    if size < end:
        raise TargetUnavailable(f"{origin}: truncated arm64 Image: {size} bytes, its header says {end}")


def check_image_file(path: Path, origin: str) -> None:
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
            size = os.fstat(f.fileno()).st_size
    except OSError as e:
        raise TargetUnavailable(f"{origin}: cannot read {path}: {e.strerror}") from None
    check_image_header(head, size, f"{origin} ({path})")


def _kernel_packages(apt: Apt, image: str) -> list[str]:
    """The packages holding the kernel Image and its modules.

    bookworm: `<image>-unsigned` has both (the signed image is the same kernel wrapped for Secure Boot).
    Newer suites split them: the image package depends on linux-binary-* (vmlinuz) and linux-modules-*.
    """
    try:
        apt.show(image + "-unsigned")
        return [image + "-unsigned"]
    except TargetUnavailable:
        pass
    depends = re.findall(r"(linux-(?:binary|modules)-[^\s,(]+)", apt.show(image).get("Depends", ""))
    if not any(d.startswith("linux-binary-") for d in depends):
        raise TargetUnavailable(f"Debian {apt.channel}: neither {image}-unsigned nor a linux-binary-* package for it")
    return depends


def debian_kernel(name: str) -> Kernel:
    channel, meta = KERNELS[name]
    apt = Apt(channel)
    m = re.search(r"(linux-image-[^\s,(]+)", apt.show(meta).get("Depends", ""))
    if not m:
        raise TargetUnavailable(f"{meta} in Debian {channel} names no kernel image")
    packages = _kernel_packages(apt, m.group(1))
    key = "+".join(f"{p}_{apt.show(p)['Version']}" for p in packages)
    out = cache_dir() / "kernels" / key
    if not cache.usable(out, f"kernels/{key}", "unpacking it again"):
        debs = [apt.fetch(p) for p in packages]
        log(f"unpacking {' '.join(d.name for d in debs)}")
        with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
            unpack(debs, Path(tmp))
            vmlinuz = [*Path(tmp).glob("boot/vmlinuz-*"), *Path(tmp).glob("usr/lib/modules/*/vmlinuz")]
            if len(vmlinuz) != 1:
                raise TargetUnavailable(f"{' '.join(packages)}: expected one vmlinuz, found {len(vmlinuz)}")
            release = (vmlinuz[0].name[len("vmlinuz-"):] if vmlinuz[0].name != "vmlinuz"
                       else vmlinuz[0].parent.name)
            moddirs = [p for p in (Path(tmp, "lib/modules", release), Path(tmp, "usr/lib/modules", release))
                       if p.exists()]
            mods = initramfs.serial_modules(moddirs[0]) if moddirs else []
            staging = Path(tmp, "out")
            (staging / "modules").mkdir(parents=True)
            for mod, data in mods:
                (staging / "modules" / f"{mod}.ko").write_bytes(data)
            (staging / "modules" / "order").write_text("".join(f"{mod}\n" for mod, _ in mods))
            (staging / "release").write_text(release)
            (staging / "Image").write_bytes(image_bytes(vmlinuz[0].read_bytes(), f"{packages[0]} vmlinuz"))
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(out, ignore_errors=True)
            os.replace(staging, out)
            cache.record(out)
    order = (out / "modules/order").read_text().split()
    modules = tuple((mod, (out / "modules" / f"{mod}.ko").read_bytes()) for mod in order)
    return Kernel(name, out / "Image", modules, (out / "release").read_text(), key)


def check_kernel_option(name: str, modules_dir: str | None = None) -> None:
    """Refuse, in one line, a --guest-kernel / --guest-modules choice that cannot work (no download)."""
    if name in KERNELS:
        if modules_dir:
            raise TargetUnavailable(f"--guest-modules applies to a kernel PATH, not to {name}")
        return
    if name.startswith("debian-"):
        raise TargetUnavailable(f"--guest-kernel {name}: unknown; use one of {', '.join(KERNELS)} or a PATH")
    path = Path(name).expanduser()
    if path.is_dir():
        raise TargetUnavailable(f"--guest-kernel {name}: a directory, not a kernel Image file")
    if not path.is_file():
        raise TargetUnavailable(f"--guest-kernel {name}: no such file")
    image_bytes(path.read_bytes(), f"--guest-kernel {name}")
    if modules_dir and not Path(modules_dir).expanduser().is_dir():
        raise TargetUnavailable(f"--guest-modules {modules_dir}: no such directory")


def user_kernel(path: str, modules_dir: str | None) -> Kernel:
    check_kernel_option(path, modules_dir)
    raw = Path(path).expanduser().read_bytes()
    image = image_bytes(raw, f"--guest-kernel {path}")
    mods = tuple(initramfs.serial_modules(Path(modules_dir).expanduser())) if modules_dir else ()
    h = hashlib.sha256(raw)
    for name, data in mods:
        h.update(name.encode() + data)
    key = "user-" + h.hexdigest()[:16]
    out = cache_dir() / "kernels" / key
    if not cache.usable(out, f"kernels/{key} (--guest-kernel {path})", "writing it again"):
        out.mkdir(parents=True, exist_ok=True)
        _atomic_write(out / "Image", image)
        cache.record(out)
        if cache.writable():
            cache.prune(cache_dir(), None)  # at most USER_KERNELS_KEPT of them, the least recently used go
    cache.touch_used(out)
    return Kernel(str(path), out / "Image", mods, banner_release(image), key)


def banner_release(image: bytes) -> str:
    """The release in the kernel's own banner ("Linux version 6.1.0-56-cloud-arm64 (...)"), or ''."""
    m = re.search(rb"Linux version (\S+) \(", image)
    return m.group(1).decode(errors="replace") if m else ""


def kernel(name: str, modules_dir: str | None = None) -> Kernel:
    check_kernel_option(name, modules_dir)
    return debian_kernel(name) if name in KERNELS else user_kernel(name, modules_dir)


def assets(kernel_name: str, modules_dir: str | None = None) -> tuple[Kernel, Path]:
    """The kernel and its initramfs, built or taken from the cache (one builder at a time per cache)."""
    ensure_host_tools()
    with cache_lock(), _space_as_one_line():
        k = kernel(kernel_name, modules_dir)
        return k, initrd(k)


def kernel_release(kernel_name: str, modules_dir: str | None = None) -> str:
    """The guest kernel's release without booting it (provisions the kernel if needed)."""
    with cache_lock(), _space_as_one_line():
        return kernel(kernel_name, modules_dir).release


@contextmanager
def _space_as_one_line():
    """A full disk (or a read-only cache missing what is needed) while provisioning: one line, naming the path."""
    try:
        yield
    except OSError as e:
        if e.errno == errno.ENOSPC:
            raise TargetUnavailable(cache.no_space_line(e, cache_dir())) from None
        if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise TargetUnavailable(f"the cache {cache_dir()} is read-only and lacks what this run needs "
                                    f"({e.filename or e}): run once with a writable cache to fill it") from None
        raise


# ---- initramfs ------------------------------------------------------------------------------------------

def userspace() -> Path:
    """The shared userspace archive (busybox, python, agent), keyed by package versions and agent sources."""
    apt = Apt("bookworm")
    debs = [apt.deb_path(p) for p in USERSPACE]  # only the names make the key: fetched (and verified) to build
    h = hashlib.sha256()
    for deb in debs:
        h.update(deb.name.encode())
    for name, data in sorted(initramfs.agent_sources().items()):
        h.update(name.encode() + data)
    h.update(initramfs.INIT.encode() + Path(initramfs.__file__).read_bytes())
    out = cache_dir() / "initramfs" / f"userspace-{h.hexdigest()[:16]}.cpio.gz"
    if not cache.usable(out, f"initramfs/{out.name}", "building it again"):
        debs = [apt.fetch(p) for p in USERSPACE]
        log("building the guest userspace (busybox, python3.11, agent)")
        with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
            unpack(debs, Path(tmp))
            data = initramfs.compress(initramfs.userspace_archive(Path(tmp)).finish())
        out.parent.mkdir(exist_ok=True)
        _atomic_write(out, data)
        cache.record(out)
    return out


def initrd(k: Kernel) -> Path:
    """Userspace plus the kernel's serial modules: two concatenated cpio archives."""
    base = userspace()
    out = cache_dir() / "initramfs" / f"{base.name[:-len('.cpio.gz')]}-{k.key}.cpio.gz"
    if not cache.usable(out, f"initramfs/{out.name}", "building it again"):
        mods = initramfs.compress(initramfs.modules_archive(list(k.modules)).finish())
        _atomic_write(out, base.read_bytes() + mods)
        cache.record(out)
    if k.key.startswith("user-"):
        cache.touch_used(out)
    return out


# ---- the novgic device tree -----------------------------------------------------------------------------

def strip_gic_virtualization(dts: str) -> str:
    """The GICv2 node without its virtualization frames: `reg` cut to GICD + GICC, no maintenance IRQ.

    Without GICH/GICV in the device tree the guest kernel's KVM finds no vGIC to offer: the novgic profile.
    """
    m = re.search(r'\n(\t+)[\w@,.-]+ \{\n(?:\1\t[^\n]*\n)*?\1\tcompatible = "arm,cortex-a15-gic";', dts)
    if not m:
        raise ValueError("no GICv2 (arm,cortex-a15-gic) node in the device tree")
    indent = m.group(1) + "\t"
    start = m.start() + 1
    end = dts.index("\n" + m.group(1) + "};", start)
    node = dts[start:end]
    cells = _root_cells(dts)

    def cut_reg(mm):
        values = mm.group(1).split()
        if len(values) < 2 * cells:
            raise ValueError(f"GIC reg has {len(values)} cells, fewer than GICD + GICC")
        return f"{indent}reg = <{' '.join(values[:2 * cells])}>;"

    # Only the node's own properties (one tab deeper), not its children's (the v2m frame).
    node = re.sub(rf"^{indent}reg = <([^>]*)>;", cut_reg, node, count=1, flags=re.M)
    node = re.sub(rf"^{indent}interrupts = <[^>]*>;\n", "", node, count=1, flags=re.M)
    return dts[:start] + node + dts[end:]


def _root_cells(dts: str) -> int:
    """#address-cells + #size-cells of the root node: the width of one `reg` entry of its children."""
    root = dts[dts.index("/ {"):]
    a = re.search(r"^\t#address-cells = <(0x[0-9a-f]+|\d+)>;", root, re.M)
    s = re.search(r"^\t#size-cells = <(0x[0-9a-f]+|\d+)>;", root, re.M)
    return int(a.group(1), 0) + int(s.group(1), 0) if a and s else 4


def novgic_dtb(machine_args: list[str]) -> Path:
    """A device tree for the novgic profile, dumped by QEMU from exactly the boot options, then edited.

    `machine_args` is the whole QEMU command line minus kernel and devices that don't touch the tree; -smp
    and -m are baked into the dump, so they are part of the cache key.
    """
    key = hashlib.sha256(("\0".join(machine_args) + qemu_version()).encode()).hexdigest()[:16]
    out = cache_dir() / "dtb" / f"novgic-{key}.dtb"
    if cache.usable(out, f"dtb/{out.name}", "dumping it again"):
        return out
    ensure_host_tools()
    out.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        dumped, dts, dtb = (Path(tmp, n) for n in ("virt.dtb", "virt.dts", "novgic.dtb"))
        args = list(machine_args)
        i = args.index("-M") + 1
        args[i] += f",dumpdtb={dumped}"
        _run([QEMU, *args], "dumping the virt machine's device tree")
        _run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-o", str(dts), str(dumped)], "dtc (decompile)")
        dts.write_text(strip_gic_virtualization(dts.read_text()))
        _run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(dtb), str(dts)], "dtc (compile)")
        os.replace(dtb, out)
        cache.record(out)
    return out
