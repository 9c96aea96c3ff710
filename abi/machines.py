"""The machines a run can use, one record each: the only place their names are spelled.

A machine is an architecture, how it boots (for a QEMU guest: the QEMU machine, CPU and console; the local machine is
the host itself) and the features its KVM offers. Cases select machines by architecture and by features
(abi.spec.case.Case.runs_on), never by name, so a new machine runs every case whose needs it meets, and the host's own
/dev/kvm runs the cases its hardware allows, whatever the architecture.

A guest's features are declared here, because its tests are chosen before it boots; once it boots they are probed
from the kernel it runs, and a difference is an error that names both. The local machine's are only probed.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Feature:
    """Something a machine's KVM offers that decides which cases can run there, and how to ask the kernel."""

    name: str
    meaning: str
    probe: Callable[[object], bool]  # over a running target, through its ioctl interface only
    # The guest kernel's options without which no machine can offer it (a kernel built from a tree: validate skips
    # a machine whose built kernel lacks one, saying so, instead of failing it).
    kernel_config: tuple[str, ...] = ()


def _capability(name: str) -> Callable[[object], bool]:
    def probe(target) -> bool:
        from abi import kvm

        return bool(target.capability(getattr(kvm, name)))

    return probe


def _device(type_name: str) -> Callable[[object], bool]:
    """KVM_CREATE_DEVICE with KVM_CREATE_DEVICE_TEST: whether this kernel can create the device in a VM (api.rst
    4.79); an architecture without the device answers ENODEV like a host without it."""
    def probe(target) -> bool:
        from abi import kvm

        system = target.open_kvm()
        try:
            vm = target.ioctl(system, kvm.KVM_CREATE_VM, 0).value()
            try:
                arg = kvm.kvm_create_device(type=getattr(kvm, type_name), flags=kvm.KVM_CREATE_DEVICE_TEST)
                return target.ioctl(vm, kvm.KVM_CREATE_DEVICE, arg).ok
            finally:
                target.close(vm)
        finally:
            target.close(system)

    return probe


FEATURES = {f.name: f for f in (
    Feature("irqchip", "an in-kernel interrupt controller can be created (KVM_CAP_IRQCHIP)",
            _capability("KVM_CAP_IRQCHIP")),
    Feature("vgic-v2", "a GICv2 can be emulated (KVM_DEV_TYPE_ARM_VGIC_V2)", _device("KVM_DEV_TYPE_ARM_VGIC_V2")),
    Feature("vgic-v3", "a GICv3 can be emulated (KVM_DEV_TYPE_ARM_VGIC_V3)", _device("KVM_DEV_TYPE_ARM_VGIC_V3")),
    Feature("vgic-its", "a GICv3 ITS can be emulated (KVM_DEV_TYPE_ARM_VGIC_ITS)",
            _device("KVM_DEV_TYPE_ARM_VGIC_ITS")),
    Feature("mte", "the Memory Tagging Extension can be given to a VM (KVM_CAP_ARM_MTE)",
            _capability("KVM_CAP_ARM_MTE"), ("CONFIG_ARM64_MTE",)),
    # KVM's AIA needs the host's IMSIC driver (arch/riscv/kvm/aia.c: kvm_riscv_aia_init asks it for its guest files),
    # and the machine's devices then interrupt through the APLIC in MSI mode (drivers of 6.10+; 6.12's `config RISCV`
    # selects both).
    Feature("aia", "a RISC-V AIA (APLIC and IMSICs) can be emulated (KVM_DEV_TYPE_RISCV_AIA)",
            _device("KVM_DEV_TYPE_RISCV_AIA"), ("CONFIG_RISCV_IMSIC", "CONFIG_RISCV_APLIC_MSI")),
)}


def config_lacking(machine: Machine, config: dict[str, str]) -> list[str]:
    """The kernel options the machine's features need that a kernel's .config (name -> value) does not build in
    or as a module."""
    return [opt for f in sorted(machine.features) for opt in FEATURES[f].kernel_config
            if config.get(opt) not in ("y", "m")]


@dataclass(frozen=True)
class Userspace:
    """The guest's userspace: busybox, a minimal CPython and the libraries it loads, all of one Debian channel (the
    oldest that has the architecture: the agent must run on that channel's CPython)."""

    channel: str  # Debian channel the packages come from (abi.debian.CHANNEL_SUITES)
    python: str  # the interpreter's name in that channel, "python3.11"

    @property
    def packages(self) -> tuple[str, ...]:
        return ("busybox-static", f"{self.python}-minimal", f"lib{self.python}-minimal", f"lib{self.python}-stdlib",
                "libffi8", "libc6", "zlib1g", "libexpat1")


BOOKWORM = Userspace("bookworm", "python3.11")


@dataclass(frozen=True)
class QemuSystem:
    """What every QEMU guest of one architecture shares: the emulator, the kernel's console, Debian's kernels."""

    arch: str
    binary: str  # qemu-system-...
    package: str  # the Debian package that has the binary (installed when missing and we are root)
    console: str  # the kernel command line's console arguments
    # --guest-kernel NAME -> (Debian channel, meta package whose dependency is the kernel image). Left out of
    # comparisons, so that the record stays hashable.
    kernels: dict[str, tuple[str, str]] = field(compare=False)
    debian_arch: str  # Debian's name for the architecture (apt's APT::Architecture)
    triplet: str  # the multiarch directory the guest's shared libraries are in
    # The kernel file's magic and its offset: a file that lacks it is no kernel QEMU can boot here.
    image_magic: tuple[int, bytes]
    image_file: str  # its name in the unpacked kernel's cache directory
    # What carries the agent's port: the virtio transport's QEMU device and the guest modules that drive it.
    serial_device: str
    serial_modules: tuple[str, ...]
    # Modules that make /dev/kvm, loaded by init before the agent starts (none: KVM is built in).
    kvm_modules: tuple[str, ...] = ()
    userspace: Userspace = BOOKWORM
    # Boot the ELF kernel inside the image through its PVH entry (abi/target/pvh.py): x86, no real-mode setup and
    # no decompressor to emulate.
    pvh: bool = False
    # gzip level of the initramfs. 0 stores it: the x86 guest's 16 MB then cost no emulated inflate (0.5 s less to
    # the agent, measured); arm64's stay compressed (6) until measured.
    initrd_gzip_level: int = 6


@dataclass(frozen=True)
class QemuBoot:
    """How QEMU builds the machine (TCG with the architecture's virtualization extensions, no network)."""

    system: QemuSystem
    machine: str  # -M
    cpu: str
    smp: str = "2"
    memory: str = "512"
    # A device tree without the GIC's virtualization parts: the guest kernel's KVM then has no vGIC to offer.
    strip_gic_virtualization: bool = False
    # Extra QEMU options of the machine (firmware, its own settings).
    extra: tuple[str, ...] = ()
    # Device-tree nodes, by compatible, disabled in the tree QEMU builds: a device whose emulation hangs this
    # machine's guest kernel.
    dt_disabled: tuple[str, ...] = ()

    @property
    def edits_device_tree(self) -> bool:
        """QEMU then boots the guest with a device tree of its own, dumped and edited (abi.target.provision)."""
        return self.strip_gic_virtualization or bool(self.dt_disabled)


@dataclass(frozen=True)
class Machine:
    name: str  # as --target takes it and reports show it
    label: str  # the short name reports join ("gicv2+gicv3")
    arch: str | None  # None: the host's own
    features: frozenset[str] | None  # declared; None: only probed (the host's)
    boot: QemuBoot | None = None
    summary: str = ""
    # In `--target all` (the default run); False: only when named with --target.
    default: bool = True

    @property
    def is_guest(self) -> bool:
        return self.boot is not None


QEMU_ARM64 = QemuSystem(
    "arm64", "qemu-system-aarch64", "qemu-system-arm",
    # The PL011 the virt machine puts at 0x9000000, from the first instruction on (earlycon): a guest that does not
    # come up leaves its story on the console.
    console="console=ttyAMA0 earlycon=pl011,0x9000000",
    # Debian's arm64 cloud kernels, by the names --guest-kernel takes (each also names its documentation).
    kernels={
        "debian-6.1": ("bookworm", "linux-image-cloud-arm64"),
        "debian-6.12": ("bookworm", "linux-image-6.12-cloud-arm64"),
        "debian-sid": ("sid", "linux-image-cloud-arm64"),
    },
    debian_arch="arm64", triplet="aarch64-linux-gnu", image_magic=(0x38, b"ARM\x64"), image_file="Image",
    serial_device="virtio-serial-device", serial_modules=("virtio_mmio", "virtio_console"))

QEMU_X86_64 = QemuSystem(
    "x86_64", "qemu-system-x86_64", "qemu-system-x86",
    # The 8250 UART is built into Debian's cloud amd64 kernel: its messages reach the console from the start.
    console="console=ttyS0",
    kernels={
        "debian-6.1": ("bookworm", "linux-image-cloud-amd64"),
        "debian-6.12": ("bookworm", "linux-image-6.12-cloud-amd64"),
        "debian-sid": ("sid", "linux-image-cloud-amd64"),
    },
    # A bzImage ("HdrS", boot protocol header at 0x202), booted by QEMU's own loader.
    debian_arch="amd64", triplet="x86_64-linux-gnu", image_magic=(0x202, b"HdrS"), image_file="bzImage",
    serial_device="virtio-serial-pci", serial_modules=("virtio_pci", "virtio_console"),
    # Debian builds KVM as modules on amd64 (CONFIG_KVM=m); TCG emulates AMD's SVM, not VMX, so kvm_amd.
    kvm_modules=("kvm_amd",), pvh=True, initrd_gzip_level=0)

# Debian 12 has no riscv64 port: the kernels come from Debian 13 (trixie: 6.12) and sid, and there is no debian-6.1.
# One flavour (no cloud kernel); KVM is a module (CONFIG_KVM=m).
QEMU_RISCV64 = QemuSystem(
    "riscv64", "qemu-system-riscv64", "qemu-system-misc",
    # The virt machine's 16550 UART: Debian's riscv64 kernel has the 8250 driver built in, and earlycon finds it
    # through the device tree's stdout-path from the first instruction on.
    console="console=ttyS0 earlycon",
    kernels={
        "debian-6.12": ("trixie", "linux-image-riscv64"),
        "debian-sid": ("sid", "linux-image-riscv64"),
    },
    # The RISC-V Image header's magic2 "RSC\x05" (Documentation/arch/riscv/boot-image-header.rst).
    debian_arch="riscv64", triplet="riscv64-linux-gnu", image_magic=(0x38, b"RSC\x05"), image_file="Image",
    serial_device="virtio-serial-device", serial_modules=("virtio_mmio", "virtio_console"),
    kvm_modules=("kvm",),
    # bookworm has no riscv64 packages: trixie's userspace serves both kernels (python3.13).
    userspace=Userspace("trixie", "python3.13"))

# Two CPUs: with one, a KVM_CHECK_EXTENSION that wrongly answers num_online_cpus() (the 2013 patch that added
# KVM_CAP_ARM_SET_DEVICE_ADDR fell through to KVM_CAP_NR_VCPUS) would still answer 1 and go unnoticed.
# pauth=off: pointer authentication costs ~8 s of emulated boot and nothing here needs it.
_ARM64_CPU = "max,pauth=off"
_VIRT = "virt,virtualization=on"

LOCAL = Machine("local", "local", None, None, summary="the host's own /dev/kvm: its architecture and features probed")
MACHINES: tuple[Machine, ...] = (
    LOCAL,
    Machine("qemu-arm64-gicv2", "gicv2", "arm64", frozenset({"irqchip", "vgic-v2"}),
            QemuBoot(QEMU_ARM64, f"{_VIRT},gic-version=2", _ARM64_CPU),
            summary="arm64 guest with a GICv2: its KVM emulates a GICv2 only"),
    Machine("qemu-arm64-gicv3", "gicv3", "arm64", frozenset({"irqchip", "vgic-v3", "vgic-its"}),
            QemuBoot(QEMU_ARM64, f"{_VIRT},gic-version=3", _ARM64_CPU),
            summary="arm64 guest with a GICv3 and ITS: its KVM emulates a GICv3 and ITS, no GICv2"),
    Machine("qemu-arm64-novgic", "novgic", "arm64", frozenset(),
            QemuBoot(QEMU_ARM64, f"{_VIRT},gic-version=2", _ARM64_CPU, strip_gic_virtualization=True),
            summary="arm64 guest whose GIC has no virtualization parts: its KVM has no vGIC"),
    # TCG emulates MTE (tag memory allocated beside RAM), so the guest's KVM answers KVM_CAP_ARM_MTE.
    Machine("qemu-arm64-mte", "mte", "arm64", frozenset({"irqchip", "vgic-v3", "vgic-its", "mte"}),
            QemuBoot(QEMU_ARM64, f"{_VIRT},gic-version=3,mte=on", _ARM64_CPU),
            summary="arm64 guest with a GICv3, ITS and the Memory Tagging Extension"),
    Machine("qemu-x86_64-amd", "amd", "x86_64", frozenset({"irqchip"}),
            # q35 with qboot (QEMU's minimal firmware, in qemu-system-data) booting the kernel's PVH entry: firmware
            # and kernel start in a quarter of SeaBIOS's and the bzImage's time (docs/research/x86-boot.md). Not
            # microvm: it has no HPET or PM timer, so the guest cannot measure its TSC's frequency and hangs (or, told
            # it, marks the TSC unstable against jiffies). One CPU: with two, the whole guest froze for over 40 s in 6
            # of 590 cases, at random (in KVM_CREATE_VM, KVM_CREATE_VCPU, KVM_SET_USER_MEMORY_REGION,
            # KVM_SET_GSI_ROUTING, KVM_IOEVENTFD; cause not found), and its KVM found the TSC unstable across CPUs
            # (the TSC offset read-back cases then fail). One CPU: none.
            QemuBoot(QEMU_X86_64, "q35", "max", smp="1", extra=("-bios", "qboot.rom")),
            summary="x86_64 guest on an emulated AMD CPU (TCG's SVM): its KVM is kvm_amd"),
    # The hypervisor extension (h=true) gives the guest kernel HS-mode, so its KVM loads; OpenSBI is QEMU's own
    # (-bios default). Its interrupt controller is the PLIC: this KVM offers no AIA, hence no in-kernel irqchip.
    Machine("qemu-riscv64", "riscv64", "riscv64", frozenset(),
            QemuBoot(QEMU_RISCV64, "virt", "rv64,h=true", smp="1", memory="1024", extra=("-bios", "default")),
            summary="riscv64 guest with the hypervisor extension (TCG): its KVM is a module, no in-kernel irqchip"),
    # An APLIC in MSI mode and an IMSIC with guest interrupt files per hart (aia-guests): the guest kernel finds Ssaia
    # and its KVM offers the AIA device, and with it KVM_CAP_IRQCHIP. QEMU 7.2's APLIC keeps re-signalling a level
    # interrupt in MSI mode: the goldfish RTC's hangs the boot (the kernel loops in the IMSIC's handler), so its node is
    # disabled (docs/research/riscv64-aia.md).
    Machine("qemu-riscv64-aia", "riscv64-aia", "riscv64", frozenset({"irqchip", "aia"}),
            QemuBoot(QEMU_RISCV64, "virt,aia=aplic-imsic,aia-guests=4", "rv64,h=true", smp="1", memory="1024",
                     extra=("-bios", "default"), dt_disabled=("google,goldfish-rtc",)),
            summary="riscv64 guest with an AIA (APLIC and IMSIC with guest files): its KVM emulates the AIA"),
)
NAMES = tuple(m.name for m in MACHINES)
GUESTS = tuple(m for m in MACHINES if m.is_guest)
SYSTEMS = tuple(dict.fromkeys(m.boot.system for m in GUESTS))  # one per architecture with guest machines
ARCHES = ("x86_64", "arm64", "riscv64")  # the architectures abi/ models and the spec's cases name


def qemu_system(arch: str) -> QemuSystem:
    """The QEMU system that boots this architecture's guests."""
    for m in GUESTS:
        if m.arch == arch:
            return m.boot.system
    raise KeyError(f"no QEMU guest of architecture {arch!r}")


def offering(*features: str) -> Machine:
    """The first guest machine declaring all these features: a harness test's own guest, chosen by what it needs."""
    for m in GUESTS:
        if set(features) <= m.features:
            return m
    raise KeyError(f"no guest machine offers {', '.join(features)}")


def named(name: str) -> Machine:
    for m in MACHINES:
        if m.name == name:
            return m
    raise KeyError(f"no machine {name!r}; one of {', '.join(NAMES)}")


def host_arch() -> str:
    """The host's architecture as the kernel's UAPI directories name it (aarch64 -> arm64)."""
    return {"aarch64": "arm64", "amd64": "x86_64"}.get(platform.machine(), platform.machine())


def arch_of(machine: Machine) -> str:
    return machine.arch or host_arch()


def probe(target) -> frozenset[str]:
    """The features the target's kernel offers, asked through its ioctl interface."""
    return frozenset(name for name, f in FEATURES.items() if f.probe(target))


class FeatureMismatch(Exception):
    """A guest's kernel does not offer what its machine record declares (or offers more): its test selection
    would be wrong, so the run must not go on with it. The message is one line."""


def check(machine: Machine, offered: frozenset[str], release: str = "") -> None:
    if machine.features is None or offered == machine.features:
        return
    on = f" on {release}" if release else ""
    missing, extra = sorted(machine.features - offered), sorted(offered - machine.features)
    said = "; ".join(filter(None, (f"lacks {', '.join(missing)}" if missing else "",
                                   f"also offers {', '.join(extra)}" if extra else "")))
    raise FeatureMismatch(
        f"{machine.name} declares features {', '.join(sorted(machine.features)) or 'none'}, but its kernel{on} offers "
        f"{', '.join(sorted(offered)) or 'none'} ({said}): a kernel built without them, or a machine record to fix "
        "in abi/machines.py")
