"""x86 vCPU state: registers, special registers, MSRs, CPUID, FPU and XSAVE, the local APIC, the PIT, the clock, MSR
filters, nested state."""

from __future__ import annotations

import ctypes
import struct
from errno import EINVAL

from abi import kvm, x86
from abi.spec.case import (
    Scene,
    Step,
    Val,
    val,
)
from abi.spec.steps.base import BAD_POINTER, call, on_fd, step
from abi.spec.steps.vcpu import exit_reason, kvm_run
from abi.spec.steps.vm import create_vcpu
from abi.spec.steps.x86_vm import real_mode_code
from abi.target.base import Result

MSR_IA32_TSC_ADJUST = 0x3B  # both handled by x86.c kvm_{get,set}_msr_common for every vendor

MSR_IA32_MISC_ENABLE = 0x1A0

MSR_NONE = 0x4B564D7F  # in KVM's own MSR range 0x4b564dxx, past every MSR it defines: no such MSR

MAX_IO_MSRS = 256  # x86.c: msr_io refuses nmsrs >= MAX_IO_MSRS (256 in 6.1, 6.12, 7.2)

KVM_MAX_CPUID_ENTRIES = 256  # cpuid.h, 6.1, 6.12, 7.2

EFER_LMA = 1 << 10

CR0_PE, CR0_PG, CR4_PAE = 1, 1 << 31, 1 << 5

XSAVE_HEADER = 512  # the XSAVE header (xstate_bv first) follows the 512-byte legacy area

HLT = b"\xf4"

def bad(name: str, on: str = "vcpu") -> Step:
    return call(name, on, BAD_POINTER, "arg = a guard page")

def get(s: Scene, name: str, struct_name: str, on: str = "vcpu"):
    """GET `name` into a fresh `struct_name`, which must succeed (a value the case modifies or compares)."""
    cls = getattr(s.abi, struct_name)
    return s.ioctl(on_fd(s, on), getattr(s.abi, name), cls()).struct(cls)

def modify(get_name: str, set_name: str, struct_name: str, change, shown: str, on: str = "vcpu",
           ok_errno: int = 0) -> Step:
    """SET `set_name` with what GET `get_name` read, after `change(s, value)` edited it."""
    def run(s: Scene) -> Result:
        value = get(s, get_name, struct_name, on)
        change(s, value)
        return s.ioctl(on_fd(s, on), getattr(s.abi, set_name), value)

    return step(f"{set_name}({shown})", run, ok_errno)

def reads_back(get_name: str, struct_name: str, test, text: str, on: str = "vcpu"):
    """A check: a GET after the call gives a value for which `test(s, value)` holds."""
    def check(s: Scene, got: Result) -> str | None:
        value = get(s, get_name, struct_name, on)
        return None if test(s, value) else f"{get_name} after the call: expected {text}"

    return check

def out_check(struct_name: str, test, text: str):
    """A check on the structure the call itself wrote back."""
    def check(s: Scene, got: Result) -> str | None:
        value = got.struct(getattr(s.abi, struct_name))
        return None if test(s, value) else f"the structure written back: expected {text}"

    return check

def msrs_arg(entries) -> bytes:
    return struct.pack("<II", len(entries), 0) + b"".join(struct.pack("<IIQ", i, 0, d) for i, d in entries)

def msrs(name: str, entries, on: str = "vcpu", shown: str = "") -> Step:
    """KVM_{GET,SET}_MSRS with (index, data) entries; an index may be a Val over the scene."""
    def run(s: Scene) -> Result:
        resolved = [(i(s) if isinstance(i, Val) else i, d) for i, d in entries]
        return s.ioctl(on_fd(s, on), getattr(s.abi, name), msrs_arg(resolved))

    listed = shown or ", ".join(str(i) if isinstance(i, Val) else f"{i:#x}" for i, _ in entries)
    return step(f"{name}(nmsrs {len(entries)}: {listed})", run)

def msrs_header(name: str, nmsrs: int) -> Step:
    """nmsrs with room for that many entries (index 0x3b each), for the limit of msr_io."""
    return call(name, "vcpu", msrs_arg([(MSR_IA32_TSC_ADJUST, 0)] * nmsrs), f"nmsrs {nmsrs}")

def _first_feature_msr(s: Scene) -> int:
    got = s.ioctl(s.kvm, s.abi.KVM_GET_MSR_FEATURE_INDEX_LIST, struct.pack("<I", 1024) + bytes(4096)).value()
    del got
    out = s.calls[-1][3].out
    if struct.unpack_from("<I", out)[0] == 0:
        raise AssertionError("KVM_GET_MSR_FEATURE_INDEX_LIST lists no MSR")
    return struct.unpack_from("<I", out, 4)[0]

FEATURE_MSR = Val("the first index of KVM_GET_MSR_FEATURE_INDEX_LIST", _first_feature_msr)

def msr_data(index: int, want: int):
    def check(s: Scene, got: Result) -> str | None:
        value = get_msr(s, index)
        return None if value == want else f"MSR {index:#x} reads {value:#x} after the call, expected {want:#x}"

    return check

def get_msr(s: Scene, index: int) -> int:
    got = s.ioctl(s.vcpus[-1], s.abi.KVM_GET_MSRS, msrs_arg([(index, 0)]))
    if got.ret != 1:
        raise AssertionError(f"KVM_GET_MSRS({index:#x}) returned {got!r}")
    return struct.unpack_from("<Q", got.out, 16)[0]

def _supported(s: Scene) -> bytes:
    """KVM_GET_SUPPORTED_CPUID's table as a struct kvm_cpuid2 (nent and the entries)."""
    if "supported" not in s.remembered:
        got = s.ioctl(s.kvm, s.abi.KVM_GET_SUPPORTED_CPUID, struct.pack("<II", 256, 0) + bytes(256 * 40))
        got.value()
        n = struct.unpack_from("<I", got.out)[0]
        s.remembered["supported"] = got.out[:8 + 40 * n]
    return s.remembered["supported"]

def cpuid2(edit=None, shown: str = "the KVM_GET_SUPPORTED_CPUID table") -> Step:
    """KVM_SET_CPUID2 with the supported table, after `edit(entries: list[bytearray]) -> list` changed it."""
    def run(s: Scene) -> Result:
        table = _supported(s)
        n = struct.unpack_from("<I", table)[0]
        entries = [bytearray(table[8 + 40 * i: 48 + 40 * i]) for i in range(n)]
        if edit is not None:
            entries = edit(entries)
        got = s.ioctl(s.vcpus[-1], s.abi.KVM_SET_CPUID2,
                      struct.pack("<II", len(entries), 0) + b"".join(bytes(e) for e in entries))
        if got.ok:
            s.remembered["cpuid_entries"] = len(entries)
        return got

    return step(f"KVM_SET_CPUID2({shown})", run)

def cpuid2_current() -> Step:
    """KVM_SET_CPUID2 with the table KVM_GET_CPUID2 reads from the vCPU: its current model, as KVM stored it, as
    many entries as the set-up's KVM_SET_CPUID2 gave it. Not the count KVM_GET_CPUID2 writes back: before 6.5
    (commit ab322c43cce9) it left nent as the caller passed it on success, so 6.1 would be sent 256 entries."""
    def run(s: Scene) -> Result:
        got = s.ioctl(s.vcpus[-1], s.abi.KVM_GET_CPUID2, struct.pack("<II", 256, 0) + bytes(256 * 40))
        got.value()
        n = s.remembered.get("cpuid_entries", struct.unpack_from("<I", got.out)[0])
        return s.ioctl(s.vcpus[-1], s.abi.KVM_SET_CPUID2, struct.pack("<II", n, 0) + got.out[8:8 + 40 * n])

    return step("KVM_SET_CPUID2(the table KVM_GET_CPUID2 reads)", run)

def drop_last(entries):
    return entries[:-1]

def vaddr_bits(bits: int):
    """Leaf 0x80000008 with EAX[15:8] (linear address bits) = `bits` (the leaf added if the table lacks it)."""
    def edit(entries):
        for e in entries:
            if struct.unpack_from("<I", e)[0] == 0x80000008:
                eax = struct.unpack_from("<I", e, 12)[0]
                struct.pack_into("<I", e, 12, (eax & ~0xFF00) | bits << 8)
                return entries
        e = bytearray(struct.pack("<IIIIIII", 0x80000008, 0, 0, 48 | bits << 8, 0, 0, 0) + bytes(12))
        return [*entries, e]

    return edit

def cpuid_n(request: str, n: int, size: int) -> Step:
    return call(request, "vcpu", struct.pack("<II", n, 0) + bytes(n * size), f"nent {n}")

def entered_guest() -> Step:
    """The last vCPU (vCPU 0 if none) in real mode at CODE_GPA, where a memory slot holds `hlt`, run once: without
    an in-kernel LAPIC the HLT exits to userspace (KVM_EXIT_HLT), so the vCPU has entered the guest (x86.c
    records last_vmentry_cpu, the 'has run' state of cpuid.c kvm_set_cpuid)."""
    def run(s: Scene) -> Result:
        got = real_mode_code(s, HLT)
        got = kvm_run()(s) if got.ok else got
        if got.ok and exit_reason(s) != s.abi.KVM_EXIT_HLT:
            raise AssertionError(f"KVM_RUN of `hlt` exited with reason {exit_reason(s)}, expected KVM_EXIT_HLT")
        return got

    return step("KVM_RUN of `hlt` in real mode (exits with KVM_EXIT_HLT)", run)

def irqchip(request: str, chip_id: int) -> Step:
    return call(request, "vm", lambda s: s.abi.kvm_irqchip(chip_id=chip_id), f"chip_id {chip_id}")

def clock(flags: int) -> Step:
    return call("KVM_SET_CLOCK", "vm", kvm.kvm_clock_data(clock=0, flags=flags), f"clock 0, flags {flags:#x}")

def identity(addr: int) -> Step:
    return call("KVM_SET_IDENTITY_MAP_ADDR", "vm", struct.pack("<Q", addr), f"{addr:#x}")

def xsave_sized(request: str) -> Step:
    """`request` with a buffer of KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) bytes on the VM fd (at least 4096)."""
    def run(s: Scene) -> Result:
        size = max(4096, s.cap(s.abi.KVM_CAP_XSAVE2, s.vm))
        return s.ioctl(s.vcpus[-1], getattr(s.abi, request), bytes(size))

    return step(f"{request}(buffer of KVM_CAP_XSAVE2 bytes)", run)

def set_xsave_edited(bv_or: int, shown: str) -> Step:
    def run(s: Scene) -> Result:
        got = s.ioctl(s.vcpus[-1], s.abi.KVM_GET_XSAVE, bytes(4096)).value()
        del got
        region = bytearray(s.calls[-1][3].out)
        bv = struct.unpack_from("<Q", region, XSAVE_HEADER)[0]
        struct.pack_into("<Q", region, XSAVE_HEADER, bv | bv_or)
        return s.ioctl(s.vcpus[-1], s.abi.KVM_SET_XSAVE, bytes(region))

    return step(f"KVM_SET_XSAVE({shown})", run)

def xcrs(nr: int, value: int = 1, flags: int = 0, index: int = 0) -> Step:
    def build(s: Scene):
        x = s.abi.kvm_xcrs(nr_xcrs=nr, flags=flags)
        for i in range(min(nr, 16)):
            x.xcrs[i].xcr, x.xcrs[i].value = index, value
        return x

    return call("KVM_SET_XCRS", "vcpu", build, f"nr_xcrs {nr}, xcr {index} = {value:#x}, flags {flags}")

def tsc_khz(on: str, value: Val | int) -> Step:
    v = value if isinstance(value, Val) else Val(str(value), lambda s, value=value: value)
    return call("KVM_SET_TSC_KHZ", on, lambda s: v(s), f"{v} kHz on the {on} fd")

def _host_khz(s: Scene) -> int:
    if "khz" not in s.remembered:
        vm = s.ioctl(s.kvm, s.abi.KVM_CREATE_VM, 0).value()
        try:
            vcpu = s.ioctl(vm, s.abi.KVM_CREATE_VCPU, 0).value()
            s.remembered["khz"] = s.ioctl(vcpu, s.abi.KVM_GET_TSC_KHZ, 0).value()
            s.target.close(vcpu)
        finally:
            s.target.close(vm)
    return s.remembered["khz"]

HOST_KHZ = Val("the vCPU's KVM_GET_TSC_KHZ", _host_khz)

HALF_KHZ = Val("half of KVM_GET_TSC_KHZ", lambda s: _host_khz(s) // 2)

DOUBLE_KHZ = Val("twice KVM_GET_TSC_KHZ", lambda s: _host_khz(s) * 2)

# 6.12's kvm_arch_vm_ioctl stores the VM's rate whenever it is called; 7.2's and the newest x86.c refuse it once a
# vCPU exists (kvm->created_vcpus). The release after 6.12 that added the test was not read: that 6.18 has it is
# unverified against its source.
AFTER_VCPU_CHECK = "6.18+"

def lapic(request: str, arg=None) -> Step:
    return call(request, "vcpu", (lambda s: s.abi.kvm_lapic_state()) if arg is None else arg,
                "1024 bytes" if arg is None else "")

APIC_ID = 0x20  # the APIC ID register's offset in struct kvm_lapic_state (bytes 32-35)

MSR_IA32_APICBASE = 0x1B

APIC_BASE_X2APIC = 0xFEE00000 | 1 << 11 | 1 << 10  # default base, xAPIC global enable, x2APIC enable (not BSP)

VCPU5 = create_vcpu(5)

def apic_id(want: int):
    """A check: the u32 at APIC_ID of the kvm_lapic_state written back equals `want`."""
    def check(s: Scene, got: Result) -> str | None:
        have = struct.unpack_from("<I", got.out, APIC_ID)[0]
        return None if have == want else f"APIC_ID register (bytes 32-35) is {have:#x}, expected {want:#x}"

    return check

def set_lapic_id(value: int) -> Step:
    def change(s, v):
        regs = bytearray(bytes(v))
        struct.pack_into("<I", regs, APIC_ID, value)
        ctypes.memmove(ctypes.addressof(v), bytes(regs), len(regs))

    return modify("KVM_GET_LAPIC", "KVM_SET_LAPIC", "kvm_lapic_state", change, f"as read, APIC_ID {value:#x}")

def _x2apic_mode(s: Scene) -> Result:
    """APICBASE in x2APIC mode; KVM_SET_MSRS reports a refused MSR by its count, so 0 is turned into a failure."""
    got = s.ioctl(s.vcpus[-1], s.abi.KVM_SET_MSRS, msrs_arg([(MSR_IA32_APICBASE, APIC_BASE_X2APIC)]))
    return got if got.ret == 1 else Result(-1, EINVAL, got.out, got.request)

X2APIC_MODE = step("KVM_SET_MSRS(APICBASE = x2APIC enabled, must set 1 MSR)", _x2apic_mode)

def pit2(request: str, arg=None, shown: str = "") -> Step:
    return call(request, "vm", (lambda s: s.abi.kvm_pit_state2()) if arg is None else arg, shown)

def msr_filter(flags: int = 0, ranges=(), shown: str = "", bitmap_ptr: Val | None = None) -> Step:
    """KVM_X86_SET_MSR_FILTER; ranges are (flags, nmsrs, base), each with an all-ones bitmap in target memory
    (or `bitmap_ptr`)."""
    def build(s: Scene):
        f = s.abi.kvm_msr_filter(flags=flags)
        for i, (rflags, nmsrs, base) in enumerate(ranges):
            size = max(8, (nmsrs + 7) // 8)
            if bitmap_ptr is not None:
                where = bitmap_ptr(s)
            else:
                where = s.target.alloc(max(4096, size))
                s.target.write(where, b"\xff" * size)
            f.ranges[i].flags, f.ranges[i].nmsrs, f.ranges[i].base, f.ranges[i].bitmap = rflags, nmsrs, base, where
        return f

    return call("KVM_X86_SET_MSR_FILTER", "vm", build, shown or f"flags {flags:#x}, {len(ranges)} range(s)")

NESTED_X86 = "x86.c: kvm_arch_vcpu_ioctl"

def nested_call(request: str, size: int | Val, flags: int = 0, room: int | Val = 0) -> Step:
    """`request` with a struct kvm_nested_state header (flags, format VMX, `size`) in a buffer of `room` bytes (at
    least the 128-byte header)."""
    size_v, room_v = val(size), val(room)

    def arg(s: Scene) -> bytes:
        total = max(room_v(s), ctypes.sizeof(s.abi.kvm_nested_state))
        return struct.pack("<HHI", flags, x86.KVM_STATE_NESTED_FORMAT_VMX, size_v(s)) + bytes(total - 8)

    buffer = f", in {room_v} bytes" if room else ""
    return call(request, "vcpu", arg, f"flags {flags:#x}, format VMX, size {size_v}{buffer}")

def _nested_size_written(lo: int):
    """A check: the size field written back is at least `lo` and at most KVM_CHECK_EXTENSION(KVM_CAP_NESTED_STATE)."""
    def check(s: Scene, got: Result) -> str | None:
        size, most = struct.unpack_from("<I", got.out, 4)[0], s.cap(s.abi.KVM_CAP_NESTED_STATE)
        return None if lo <= size <= most else \
            f"size written back is {size}, expected {lo}..{most} (KVM_CHECK_EXTENSION(KVM_CAP_NESTED_STATE))"

    return check

def set_nested_as_read() -> Step:
    """KVM_SET_NESTED_STATE with what KVM_GET_NESTED_STATE gave in a buffer of KVM_CAP_NESTED_STATE bytes."""
    def run(s: Scene) -> Result:
        most = s.cap(s.abi.KVM_CAP_NESTED_STATE)
        got = s.ioctl(s.vcpus[-1], s.abi.KVM_GET_NESTED_STATE, struct.pack("<HHI", 0, 0, most) + bytes(most - 8))
        got.value()
        return s.ioctl(s.vcpus[-1], s.abi.KVM_SET_NESTED_STATE, got.out)

    return step("KVM_SET_NESTED_STATE(what KVM_GET_NESTED_STATE read into KVM_CAP_NESTED_STATE bytes)", run)
