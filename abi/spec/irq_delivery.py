"""The interrupt-delivery ioctls: KVM_IRQ_LINE, KVM_IRQFD, KVM_IOEVENTFD, KVM_SET_GSI_ROUTING,
KVM_(UN)REGISTER_COALESCED_MMIO and, on x86_64, KVM_SIGNAL_MSI (arm64's is in arm_vgic_its.py).

Documentation: Documentation/virt/kvm/api.rst (Debian 6.1.192, 6.12.117, 7.2.13; the same text in all three for
what is tested here) 4.25 KVM_IRQ_LINE, 4.52 KVM_SET_GSI_ROUTING, 4.59 KVM_IOEVENTFD, 4.71 KVM_SIGNAL_MSI, 4.75
KVM_IRQFD, 4.116 KVM_(UN)REGISTER_COALESCED_MMIO. None of these sections has an Errors table (7.2's 4.52 has one
row, for s390, which x86_state.py lists as unreachable): the doc-basis cases test what the text states or
implies, and every errno the implementation returns is a basis="code" case naming its function.
Implementation: virt/kvm/kvm_main.c (kvm_vm_ioctl), eventfd.c (kvm_irqfd, kvm_irqfd_assign, kvm_irqfd_deassign,
kvm_ioeventfd, kvm_assign_ioeventfd, kvm_assign_ioeventfd_idx, ioeventfd_check_collision,
kvm_deassign_ioeventfd_idx), irqchip.c (kvm_set_irq_routing, setup_routing_entry, kvm_send_userspace_msi,
kvm_set_irq), coalesced_mmio.c; arch/arm64/kvm/arm.c (kvm_vm_ioctl_irq_line, kvm_arch_intc_initialized),
vgic/vgic.c (kvm_vgic_inject_irq, vgic_get_irq), vgic/vgic-irqfd.c (kvm_set_routing_entry); arch/x86/kvm/x86.c
(kvm_vm_ioctl_irq_line), irq.c (kvm_arch_irqfd_allowed), irq_comm.c (6.1, 6.12; irq.c in 7.2:
kvm_set_routing_entry, kvm_arch_can_set_irq_routing, kvm_set_msi, kvm_irq_delivery_to_apic; lapic.c in 7.2).
docs/research/irq_delivery.md has every row with its evidence and the per-version differences.

Eventfds come from the target (Target.eventfd, protocol version 4): KVM_IRQFD and KVM_IOEVENTFD take them.
"""

from __future__ import annotations

import ctypes
import struct
import time
from errno import EAGAIN, EBADF, EBUSY, EEXIST, EINVAL, ENOENT, ENOSPC, ENXIO, EPERM

from abi import arm64, kvm, layout, x86
from abi.spec.case import (
    DOCUMENT_CONTRADICTS_ITSELF,
    DOCUMENT_NAMES_WHAT_HEADERS_LACK,
    DOCUMENT_SILENT,
    Case,
    Deviation,
    Finding,
    Scene,
    Step,
    Val,
    val,
)
from abi.spec.steps.base import for_arch, step
from abi.spec.steps.device import set_attr
from abi.spec.steps.guest import x86_real_mode
from abi.spec.steps.vcpu import INIT_VCPU, exit_reason, kvm_run, kvm_run_map
from abi.spec.steps.vm import HOST_VGIC, IRQCHIP, X2APIC_32BIT, close_eventfd, create_vcpu, efd, eventfd
from abi.target.base import Result

API = "api.rst"
LINE, IRQFD, IOEVENTFD = "KVM_IRQ_LINE", "KVM_IRQFD", "KVM_IOEVENTFD"
ROUTING, MSI = "KVM_SET_GSI_ROUTING", "KVM_SIGNAL_MSI"
REG, UNREG = "KVM_REGISTER_COALESCED_MMIO", "KVM_UNREGISTER_COALESCED_MMIO"
LINE_DOC, IRQFD_DOC, IOEVENTFD_DOC = f"{API} 4.25 {LINE}", f"{API} 4.75 {IRQFD}", f"{API} 4.59 {IOEVENTFD}"
ROUTING_DOC, MSI_DOC, COALESCED_DOC = f"{API} 4.52 {ROUTING}", f"{API} 4.71 {MSI}", \
    f"{API} 4.116 KVM_(UN)REGISTER_COALESCED_MMIO"


KVM_MAX_IRQ_ROUTES = 4096  # include/linux/kvm_host.h (kernel-internal, the same in 6.1-7.2)
ARM_IRQCHIP_NUM_PINS = 1020 - 32  # include/kvm/arm_vgic.h KVM_IRQCHIP_NUM_PINS: one pin per SPI
NR_IOBUS_DEVS = 1000  # include/linux/kvm_host.h: devices per I/O bus, ioeventfds not counted
UNKNOWN_IOEVENTFD_FLAG = 1 << 7  # 6.1-6.12 define flags 0-3, 7.2 adds FAST_MMIO (bit 4)
MMIO = 0xD0000000  # an address no device of a fresh VM occupies, on either architecture
PORT = 0x1234
PAGE = 4096  # the x86_64 page size: the coalesced ring is page KVM_COALESCED_MMIO_PAGE_OFFSET of kvm_run






# --- eventfds -------------------------------------------------------------------------------------------



VM_FD = Val("the VM fd (no eventfd)", lambda s: s.vm)
NO_FD = Val("-1", lambda s: -1)


def _v(x) -> Val:
    return val(x)


# --- steps ----------------------------------------------------------------------------------------------

def irq_line(irq: int, level: int = 1, shown: str = "", request: str = LINE) -> Step:
    req = {LINE: kvm.KVM_IRQ_LINE, "KVM_IRQ_LINE_STATUS": kvm.KVM_IRQ_LINE_STATUS}[request]
    return step(f"{request}({shown or f'irq {irq:#x}'}, level {level})",
                lambda s: s.ioctl(s.vm, req, kvm.kvm_irq_level(irq=irq, level=level)))


def arm_irq(irq_type: int, num: int, vcpu: int = 0, vcpu2: int = 0) -> int:
    return (vcpu2 << arm64.KVM_ARM_IRQ_VCPU2_SHIFT) | (irq_type << arm64.KVM_ARM_IRQ_TYPE_SHIFT) \
        | (vcpu << arm64.KVM_ARM_IRQ_VCPU_SHIFT) | (num << arm64.KVM_ARM_IRQ_NUM_SHIFT)


TYPE_NAMES = {arm64.KVM_ARM_IRQ_TYPE_CPU: "CPU", arm64.KVM_ARM_IRQ_TYPE_SPI: "SPI",
              arm64.KVM_ARM_IRQ_TYPE_PPI: "PPI"}


def arm_line(irq_type: int, num: int, vcpu: int = 0, vcpu2: int = 0, level: int = 1) -> Step:
    shown = f"{TYPE_NAMES.get(irq_type, f'type {irq_type}')} {num}, vcpu {vcpu}" + (f", vcpu2 {vcpu2}" if vcpu2
                                                                                      else "")
    return irq_line(arm_irq(irq_type, num, vcpu, vcpu2), level, shown)


SPI, PPI, CPU = arm64.KVM_ARM_IRQ_TYPE_SPI, arm64.KVM_ARM_IRQ_TYPE_PPI, arm64.KVM_ARM_IRQ_TYPE_CPU


def irqfd(fd: Val = None, gsi: int = 0, flags: int = 0, resamplefd: Val | None = None, ok_errno: int = 0) -> Step:
    fd = fd or efd()
    names = [n for bit, n in ((kvm.KVM_IRQFD_FLAG_DEASSIGN, "DEASSIGN"), (kvm.KVM_IRQFD_FLAG_RESAMPLE, "RESAMPLE"))
             if flags & bit]
    rest = flags & ~(kvm.KVM_IRQFD_FLAG_DEASSIGN | kvm.KVM_IRQFD_FLAG_RESAMPLE)
    shown = "|".join(names + ([f"{rest:#x}"] if rest else [])) or "0"
    extra = f", resamplefd {resamplefd}" if resamplefd is not None else ""

    def run(s: Scene) -> Result:
        rfd = resamplefd(s) if resamplefd is not None else 0
        return s.ioctl(s.vm, kvm.KVM_IRQFD, kvm.kvm_irqfd(fd=fd(s) & 0xFFFFFFFF, gsi=gsi, flags=flags,
                                                         resamplefd=rfd & 0xFFFFFFFF))

    return step(f"KVM_IRQFD(fd {fd}, gsi {gsi}, flags {shown}{extra})", run, ok_errno)


def ioeventfd(addr: int = MMIO, length: int = 4, flags: int = 0, datamatch: int = 0, fd: Val | None = None,
              ok_errno: int = 0) -> Step:
    fd = fd or efd()
    names = [n for bit, n in ((kvm.KVM_IOEVENTFD_FLAG_DATAMATCH, "DATAMATCH"), (kvm.KVM_IOEVENTFD_FLAG_PIO, "PIO"),
                              (kvm.KVM_IOEVENTFD_FLAG_DEASSIGN, "DEASSIGN"),
                              (kvm.KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY, "VIRTIO_CCW_NOTIFY")) if flags & bit]
    rest = flags & ~kvm.KVM_IOEVENTFD_VALID_FLAG_MASK
    shown = "|".join(names + ([f"{rest:#x}"] if rest else [])) or "0"
    dm = f", datamatch {datamatch:#x}" if flags & kvm.KVM_IOEVENTFD_FLAG_DATAMATCH else ""

    def run(s: Scene) -> Result:
        return s.ioctl(s.vm, kvm.KVM_IOEVENTFD, kvm.kvm_ioeventfd(datamatch=datamatch, addr=addr, len=length,
                                                                 fd=fd(s), flags=flags))

    return step(f"KVM_IOEVENTFD(addr {addr:#x}, len {length}, fd {fd}, flags {shown}{dm})", run, ok_errno)


def chip(gsi: int, irqchip: int, pin: int, flags: int = 0) -> kvm.kvm_irq_routing_entry:
    e = kvm.kvm_irq_routing_entry(gsi=gsi, type=kvm.KVM_IRQ_ROUTING_IRQCHIP, flags=flags)
    e.u.irqchip.irqchip, e.u.irqchip.pin = irqchip, pin
    return e


def msi_entry(gsi: int, address_lo: int = 0xFEE00000, address_hi: int = 0, data: int = 0x30, flags: int = 0,
              devid: int = 0) -> kvm.kvm_irq_routing_entry:
    e = kvm.kvm_irq_routing_entry(gsi=gsi, type=kvm.KVM_IRQ_ROUTING_MSI, flags=flags)
    e.u.msi.address_lo, e.u.msi.address_hi, e.u.msi.data, e.u.msi.devid = address_lo, address_hi, data, devid
    return e


def typed(gsi: int, kind: int) -> kvm.kvm_irq_routing_entry:
    return kvm.kvm_irq_routing_entry(gsi=gsi, type=kind)


def _describe(e: kvm.kvm_irq_routing_entry) -> str:
    flags = f", flags {e.flags:#x}" if e.flags else ""
    if e.type == kvm.KVM_IRQ_ROUTING_IRQCHIP:
        return f"gsi {e.gsi} -> irqchip {e.u.irqchip.irqchip} pin {e.u.irqchip.pin}{flags}"
    if e.type == kvm.KVM_IRQ_ROUTING_MSI:
        return f"gsi {e.gsi} -> MSI {e.u.msi.address_hi:#x}:{e.u.msi.address_lo:#x} data {e.u.msi.data:#x}{flags}"
    return f"gsi {e.gsi} -> type {e.type}{flags}"


def routing(*entries: kvm.kvm_irq_routing_entry, nr: int | None = None, flags: int = 0) -> Step:
    """KVM_SET_GSI_ROUTING with `entries`; `nr` other than their count says so (the kernel checks nr first)."""
    count = len(entries) if nr is None else nr
    data = struct.pack("<II", count, flags) + b"".join(bytes(e) for e in entries)
    shown = "; ".join(_describe(e) for e in entries) or "no entries"
    extra = (f", nr {count}" if nr is not None else "") + (f", flags {flags:#x}" if flags else "")
    return step(f"KVM_SET_GSI_ROUTING({shown}{extra})", lambda s: s.ioctl(s.vm, kvm.KVM_SET_GSI_ROUTING, data))


def coalesced(addr: int = MMIO, size: int = 0x1000, pio: int = 0, unregister: bool = False) -> Step:
    name, req = (UNREG, kvm.KVM_UNREGISTER_COALESCED_MMIO) if unregister else (REG, kvm.KVM_REGISTER_COALESCED_MMIO)
    return step(f"{name}(addr {addr:#x}, size {size:#x}, pio {pio})",
                lambda s: s.ioctl(s.vm, req, kvm.kvm_coalesced_mmio_zone(addr=addr, size=size, pio=pio)))


def coalesced_zones(n: int) -> Step:
    """`n` one-byte coalesced MMIO zones side by side, stopping at the first failure."""
    def run(s: Scene) -> Result:
        got = Result(0)
        for i in range(n):
            got = s.ioctl(s.vm, kvm.KVM_REGISTER_COALESCED_MMIO,
                          kvm.kvm_coalesced_mmio_zone(addr=MMIO + i, size=1, pio=0))
            if not got.ok:
                return got
        return got

    return step(f"{n} x KVM_REGISTER_COALESCED_MMIO (one byte each, from {MMIO:#x})", run)


def signal_msi(address_lo: int = 0xFEE00000, address_hi: int = 0, data: int = 0x30, flags: int = 0,
               devid: int = 0) -> Step:
    msi = kvm.kvm_msi(address_lo=address_lo, address_hi=address_hi, data=data, flags=flags, devid=devid)
    return step(f"KVM_SIGNAL_MSI(address {address_hi:#x}:{address_lo:#x}, data {data:#x}, flags {flags:#x})",
                lambda s: s.ioctl(s.vm, kvm.KVM_SIGNAL_MSI, msi))


# --- set-up: the interrupt controllers -----------------------------------------------------------------

VCPU0 = create_vcpu(0)


def split_irqchip(pins: int = 24) -> Step:
    return step(f"KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP, {pins} pins)",
                lambda s: s.ioctl(s.vm, kvm.KVM_ENABLE_CAP,
                                  kvm.kvm_enable_cap(cap=kvm.KVM_CAP_SPLIT_IRQCHIP, args=(pins, 0, 0, 0))))


APIC_SPIV = 0xF0  # the spurious-interrupt vector register: bit 8 enables the local APIC in software


def _enable_apic(s: Scene) -> Result:
    fd = s.vcpus[-1]
    state = s.ioctl(fd, s.abi.KVM_GET_LAPIC, x86.kvm_lapic_state()).struct(x86.kvm_lapic_state)
    raw = bytearray(bytes(state))
    spiv = struct.unpack_from("<I", raw, APIC_SPIV)[0] | 0x100
    struct.pack_into("<I", raw, APIC_SPIV, spiv)
    return s.ioctl(fd, s.abi.KVM_SET_LAPIC, bytes(raw))


APIC_ON = step("KVM_GET_LAPIC, KVM_SET_LAPIC with SPIV bit 8 (APIC software-enabled)", _enable_apic)

V2_LEGACY = (IRQCHIP, VCPU0)  # the vGICv2 of KVM_CREATE_IRQCHIP: initialised by the first injection


VGIC_DEVICE = HOST_VGIC


def nr_irqs(n: int) -> Step:
    return set_attr(0, n, group=arm64.KVM_DEV_ARM_VGIC_GRP_NR_IRQS)


VGIC_INIT = set_attr(arm64.KVM_DEV_ARM_VGIC_CTRL_INIT, 0, group=arm64.KVM_DEV_ARM_VGIC_GRP_CTRL)
VGIC_READY = (VGIC_DEVICE, VCPU0, VGIC_INIT)  # an initialised vGIC (kvm_arch_intc_initialized), 256 interrupts
VGIC_992 = (VGIC_DEVICE, VCPU0, nr_irqs(992), VGIC_INIT)  # the most interrupts NR_IRQS accepts (arm_vgic_v3.py)
X86_READY = (IRQCHIP,)


def irqfd_in_second_vm(gsi: int = 5) -> Step:
    """KVM_IRQFD of the scene's eventfd in a second VM of the same process, given a legacy vGICv2 initialised by
    an SPI (the VM and its vCPU close with the scene's device fds)."""
    def run(s: Scene) -> Result:
        vm2 = s.target.ioctl(s.kvm, kvm.KVM_CREATE_VM, s.vm_type).value()
        s.keep(vm2)
        s.target.ioctl(vm2, kvm.KVM_CREATE_IRQCHIP, 0).value()
        s.keep(s.target.ioctl(vm2, kvm.KVM_CREATE_VCPU, 0).value())
        s.target.ioctl(vm2, kvm.KVM_IRQ_LINE, kvm.kvm_irq_level(irq=arm_irq(SPI, 32), level=0)).value()
        return s.ioctl(vm2, kvm.KVM_IRQFD, kvm.kvm_irqfd(fd=efd()(s), gsi=gsi))

    return step(f"second VM: KVM_CREATE_IRQCHIP, KVM_CREATE_VCPU(0), SPI 32 level 0; KVM_IRQFD(fd efd, gsi {gsi})",
                run)


# --- guest writes (x86: real mode, no in-kernel irqchip, so HLT exits to userspace) ------------------------

GUEST_GPA, GUEST_SIZE = 0x8000, 0x1000  # one page of code; 0x9000 above it is in no memslot: MMIO
GUEST_MMIO = 0x9000
OUT_PORT = bytes([0xBA, PORT & 0xFF, PORT >> 8, 0xB0, 0x42, 0xEE, 0xF4])  # mov dx, PORT; mov al, 0x42; out dx, al; hlt
STORE_MMIO = bytes([0xB0, 0x42, 0xA2, GUEST_MMIO & 0xFF, GUEST_MMIO >> 8, 0xF4])  # mov al, 0x42; mov [0x9000], al; hlt


def x86_guest(code: bytes, text: str) -> Step:
    """vCPU 0 in real mode at GUEST_GPA (CS base 0) running `code` from a memslot of one page."""
    def run(s: Scene) -> Result:
        got = create_vcpu(0)(s)
        if not got.ok:
            return got
        x86_real_mode(s, s.vcpus[-1], GUEST_GPA)
        host = s.target.alloc(GUEST_SIZE)
        s.target.write(host, code)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, kvm.kvm_userspace_memory_region(
            slot=0, flags=0, guest_phys_addr=GUEST_GPA, memory_size=GUEST_SIZE, userspace_addr=host))

    return step(f"vCPU 0 in real mode at {GUEST_GPA:#x} running: {text}", run)


# arm64: the vCPU starts at PC 0 (KVM_ARM_VCPU_INIT), MMU off; a store to ARM_A, then a load from ARM_B. Both IPAs
# are in no memslot, so each access that the kernel does not take exits as KVM_EXIT_MMIO: the exit's address says
# whether the store was taken (by an ioeventfd or a coalesced zone) or not.
ARM_A, ARM_B = 0x50000000, 0x50010000
STORE_THEN_LOAD = (
    0xD2A00000 | ((ARM_A >> 16) << 5) | 0,  # movz x0, #(ARM_A >> 16), lsl #16
    0xD2A00000 | ((ARM_B >> 16) << 5) | 2,  # movz x2, #(ARM_B >> 16), lsl #16
    0x52800841,  # movz w1, #0x42
    0xB9000001,  # str w1, [x0]
    0xB9400043,  # ldr w3, [x2]
    0x14000000,  # b .
)


def arm_guest() -> Step:
    def run(s: Scene) -> Result:
        host = s.target.alloc(GUEST_SIZE)
        s.target.write(host, struct.pack(f"<{len(STORE_THEN_LOAD)}I", *STORE_THEN_LOAD))
        got = s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, kvm.kvm_userspace_memory_region(
            slot=0, flags=0, guest_phys_addr=0, memory_size=GUEST_SIZE, userspace_addr=host))
        return INIT_VCPU(s) if got.ok else got

    return step(f"vCPU 0 at IPA 0 (a memslot of one page): str w(0x42) to {ARM_A:#x}; ldr from {ARM_B:#x}", run)


EXIT_NAMES = {kvm.KVM_EXIT_IO: "KVM_EXIT_IO", kvm.KVM_EXIT_HLT: "KVM_EXIT_HLT", kvm.KVM_EXIT_MMIO: "KVM_EXIT_MMIO"}


def exits(reason: int, ring: tuple[int, int] | None = None, mmio: tuple[int, int] | None = None, width: int = 1):
    """A check: KVM_RUN ended with `reason`; with `mmio` (address, is_write), the MMIO exit is that access; with
    `ring` (address, pio), the coalesced ring holds exactly one `width`-byte write of 0x42 there (api.rst 4.116:
    the value is recorded in the shared ring)."""
    def check(s: Scene, got: Result) -> str | None:
        have = exit_reason(s)
        if have != reason:
            return f"exit_reason {EXIT_NAMES.get(have, have)}, expected {EXIT_NAMES[reason]}"
        if mmio is not None:
            run = kvm_run_map(s)
            addr = struct.unpack("<Q", s.target.read(run + layout.offsetof(s.abi.kvm_run, "_u0.mmio.phys_addr"), 8))[0]
            write = s.target.read(run + layout.offsetof(s.abi.kvm_run, "_u0.mmio.is_write"), 1)[0]
            if (addr, write) != mmio:
                return f"the MMIO exit is (address, is_write) ({addr:#x}, {write}), expected ({mmio[0]:#x}, {mmio[1]})"
        if ring is None:
            return None
        base = kvm_run_map(s) + s.abi.KVM_COALESCED_MMIO_PAGE_OFFSET * PAGE
        first, last = struct.unpack("<II", s.target.read(base, 8))
        size = ctypes.sizeof(kvm.kvm_coalesced_mmio)
        entry = kvm.kvm_coalesced_mmio.from_buffer_copy(s.target.read(base + 8 + first * size, size))
        want = (ring[0], width, ring[1], 0x42)
        seen = (entry.phys_addr, entry.len, entry.pio, entry.data[0])
        if last - first != 1 or seen != want:
            return (f"coalesced ring first {first}, last {last}, entry (addr, len, pio, data) {seen}; expected one "
                    f"entry {want}")
        return None

    return check


GICD_ISPENDR = 0x200  # the distributor's set-pending registers, one bit per interrupt (GIC architecture)


def spi_pending(spi: int, within: float = 2.0):
    """A check: the vGIC's GICD_ISPENDR shows `spi` pending (KVM_DEV_ARM_VGIC_GRP_DIST_REGS; SPIs are edge-triggered
    until the guest configures them, vgic-init.c kvm_vgic_dist_init, so an injection latches it pending). An event
    pending at assignment is injected by a work item (eventfd.c irqfd_inject), so the check polls until it is
    seen, up to `within` seconds."""
    offset = GICD_ISPENDR + 4 * (spi // 32)

    def check(s: Scene, got: Result) -> str | None:
        attr = kvm.kvm_device_attr(flags=0, group=arm64.KVM_DEV_ARM_VGIC_GRP_DIST_REGS, attr=offset,
                                   addr=s.scratch(bytes(8)))
        deadline = time.monotonic() + within
        while True:
            read = s.ioctl(s.devices[0], kvm.KVM_GET_DEVICE_ATTR, attr)
            if not read.ok:
                return f"KVM_GET_DEVICE_ATTR(DIST_REGS, GICD_ISPENDR {offset:#x}) gave {read!r}"
            bits = struct.unpack("<I", s.target.read(s.scratch(), 4))[0]
            if bits & (1 << (spi % 32)):
                return None
            if time.monotonic() > deadline:
                return f"GICD_ISPENDR at {offset:#x} reads {bits:#010x} after {within} s: SPI {spi} not pending"
            time.sleep(0.01)

    return check


def ret_at_least(n: int):
    def check(s: Scene, got: Result) -> str | None:
        return None if got.ret >= n else f"returned {got.ret}, expected at least {n}"

    return check


def status_is(expected: int):
    """KVM_IRQ_LINE_STATUS wrote `expected` into the status field of its argument."""
    def check(s: Scene, got: Result) -> str | None:
        status = struct.unpack_from("<i", got.out, 0)[0]
        return None if status == expected else f"status {status}, expected {expected}"

    return check


RESAMPLE_CAP = ((kvm.KVM_CAP_IRQFD_RESAMPLE, "KVM_CAP_IRQFD_RESAMPLE", True),)
ANY_LENGTH_CAP = ((kvm.KVM_CAP_IOEVENTFD_ANY_LENGTH, "KVM_CAP_IOEVENTFD_ANY_LENGTH", True),)
PIO_CAP = ((kvm.KVM_CAP_COALESCED_PIO, "KVM_CAP_COALESCED_PIO", True),)
MMIO_CAP = ((kvm.KVM_CAP_COALESCED_MMIO, "KVM_CAP_COALESCED_MMIO", True),)

DEASSIGN, RESAMPLE = kvm.KVM_IRQFD_FLAG_DEASSIGN, kvm.KVM_IRQFD_FLAG_RESAMPLE
DATAMATCH, PIO = kvm.KVM_IOEVENTFD_FLAG_DATAMATCH, kvm.KVM_IOEVENTFD_FLAG_PIO
IO_DEASSIGN = kvm.KVM_IOEVENTFD_FLAG_DEASSIGN
E, R = eventfd(), eventfd("resamplefd")
EFD2 = eventfd("efd2")

DOC_FINDINGS = [
    Finding(
        "api.rst 4.75 KVM_IRQFD: 'posting of an interrupt through kvm_irq.fd' names a structure that does not "
        "exist; the field is kvm_irqfd.fd (6.1, 6.12, 7.2).",
        DOCUMENT_NAMES_WHAT_HEADERS_LACK),
    Finding(
        "api.rst 4.52 KVM_SET_GSI_ROUTING and 4.71 KVM_SIGNAL_MSI: 'a BFD identifier' for the PCI "
        "bus/device/function (BDF) in 6.1 and 6.12; 7.2 corrects it.",
        DOCUMENT_CONTRADICTS_ITSELF),
    Finding(
        "api.rst 4.71 KVM_SIGNAL_MSI: 'Returns: >0 on delivery, 0 if guest blocked the MSI, and -1 on error' "
        "leaves out an MSI that no vCPU receives: on x86 kvm_irq_delivery_to_apic's -1 becomes the ioctl's return "
        "value itself, which userspace sees as -1 with errno EPERM (1), an errno that describes nothing.",
        DOCUMENT_SILENT),
    Finding(
        "api.rst 4.25 KVM_IRQ_LINE: SPI irq_id 32 to 1019, but KVM_DEV_ARM_VGIC_GRP_NR_IRQS caps a vGIC at 992 "
        "interrupts and KVM_CREATE_IRQCHIP's vGICv2 has 256: the range a VM accepts depends on that configuration, "
        "which the section does not say (case arm-spi-1019 is the deviation).",
        DOCUMENT_SILENT),
    Finding(
        "api.rst 4.59 KVM_IOEVENTFD, 4.75 KVM_IRQFD, 4.52 KVM_SET_GSI_ROUTING, 4.116 "
        "KVM_(UN)REGISTER_COALESCED_MMIO: no Errors table and no errno in the text, although the implementation "
        "returns EINVAL, EBADF, EEXIST, ENOENT, EBUSY, EAGAIN, ENOSPC for conditions the cases name.",
        DOCUMENT_SILENT),
]

SPI_1019_DEVIATION = (
    f"{LINE_DOC} gives SPI irq_id 32 to 1019 inclusive; no configuration reaches 1019: "
    "KVM_DEV_ARM_VGIC_GRP_NR_IRQS accepts at most 992 interrupts (vgic-kvm-device.c vgic_set_common_attr: at most "
    "VGIC_MAX_RESERVED 1023 and a multiple of 32), so vgic.c vgic_get_irq finds no SPI above 991 and "
    "kvm_vgic_inject_irq returns EINVAL")

CASES: list[Case] = [
    # --- KVM_IRQ_LINE, arm64 --------------------------------------------------------------------------------
    Case(id="arm-spi", ioctl=LINE, condition="SPI 32 raised on the vGICv2 of KVM_CREATE_IRQCHIP", arch=("arm64",),
         features=("vgic-v2",), call=arm_line(SPI, 32), errno=0,
         cite=f"{LINE_DOC}: KVM_ARM_IRQ_TYPE_SPI, in-kernel GIC, irq_id between 32 and 1019", setup=V2_LEGACY),
    Case(id="arm-spi-vcpu-index-ignored", ioctl=LINE, condition="SPI 32 with vcpu_index 5 (no such vCPU)",
         arch=("arm64",), features=("vgic-v2",), call=arm_line(SPI, 32, vcpu=5), errno=0,
         cite=f"{LINE_DOC}: for KVM_ARM_IRQ_TYPE_SPI the vcpu_index field is ignored", setup=V2_LEGACY),
    Case(id="arm-spi-lowered", ioctl=LINE, condition="SPI 32 lowered (level 0)", arch=("arm64",), features=("vgic-v2",),
         call=arm_line(SPI, 32, level=0), errno=0, cite=f"{LINE_DOC}: level is used to assert/deassert the line",
         setup=V2_LEGACY),
    Case(id="arm-spi-device-vgic", ioctl=LINE, condition="SPI 32 on an initialised vGIC device of the host's version",
         arch=("arm64",), features=("irqchip",), call=arm_line(SPI, 32), errno=0,
         cite=f"{LINE_DOC}: KVM_ARM_IRQ_TYPE_SPI, irq_id between 32 and 1019; level 1 asserts it", setup=VGIC_READY,
         check=spi_pending(32)),
    Case(id="arm-spi-1019", ioctl=LINE,
         condition="SPI 1019, the documented maximum, with the most interrupts NR_IRQS accepts", arch=("arm64",),
         features=("irqchip",), call=arm_line(SPI, 1019), errno=0,
         cite=f"{LINE_DOC}: SPI irq_id between 32 and 1019 (incl.)", setup=VGIC_992,
         deviation=Deviation(SPI_1019_DEVIATION, EINVAL, follows="nr-irqs-1024")),
    Case(id="arm-spi-991", ioctl=LINE, condition="SPI 991, the last of 992 interrupts", arch=("arm64",),
         features=("irqchip",), call=arm_line(SPI, 991), errno=0, cite=f"{LINE_DOC}: SPI irq_id between 32 and 1019",
         setup=VGIC_992, check=spi_pending(991)),
    Case(id="arm-spi-beyond-legacy", ioctl=LINE,
         condition="SPI 256 on KVM_CREATE_IRQCHIP's vGICv2 (256 interrupts, not configurable)", arch=("arm64",),
         features=("vgic-v2",), call=arm_line(SPI, 256), errno=EINVAL,
         cite="vgic.c: kvm_vgic_inject_irq (vgic_get_irq: vgic_init gives the legacy "
         "vGIC VGIC_NR_IRQS_LEGACY 256 interrupts)", setup=V2_LEGACY, basis="code"),
    Case(id="arm-spi-below-32", ioctl=LINE, condition="SPI 31 (a private interrupt number)", arch=("arm64",),
         features=("irqchip",), call=arm_line(SPI, 31), errno=EINVAL,
         cite=f"arm.c: kvm_vm_ioctl_irq_line (irq_num below VGIC_NR_PRIVATE_IRQS); {LINE_DOC} gives 32 to 1019",
         setup=VGIC_READY, basis="code"),
    Case(id="arm-ppi", ioctl=LINE, condition="PPI 16 of vCPU 0", arch=("arm64",), features=("irqchip",),
         call=arm_line(PPI, 16), errno=0, cite=f"{LINE_DOC}: KVM_ARM_IRQ_TYPE_PPI, irq_id between 16 and 31 (incl.)",
         setup=VGIC_READY),
    Case(id="arm-ppi-31", ioctl=LINE, condition="PPI 31 of vCPU 0", arch=("arm64",), features=("irqchip",),
         call=arm_line(PPI, 31), errno=0, cite=f"{LINE_DOC}: KVM_ARM_IRQ_TYPE_PPI, irq_id between 16 and 31 (incl.)",
         setup=VGIC_READY),
    Case(id="arm-ppi-15", ioctl=LINE, condition="PPI 15 (an SGI number)", arch=("arm64",), features=("irqchip",),
         call=arm_line(PPI, 15), errno=EINVAL,
         cite=f"arm.c: kvm_vm_ioctl_irq_line (below VGIC_NR_SGIS); {LINE_DOC} gives 16 to 31", setup=VGIC_READY,
         basis="code"),
    Case(id="arm-ppi-32", ioctl=LINE, condition="PPI 32 (an SPI number)", arch=("arm64",), features=("irqchip",),
         call=arm_line(PPI, 32), errno=EINVAL,
         cite=f"arm.c: kvm_vm_ioctl_irq_line (not below VGIC_NR_PRIVATE_IRQS); {LINE_DOC} gives 16 to 31",
         setup=VGIC_READY, basis="code"),
    Case(id="arm-ppi-no-such-vcpu", ioctl=LINE, condition="PPI 16 of vCPU 1, which does not exist", arch=("arm64",),
         features=("irqchip",), call=arm_line(PPI, 16, vcpu=1), errno=EINVAL,
         cite="arm.c: kvm_vm_ioctl_irq_line (no vCPU with that index / id)", setup=VGIC_READY, basis="code"),
    Case(id="arm-spi-vgic-v3-uninitialised", ioctl=LINE,
         condition="SPI 32 on a vGIC device before KVM_DEV_ARM_VGIC_CTRL_INIT", arch=("arm64",), features=("vgic-v3",),
         call=arm_line(SPI, 32), errno=EBUSY, cite="vgic-init.c: vgic_lazy_init (only the legacy GICv2 is "
         "initialised on demand), from vgic.c kvm_vgic_inject_irq (6.1, 6.12) or arm.c kvm_vm_ioctl_irq_line (7.2)",
         setup=(VGIC_DEVICE, VCPU0), basis="code"),
    Case(id="arm-cpu-irq-userspace-gic", ioctl=LINE, condition="CPU-level IRQ line of vCPU 0 with no in-kernel irqchip",
         arch=("arm64",), call=arm_line(CPU, arm64.KVM_ARM_IRQ_CPU_IRQ), errno=0,
         cite=f"{LINE_DOC}: KVM_IRQ_LINE can always be used for a userspace interrupt controller; "
         "KVM_ARM_IRQ_TYPE_CPU, irq_id 0 is IRQ", setup=(VCPU0,)),
    Case(id="arm-cpu-fiq-userspace-gic", ioctl=LINE, condition="CPU-level FIQ line of vCPU 0 with no in-kernel irqchip",
         arch=("arm64",), call=arm_line(CPU, arm64.KVM_ARM_IRQ_CPU_FIQ), errno=0,
         cite=f"{LINE_DOC}: KVM_ARM_IRQ_TYPE_CPU, irq_id 1 is FIQ", setup=(VCPU0,)),
    Case(id="arm-cpu-line-2", ioctl=LINE, condition="CPU-level line 2 (neither IRQ nor FIQ)", arch=("arm64",),
         call=arm_line(CPU, 2), errno=EINVAL, cite="arm.c: kvm_vm_ioctl_irq_line (irq_num above KVM_ARM_IRQ_CPU_FIQ)",
         setup=(VCPU0,), basis="code"),
    Case(id="arm-cpu-no-vcpu", ioctl=LINE, condition="CPU-level IRQ line of a vCPU that does not exist",
         arch=("arm64",), call=arm_line(CPU, 0, vcpu=1), errno=EINVAL,
         cite="arm.c: kvm_vm_ioctl_irq_line (no vCPU with that index / id)", setup=(VCPU0,), basis="code"),
    Case(id="arm-cpu-vcpu2-index", ioctl=LINE,
         condition="CPU-level line with vcpu2_index 1, vcpu_index 0: vCPU 256, not vCPU 0", arch=("arm64",),
         call=arm_line(CPU, 0, vcpu=0, vcpu2=1), errno=EINVAL,
         cite=f"arm.c: kvm_vm_ioctl_irq_line adds vcpu2_index * 256 and finds no vCPU 256; {LINE_DOC}: the target vcpu "
         "is 256 * vcpu2_index + vcpu_index", setup=(VCPU0,), basis="code"),
    Case(id="arm-cpu-with-vgic", ioctl=LINE, condition="CPU-level IRQ line while the in-kernel vGIC exists",
         arch=("arm64",), features=("vgic-v2",), call=arm_line(CPU, 0), errno=ENXIO,
         cite="arm.c: kvm_vm_ioctl_irq_line (KVM_ARM_IRQ_TYPE_CPU with irqchip_in_kernel)", setup=V2_LEGACY,
         basis="code"),
    Case(id="arm-spi-no-vgic", ioctl=LINE, condition="SPI 32 with no in-kernel irqchip", arch=("arm64",),
         call=arm_line(SPI, 32), errno=ENXIO, cite="arm.c: kvm_vm_ioctl_irq_line (SPI without irqchip_in_kernel)",
         setup=(VCPU0,), basis="code", order_row=1),
    Case(id="arm-ppi-no-vgic", ioctl=LINE, condition="PPI 16 with no in-kernel irqchip", arch=("arm64",),
         call=arm_line(PPI, 16), errno=ENXIO, cite="arm.c: kvm_vm_ioctl_irq_line (PPI without irqchip_in_kernel)",
         setup=(VCPU0,), basis="code"),
    Case(id="arm-unknown-type", ioctl=LINE, condition="irq_type 3 (none defined)", arch=("arm64",),
         features=("vgic-v2",), call=arm_line(3, 32), errno=EINVAL,
         cite="arm.c: kvm_vm_ioctl_irq_line (the switch's default)", setup=V2_LEGACY, basis="code"),
    Case(id="arm-line-ignores-routing", ioctl=LINE,
         condition="SPI 32 after KVM_SET_GSI_ROUTING emptied the routing table", arch=("arm64",), features=("vgic-v2",),
         call=arm_line(SPI, 32), errno=0, cite=f"{ROUTING_DOC}: on arm64, GSI routing does not apply to KVM_IRQ_LINE",
         setup=(*V2_LEGACY, routing())),

    # --- KVM_IRQ_LINE, x86 ----------------------------------------------------------------------------------
    Case(id="x86-line", ioctl=LINE, condition="GSI 4 raised with the in-kernel irqchip", arch=("x86_64",),
         call=irq_line(4, 1), errno=0,
         cite=f"{LINE_DOC}: sets the level of a GSI input to the in-kernel interrupt controller model",
         setup=X86_READY),
    Case(id="x86-line-edge", ioctl=LINE, condition="GSI 4 raised then lowered (an edge)", arch=("x86_64",),
         call=irq_line(4, 0), errno=0,
         cite=f"{LINE_DOC}: edge-triggered interrupts need the level set to 1 and then back to 0",
         setup=(*X86_READY, irq_line(4, 1))),
    Case(id="x86-line-no-irqchip", ioctl=LINE, condition="GSI 4 with no in-kernel irqchip", arch=("x86_64",),
         call=irq_line(4, 1), errno=ENXIO,
         cite=f"x86.c: kvm_vm_ioctl_irq_line (!irqchip_in_kernel); {LINE_DOC}: on some architectures an interrupt "
         "controller model must have been created with KVM_CREATE_IRQCHIP", basis="code", order_row=1),
    Case(id="x86-line-unrouted-gsi", ioctl=LINE, condition="GSI 1000, which no routing entry names", arch=("x86_64",),
         call=irq_line(1000, 1), errno=0,
         cite="x86.c: kvm_vm_ioctl_irq_line returns 0 whatever irqchip.c kvm_set_irq reports (-1: no route)",
         setup=X86_READY, basis="code"),
    Case(id="x86-line-status-unrouted", ioctl="KVM_IRQ_LINE_STATUS",
         condition="KVM_IRQ_LINE_STATUS of GSI 1000 (no route)", arch=("x86_64",),
         call=irq_line(1000, 1, request="KVM_IRQ_LINE_STATUS"), errno=0,
         cite="irqchip.c: kvm_set_irq returns -1 for a GSI with no routing entry; kvm_main.c copies it to status",
         setup=X86_READY, basis="code", check=status_is(-1)),

    # --- KVM_IRQFD ------------------------------------------------------------------------------------------
    Case(id="irqfd-assign", ioctl=IRQFD, condition="an eventfd assigned to GSI 5", arch=("x86_64",), call=irqfd(gsi=5),
         errno=0, cite=f"{IRQFD_DOC}: kvm_irqfd.fd is the eventfd, kvm_irqfd.gsi the irqchip pin",
         setup=(*X86_READY, E)),
    Case(id="irqfd-assign-arm", ioctl=IRQFD, condition="an eventfd assigned to GSI 5 (SPI 37 by the default routing)",
         arch=("arm64",), features=("irqchip",), call=irqfd(gsi=5), errno=0,
         cite=f"{IRQFD_DOC}: on arm64 the gsi's irqchip routing entry gives SPI pin + 32", setup=(*VGIC_READY, E)),
    Case(id="irqfd-deassign", ioctl=IRQFD, condition="DEASSIGN of an assigned (fd, gsi)", arch=("x86_64", "arm64"),
         features=("irqchip",), call=irqfd(gsi=5, flags=DEASSIGN), errno=0,
         cite=f"{IRQFD_DOC}: the irqfd is removed with KVM_IRQFD_FLAG_DEASSIGN, giving both fd and gsi",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E, irqfd(gsi=5)))),
    Case(id="irqfd-reassign", ioctl=IRQFD, condition="the same (fd, gsi) assigned again after DEASSIGN",
         arch=("x86_64", "arm64"), features=("irqchip",), call=irqfd(gsi=5), errno=0,
         cite=f"{IRQFD_DOC}: DEASSIGN removes the irqfd",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E, irqfd(gsi=5), irqfd(gsi=5, flags=DEASSIGN)))),
    Case(id="irqfd-deassign-unknown", ioctl=IRQFD, condition="DEASSIGN of an eventfd never assigned",
         arch=("x86_64", "arm64"), features=("irqchip",), call=irqfd(gsi=5, flags=DEASSIGN), errno=0,
         cite="eventfd.c: kvm_irqfd_deassign returns 0 whether or not it matched",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E,)), basis="code"),
    Case(id="irqfd-deassign-other-gsi", ioctl=IRQFD, condition="DEASSIGN naming another gsi than the assignment's",
         arch=("x86_64", "arm64"), features=("irqchip",), call=irqfd(gsi=6, flags=DEASSIGN), errno=0,
         cite="eventfd.c: kvm_irqfd_deassign (matches fd and gsi; none: still 0)",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E, irqfd(gsi=5))), basis="code"),
    Case(id="irqfd-still-there-after-deassign-other-gsi", ioctl=IRQFD,
         condition="assigning again after a DEASSIGN that named another "
         "gsi", arch=("x86_64", "arm64"), features=("irqchip",), call=irqfd(gsi=5), errno=EBUSY,
         cite=f"eventfd.c: kvm_irqfd_assign (the irqfd stayed: kvm_irqfd_deassign "
         f"matches fd and gsi); {IRQFD_DOC}: DEASSIGN specifies both fd and gsi",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E, irqfd(gsi=5), irqfd(gsi=6, flags=DEASSIGN))),
         basis="code"),
    Case(id="irqfd-resamplefd-closed", ioctl=IRQFD,
         condition="assigning the eventfd again after closing the resamplefd", arch=("x86_64", "arm64"),
         features=("irqchip",), call=irqfd(gsi=5), errno=EBUSY,
         cite=f"eventfd.c: kvm_irqfd_assign (the eventfd still drives an irqfd); {IRQFD_DOC}: "
         "closing the resamplefd is not sufficient to disable the irqfd",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), E, R,
                irqfd(gsi=5, flags=RESAMPLE, resamplefd=efd("resamplefd")), close_eventfd("resamplefd")),
         basis="code", needs=RESAMPLE_CAP),
    Case(id="irqfd-twice-same-gsi", ioctl=IRQFD, condition="the same eventfd assigned twice to one gsi",
         arch=("x86_64", "arm64"), features=("irqchip",), call=irqfd(gsi=5), errno=EBUSY,
         cite="eventfd.c: kvm_irqfd_assign (the eventfd already drives an irqfd; 7.2: kvm_irqfd_register, "
         "add_wait_queue_priority_exclusive)", setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E, irqfd(gsi=5))),
         basis="code"),
    Case(id="irqfd-twice-other-gsi", ioctl=IRQFD, condition="the same eventfd assigned to a second gsi",
         arch=("x86_64", "arm64"), features=("irqchip",), call=irqfd(gsi=6), errno=EBUSY,
         cite="eventfd.c: kvm_irqfd_assign (one eventfd, one irqfd)",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E, irqfd(gsi=5))), basis="code"),
    Case(id="irqfd-two-eventfds-one-gsi", ioctl=IRQFD, condition="a second eventfd assigned to the same gsi",
         arch=("x86_64", "arm64"), features=("irqchip",), call=irqfd(efd("efd2"), gsi=5), errno=0,
         cite=f"{IRQFD_DOC}: each eventfd triggers the gsi it names",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E, EFD2, irqfd(gsi=5)))),
    Case(id="irqfd-unknown-flag", ioctl=IRQFD, condition="flags bit 2 (undefined)", arch=("x86_64", "arm64"),
         features=("irqchip",), call=irqfd(gsi=5, flags=1 << 2), errno=EINVAL,
         cite="eventfd.c: kvm_irqfd (flags other than DEASSIGN and RESAMPLE)",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E,)), basis="code"),
    Case(id="irqfd-bad-fd", ioctl=IRQFD, condition="fd -1", arch=("x86_64", "arm64"), features=("irqchip",),
         call=irqfd(NO_FD, gsi=5), errno=EBADF, cite="eventfd.c: kvm_irqfd_assign (fdget)",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY),), basis="code"),
    Case(id="irqfd-not-eventfd", ioctl=IRQFD, condition="fd of a file that is no eventfd (the VM fd)",
         arch=("x86_64", "arm64"), features=("irqchip",), call=irqfd(VM_FD, gsi=5), errno=EINVAL,
         cite="eventfd.c: kvm_irqfd_assign (eventfd_ctx_fileget refuses another file)",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY),), basis="code"),
    Case(id="irqfd-deassign-bad-fd", ioctl=IRQFD, condition="DEASSIGN with fd -1", arch=("x86_64", "arm64"),
         features=("irqchip",), call=irqfd(NO_FD, gsi=5, flags=DEASSIGN), errno=EBADF,
         cite="eventfd.c: kvm_irqfd_deassign (eventfd_ctx_fdget)",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY),), basis="code"),
    Case(id="irqfd-resample", ioctl=IRQFD, condition="RESAMPLE with a second eventfd as resamplefd",
         arch=("x86_64", "arm64"), features=("irqchip",),
         call=irqfd(gsi=5, flags=RESAMPLE, resamplefd=efd("resamplefd")), errno=0,
         cite=f"{IRQFD_DOC}: with KVM_IRQFD_FLAG_RESAMPLE the user passes an additional eventfd in resamplefd",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E, R)), needs=RESAMPLE_CAP),
    Case(id="irqfd-deassign-resample", ioctl=IRQFD, condition="DEASSIGN with RESAMPLE set as well",
         arch=("x86_64", "arm64"), features=("irqchip",),
         call=irqfd(gsi=5, flags=DEASSIGN | RESAMPLE, resamplefd=efd("resamplefd")), errno=0,
         cite=f"{IRQFD_DOC}: RESAMPLE need not be given with DEASSIGN (so it may be)",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), E, R,
                irqfd(gsi=5, flags=RESAMPLE, resamplefd=efd("resamplefd"))),
         needs=RESAMPLE_CAP),
    Case(id="irqfd-deassign-without-resample", ioctl=IRQFD, condition="DEASSIGN without RESAMPLE of a resampling irqfd",
         arch=("x86_64", "arm64"), features=("irqchip",), call=irqfd(gsi=5, flags=DEASSIGN), errno=0,
         cite=f"{IRQFD_DOC}: RESAMPLE is only necessary on assignment",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), E, R,
                irqfd(gsi=5, flags=RESAMPLE, resamplefd=efd("resamplefd"))),
         needs=RESAMPLE_CAP),
    Case(id="irqfd-resample-bad-resamplefd", ioctl=IRQFD, condition="RESAMPLE with resamplefd -1",
         arch=("x86_64", "arm64"), features=("irqchip",), call=irqfd(gsi=5, flags=RESAMPLE, resamplefd=NO_FD),
         errno=EBADF, cite="eventfd.c: kvm_irqfd_assign (eventfd_ctx_fdget of resamplefd)",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E,)), basis="code"),
    Case(id="irqfd-resample-not-eventfd", ioctl=IRQFD, condition="RESAMPLE with the VM fd as resamplefd",
         arch=("x86_64", "arm64"), features=("irqchip",), call=irqfd(gsi=5, flags=RESAMPLE, resamplefd=VM_FD),
         errno=EINVAL, cite="eventfd.c: kvm_irqfd_assign (eventfd_ctx_fdget refuses another file)",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E,)), basis="code"),
    Case(id="irqfd-x86-no-irqchip", ioctl=IRQFD, condition="an eventfd assigned with no in-kernel irqchip",
         arch=("x86_64",), call=irqfd(gsi=5), errno=EINVAL,
         cite="irq.c: kvm_arch_irqfd_allowed (irqchip_in_kernel), from eventfd.c kvm_irqfd_assign", setup=(E,),
         basis="code"),
    Case(id="irqfd-x86-split-resample", ioctl=IRQFD,
         condition="RESAMPLE with a split irqchip (no in-kernel IOAPIC/PIC)", arch=("x86_64",),
         call=irqfd(gsi=5, flags=RESAMPLE, resamplefd=efd("resamplefd")), errno=EINVAL,
         cite="irq.c: kvm_arch_irqfd_allowed (resampling needs the full in-kernel irqchip)",
         setup=(split_irqchip(), E, R), basis="code"),
    Case(id="irqfd-x86-split", ioctl=IRQFD, condition="an eventfd assigned with a split irqchip", arch=("x86_64",),
         call=irqfd(gsi=5), errno=0,
         cite=f"{IRQFD_DOC}; irq.c kvm_arch_irqfd_allowed accepts a split irqchip without RESAMPLE",
         setup=(split_irqchip(), E)),
    Case(id="irqfd-arm-vgic-uninitialised", ioctl=IRQFD, condition="an eventfd assigned before the vGIC is initialised",
         arch=("arm64",), features=("vgic-v2",), call=irqfd(gsi=5), errno=EAGAIN,
         cite="eventfd.c: kvm_irqfd_assign (arm.c kvm_arch_intc_initialized: vgic_initialized)", setup=(*V2_LEGACY, E),
         basis="code"),
    Case(id="irqfd-arm-no-vgic", ioctl=IRQFD, condition="an eventfd assigned in a VM with no vGIC", arch=("arm64",),
         lacks=("irqchip",), call=irqfd(gsi=5), errno=EAGAIN,
         cite="eventfd.c: kvm_irqfd_assign (arm.c kvm_arch_intc_initialized)", setup=(VCPU0, E), basis="code"),
    Case(id="irqfd-arm-after-lazy-init", ioctl=IRQFD,
         condition="an eventfd assigned after an SPI initialised the legacy vGIC", arch=("arm64",),
         features=("vgic-v2",), call=irqfd(gsi=5), errno=0,
         cite=f"{IRQFD_DOC}; vgic-init.c vgic_lazy_init initialised it on the injection",
         setup=(*V2_LEGACY, arm_line(SPI, 32, level=0), E)),
    Case(id="irqfd-arm-routed-pin-plus-32", ioctl=IRQFD,
         condition="a pending event on an irqfd whose gsi routes to irqchip pin 10", arch=("arm64",),
         features=("irqchip",), call=irqfd(gsi=5), errno=0,
         cite=f"{IRQFD_DOC}: when the eventfd is signalled the gsi is injected; with an irqchip "
         "routing entry irqchip.pin + 32 is the SPI (42)",
         setup=(*VGIC_READY, routing(chip(5, 0, 10)), eventfd(initval=1)), check=spi_pending(42)),
    Case(id="irqfd-two-vms", ioctl=IRQFD,
         condition="an eventfd already driving an irqfd of one VM, assigned in a second VM", arch=("arm64",),
         features=("vgic-v2",), call=irqfd_in_second_vm(), errno=0,
         cite="eventfd.c: kvm_irqfd_assign looks for the eventfd among this VM's irqfds only",
         setup=(*V2_LEGACY, arm_line(SPI, 32, level=0), E, irqfd(gsi=5)), basis="code", kernels="6.1, 6.12"),
    Case(id="irqfd-two-vms-exclusive", ioctl=IRQFD,
         condition="an eventfd already driving an irqfd of one VM, assigned in a second VM", arch=("arm64",),
         features=("vgic-v2",), call=irqfd_in_second_vm(), errno=EBUSY,
         cite="eventfd.c: kvm_irqfd_register (add_wait_queue_priority_exclusive "
         "refuses a second priority waiter on the eventfd, from any VM)",
         setup=(*V2_LEGACY, arm_line(SPI, 32, level=0), E, irqfd(gsi=5)), basis="code", kernels="7.2"),
    Case(id="irqfd-unrouted-gsi", ioctl=IRQFD,
         condition="an eventfd assigned to GSI 4000, which no routing entry names", arch=("x86_64", "arm64"),
         features=("irqchip",), call=irqfd(gsi=4000), errno=0,
         cite=f"eventfd.c: kvm_irqfd_assign does not look the gsi up (irqfd_update finds no "
         f"entry); {IRQFD_DOC}: on arm64, with no routing entry injection fails (injection, not assignment)",
         setup=(for_arch(x86_64=X86_READY, arm64=VGIC_READY), *(E,)), basis="code"),

    # --- KVM_IOEVENTFD --------------------------------------------------------------------------------------
    *[Case(id=f"ioeventfd-len-{n}", ioctl=IOEVENTFD, condition=f"MMIO, length {n}", arch=("x86_64", "arm64"),
           call=ioeventfd(length=n), errno=0, cite=f"{IOEVENTFD_DOC}: len is 0, 1, 2, 4, or 8 bytes",
           setup=(E,)) for n in (1, 2, 4, 8)],
    Case(id="ioeventfd-len-0", ioctl=IOEVENTFD, condition="MMIO, length 0 (any length)", arch=("x86_64", "arm64"),
         call=ioeventfd(length=0), errno=0,
         cite=f"{IOEVENTFD_DOC}: with KVM_CAP_IOEVENTFD_ANY_LENGTH a zero length ioeventfd is allowed", setup=(E,),
         needs=ANY_LENGTH_CAP),
    Case(id="ioeventfd-len-3", ioctl=IOEVENTFD, condition="length 3", arch=("x86_64", "arm64"),
         call=ioeventfd(length=3), errno=EINVAL,
         cite=f"eventfd.c: kvm_assign_ioeventfd (not 0, 1, 2, 4 or 8); {IOEVENTFD_DOC} lists those lengths", setup=(E,),
         basis="code"),
    Case(id="ioeventfd-len-16", ioctl=IOEVENTFD, condition="length 16", arch=("x86_64", "arm64"),
         call=ioeventfd(length=16), errno=EINVAL, cite="eventfd.c: kvm_assign_ioeventfd (not 0, 1, 2, 4 or 8)",
         setup=(E,), basis="code"),
    Case(id="ioeventfd-wraps", ioctl=IOEVENTFD, condition="addr + len past 2^64", arch=("x86_64", "arm64"),
         call=ioeventfd(addr=2**64 - 4, length=8), errno=EINVAL,
         cite="eventfd.c: kvm_assign_ioeventfd (range overflow)", setup=(E,), basis="code"),
    Case(id="ioeventfd-unknown-flag", ioctl=IOEVENTFD, condition="flags bit 7 (undefined)", arch=("x86_64", "arm64"),
         call=ioeventfd(flags=UNKNOWN_IOEVENTFD_FLAG), errno=EINVAL,
         cite="eventfd.c: kvm_assign_ioeventfd (flags outside KVM_IOEVENTFD_VALID_FLAG_MASK)", setup=(E,),
         basis="code"),
    Case(id="ioeventfd-len-0-datamatch", ioctl=IOEVENTFD, condition="length 0 with DATAMATCH", arch=("x86_64", "arm64"),
         call=ioeventfd(length=0, flags=DATAMATCH, datamatch=1), errno=EINVAL,
         cite="eventfd.c: kvm_assign_ioeventfd (no length cannot be combined with DATAMATCH)", setup=(E,),
         basis="code"),
    Case(id="ioeventfd-datamatch", ioctl=IOEVENTFD, condition="MMIO, length 4, DATAMATCH 0x1234",
         arch=("x86_64", "arm64"), call=ioeventfd(flags=DATAMATCH, datamatch=0x1234), errno=0,
         cite=f"{IOEVENTFD_DOC}: with the datamatch flag only a write of datamatch signals", setup=(E,)),
    Case(id="ioeventfd-pio", ioctl=IOEVENTFD, condition="port I/O, length 2", arch=("x86_64",),
         call=ioeventfd(addr=PORT, length=2, flags=PIO), errno=0,
         cite=f"{IOEVENTFD_DOC}: KVM_IOEVENTFD_FLAG_PIO, a pio address", setup=(E,)),
    Case(id="ioeventfd-pio-arm", ioctl=IOEVENTFD, condition="port I/O flag on arm64 (no port I/O there)",
         arch=("arm64",), call=ioeventfd(addr=PORT, length=2, flags=PIO), errno=0,
         cite="eventfd.c: kvm_assign_ioeventfd_idx registers on "
         "KVM_PIO_BUS, which every VM has; nothing checks the architecture", setup=(E,), basis="code"),
    Case(id="ioeventfd-pio-and-mmio", ioctl=IOEVENTFD,
         condition="port I/O at an address an MMIO ioeventfd already uses", arch=("x86_64",),
         call=ioeventfd(addr=PORT, length=2, flags=PIO, fd=efd("efd2")), errno=0,
         cite="eventfd.c: ioeventfd_check_collision compares within one bus only", setup=(E, EFD2,
                                                                                     ioeventfd(PORT, 2)), basis="code"),
    Case(id="ioeventfd-virtio-ccw-flag", ioctl=IOEVENTFD, condition="KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY off s390",
         arch=("x86_64", "arm64"), call=ioeventfd(flags=kvm.KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY), errno=0,
         cite="eventfd.c: kvm_assign_ioeventfd accepts every flag of KVM_IOEVENTFD_VALID_FLAG_MASK and registers on "
         "KVM_VIRTIO_CCW_NOTIFY_BUS, which every VM has", setup=(E,), basis="code"),
    Case(id="ioeventfd-duplicate", ioctl=IOEVENTFD, condition="the same address and length twice, no datamatch",
         arch=("x86_64", "arm64"), call=ioeventfd(fd=efd("efd2")), errno=EEXIST,
         cite="eventfd.c: kvm_assign_ioeventfd_idx (ioeventfd_check_collision)", setup=(E, EFD2, ioeventfd()),
         basis="code"),
    Case(id="ioeventfd-duplicate-same-eventfd", ioctl=IOEVENTFD, condition="the very same ioeventfd twice",
         arch=("x86_64", "arm64"), call=ioeventfd(), errno=EEXIST,
         cite="eventfd.c: kvm_assign_ioeventfd_idx (ioeventfd_check_collision)", setup=(E, ioeventfd()), basis="code"),
    Case(id="ioeventfd-wildcard-over-datamatch", ioctl=IOEVENTFD, condition="no datamatch where a DATAMATCH one is",
         arch=("x86_64", "arm64"), call=ioeventfd(fd=efd("efd2")), errno=EEXIST,
         cite="eventfd.c: ioeventfd_check_collision (a wildcard matches any data)",
         setup=(E, EFD2, ioeventfd(flags=DATAMATCH, datamatch=1)), basis="code"),
    Case(id="ioeventfd-other-datamatch", ioctl=IOEVENTFD, condition="the same address and length, another datamatch",
         arch=("x86_64", "arm64"), call=ioeventfd(flags=DATAMATCH, datamatch=2, fd=efd("efd2")), errno=0,
         cite=f"{IOEVENTFD_DOC}: the event is signalled only for a write of datamatch, so two values are two events",
         setup=(E, EFD2, ioeventfd(flags=DATAMATCH, datamatch=1))),
    Case(id="ioeventfd-other-length", ioctl=IOEVENTFD, condition="the same address with another length",
         arch=("x86_64", "arm64"), call=ioeventfd(length=2, fd=efd("efd2")), errno=0,
         cite="eventfd.c: ioeventfd_check_collision (lengths differ, neither 0)", setup=(E, EFD2, ioeventfd()),
         basis="code"),
    Case(id="ioeventfd-len-0-over-len-4", ioctl=IOEVENTFD, condition="length 0 where a length-4 one is",
         arch=("x86_64", "arm64"), call=ioeventfd(length=0, fd=efd("efd2")), errno=EEXIST,
         cite="eventfd.c: ioeventfd_check_collision (a zero length "
         "collides with any length)", setup=(E, EFD2, ioeventfd()), basis="code", needs=ANY_LENGTH_CAP),
    Case(id="ioeventfd-bad-fd", ioctl=IOEVENTFD, condition="fd -1", arch=("x86_64", "arm64"), call=ioeventfd(fd=NO_FD),
         errno=EBADF, cite="eventfd.c: kvm_assign_ioeventfd_idx (eventfd_ctx_fdget)", basis="code"),
    Case(id="ioeventfd-not-eventfd", ioctl=IOEVENTFD, condition="fd of a file that is no eventfd (the VM fd)",
         arch=("x86_64", "arm64"), call=ioeventfd(fd=VM_FD), errno=EINVAL,
         cite="eventfd.c: kvm_assign_ioeventfd_idx (eventfd_ctx_fdget)", basis="code"),
    Case(id="ioeventfd-deassign", ioctl=IOEVENTFD, condition="DEASSIGN of an assigned ioeventfd",
         arch=("x86_64", "arm64"), call=ioeventfd(flags=IO_DEASSIGN), errno=0,
         cite=f"{IOEVENTFD_DOC}: attaches or detaches an ioeventfd", setup=(E, ioeventfd())),
    Case(id="ioeventfd-deassign-len-0", ioctl=IOEVENTFD, condition="DEASSIGN of a length-0 MMIO ioeventfd",
         arch=("x86_64", "arm64"), call=ioeventfd(length=0, flags=IO_DEASSIGN), errno=0,
         cite=f"{IOEVENTFD_DOC}: attaches or detaches an ioeventfd", setup=(E, ioeventfd(length=0)),
         needs=ANY_LENGTH_CAP),
    Case(id="ioeventfd-deassign-datamatch", ioctl=IOEVENTFD,
         condition="DEASSIGN of a DATAMATCH ioeventfd with its datamatch", arch=("x86_64", "arm64"),
         call=ioeventfd(flags=IO_DEASSIGN | DATAMATCH, datamatch=7), errno=0,
         cite=f"{IOEVENTFD_DOC}: attaches or detaches an ioeventfd",
         setup=(E, ioeventfd(flags=DATAMATCH, datamatch=7))),
    Case(id="ioeventfd-reassign", ioctl=IOEVENTFD, condition="the same ioeventfd again after DEASSIGN",
         arch=("x86_64", "arm64"), call=ioeventfd(), errno=0,
         cite=f"{IOEVENTFD_DOC}: detached, it can be attached again",
         setup=(E, ioeventfd(), ioeventfd(flags=IO_DEASSIGN))),
    Case(id="ioeventfd-deassign-unknown", ioctl=IOEVENTFD, condition="DEASSIGN of an ioeventfd never assigned",
         arch=("x86_64", "arm64"), call=ioeventfd(flags=IO_DEASSIGN), errno=ENOENT,
         cite="eventfd.c: kvm_deassign_ioeventfd_idx (no match)", setup=(E,), basis="code"),
    Case(id="ioeventfd-deassign-other-datamatch", ioctl=IOEVENTFD, condition="DEASSIGN naming another datamatch",
         arch=("x86_64", "arm64"), call=ioeventfd(flags=IO_DEASSIGN | DATAMATCH, datamatch=8), errno=ENOENT,
         cite="eventfd.c: kvm_deassign_ioeventfd_idx (datamatch must match)",
         setup=(E, ioeventfd(flags=DATAMATCH, datamatch=7)), basis="code"),
    Case(id="ioeventfd-deassign-other-eventfd", ioctl=IOEVENTFD, condition="DEASSIGN naming another eventfd",
         arch=("x86_64", "arm64"), call=ioeventfd(flags=IO_DEASSIGN, fd=efd("efd2")), errno=ENOENT,
         cite="eventfd.c: kvm_deassign_ioeventfd_idx (the eventfd must match)", setup=(E, EFD2, ioeventfd()),
         basis="code"),
    Case(id="ioeventfd-deassign-bad-fd", ioctl=IOEVENTFD, condition="DEASSIGN with fd -1", arch=("x86_64", "arm64"),
         call=ioeventfd(flags=IO_DEASSIGN, fd=NO_FD), errno=EBADF,
         cite="eventfd.c: kvm_deassign_ioeventfd_idx (eventfd_ctx_fdget)", basis="code"),
    Case(id="ioeventfd-deassign-len-3", ioctl=IOEVENTFD, condition="DEASSIGN with length 3 (not checked on this path)",
         arch=("x86_64", "arm64"), call=ioeventfd(length=3, flags=IO_DEASSIGN), errno=ENOENT,
         cite="eventfd.c: kvm_ioeventfd goes to kvm_deassign_ioeventfd before any length check; no match", setup=(E,),
         basis="code"),

    Case(id="ioeventfd-guest-pio-write", ioctl=IOEVENTFD, condition="a guest OUT to a port with an ioeventfd",
         arch=("x86_64",), call=kvm_run(), errno=0,
         cite=f"{IOEVENTFD_DOC}: a guest write to the registered address signals the event instead of an exit (the "
         "vCPU goes on to HLT)", setup=(x86_guest(OUT_PORT, "out to PORT; hlt"), E, ioeventfd(PORT, 1, PIO)),
         check=exits(kvm.KVM_EXIT_HLT)),
    Case(id="ioeventfd-guest-pio-datamatch", ioctl=IOEVENTFD, condition="a guest OUT of the datamatch value",
         arch=("x86_64",), call=kvm_run(), errno=0,
         cite=f"{IOEVENTFD_DOC}: with datamatch the event is signalled for a write of that value",
         setup=(x86_guest(OUT_PORT, "out 0x42 to PORT; hlt"), E, ioeventfd(PORT, 1, PIO | DATAMATCH, 0x42)),
         check=exits(kvm.KVM_EXIT_HLT)),
    Case(id="ioeventfd-guest-pio-other-data", ioctl=IOEVENTFD, condition="a guest OUT of another value than datamatch",
         arch=("x86_64",), call=kvm_run(), errno=0,
         cite=f"{IOEVENTFD_DOC}: the event is signalled only for a write equal to datamatch, so this "
         "write exits to userspace", setup=(x86_guest(OUT_PORT, "out 0x42 to PORT; hlt"), E,
                                            ioeventfd(PORT, 1, PIO | DATAMATCH, 0x41)), check=exits(kvm.KVM_EXIT_IO)),
    Case(id="ioeventfd-guest-pio-no-ioeventfd", ioctl=IOEVENTFD,
         condition="the same OUT with no ioeventfd (the baseline)", arch=("x86_64",), call=kvm_run(), errno=0,
         cite=f"{API} 5 kvm_run: KVM_EXIT_IO for a port write nothing in the kernel handles",
         setup=(x86_guest(OUT_PORT, "out to PORT; hlt"),), check=exits(kvm.KVM_EXIT_IO)),
    Case(id="ioeventfd-guest-mmio-write", ioctl=IOEVENTFD,
         condition="a guest store to an MMIO address with an ioeventfd", arch=("x86_64",), call=kvm_run(), errno=0,
         cite=f"{IOEVENTFD_DOC}: a guest write to the registered address signals the event instead of "
         "an exit", setup=(x86_guest(STORE_MMIO, "mov [0x9000], 0x42; hlt"), E, ioeventfd(GUEST_MMIO, 1)),
         check=exits(kvm.KVM_EXIT_HLT)),
    Case(id="ioeventfd-guest-mmio-any-length", ioctl=IOEVENTFD,
         condition="a guest one-byte store under a length-0 ioeventfd", arch=("x86_64",), call=kvm_run(), errno=0,
         cite=f"{IOEVENTFD_DOC}: with a zero length the length of the guest write is ignored",
         setup=(x86_guest(STORE_MMIO, "mov [0x9000], 0x42; hlt"), E, ioeventfd(GUEST_MMIO, 0)),
         check=exits(kvm.KVM_EXIT_HLT), needs=ANY_LENGTH_CAP),
    Case(id="ioeventfd-guest-mmio-other-length", ioctl=IOEVENTFD,
         condition="a guest one-byte store under a length-4 ioeventfd", arch=("x86_64",), call=kvm_run(), errno=0,
         cite="eventfd.c: ioeventfd_in_range (a non-zero length must equal the write's), so the "
         "store exits as MMIO", setup=(x86_guest(STORE_MMIO, "mov [0x9000], 0x42; hlt"), E,
                                       ioeventfd(GUEST_MMIO, 4)), check=exits(kvm.KVM_EXIT_MMIO), basis="code"),
    Case(id="ioeventfd-guest-after-deassign", ioctl=IOEVENTFD, condition="a guest OUT after the ioeventfd was detached",
         arch=("x86_64",), call=kvm_run(), errno=0, cite=f"{IOEVENTFD_DOC}: detached, the write exits again",
         setup=(x86_guest(OUT_PORT, "out to PORT; hlt"), E, ioeventfd(PORT, 1, PIO),
                ioeventfd(PORT, 1, PIO | IO_DEASSIGN)), check=exits(kvm.KVM_EXIT_IO)),

    Case(id="ioeventfd-guest-store-arm", ioctl=IOEVENTFD,
         condition="a guest store to an MMIO address with an ioeventfd", arch=("arm64",), call=kvm_run(), errno=0,
         cite=f"{IOEVENTFD_DOC}: a guest write to the registered address signals the event instead of "
         "an exit (the next exit is the load that follows)", setup=(arm_guest(), E, ioeventfd(ARM_A, 4)),
         check=exits(kvm.KVM_EXIT_MMIO, mmio=(ARM_B, 0))),
    Case(id="ioeventfd-guest-store-arm-other-data", ioctl=IOEVENTFD,
         condition="a guest store of another value than datamatch", arch=("arm64",), call=kvm_run(), errno=0,
         cite=f"{IOEVENTFD_DOC}: the event is signalled only for a write equal to datamatch, so "
         "the store exits", setup=(arm_guest(), E, ioeventfd(ARM_A, 4, DATAMATCH, 0x41)),
         check=exits(kvm.KVM_EXIT_MMIO, mmio=(ARM_A, 1))),
    Case(id="ioeventfd-guest-store-arm-no-ioeventfd", ioctl=IOEVENTFD,
         condition="the same store with no ioeventfd (the baseline)", arch=("arm64",), call=kvm_run(), errno=0,
         cite=f"{API} 5 kvm_run: KVM_EXIT_MMIO for an access outside the memslots", setup=(arm_guest(),),
         check=exits(kvm.KVM_EXIT_MMIO, mmio=(ARM_A, 1))),

    # --- KVM_SET_GSI_ROUTING --------------------------------------------------------------------------------
    Case(id="routing-empty", ioctl=ROUTING, condition="no entries", arch=("x86_64", "arm64"), call=routing(), errno=0,
         cite=f"{ROUTING_DOC}: sets the table, overwriting any previous entries (here with none)",
         setup=(for_arch(x86_64=X86_READY, arm64=()),)),
    Case(id="routing-flags", ioctl=ROUTING, condition="flags 1", arch=("x86_64", "arm64"), call=routing(flags=1),
         errno=EINVAL,
         cite=f"kvm_main.c: kvm_vm_ioctl, KVM_SET_GSI_ROUTING (routing.flags); {ROUTING_DOC}: no flags are specified, "
         "the field must be zero", setup=(for_arch(x86_64=X86_READY, arm64=()),), basis="code"),
    Case(id="routing-nr-over-max", ioctl=ROUTING, condition=f"nr {KVM_MAX_IRQ_ROUTES + 1} (KVM_MAX_IRQ_ROUTES + 1)",
         arch=("x86_64", "arm64"), call=routing(nr=KVM_MAX_IRQ_ROUTES + 1), errno=EINVAL,
         cite="kvm_main.c: kvm_vm_ioctl, KVM_SET_GSI_ROUTING (nr above "
         "KVM_MAX_IRQ_ROUTES, before the entries are read)", setup=(for_arch(x86_64=X86_READY, arm64=()),),
         basis="code"),
    Case(id="routing-gsi-over-max", ioctl=ROUTING, condition=f"an entry for gsi {KVM_MAX_IRQ_ROUTES}",
         arch=("x86_64", "arm64"), call=routing(msi_entry(KVM_MAX_IRQ_ROUTES)), errno=EINVAL,
         cite="irqchip.c: kvm_set_irq_routing (gsi >= KVM_MAX_IRQ_ROUTES)",
         setup=(for_arch(x86_64=X86_READY, arm64=()),),
         basis="code"),
    Case(id="routing-gsi-last", ioctl=ROUTING, condition=f"an MSI entry for gsi {KVM_MAX_IRQ_ROUTES - 1}",
         arch=("x86_64", "arm64"), call=routing(msi_entry(KVM_MAX_IRQ_ROUTES - 1)), errno=0,
         cite=f"{ROUTING_DOC}: KVM_IRQ_ROUTING_MSI entries (irqchip.c: gsi below KVM_MAX_IRQ_ROUTES)",
         setup=(for_arch(x86_64=X86_READY, arm64=()),)),
    Case(id="routing-unknown-type", ioctl=ROUTING, condition="an entry of type 99", arch=("x86_64", "arm64"),
         call=routing(typed(1, 99)), errno=EINVAL,
         cite="arch kvm_set_routing_entry (x86 irq_comm.c / irq.c; arm64 vgic-irqfd.c): the switch's default",
         setup=(for_arch(x86_64=X86_READY, arm64=()),), basis="code"),
    Case(id="routing-s390-adapter", ioctl=ROUTING, condition="a KVM_IRQ_ROUTING_S390_ADAPTER entry",
         arch=("x86_64", "arm64"), call=routing(typed(1, kvm.KVM_IRQ_ROUTING_S390_ADAPTER)), errno=EINVAL,
         cite="arch kvm_set_routing_entry: no such case off s390", setup=(for_arch(x86_64=X86_READY, arm64=()),),
         basis="code"),
    Case(id="routing-irqchip-flags", ioctl=ROUTING, condition="an irqchip entry with flags 1", arch=("x86_64", "arm64"),
         call=routing(chip(1, 0, 1, flags=1)), errno=EINVAL,
         cite=f"irqchip.c: kvm_set_irq_routing (flags of a non-MSI entry); {ROUTING_DOC}: flags zero otherwise",
         setup=(for_arch(x86_64=X86_READY, arm64=()),), basis="code"),
    Case(id="routing-msi-flags", ioctl=ROUTING, condition="an MSI entry with flags bit 1", arch=("x86_64", "arm64"),
         call=routing(msi_entry(1, flags=2)), errno=EINVAL,
         cite="irqchip.c: kvm_set_irq_routing (MSI flags other than KVM_MSI_VALID_DEVID)",
         setup=(for_arch(x86_64=X86_READY, arm64=()),), basis="code"),
    Case(id="routing-two-msi-one-gsi", ioctl=ROUTING, condition="two MSI entries for one gsi", arch=("x86_64", "arm64"),
         call=routing(msi_entry(1), msi_entry(1, data=0x31)), errno=EINVAL,
         cite="irqchip.c: setup_routing_entry (only irqchip entries of different chips may share a gsi)",
         setup=(for_arch(x86_64=X86_READY, arm64=()),), basis="code"),
    Case(id="routing-msi", ioctl=ROUTING, condition="one MSI entry", arch=("x86_64", "arm64"),
         call=routing(msi_entry(1)), errno=0, cite=f"{ROUTING_DOC}: KVM_IRQ_ROUTING_MSI",
         setup=(for_arch(x86_64=X86_READY, arm64=()),)),
    Case(id="routing-msi-devid-arm", ioctl=ROUTING, condition="an MSI entry with KVM_MSI_VALID_DEVID on a vGICv3",
         arch=("arm64",), features=("vgic-v3",),
         call=routing(msi_entry(1, address_lo=0x08080040, flags=kvm.KVM_MSI_VALID_DEVID, devid=1)), errno=0,
         cite=f"{ROUTING_DOC}: KVM_MSI_VALID_DEVID, used with an MSI entry, says devid is valid", setup=(VGIC_DEVICE,)),
    # x86
    Case(id="routing-x86-no-irqchip", ioctl=ROUTING, condition="no in-kernel irqchip", arch=("x86_64",), call=routing(),
         errno=EINVAL, cite="irq_comm.c (6.1, 6.12) / irq.c (7.2): kvm_arch_can_set_irq_routing (irqchip_in_kernel)",
         basis="code"),
    Case(id="routing-x86-pic-pin-7", ioctl=ROUTING, condition="PIC master pin 7", arch=("x86_64",),
         call=routing(chip(1, x86.KVM_IRQCHIP_PIC_MASTER, 7)), errno=0,
         cite=f"{ROUTING_DOC}: KVM_IRQ_ROUTING_IRQCHIP entries", setup=X86_READY),
    Case(id="routing-x86-pic-pin-8", ioctl=ROUTING, condition="PIC master pin 8", arch=("x86_64",),
         call=routing(chip(1, x86.KVM_IRQCHIP_PIC_MASTER, 8)), errno=EINVAL,
         cite="kvm_set_routing_entry (x86): a PIC has 8 pins", setup=X86_READY, basis="code"),
    Case(id="routing-x86-pic-slave-pin-8", ioctl=ROUTING, condition="PIC slave pin 8", arch=("x86_64",),
         call=routing(chip(1, x86.KVM_IRQCHIP_PIC_SLAVE, 8)), errno=EINVAL,
         cite="kvm_set_routing_entry (x86): a PIC has 8 pins", setup=X86_READY, basis="code"),
    Case(id="routing-x86-ioapic-pin-23", ioctl=ROUTING, condition="IOAPIC pin 23", arch=("x86_64",),
         call=routing(chip(1, x86.KVM_IRQCHIP_IOAPIC, 23)), errno=0,
         cite=f"{ROUTING_DOC}: KVM_IRQ_ROUTING_IRQCHIP entries", setup=X86_READY),
    Case(id="routing-x86-ioapic-pin-24", ioctl=ROUTING, condition="IOAPIC pin 24", arch=("x86_64",),
         call=routing(chip(1, x86.KVM_IRQCHIP_IOAPIC, 24)), errno=EINVAL,
         cite="kvm_set_routing_entry (x86): KVM_IOAPIC_NUM_PINS is 24", setup=X86_READY, basis="code"),
    Case(id="routing-x86-irqchip-3", ioctl=ROUTING, condition="irqchip 3 (none)", arch=("x86_64",),
         call=routing(chip(1, 3, 0)), errno=EINVAL, cite="kvm_set_routing_entry (x86): the irqchip switch's default",
         setup=X86_READY, basis="code"),
    Case(id="routing-x86-pic-and-ioapic", ioctl=ROUTING, condition="one gsi on the PIC and the IOAPIC",
         arch=("x86_64",), call=routing(chip(1, x86.KVM_IRQCHIP_PIC_MASTER, 1), chip(1, x86.KVM_IRQCHIP_IOAPIC, 1)),
         errno=0, cite="irqchip.c: setup_routing_entry lets irqchip entries of different chips share a gsi",
         setup=X86_READY, basis="code"),
    Case(id="routing-x86-same-chip-twice", ioctl=ROUTING, condition="one gsi twice on the IOAPIC", arch=("x86_64",),
         call=routing(chip(1, x86.KVM_IRQCHIP_IOAPIC, 1), chip(1, x86.KVM_IRQCHIP_IOAPIC, 2)), errno=EINVAL,
         cite="irqchip.c: setup_routing_entry (a gsi maps to one chip once)", setup=X86_READY, basis="code"),
    Case(id="routing-x86-split-irqchip-entry", ioctl=ROUTING, condition="an irqchip entry with a split irqchip",
         arch=("x86_64",), call=routing(chip(1, x86.KVM_IRQCHIP_IOAPIC, 1)), errno=EINVAL,
         cite="kvm_set_routing_entry (x86): irqchip entries need the in-kernel PIC/IOAPIC (irqchip_split)",
         setup=(split_irqchip(),), basis="code"),
    Case(id="routing-x86-split-msi", ioctl=ROUTING, condition="an MSI entry with a split irqchip", arch=("x86_64",),
         call=routing(msi_entry(1)), errno=0, cite=f"{ROUTING_DOC}: KVM_IRQ_ROUTING_MSI", setup=(split_irqchip(),)),
    Case(id="routing-x86-msi-devid", ioctl=ROUTING,
         condition="an MSI entry with KVM_MSI_VALID_DEVID (no KVM_CAP_MSI_DEVID on x86)", arch=("x86_64",),
         call=routing(msi_entry(1, flags=kvm.KVM_MSI_VALID_DEVID, devid=1)), errno=0,
         cite=f"irqchip.c: kvm_set_irq_routing lets the flag through and kvm_set_routing_entry (x86) ignores it; "
         f"{ROUTING_DOC}: without KVM_CAP_MSI_DEVID the ioctl 'might fail'", setup=X86_READY, basis="code"),
    Case(id="routing-x86-x2apic-address-hi-low-bits", ioctl=ROUTING,
         condition="an MSI entry with address_hi bits 7-0 set under "
         "KVM_X2APIC_API_USE_32BIT_IDS", arch=("x86_64",), call=routing(msi_entry(1, address_hi=0x101)), errno=EINVAL,
         cite=f"kvm_set_routing_entry (x86): kvm_msi_route_invalid; {ROUTING_DOC}: with USE_32BIT_IDS bits 7-0 of "
         "address_hi must be zero", setup=(*X86_READY, X2APIC_32BIT), basis="code"),
    Case(id="routing-x86-x2apic-address-hi", ioctl=ROUTING,
         condition="an MSI entry with address_hi bits 31-8 set under "
         "KVM_X2APIC_API_USE_32BIT_IDS", arch=("x86_64",), call=routing(msi_entry(1, address_hi=0x100)), errno=0,
         cite=f"{ROUTING_DOC}: with USE_32BIT_IDS address_hi bits 31-8 give bits 31-8 of the destination id",
         setup=(*X86_READY, X2APIC_32BIT)),
    Case(id="routing-x86-address-hi-ignored", ioctl=ROUTING,
         condition="an MSI entry with address_hi 0xff without the x2APIC API", arch=("x86_64",),
         call=routing(msi_entry(1, address_hi=0xFF)), errno=0,
         cite=f"{ROUTING_DOC}: on x86 address_hi is ignored unless USE_32BIT_IDS is enabled", setup=X86_READY),
    # arm64
    Case(id="routing-arm-last-pin", ioctl=ROUTING, condition=f"irqchip 0 pin {ARM_IRQCHIP_NUM_PINS - 1} (SPI 1019)",
         arch=("arm64",), call=routing(chip(1, 0, ARM_IRQCHIP_NUM_PINS - 1)), errno=0,
         cite=f"{IRQFD_DOC}: irqchip.pin + 32 is the SPI (1019 at most, {LINE_DOC})"),
    Case(id="routing-arm-pin-988", ioctl=ROUTING, condition=f"irqchip 0 pin {ARM_IRQCHIP_NUM_PINS} (SPI 1020)",
         arch=("arm64",), call=routing(chip(1, 0, ARM_IRQCHIP_NUM_PINS)), errno=EINVAL,
         cite="vgic-irqfd.c: kvm_set_routing_entry (pin >= KVM_IRQCHIP_NUM_PINS)", basis="code"),
    Case(id="routing-arm-irqchip-1", ioctl=ROUTING, condition="irqchip 1 (arm64 has one)", arch=("arm64",),
         call=routing(chip(1, 1, 0)), errno=EINVAL,
         cite="vgic-irqfd.c: kvm_set_routing_entry (irqchip >= KVM_NR_IRQCHIPS)", basis="code"),
    Case(id="routing-arm-hv-sint", ioctl=ROUTING, condition="a KVM_IRQ_ROUTING_HV_SINT entry", arch=("arm64",),
         call=routing(typed(1, kvm.KVM_IRQ_ROUTING_HV_SINT)), errno=EINVAL,
         cite="vgic-irqfd.c: kvm_set_routing_entry (x86 only)", basis="code"),
    Case(id="routing-arm-no-vgic", ioctl=ROUTING, condition="an irqchip entry in a VM with no vGIC", arch=("arm64",),
         lacks=("irqchip",), call=routing(chip(1, 0, 0)), errno=0,
         cite="irqchip.c: the generic kvm_arch_can_set_irq_routing is true; arm64 checks "
         "nothing more", basis="code"),
    Case(id="routing-arm-irqchip-twice", ioctl=ROUTING, condition="one gsi twice on irqchip 0", arch=("arm64",),
         call=routing(chip(1, 0, 1), chip(1, 0, 2)), errno=EINVAL,
         cite="irqchip.c: setup_routing_entry (a gsi maps to one chip once)", basis="code"),

    # --- KVM_(UN)REGISTER_COALESCED_MMIO --------------------------------------------------------------------
    Case(id="coalesced-mmio", ioctl=REG, condition="an MMIO zone", arch=("x86_64", "arm64"), call=coalesced(), errno=0,
         cite=f"{COALESCED_DOC}: KVM_CAP_COALESCED_MMIO, writes recorded in the ring", needs=MMIO_CAP),
    Case(id="coalesced-pio", ioctl=REG, condition="a PIO zone", arch=("x86_64", "arm64"),
         call=coalesced(PORT, 4, pio=1), errno=0, cite=f"{COALESCED_DOC}: KVM_CAP_COALESCED_PIO, coalesced pio",
         needs=PIO_CAP),
    Case(id="coalesced-pio-2", ioctl=REG, condition="pio 2", arch=("x86_64", "arm64"), call=coalesced(pio=2),
         errno=EINVAL, cite="coalesced_mmio.c: kvm_vm_ioctl_register_coalesced_mmio (pio neither 0 nor 1)",
         basis="code"),
    Case(id="coalesced-twice", ioctl=REG, condition="the same zone twice", arch=("x86_64", "arm64"), call=coalesced(),
         errno=0, cite="coalesced_mmio.c: kvm_vm_ioctl_register_coalesced_mmio checks no overlap", setup=(coalesced(),),
         basis="code"),
    Case(id="coalesced-unregister", ioctl=UNREG, condition="a registered MMIO zone", arch=("x86_64", "arm64"),
         call=coalesced(unregister=True), errno=0, cite=f"{COALESCED_DOC}", setup=(coalesced(),), needs=MMIO_CAP),
    Case(id="coalesced-unregister-inside", ioctl=UNREG, condition="a range inside a registered zone",
         arch=("x86_64", "arm64"), call=coalesced(MMIO + 0x100, 0x10, unregister=True), errno=0,
         cite="coalesced_mmio.c: kvm_vm_ioctl_unregister_coalesced_mmio (coalesced_mmio_in_range)",
         setup=(coalesced(),), basis="code"),
    Case(id="coalesced-unregister-unknown", ioctl=UNREG, condition="a zone never registered", arch=("x86_64", "arm64"),
         call=coalesced(unregister=True), errno=0,
         cite="coalesced_mmio.c: kvm_vm_ioctl_unregister_coalesced_mmio returns 0 whether or not it matched",
         basis="code"),
    Case(id="coalesced-unregister-pio-2", ioctl=UNREG, condition="pio 2", arch=("x86_64", "arm64"),
         call=coalesced(pio=2, unregister=True), errno=EINVAL,
         cite="coalesced_mmio.c: kvm_vm_ioctl_unregister_coalesced_mmio (pio neither 0 nor 1)", basis="code"),
    Case(id="coalesced-bus-full", ioctl=REG, condition=f"zone {NR_IOBUS_DEVS + 1} on the MMIO bus", arch=("x86_64",),
         call=coalesced(MMIO + 0x10000), errno=ENOSPC,
         cite=f"kvm_main.c: kvm_io_bus_register_dev (NR_IOBUS_DEVS {NR_IOBUS_DEVS} devices per bus)",
         setup=(coalesced_zones(NR_IOBUS_DEVS),), basis="code"),

    Case(id="coalesced-guest-mmio-write", ioctl=REG, condition="a guest store into a coalesced MMIO zone",
         arch=("x86_64",), call=kvm_run(), errno=0,
         cite=f"{COALESCED_DOC}: write accesses do not exit to userspace and their value is recorded in the ring",
         setup=(x86_guest(STORE_MMIO, "mov [0x9000], 0x42; hlt"), coalesced(GUEST_MMIO, 0x10)),
         check=exits(kvm.KVM_EXIT_HLT, ring=(GUEST_MMIO, 0)), needs=MMIO_CAP),
    Case(id="coalesced-guest-pio-write", ioctl=REG, condition="a guest OUT into a coalesced PIO zone", arch=("x86_64",),
         call=kvm_run(), errno=0, cite=f"{COALESCED_DOC}: coalesced pio records accesses to I/O ports",
         setup=(x86_guest(OUT_PORT, "out to PORT; hlt"), coalesced(PORT, 2, pio=1)),
         check=exits(kvm.KVM_EXIT_HLT, ring=(PORT, 1)), needs=PIO_CAP),
    Case(id="coalesced-guest-store-arm", ioctl=REG, condition="a guest store into a coalesced MMIO zone",
         arch=("arm64",), call=kvm_run(), errno=0,
         cite=f"{COALESCED_DOC}: write accesses do not exit to userspace and their value is recorded in the ring",
         setup=(arm_guest(), coalesced(ARM_A, 0x10)),
         check=exits(kvm.KVM_EXIT_MMIO, mmio=(ARM_B, 0), ring=(ARM_A, 0), width=4), needs=MMIO_CAP),
    Case(id="coalesced-guest-after-unregister", ioctl=UNREG, condition="a guest store after its zone was unregistered",
         arch=("x86_64",), call=kvm_run(), errno=0,
         cite=f"{COALESCED_DOC}: unregistered, the write exits again (KVM_EXIT_MMIO)",
         setup=(x86_guest(STORE_MMIO, "mov [0x9000], 0x42; hlt"), coalesced(GUEST_MMIO, 0x10),
                coalesced(GUEST_MMIO, 0x10, unregister=True)), check=exits(kvm.KVM_EXIT_MMIO)),

    # --- KVM_SIGNAL_MSI, x86 (arm64: arm_vgic_its.py) -------------------------------------------------------
    Case(id="msi-x86-no-irqchip", ioctl=MSI, condition="no in-kernel irqchip", arch=("x86_64",), call=signal_msi(),
         errno=EINVAL,
         cite=f"irqchip.c: kvm_send_userspace_msi (!irqchip_in_kernel); {MSI_DOC}: only valid with an in-kernel "
         "irqchip that handles MSIs", basis="code"),
    Case(id="msi-x86-unknown-flag", ioctl=MSI, condition="flags bit 1", arch=("x86_64",), call=signal_msi(flags=2),
         errno=EINVAL, cite="irqchip.c: kvm_send_userspace_msi (flags other than KVM_MSI_VALID_DEVID)", setup=X86_READY,
         basis="code"),
    Case(id="msi-x86-no-destination", ioctl=MSI, condition="an MSI no vCPU receives (none exists)", arch=("x86_64",),
         call=signal_msi(), errno=EPERM,
         cite="irq_comm.c (6.1, 6.12) / lapic.c __kvm_irq_delivery_to_apic (7.2): kvm_irq_delivery_to_apic returns -1 "
         "for no destination and kvm_vm_ioctl "
         "passes it up as the ioctl's return, which userspace reads as errno 1 (EPERM)", setup=X86_READY, basis="code"),
    Case(id="msi-x86-blocked", ioctl=MSI, condition="an MSI to vCPU 0's APIC, software-disabled (its reset state)",
         arch=("x86_64",), call=signal_msi(), errno=0,
         cite=f"{MSI_DOC}: 0 if the guest blocked the MSI (lapic.c __apic_accept_irq drops it while "
         "the APIC is software-disabled)", setup=(*X86_READY, VCPU0), ret=0),
    Case(id="msi-x86-delivered", ioctl=MSI, condition="an MSI to vCPU 0's software-enabled APIC", arch=("x86_64",),
         call=signal_msi(), errno=0, cite=f"{MSI_DOC}: >0 on delivery", setup=(*X86_READY, VCPU0, APIC_ON),
         check=ret_at_least(1)),
    Case(id="msi-x86-devid-flag", ioctl=MSI, condition="KVM_MSI_VALID_DEVID on x86 (no KVM_CAP_MSI_DEVID)",
         arch=("x86_64",), call=signal_msi(flags=kvm.KVM_MSI_VALID_DEVID, devid=1), errno=0,
         cite=f"irqchip.c: kvm_send_userspace_msi accepts the "
         f"flag; {MSI_DOC}: without KVM_CAP_MSI_DEVID the ioctl 'might fail'", setup=(*X86_READY, VCPU0, APIC_ON),
         basis="code", check=ret_at_least(1)),
    Case(id="msi-x86-x2apic-address-hi-low-bits", ioctl=MSI, condition="address_hi bits 7-0 set under USE_32BIT_IDS",
         arch=("x86_64",), call=signal_msi(address_hi=0x1), errno=EINVAL,
         cite=f"irq_comm.c / irq.c: kvm_set_msi (kvm_msi_route_invalid); {MSI_DOC}: "
         "bits 7-0 of address_hi must be zero", setup=(*X86_READY, X2APIC_32BIT, VCPU0), basis="code"),
    Case(id="msi-x86-address-hi-ignored", ioctl=MSI,
         condition="address_hi 0xff without the x2APIC API, to vCPU 0's enabled APIC", arch=("x86_64",),
         call=signal_msi(address_hi=0xFF), errno=0,
         cite=f"{MSI_DOC}: on x86 address_hi is ignored unless USE_32BIT_IDS", setup=(*X86_READY, VCPU0, APIC_ON),
         check=ret_at_least(1)),
]
