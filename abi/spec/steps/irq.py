"""Interrupt delivery: KVM_IRQ_LINE's arm64 encoding, irqfds, ioeventfds, GSI routing entries, coalesced MMIO zones,
MSIs, and the guest code whose port and MMIO writes they take."""

from __future__ import annotations

import ctypes
import struct
import time

from abi import arm64, kvm, x86
from abi.spec.case import Scene, Step, Val
from abi.spec.steps.base import API, step
from abi.spec.steps.gic import VGIC_INIT, nr_irqs
from abi.spec.steps.guest import (
    PAGE,
    RV_CODE_GPA,
    RV_J_SELF,
    RV_T0,
    RV_T1,
    RV_T2,
    RV_T3,
    Code,
    a64,
    rv64,
    rv_li,
    rv_load,
    rv_lui,
    rv_store,
)
from abi.spec.steps.system import other_vm
from abi.spec.steps.vcpu import exits_with, guest_ready, kvm_run_map, run_field
from abi.spec.steps.vm import HOST_VGIC, IRQCHIP, VCPU0, efd, eventfd
from abi.target.base import Result

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

VGIC_READY = (HOST_VGIC, VCPU0, VGIC_INIT)  # an initialised vGIC (kvm_arch_intc_initialized), 256 interrupts

VGIC_992 = (HOST_VGIC, VCPU0, nr_irqs(992), VGIC_INIT)  # the most interrupts NR_IRQS accepts (arm_vgic_v3.py)

X86_READY = (IRQCHIP,)

def irqfd_in_second_vm(gsi: int = 5) -> Step:
    """KVM_IRQFD of the scene's eventfd in a second VM of the same process, given a legacy vGICv2 initialised by
    an SPI (the VM and its vCPU close with the scene's device fds)."""
    def run(s: Scene) -> Result:
        vm2 = other_vm(s)
        s.target.ioctl(vm2, kvm.KVM_CREATE_IRQCHIP, 0).value()
        s.keep(s.target.ioctl(vm2, kvm.KVM_CREATE_VCPU, 0).value())
        s.target.ioctl(vm2, kvm.KVM_IRQ_LINE, kvm.kvm_irq_level(irq=arm_irq(SPI, 32), level=0)).value()
        return s.ioctl(vm2, kvm.KVM_IRQFD, kvm.kvm_irqfd(fd=efd()(s), gsi=gsi))

    return step(f"second VM: KVM_CREATE_IRQCHIP, KVM_CREATE_VCPU(0), SPI 32 level 0; KVM_IRQFD(fd efd, gsi {gsi})",
                run)

# x86, real mode: one page of code at GUEST_GPA (guest_ready gives it a memslot of that page); GUEST_MMIO
# above it is in no memslot: MMIO.
GUEST_GPA = 0x8000

GUEST_MMIO = 0x9000

_OUT_PORT = {"x86_64": Code(GUEST_GPA, bytes([0xBA, PORT & 0xFF, PORT >> 8, 0xB0, 0x42, 0xEE, 0xF4]),
                           "mov dx, PORT; mov al, 0x42; out dx, al; hlt")}

_STORE_MMIO = {"x86_64": Code(GUEST_GPA, bytes([0xB0, 0x42, 0xA2, GUEST_MMIO & 0xFF, GUEST_MMIO >> 8, 0xF4]),
                             f"mov al, 0x42; mov [{GUEST_MMIO:#x}], al; hlt")}

# arm64: the vCPU starts at PC 0 (KVM_ARM_VCPU_INIT), MMU off; a store to ARM_A, then a load from ARM_B. Both IPAs
# are in no memslot, so each access that the kernel does not take exits as KVM_EXIT_MMIO: the exit's address says
# whether the store was taken (by an ioeventfd or a coalesced zone) or not. riscv64 does the same at the same GPAs
# (satp 0: no translation), from RV_CODE_GPA.
ARM_A, ARM_B = 0x50000000, 0x50010000

_STORE_THEN_LOAD = {"arm64": Code(0, a64(
    0xD2A00000 | ((ARM_A >> 16) << 5) | 0,  # movz x0, #(ARM_A >> 16), lsl #16
    0xD2A00000 | ((ARM_B >> 16) << 5) | 2,  # movz x2, #(ARM_B >> 16), lsl #16
    0x52800841,  # movz w1, #0x42
    0xB9000001,  # str w1, [x0]
    0xB9400043,  # ldr w3, [x2]
    0x14000000,  # b .
), f"str w(0x42) to {ARM_A:#x}; ldr from {ARM_B:#x}"),
    "riscv64": Code(RV_CODE_GPA, rv64(
        rv_lui(RV_T1, ARM_A),  # lui t1, ARM_A >> 12
        rv_li(RV_T0, 0x42),  # li t0, 0x42
        rv_store(RV_T0, RV_T1, 4),  # sw t0, 0(t1)
        rv_lui(RV_T2, ARM_B),  # lui t2, ARM_B >> 12
        rv_load(RV_T3, RV_T2, 4),  # lw t3, 0(t2)
        RV_J_SELF,  # j .
    ), f"sw (0x42) to {ARM_A:#x}; lw from {ARM_B:#x}")}

# Each of them in slot 0, with vCPU 0 about to run it.
OUT_PORT, STORE_MMIO, STORE_THEN_LOAD = guest_ready(_OUT_PORT), guest_ready(_STORE_MMIO), guest_ready(_STORE_THEN_LOAD)
STORE_THEN_LOAD_ARCHES = tuple(_STORE_THEN_LOAD)  # the machines it has code for

EXIT_NAMES = {kvm.KVM_EXIT_IO: "KVM_EXIT_IO", kvm.KVM_EXIT_HLT: "KVM_EXIT_HLT", kvm.KVM_EXIT_MMIO: "KVM_EXIT_MMIO"}

def exits(reason: int, ring: tuple[int, int] | None = None, mmio: tuple[int, int] | None = None, width: int = 1):
    """A check: KVM_RUN ended with `reason`; with `mmio` (address, is_write), the MMIO exit is that access; with
    `ring` (address, pio), the coalesced ring holds exactly one `width`-byte write of 0x42 there (api.rst 4.116:
    the value is recorded in the shared ring)."""
    exited = exits_with(reason, EXIT_NAMES[reason])

    def check(s: Scene, got: Result) -> str | None:
        problem = exited(s, got)
        if problem:
            return problem
        if mmio is not None:
            addr, write = run_field(s, "_u0.mmio.phys_addr", 8), run_field(s, "_u0.mmio.is_write", 1)
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

SPI_1019_DEVIATION = (
    f"{LINE_DOC} gives SPI irq_id 32 to 1019 inclusive; no configuration reaches 1019: "
    "KVM_DEV_ARM_VGIC_GRP_NR_IRQS accepts at most 992 interrupts (vgic-kvm-device.c vgic_set_common_attr: at most "
    "VGIC_MAX_RESERVED 1023 and a multiple of 32), so vgic.c vgic_get_irq finds no SPI above 991 and "
    "kvm_vgic_inject_irq returns EINVAL")
