"""Everything a guest needs, fetched and built on first use and cached: kernel, initramfs, a device tree without
the GIC's virtualization parts.

The kernels and the userspace are Debian's packages of the guest's architecture (its machine's QemuSystem says
which; abi.debian fetches them); a package that cannot be had makes the target unavailable. The cache lives under
$XDG_CACHE_HOME/kvm-abi (default ~/.cache/kvm-abi); every artefact's name carries the package versions (and so their
architecture) or a hash of its inputs, so an update of any input builds a new one, and a warm run starts no apt at
all.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from abi import debian, machines
from abi.debian import KERNELS, log
from abi.target import cache, compression, initramfs, pvh
from abi.target.base import HostMissing, NotApplicable, TargetUnavailable

# The default guests' system: arm64 (--guest-kernel PATH is an arm64 Image, the novgic machine's dtc).
SYSTEM = machines.qemu_system("arm64")
QEMU = SYSTEM.binary
HOST_TOOLS = {QEMU: SYSTEM.package, "dtc": "device-tree-compiler"}
System = machines.QemuSystem


cache_dir = cache.cache_dir
cache_lock = cache.cache_lock
TIMEOUTS = {**debian.TIMEOUTS, "dtc": 60, QEMU: 60}


def _run(cmd: list[str], what: str, timeout: float | None = None, **kw) -> subprocess.CompletedProcess:
    return debian.run(cmd, what, timeout or TIMEOUTS.get(os.path.basename(cmd[0])), TargetUnavailable, **kw)


@contextmanager
def _packages_as_target():
    """A package the guest needs that cannot be had makes the target unavailable; a host without apt-get lacks a
    tool of its own (HostMissing, as for QEMU)."""
    try:
        yield
    except debian.AptMissing as e:
        raise HostMissing(str(e)) from None
    except debian.PackageUnavailable as e:
        raise TargetUnavailable(str(e)) from None


# ---- host tools -----------------------------------------------------------------------------------------

def host_tools(system: System = SYSTEM) -> dict[str, str]:
    """tool -> its Debian package: the system's QEMU, and dtc (the device trees machine records edit)."""
    return {system.binary: system.package, "dtc": "device-tree-compiler"}


def ensure_host_tools(system: System = SYSTEM) -> None:
    """The guests' QEMU and dtc, installed with apt when missing and we are root."""
    tools = host_tools(system)
    missing = [pkg for tool, pkg in tools.items() if not shutil.which(tool)]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise HostMissing(f"{', '.join(t for t, p in tools.items() if p in missing)} not found: "
                                f"install the Debian package(s) {' '.join(missing)}")
    with cache_lock("apt-host.lock"):
        missing = [pkg for tool, pkg in tools.items() if not shutil.which(tool)]
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
def qemu_version(binary: str = QEMU) -> str:
    out = _run([binary, "--version"], f"{binary} --version", TIMEOUTS[QEMU]).stdout
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else out.split("\n")[0]


# ---- kernels --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kernel:
    name: str            # debian-6.1, or the user's path
    image: Path          # uncompressed arm64 Image, or an x86 bzImage
    modules: tuple       # ((module name, ELF bytes) ...) to insmod, dependencies first
    release: str = ""    # known for Debian packages; a user's kernel reports it from the guest
    key: str = ""        # identifies image + modules in cache names
    kvm_modules: tuple = ()  # like `modules`: what makes /dev/kvm, loaded before the agent starts


def image_bytes(data: bytes, origin: str, system: System = SYSTEM) -> bytes:
    """An uncompressed arm64 Image from a plain, gzip, xz or EFI zboot kernel file (an x86 bzImage as it is); else
    a one-line error."""
    data = _unpacked(data, origin)
    check_image_header(data[:4096], len(data), origin, system)
    return data


# The forms a distribution ships a kernel file in, besides EFI zboot: gzip (Debian's arm64 vmlinuz) and xz.
SHIPPED_COMPRESSED = (b"\x1f\x8b", b"\xfd7zXZ\x00")


def _unpacked(data: bytes, origin: str) -> bytes:
    """The kernel file without the compression an arm64 Image is shipped in (any other file as it is)."""
    if data.startswith(SHIPPED_COMPRESSED):
        out = compression.unpack(data)
        how = "gzip" if data[:2] == b"\x1f\x8b" else "xz"
        tool = ""
    elif data[:2] == b"MZ" and data[4:8] == b"zimg":
        # EFI zboot (linux/drivers/firmware/efi/libstub/zboot-header.S): payload offset/size, compression name.
        off, size = int.from_bytes(data[8:12], "little"), int.from_bytes(data[12:16], "little")
        name = data[24:32].rstrip(b"\0").decode(errors="replace")
        out = compression.unpack_named(name, data[off:off + size])
        how, tool = f"EFI zboot {name}", compression.missing_tool(name=name)
    else:
        return data
    if tool:
        raise HostMissing(f"{origin}: a kernel compressed with {how}: {tool} not found (apt-get install {tool})")
    if not out:
        raise TargetUnavailable(f"{origin}: a kernel compressed with {how}, which cannot be unpacked here (a "
                                f"damaged file, or the tool for it missing)")
    return out


def _has_magic(head: bytes, system: System) -> bool:
    offset, magic = system.image_magic
    return head[offset:offset + len(magic)] == magic


def image_system(data: bytes, origin: str) -> tuple[System, bytes]:
    """The system whose guests boot this kernel file (its magic says), and the image as they boot it; else one line
    naming what each architecture's image would have."""
    data = _unpacked(data, origin)
    for system in machines.SYSTEMS:
        if _has_magic(data[:4096], system):
            check_image_header(data[:4096], len(data), origin, system)
            return system, data
    wanted = "; ".join(f"{s.arch} {s.image_file}: {repr(s.image_magic[1])[2:-1]!r} at {s.image_magic[0]:#x}"
                       for s in machines.SYSTEMS)
    raise TargetUnavailable(f"{origin}: not a Linux kernel any guest boots ({wanted})")


# ---- what a kernel file has built in ----------------------------------------------------------------------

def built_in(vmlinux: bytes, module: str) -> bool:
    """Whether a module is built into this kernel: a built-in module's parameters are named `<module>.<param>` in the
    kernel image (MODULE_PARAM_PREFIX, include/linux/moduleparam.h); a loadable one's are not. So this holds for
    modules with parameters (kvm, kvm_amd), which are the ones asked about."""
    return re.search(rb"(?<![\w.])" + re.escape(module.encode()) + rb"\.[a-z_]\w*\x00", vmlinux) is not None


def missing_kvm(data: bytes, modules_dir: str | None, system: System) -> list[str]:
    """The modules of system.kvm_modules this kernel file has neither built in nor among --guest-modules ([]: none
    missing, or the image could not be unpacked to tell, and its boot will)."""
    if not system.kvm_modules:
        return []
    given = set(initramfs.index_modules(Path(modules_dir).expanduser())) if modules_dir else set()
    wanted = [m for m in system.kvm_modules if m not in given]
    if not wanted:
        return []
    vmlinux = pvh.elf(data)
    if vmlinux is None:
        return []
    return [m for m in wanted if not built_in(vmlinux, m)]


def check_kvm(data: bytes, modules_dir: str | None, system: System, origin: str) -> None:
    missing = missing_kvm(data, modules_dir, system)
    if missing:
        configs = ", ".join(f"CONFIG_{m.upper()}" for m in missing)  # kvm_amd: CONFIG_KVM_AMD (its Makefile's name)
        raise TargetUnavailable(f"{origin}: an {system.arch} kernel without {', '.join(missing)}: its guest would have "
                                f"no /dev/kvm (build it with {configs}=y, or =m and give the module's directory "
                                "with --guest-modules)")


def check_built_image(data: bytes, origin: str, system: System, modules_dir: str | None = None) -> None:
    """A kernel built for a system's guests: its image, with what makes their /dev/kvm (built in or in modules_dir)."""
    check_image_header(_unpacked(data, origin)[:4096], len(data), origin, system)
    check_kvm(data, modules_dir, system, origin)


def check_image_header(head: bytes, size: int, origin: str, system: System = SYSTEM) -> None:
    """The kernel header's magic, and for an EFI-stub Image (every Debian kernel) that the file holds all the
    sections its PE header lists: a truncated or garbage Image fails here in a line, not after the boot timeout."""
    offset, magic = system.image_magic
    if head[offset:offset + len(magic)] != magic:
        raise TargetUnavailable(f"{origin}: not an {system.arch} Linux {system.image_file} (no '{magic.decode()}' "
                                f"magic at offset {offset:#x})")
    if head[:2] != b"MZ":
        return
    pe = int.from_bytes(head[0x3c:0x40], "little")
    if head[pe:pe + 4] != b"PE\0\0":
        raise TargetUnavailable(f"{origin}: damaged {system.arch} {system.image_file} (an EFI stub whose PE header is "
                                "missing)")
    nsections = int.from_bytes(head[pe + 6:pe + 8], "little")
    table = pe + 24 + int.from_bytes(head[pe + 20:pe + 22], "little")
    end = 0
    for i in range(nsections):
        sec = head[table + 40 * i:table + 40 * (i + 1)]
        if len(sec) < 40:
            break
        end = max(end, int.from_bytes(sec[20:24], "little") + int.from_bytes(sec[16:20], "little"))
    if size < end:
        raise TargetUnavailable(f"{origin}: truncated {system.arch} {system.image_file}: {size} bytes, its header "
                                f"says {end}")


def check_image_file(path: Path, origin: str, system: System = SYSTEM) -> None:
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
            size = os.fstat(f.fileno()).st_size
    except OSError as e:
        raise TargetUnavailable(f"{origin}: cannot read {path}: {e.strerror}") from None
    check_image_header(head, size, f"{origin} ({path})", system)


def _kernel_packages(apt: debian.Apt, image: str) -> list[str]:
    """The packages holding the kernel Image and its modules.

    bookworm: `<image>-unsigned` has both (the signed image is the same kernel wrapped for Secure Boot).
    Newer suites split them: the image package depends on linux-binary-* (vmlinuz) and linux-modules-*.
    An architecture without Secure Boot signing (trixie's riscv64): the image package itself has both.
    """
    try:
        apt.show(image + "-unsigned")
        return [image + "-unsigned"]
    except debian.PackageUnavailable:
        pass
    depends = re.findall(r"(linux-(?:binary|modules)-[^\s,(]+)", apt.show(image).get("Depends", ""))
    if not any(d.startswith("linux-binary-") for d in depends):
        return [image]  # one without a kernel file is refused once unpacked ("expected one vmlinuz")
    return depends


@_packages_as_target()
def debian_kernel(name: str, system: System = SYSTEM) -> Kernel:
    channel, meta = system.kernels[name]
    apt = debian.Apt(channel, system.debian_arch)
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
            debian.unpack(debs, Path(tmp))
            # riscv64's is an uncompressed Image named vmlinux-* (an EFI application, not an ELF file).
            vmlinuz = [*Path(tmp).glob("boot/vmlinu[zx]-*"), *Path(tmp).glob("usr/lib/modules/*/vmlinu[zx]")]
            if len(vmlinuz) != 1:
                raise TargetUnavailable(f"{' '.join(packages)}: expected one vmlinuz, found {len(vmlinuz)}")
            release = (vmlinuz[0].name[len("vmlinuz-"):] if vmlinuz[0].name not in ("vmlinuz", "vmlinux")
                       else vmlinuz[0].parent.name)
            moddirs = [p for p in (Path(tmp, "lib/modules", release), Path(tmp, "usr/lib/modules", release))
                       if p.exists()]
            mods = initramfs.serial_modules(moddirs[0], system.serial_modules) if moddirs else []
            kvm_mods = initramfs.serial_modules(moddirs[0], system.kvm_modules) if moddirs else []
            kvm_mods = [(mod, data) for mod, data in kvm_mods if mod not in dict(mods)]
            if not set(system.kvm_modules) <= {m for m, _ in kvm_mods}:
                raise TargetUnavailable(f"{' '.join(packages)}: no {', '.join(system.kvm_modules)} module to load")
            staging = Path(tmp, "out")
            (staging / "modules").mkdir(parents=True)
            for mod, data in mods + kvm_mods:
                (staging / "modules" / f"{mod}.ko").write_bytes(data)
            (staging / "modules" / "order").write_text("".join(f"{mod}\n" for mod, _ in mods))
            if kvm_mods:  # none for arm64 (KVM built in): its cached kernels stay as they were
                (staging / "modules" / "kvm").write_text("".join(f"{mod}\n" for mod, _ in kvm_mods))
            (staging / "release").write_text(release)
            (staging / system.image_file).write_bytes(
                image_bytes(vmlinuz[0].read_bytes(), f"{packages[0]} vmlinuz", system))
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(out, ignore_errors=True)
            os.replace(staging, out)
            cache.record(out)
    def listed(name: str) -> tuple:
        path = out / "modules" / name
        order = path.read_text().split() if path.exists() else []
        return tuple((mod, (out / "modules" / f"{mod}.ko").read_bytes()) for mod in order)

    return Kernel(name, out / system.image_file, listed("order"), (out / "release").read_text(), key,
                  listed("kvm"))


def check_kernel_option(name: str, modules_dir: str | None = None) -> System | None:
    """Refuse, in one line, a --guest-kernel / --guest-modules choice that cannot work (no download); the system
    whose guests boot a PATH (None for a Debian name: every system has one of that name)."""
    if name in KERNELS:
        if modules_dir:
            raise TargetUnavailable(f"--guest-modules applies to a kernel PATH, not to {name}")
        return None
    if name.startswith("debian-"):
        raise TargetUnavailable(f"--guest-kernel {name}: unknown; use one of {', '.join(KERNELS)} or a PATH")
    path = Path(name).expanduser()
    if path.is_dir():
        raise TargetUnavailable(f"--guest-kernel {name}: a directory, not a kernel Image file")
    if not path.is_file():
        raise TargetUnavailable(f"--guest-kernel {name}: no such file")
    if modules_dir and not Path(modules_dir).expanduser().is_dir():
        raise TargetUnavailable(f"--guest-modules {modules_dir}: no such directory")
    st = path.stat()
    return _path_system(str(path.resolve()), st.st_size, st.st_mtime_ns, name, modules_dir)


@functools.lru_cache(maxsize=16)
def _path_system(path: str, size: int, mtime_ns: int, name: str, modules_dir: str | None) -> System:
    """check_kernel_option's reading of a file, once per version of it (an x86 bzImage is unpacked to look in)."""
    data = Path(path).read_bytes()
    system, _ = image_system(data, f"--guest-kernel {name}")
    check_kvm(data, modules_dir, system, f"--guest-kernel {name}")
    return system


def kernel_arch(name: str) -> str | None:
    """The architecture of the guests a --guest-kernel value is for: None for a Debian name (every architecture has
    one), the image's for a PATH (its magic says; whether it has KVM, with which modules, is check_kernel_option's);
    a file that is no kernel any guest boots is one line (TargetUnavailable)."""
    if name in KERNELS:
        return None
    if name.startswith("debian-"):
        check_kernel_option(name)  # unknown: says so
    path = Path(name).expanduser()
    if not path.is_file():
        raise TargetUnavailable(f"--guest-kernel {name}: " + ("a directory, not a kernel Image file" if path.is_dir()
                                                               else "no such file"))
    st = path.stat()
    return _image_arch(str(path.resolve()), st.st_size, st.st_mtime_ns, name)


@functools.lru_cache(maxsize=16)
def _image_arch(path: str, size: int, mtime_ns: int, name: str) -> str:
    return image_system(Path(path).read_bytes(), f"--guest-kernel {name}")[0].arch


def user_kernel(path: str, modules_dir: str | None, system: System = SYSTEM) -> Kernel:
    check_kernel_option(path, modules_dir)
    raw = Path(path).expanduser().read_bytes()
    image = image_bytes(raw, f"--guest-kernel {path}", system)
    moddir = Path(modules_dir).expanduser() if modules_dir else None
    mods = tuple(initramfs.serial_modules(moddir, system.serial_modules)) if moddir else ()
    kvm_mods = tuple((m, d) for m, d in initramfs.serial_modules(moddir, system.kvm_modules)
                     if m not in dict(mods)) if moddir and system.kvm_modules else ()
    h = hashlib.sha256(raw)
    for name, data in mods + kvm_mods:  # an arm64 kernel's key as before kvm_mods came: its cache stays warm
        h.update(name.encode() + data)
    key = "user-" + h.hexdigest()[:16]
    out = cache_dir() / "kernels" / key
    # "Image" for arm64, as before; a bzImage under its own name
    image_file = "Image" if system == SYSTEM else system.image_file
    if not cache.usable(out, f"kernels/{key} (--guest-kernel {path})", "writing it again"):
        out.mkdir(parents=True, exist_ok=True)
        cache.atomic_write(out / image_file, image)
        cache.record(out)
        if cache.writable():
            cache.prune(cache_dir(), None)  # at most USER_KERNELS_KEPT of them, the least recently used go
    cache.touch_used(out)
    return Kernel(str(path), out / image_file, mods, banner_release(image), key, kvm_mods)


def banner_release(image: bytes) -> str:
    """The release in the kernel's own banner ("Linux version 6.1.0-56-cloud-arm64 (...)"), or for an x86 bzImage
    (whose banner is compressed) its setup header's kernel_version string ("6.1.192 (user@host) #1 ..."); or ''."""
    m = re.search(rb"Linux version (\S+) \(", image)
    if m:
        return m.group(1).decode(errors="replace")
    if image[0x202:0x206] == b"HdrS":
        at = int.from_bytes(image[0x20e:0x210], "little") + 0x200  # boot protocol: kernel_version, offset - 0x200
        version = image[at:at + 256].split(b"\0")[0].split(b" ")[0]
        if 0x200 < at < 0x8000 and re.fullmatch(rb"\d+\.\d+[\w.+~-]*", version):
            return version.decode()
    return ""


def check_applicable(name: str, system: System = SYSTEM) -> None:
    """NotApplicable when `name` is a Debian kernel this architecture has no build of (riscv64's debian-6.1)."""
    if name in KERNELS and name not in system.kernels:
        raise NotApplicable(f"--guest-kernel {name} does not apply to the {system.arch} guests: Debian has no "
                            f"{system.arch} kernel of that name (theirs: {', '.join(system.kernels)})")


def kernel(name: str, modules_dir: str | None = None, system: System = SYSTEM) -> Kernel:
    """The kernel a system's guests boot for a --guest-kernel value: Debian's of that name, or the user's PATH, which
    must be an image of this system's architecture."""
    path_system = check_kernel_option(name, modules_dir)
    check_applicable(name, system)
    if path_system is None:
        return debian_kernel(name, system)
    if path_system != system:
        # HostMissing: under `--target all` the other architecture's guests are skipped, not failed
        raise HostMissing(f"--guest-kernel {name} is a kernel for {path_system.arch} ({path_system.image_file}): no "
                          f"{system.arch} guest kernel (give one for {system.arch} too, or use one of "
                          f"{', '.join(KERNELS)})")
    return user_kernel(name, modules_dir, system)


def assets(kernel_name: str, modules_dir: str | None = None, system: System = SYSTEM) -> tuple[Kernel, Path]:
    """The kernel and its initramfs, built or taken from the cache (one builder at a time per cache)."""
    check_applicable(kernel_name, system)
    ensure_host_tools(system)
    with cache_lock(), _space_as_one_line():
        k = kernel(kernel_name, modules_dir, system)
        return k, initrd(k, system)


def kernel_release(kernel_name: str, modules_dir: str | None = None, system: System = SYSTEM) -> str:
    """The guest kernel's release without booting it (provisions the kernel if needed)."""
    with cache_lock(), _space_as_one_line():
        return kernel(kernel_name, modules_dir, system).release


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

@_packages_as_target()
def userspace(system: System = SYSTEM) -> Path:
    """The shared userspace archive (busybox, python, agent), keyed by package versions and agent sources."""
    us = system.userspace
    apt = debian.Apt(us.channel, system.debian_arch)
    debs = [apt.deb_path(p) for p in us.packages]  # only the names make the key: fetched (and verified) to build
    h = hashlib.sha256()
    for deb in debs:
        h.update(deb.name.encode())
    for name, data in sorted(initramfs.agent_sources().items()):
        h.update(name.encode() + data)
    h.update(initramfs.init_script(us.python).encode() + Path(initramfs.__file__).read_bytes()
             + bytes([system.initrd_gzip_level]))
    out = cache_dir() / "initramfs" / f"userspace-{h.hexdigest()[:16]}.cpio.gz"
    if not cache.usable(out, f"initramfs/{out.name}", "building it again"):
        debs = [apt.fetch(p) for p in us.packages]
        log(f"building the {system.arch} guest userspace (busybox, {us.python}, agent; Debian {us.channel})")
        with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
            debian.unpack(debs, Path(tmp))
            data = initramfs.compress(initramfs.userspace_archive(Path(tmp), system.triplet, us.python).finish(),
                                      system.initrd_gzip_level)
        out.parent.mkdir(exist_ok=True)
        cache.atomic_write(out, data)
        cache.record(out)
    return out


def initrd(k: Kernel, system: System = SYSTEM) -> Path:
    """Userspace plus the kernel's serial (and KVM) modules: two concatenated cpio archives."""
    base = userspace(system)
    out = cache_dir() / "initramfs" / f"{base.name[:-len('.cpio.gz')]}-{k.key}.cpio.gz"
    if not cache.usable(out, f"initramfs/{out.name}", "building it again"):
        mods = initramfs.compress(initramfs.modules_archive(list(k.modules), list(k.kvm_modules)).finish(),
                                  system.initrd_gzip_level)
        cache.atomic_write(out, base.read_bytes() + mods)
        cache.record(out)
    if k.key.startswith("user-"):
        cache.touch_used(out)
    return out


# ---- a device tree without the GIC's virtualization parts -----------------------------------------------

def strip_gic_virtualization(dts: str) -> str:
    """The GICv2 node without its virtualization frames: `reg` cut to GICD + GICC, no maintenance IRQ.

    Without GICH/GICV in the device tree the guest kernel's KVM finds no vGIC to offer (a machine whose record
    says strip_gic_virtualization).
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


def disable_nodes(dts: str, compatibles: tuple[str, ...]) -> str:
    """Each node whose compatible list starts with one of `compatibles` given status "disabled": the guest kernel
    then probes no driver for it (a machine whose record lists it in dt_disabled)."""
    for c in compatibles:
        dts, n = re.subn(rf'^(\t+)(compatible = "{re.escape(c)}"[^;]*;)$', r'\1status = "disabled";\n\1\2', dts,
                         flags=re.M)
        if not n:
            raise ValueError(f"no {c} node in the device tree")
    return dts


def stripped_dtb(label: str, machine_args: list[str]) -> Path:
    """The device tree of the machine `label` as its record edits it (abi.machines.QemuBoot.edits_device_tree:
    the GIC's virtualization parts stripped, nodes disabled), dumped by QEMU from exactly its boot options.

    `machine_args` is the whole QEMU command line minus kernel and devices that don't touch the tree; -smp
    and -m are baked into the dump, so they are part of the cache key.
    """
    (boot,) = [m.boot for m in machines.GUESTS if m.label == label]
    binary = boot.system.binary
    key = hashlib.sha256(("\0".join(machine_args) + qemu_version(binary)).encode()).hexdigest()[:16]
    out = cache_dir() / "dtb" / f"{label}-{key}.dtb"
    if cache.usable(out, f"dtb/{out.name}", "dumping it again"):
        return out
    ensure_host_tools(boot.system)
    out.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        dumped, dts, dtb = (Path(tmp, n) for n in ("virt.dtb", "virt.dts", "stripped.dtb"))
        args = list(machine_args)
        i = args.index("-M") + 1
        args[i] += f",dumpdtb={dumped}"
        _run([binary, *args], "dumping the virt machine's device tree", TIMEOUTS[QEMU])
        _run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-o", str(dts), str(dumped)], "dtc (decompile)")
        text = dts.read_text()
        if boot.strip_gic_virtualization:
            text = strip_gic_virtualization(text)
        dts.write_text(disable_nodes(text, boot.dt_disabled))
        _run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(dtb), str(dts)], "dtc (compile)")
        os.replace(dtb, out)
        cache.record(out)
    return out
