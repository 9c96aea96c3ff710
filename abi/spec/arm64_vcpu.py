"""The arm64 vCPU and VM ioctls on the arm64 guests: every documented error, and the implemented ones beside it.

Documentation: Documentation/virt/kvm/api.rst (Debian 6.1, 6.12 and 7.2 linux-doc): 4.2 KVM_CREATE_VM (arm64
IPA size), 4.7 KVM_CREATE_VCPU, 4.10 KVM_RUN, 4.31/4.32 KVM_{GET,SET}_VCPU_EVENTS (arm64), 4.68/4.69
KVM_{SET,GET}_ONE_REG, 4.82 KVM_ARM_VCPU_INIT, 4.83 KVM_ARM_PREFERRED_TARGET, 4.84 KVM_GET_REG_LIST, 4.119
KVM_ARM_VCPU_FINALIZE, 4.130 KVM_ARM_MTE_COPY_TAGS, 4.133 KVM_GET_STATS_FD; 7.x KVM_CAP_ARM_NISV_TO_USER, 7.28
KVM_CAP_ARM_MTE (on the mte machine, the only one whose guest kernel has MTE).
Implementation (arch/arm64/kvm of Debian 6.1.192, 6.12.117 and 7.2.13): arm.c (kvm_arch_vcpu_ioctl,
kvm_vcpu_set_target, kvm_vcpu_init_check_features, kvm_arch_vcpu_run_pid_change, kvm_arch_vm_ioctl,
kvm_arch_init_vm, kvm_vm_ioctl_enable_cap), guest.c (kvm_arm_get_reg/set_reg, get/set_core_reg, set_sve_vls,
sve_reg_to_region, __kvm_arm_vcpu_set_events, kvm_vm_ioctl_mte_copy_tags), reset.c (kvm_arm_vcpu_finalize,
kvm_reset_vcpu and kvm_set_vm_width in 6.1, kvm_arm_setup_stage2 in 6.1), mmu.c (kvm_handle_guest_abort,
kvm_init_ipa_range, kvm_arch_prepare_memory_region),
mmio.c (io_mem_abort), sys_regs.c (kvm_sys_reg_get_user, set_id_reg), hypercalls.c
(kvm_arm_set_fw_reg_bmap), virt/kvm/kvm_main.c (kvm_vm_ioctl_create_vcpu, kvm_vcpu_ioctl_get_stats_fd).
docs/research/arm64_vcpu_ioctls.md has every row with its evidence and the version differences.

Some cases run guest code (a few instructions in a memslot) to reach KVM_RUN's exits; a case that needs a
signal to end KVM_RUN bounds the call with the target's ioctl time limit (SIGALRM in the agent: an unmasked
signal, the documented EINTR condition).

`kernels` says which Debian kernels a case's expectation holds for ("all", or "6.1", "6.12+" ...); the test
skips a case on the others (abi/spec/run.py not_applicable).
"""

from __future__ import annotations

import ctypes
import dataclasses
import struct
from errno import (
    E2BIG,
    EBUSY,
    EEXIST,
    EFAULT,
    EINTR,
    EINVAL,
    EMFILE,
    ENODEV,
    ENOENT,
    ENOEXEC,
    ENOMEM,
    ENOSYS,
    ENXIO,
    EPERM,
)

from abi import arm64, kvm, layout, model
from abi.arm64 import kvm_arm_counter_offset
from abi.spec import arm_vgic_v3 as V3  # the vGICv3 scene and register steps
from abi.spec.case import (
    ARM64,
    DOCUMENT_CONTRADICTS_ITSELF,
    DOCUMENT_NAMES_WHAT_HEADERS_LACK,
    KERNEL_BREAKS_DOCUMENT,
    SUCCEEDS,
    Case,
    Deviation,
    DocumentedError,
    Finding,
    Observed,
    Scene,
    Step,
    Unreachable,
    Val,
)
from abi.spec.irq_delivery import SPI as IRQ_SPI
from abi.spec.irq_delivery import arm_line
from abi.spec.memory_dirty import set_mp
from abi.spec.steps import BAD_POINTER, create_vcpu, ipa_limit, kvm_run_map, step, vcpu_busy
from abi.target.base import Result

API = "api.rst"
RUN = f"{API} 4.10 KVM_RUN"
SET_REG = f"{API} 4.68 KVM_SET_ONE_REG"
GET_REG = f"{API} 4.69 KVM_GET_ONE_REG"
INIT_DOC = f"{API} 4.82 KVM_ARM_VCPU_INIT"
PREF = f"{API} 4.83 KVM_ARM_PREFERRED_TARGET"
REG_LIST = f"{API} 4.84 KVM_GET_REG_LIST"
FINAL = f"{API} 4.119 KVM_ARM_VCPU_FINALIZE"
EVENTS = f"{API} 4.31 KVM_GET_VCPU_EVENTS (ARM64)"
SET_EVENTS = f"{API} 4.32 KVM_SET_VCPU_EVENTS (ARM64)"
MTE = f"{API} 4.130 KVM_ARM_MTE_COPY_TAGS"
STATS = f"{API} 4.133 KVM_GET_STATS_FD"
CREATE_VM = f"{API} 4.2 KVM_CREATE_VM (ARM64)"
NISV = f"{API} 7.x KVM_CAP_ARM_NISV_TO_USER"
SIGMASK = f"{API} 4.21 KVM_SET_SIGNAL_MASK"
COUNTER = f"{API} 4.138 KVM_ARM_SET_COUNTER_OFFSET"
CAP_MTE_DOC = f"{API} 7.28 KVM_CAP_ARM_MTE"

SVE = arm64.KVM_ARM_VCPU_SVE
PAGE = 4096
SLOT_SIZE = 0x10000  # one memslot at IPA 0 holding the guest code (a vCPU resets with PC = 0)
UNMAPPED_IPA = 0x20000000  # outside every memslot and, with no irqchip, outside every in-kernel device


def case(id, ioctl, condition, call, errno, cite, on=ARM64, **kw) -> Case:
    return Case(id=id, ioctl=ioctl, condition=condition, on=on, call=call, errno=errno, cite=cite, **kw)


# Cases whose precondition is a host feature the kernel may lack (a user's own minimal kernel without
# CONFIG_ARM64_SVE or CONFIG_ARM64_RAS_EXTN): case id -> (capability, its name, whether it must be non-zero).
SVE_CASES = ("run-sve-not-finalized", "run-sve-finalized", "get-reg-sve-not-finalized", "set-reg-sve-not-finalized",
             "get-reg-sve-finalized", "get-reg-sve-slice-1", "set-reg-sve-slice-1", "set-vls-no-lengths",
             "set-vls-unchanged", "set-vls-after-finalize", "reg-list-sve-not-finalized", "finalize-sve",
             "finalize-sve-twice", "finalize-unknown-feature", "finalize-bad-pointer")
ESR_CASES = ("set-events-serror-esr", "set-events-serror-esr-bit-24", "set-events-serror-esr-bit-24-implemented",
             "set-events-serror-esr-bit-25", "set-events-serror-esr-bit-63")
NEEDS: dict[str, tuple[int, str, bool]] = {
    **{c: (kvm.KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE", True) for c in SVE_CASES},
    **{c: (kvm.KVM_CAP_ARM_INJECT_SERROR_ESR, "KVM_CAP_ARM_INJECT_SERROR_ESR", True) for c in ESR_CASES},
    "set-events-has-esr-unsupported": (kvm.KVM_CAP_ARM_INJECT_SERROR_ESR, "KVM_CAP_ARM_INJECT_SERROR_ESR", False),
}


# linux/kvm.h since 6.4; its number carries the size of arm64's struct kvm_arm_counter_offset.
KVM_ARM_SET_COUNTER_OFFSET = model.for_arch("arm64").KVM_ARM_SET_COUNTER_OFFSET


# --- register ids --------------------------------------------------------------------------------------

def core_id(offset: int, size: int = kvm.KVM_REG_SIZE_U64) -> int:
    return kvm.KVM_REG_ARM64 | size | arm64.KVM_REG_ARM_CORE | offset


PC = core_id(arm64.KVM_REG_ARM_CORE_REG("regs.pc"))
X2 = core_id(arm64.KVM_REG_ARM_CORE_REG("regs.regs") + 2 * 2)  # the index counts 32-bit words
PSTATE = core_id(arm64.KVM_REG_ARM_CORE_REG("regs.pstate"))
CORE_END = ctypes.sizeof(arm64.kvm_regs) // 4  # the first core index past struct kvm_regs
ID_AA64ISAR0_EL1 = arm64.ARM64_SYS_REG(3, 0, 0, 6, 0)
UNKNOWN_SYSREG = arm64.ARM64_SYS_REG(3, 7, 15, 15, 7)  # IMPLEMENTATION DEFINED space: KVM has no such entry
STD_HYP_BMAP = arm64.KVM_REG_ARM_STD_HYP_BMAP
ZREG0 = arm64.KVM_REG_ARM64_SVE_ZREG(0, 0)
ZREG0_SLICE1 = arm64.KVM_REG_ARM64_SVE_ZREG(0, 1)
VLS = arm64.KVM_REG_ARM64_SVE_VLS


# --- steps ---------------------------------------------------------------------------------------------

def _vcpu(s: Scene) -> int:
    return s.vcpus[-1]


def _preferred(s: Scene):
    a = s.abi
    return s.ioctl(s.vm, a.KVM_ARM_PREFERRED_TARGET, a.kvm_vcpu_init()).struct(a.kvm_vcpu_init)


def vcpu_init(features: int = 0, features1: int = 0, target: int | None = None, new: bool = True,
              ok_errno: int = 0) -> Step:
    """KVM_ARM_VCPU_INIT with the preferred target (or `target`) and features[0] = `features` on a new vCPU
    (or, new=False, the last one again)."""
    shown = f"features[0]={features:#x}" + (f", features[1]={features1:#x}" if features1 else "") \
        + (f", target={target}" if target is not None else "")

    def run(s: Scene) -> Result:
        a = s.abi
        if new:
            got = create_vcpu(len(s.vcpus))(s)
            if not got.ok:
                return got
        init = _preferred(s)
        if target is not None:
            init.target = target
        init.features[0] = features
        init.features[1] = features1
        return s.ioctl(_vcpu(s), a.KVM_ARM_VCPU_INIT, init)

    return step(("KVM_CREATE_VCPU + " if new else "") + f"KVM_ARM_VCPU_INIT({shown})", run, ok_errno)


def init_at(pointer: Val) -> Step:
    return step(f"KVM_ARM_VCPU_INIT(arg={pointer})", lambda s: s.ioctl(_vcpu(s), s.abi.KVM_ARM_VCPU_INIT, pointer(s)))


def finalize(feature: int = SVE, ok_errno: int = 0) -> Step:
    return step(f"KVM_ARM_VCPU_FINALIZE({feature})",
                lambda s: s.ioctl(_vcpu(s), kvm.KVM_ARM_VCPU_FINALIZE, struct.pack("<i", feature)), ok_errno)


def _one_reg(s: Scene, request: int, reg_id: int, data: bytes | None, pointer: Val | None) -> Result:
    addr = pointer(s) if pointer is not None else s.scratch(data if data is not None else bytes(256))
    return s.ioctl(_vcpu(s), request, kvm.kvm_one_reg(id=reg_id, addr=addr))


def get_reg(reg_id: int, name: str, pointer: Val | None = None) -> Step:
    shown = f", addr={pointer}" if pointer is not None else ""
    return step(f"KVM_GET_ONE_REG({name}{shown})", lambda s: _one_reg(s, kvm.KVM_GET_ONE_REG, reg_id, None, pointer))


def set_reg(reg_id: int, name: str, value, ok_errno: int = 0) -> Step:
    """KVM_SET_ONE_REG of `value` (an int as a little-endian u64, bytes as they are, or a callable over the
    scene giving either)."""
    def data(s: Scene) -> bytes:
        v = value(s) if callable(value) else value
        return struct.pack("<Q", v) if isinstance(v, int) else v

    shown = "..." if callable(value) else (f"{value:#x}" if isinstance(value, int) else f"{len(value)} bytes")
    return step(f"KVM_SET_ONE_REG({name} = {shown})",
                lambda s: _one_reg(s, kvm.KVM_SET_ONE_REG, reg_id, data(s), None), ok_errno)


def _read_reg(s: Scene, reg_id: int) -> int:
    _one_reg(s, kvm.KVM_GET_ONE_REG, reg_id, None, None).value()
    return struct.unpack("<Q", s.target.read(s.scratch(), 8))[0]


def reg_list(n) -> Step:
    """KVM_GET_REG_LIST with n = `n` (an int, or a callable over the scene and the vCPU's register count)."""
    def run(s: Scene) -> Result:
        count = None
        if callable(n):
            probe = s.ioctl(_vcpu(s), kvm.KVM_GET_REG_LIST, struct.pack("<Q", 0))
            count = struct.unpack_from("<Q", probe.out)[0]
        want = n(count) if callable(n) else n
        s._cache["reg_count"] = count
        return s.ioctl(_vcpu(s), kvm.KVM_GET_REG_LIST, struct.pack("<Q", want) + bytes(8 * want))

    return step(f"KVM_GET_REG_LIST(n={getattr(n, 'text', n)})", run)


class _N:
    """n as a function of the register count, with a text for the report."""

    def __init__(self, text, fn):
        self.text, self.fn = text, fn

    def __call__(self, count):
        return self.fn(count)


def n_written_back(s: Scene, got: Result) -> str | None:
    n = struct.unpack_from("<Q", got.out)[0] if len(got.out) >= 8 else None
    count = s._cache.get("reg_count")
    if n is None or n == 0:
        return f"n came back as {n}: the number of registers must be written into n"
    if count is not None and n != count:
        return f"n came back as {n}, the vCPU has {count} registers"
    return None


def list_filled(s: Scene, got: Result) -> str | None:
    problem = n_written_back(s, got)
    if problem:
        return problem
    n = struct.unpack_from("<Q", got.out)[0]
    ids = struct.unpack_from(f"<{n}Q", got.out, 8)
    bad = [i for i in ids if i & 0xFF00000000000000 != kvm.KVM_REG_ARM64]
    return f"{len(bad)} ids are not arm64 register ids, e.g. {bad[0]:#x}" if bad else None


def memslot(code: list[int] | None = None) -> Step:
    """Slot 0 at IPA 0 (SLOT_SIZE bytes of target memory) holding `code`, little-endian instruction words."""
    def run(s: Scene) -> Result:
        mem = s.target.alloc(SLOT_SIZE)
        if code:
            s.target.write(mem, struct.pack(f"<{len(code)}I", *code))
        region = kvm.kvm_userspace_memory_region(slot=0, flags=0, guest_phys_addr=0, memory_size=SLOT_SIZE,
                                                 userspace_addr=mem)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, region)

    shown = ", ".join(f"{w:#010x}" for w in code) if code else "empty"
    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {SLOT_SIZE:#x} bytes: {shown})", run)


# Instruction words (A64), written out so the report shows what the guest executes.
MOVZ_X2_UNMAPPED = 0xD2A00000 | ((UNMAPPED_IPA >> 16) << 5) | 2  # movz x2, #(UNMAPPED_IPA >> 16), lsl #16
LDP_X0_X1_X2 = 0xA9400440  # ldp x0, x1, [x2]: a load pair reports no instruction syndrome (ESR_EL2.ISV = 0)
LDR_X0_X2 = 0xF9400040  # ldr x0, [x2]: a single load does (ISV = 1)
B_SELF = 0x14000000  # b .
LOAD_PAIR_OUTSIDE = [MOVZ_X2_UNMAPPED, LDP_X0_X1_X2, B_SELF]
LOAD_OUTSIDE = [MOVZ_X2_UNMAPPED, LDR_X0_X2, B_SELF]
SPIN = [B_SELF]

RUN_LIMIT = 1.0  # seconds a KVM_RUN that only a signal ends may take


def kvm_run(immediate_exit: bool = False, limit: float | None = None, ok_errno: int = 0) -> Step:
    """KVM_RUN on the last vCPU (kvm_run mapped, immediate_exit as given). With `limit`, the target's ioctl
    time limit is set to that many seconds for this call: its SIGALRM is the unmasked signal that ends it."""
    def run(s: Scene) -> Result:
        a = s.abi
        fd = _vcpu(s)
        size = s.ioctl(s.kvm, kvm.KVM_GET_VCPU_MMAP_SIZE, 0).value()
        addr = s.target.mmap(fd, size)
        s.maps.append((addr, size))
        s._cache["run"] = addr
        s.target.write(addr + layout.offsetof(a.kvm_run, "immediate_exit"), b"\x01" if immediate_exit else b"\x00")
        if limit is None:
            return s.ioctl(fd, kvm.KVM_RUN, 0)
        with s.target.time_limit(limit):
            return s.ioctl(fd, kvm.KVM_RUN, 0)

    what = "immediate_exit=1" if immediate_exit else (f"ended by a signal after {limit} s" if limit else "")
    return step(f"KVM_RUN{f' ({what})' if what else ''}", run, ok_errno)


def exit_reason(s: Scene) -> int:
    return struct.unpack("<I", s.target.read(s._cache["run"] + layout.offsetof(s.abi.kvm_run, "exit_reason"), 4))[0]


def exits_with(reason: int, name: str):
    def check(s: Scene, got: Result) -> str | None:
        have = exit_reason(s)
        return None if have == reason else f"kvm_run.exit_reason is {have}, expected {name} ({reason})"

    return check


def enable_cap(cap: int, name: str) -> Step:
    return step(f"KVM_ENABLE_CAP({name})", lambda s: s.ioctl(s.vm, kvm.KVM_ENABLE_CAP, kvm.kvm_enable_cap(cap=cap)))


def set_events(serror_pending=0, has_esr=0, esr=0, ext_dabt=0, pad=0, reserved0=0) -> Step:
    def run(s: Scene) -> Result:
        ev = s.abi.kvm_vcpu_events()
        ev.exception.serror_pending, ev.exception.serror_has_esr = serror_pending, has_esr
        ev.exception.ext_dabt_pending, ev.exception.serror_esr = ext_dabt, esr
        ev.exception.pad[0] = pad
        ev.reserved[0] = reserved0
        return s.ioctl(_vcpu(s), s.abi.KVM_SET_VCPU_EVENTS, ev)

    fields = {"serror_pending": serror_pending, "serror_has_esr": has_esr, "serror_esr": esr,
              "ext_dabt_pending": ext_dabt, "pad[0]": pad, "reserved[0]": reserved0}
    shown = ", ".join(f"{k}={v:#x}" for k, v in fields.items() if v)
    return step(f"KVM_SET_VCPU_EVENTS({shown or 'all zero'})", run)


def get_events() -> Step:
    return step("KVM_GET_VCPU_EVENTS", lambda s: s.ioctl(_vcpu(s), s.abi.KVM_GET_VCPU_EVENTS, s.abi.kvm_vcpu_events()))


def has_esr_matches_cap(s: Scene, got: Result) -> str | None:
    ev = got.struct(s.abi.kvm_vcpu_events)
    cap = 1 if s.cap(kvm.KVM_CAP_ARM_INJECT_SERROR_ESR) else 0
    if ev.exception.serror_has_esr != cap:
        return f"serror_has_esr is {ev.exception.serror_has_esr}, KVM_CAP_ARM_INJECT_SERROR_ESR is {cap}"
    if ev.exception.serror_pending or ev.exception.ext_dabt_pending:
        return "a fresh vCPU reports a pending SError or external abort"
    return None


def stats_fd(on: str = "vm") -> Step:
    def run(s: Scene) -> Result:
        got = s.ioctl(s.vm if on == "vm" else _vcpu(s), kvm.KVM_GET_STATS_FD, 0)
        if got.ok:
            s.devices.append(got.ret)  # closed with the scene
        return got

    return step(f"KVM_GET_STATS_FD on the {on} fd", run)


def fill_fd_table() -> Step:
    """Open /dev/kvm until open() fails with EMFILE, then close one so the next step's KVM_CREATE_VM gets
    the last fd; the fds go to the scene, which closes them."""
    def run(s: Scene) -> Result:
        while True:
            try:
                fd = s.target.open_kvm()
            except OSError as e:
                if e.errno != EMFILE:
                    raise
                break
            s.devices.append(fd)
            if len(s.devices) > 65536:
                raise AssertionError("no EMFILE after 65536 fds: RLIMIT_NOFILE is unexpectedly large")
        return Result(0)

    return step("open /dev/kvm until EMFILE", run)


def mte_copy(pointer: Val | None = None, flags: int = 0) -> Step:
    def run(s: Scene) -> Result:
        a = s.abi
        if pointer is not None:
            return s.ioctl(s.vm, a.KVM_ARM_MTE_COPY_TAGS, pointer(s))
        buf = s.scratch()
        return s.ioctl(s.vm, a.KVM_ARM_MTE_COPY_TAGS,
                       a.kvm_arm_copy_mte_tags(guest_ipa=0, length=PAGE, addr=buf, flags=flags))

    shown = f"arg={pointer}" if pointer is not None else f"guest_ipa=0, length={PAGE:#x}, flags={flags}"
    return step(f"KVM_ARM_MTE_COPY_TAGS({shown})", run)


# --- MTE (the mte machine: QEMU -M virt,mte=on, so the guest kernel's KVM answers KVM_CAP_ARM_MTE) --------

MTE_ON = ("mte",)
NO_MTE = tuple(m for m in ARM64 if m not in MTE_ON)
# A user's own kernel built without CONFIG_ARM64_MTE answers 0 even on the mte machine: a skip, not a failure.
CAP_MTE = (kvm.KVM_CAP_ARM_MTE, "KVM_CAP_ARM_MTE", True)
CAP_NO_MTE = (kvm.KVM_CAP_ARM_MTE, "KVM_CAP_ARM_MTE", False)
CAP_EL1_32BIT = (kvm.KVM_CAP_ARM_EL1_32BIT, "KVM_CAP_ARM_EL1_32BIT", True)
TO_GUEST, FROM_GUEST = arm64.KVM_ARM_TAGS_TO_GUEST, arm64.KVM_ARM_TAGS_FROM_GUEST
GRANULE = 16  # bytes of memory per tag (api.rst 4.130: one tag byte per 16-byte granule)
TAGS = bytes(i % 16 for i in range(PAGE // GRANULE))  # one page's tags: MTE tags are 4 bits
# Two pages' tags for the round trip, one tag per page. QEMU 7.2's TCG keeps one tag byte per page for the
# guest kernel's linear map here (granule k reads back the tag last stored to a granule of k's parity, on the
# 6.1 and 7.2 guest kernels alike: see docs/research/arm64_vcpu_ioctls.md), so distinct tags within a page cannot
# survive the emulator; distinct pages do, which still shows the direction, the order and the count.
PAGE_TAGS = bytes([0x3] * (PAGE // GRANULE) + [0xA] * (PAGE // GRANULE))
UNTOUCHED = 0xEE  # what a tag buffer holds before a copy from the guest: any byte a tag cannot be
TAG_SLOT_IPA = 0


def _mapped(s: Scene, size: int) -> int:
    """Private anonymous target memory (MTE-capable: VM_MTE_ALLOWED), unmapped when the scene closes."""
    addr = s.target.alloc(size)
    s.maps.append((addr, size))
    return addr


def tag_slot(flags: int = 0, size: int = SLOT_SIZE) -> Step:
    """Slot 0 at IPA 0 backed by private anonymous memory, the memory api.rst 7.28 allows an MTE VM."""
    def run(s: Scene) -> Result:
        region = kvm.kvm_userspace_memory_region(slot=0, flags=flags, guest_phys_addr=TAG_SLOT_IPA, memory_size=size,
                                                 userspace_addr=_mapped(s, size))
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, region)

    names = {kvm.KVM_MEM_LOG_DIRTY_PAGES: "LOG_DIRTY_PAGES", kvm.KVM_MEM_READONLY: "READONLY"}
    shown = "|".join(n for f, n in names.items() if flags & f) or "0"
    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {size:#x} bytes of MAP_PRIVATE|MAP_ANONYMOUS memory, "
                f"flags {shown})", run)


def shared_anonymous_slot() -> Step:
    """Slot 0 at IPA 0 on MAP_SHARED|MAP_ANONYMOUS memory (the target's mmap of fd -1)."""
    def run(s: Scene) -> Result:
        addr = s.target.mmap(-1, SLOT_SIZE)
        s.maps.append((addr, SLOT_SIZE))
        region = kvm.kvm_userspace_memory_region(slot=0, flags=0, guest_phys_addr=TAG_SLOT_IPA, memory_size=SLOT_SIZE,
                                                 userspace_addr=addr)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, region)

    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {SLOT_SIZE:#x} bytes of MAP_SHARED|MAP_ANONYMOUS memory)",
                run)


def kvm_run_slot() -> Step:
    """Slot 1 backed by the last vCPU's kvm_run page, mapped MAP_SHARED from the vCPU fd: a shared mapping of a file
    that is neither anonymous nor RAM-based, so not MTE-capable."""
    def run(s: Scene) -> Result:
        addr = s.target.mmap(_vcpu(s), PAGE)
        s.maps.append((addr, PAGE))
        region = kvm.kvm_userspace_memory_region(slot=1, flags=0, guest_phys_addr=UNMAPPED_IPA, memory_size=PAGE,
                                                 userspace_addr=addr)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, region)

    return step("KVM_SET_USER_MEMORY_REGION(slot 1, one page of the vCPU's kvm_run mmap (MAP_SHARED))", run)


def copy_tags(flags: int = TO_GUEST, ipa: int = 0, length: int = PAGE, tags: bytes = TAGS,
              buffer: Val | None = None, reserved: tuple[int, int] = (0, 0), ok_errno: int = 0) -> Step:
    """KVM_ARM_MTE_COPY_TAGS on the VM. The tag buffer is length / 16 bytes of fresh target memory (api.rst 4.130),
    holding `tags` for a copy to the guest and UNTOUCHED bytes for one from it; `buffer` puts it elsewhere."""
    def run(s: Scene) -> Result:
        a = s.abi
        if buffer is not None:
            addr = buffer(s)
        else:
            addr = _mapped(s, max(PAGE, length // GRANULE))
            # The first page's worth is enough to see what the kernel wrote (or read); `length` may be ~2 GiB.
            s.target.write(addr, tags if flags == TO_GUEST else bytes([UNTOUCHED]) * len(tags))
        s._cache["tags"] = addr
        arg = a.kvm_arm_copy_mte_tags(guest_ipa=ipa, length=length, addr=addr, flags=flags)
        arg.reserved[0], arg.reserved[1] = reserved
        return s.ioctl(s.vm, a.KVM_ARM_MTE_COPY_TAGS, arg)

    direction = {TO_GUEST: "TO_GUEST", FROM_GUEST: "FROM_GUEST"}.get(flags, f"{flags:#x}")
    shown = f"{direction}, guest_ipa={ipa:#x}, length={length:#x}"
    shown += f", addr={buffer}" if buffer is not None else ""
    shown += f", reserved={list(reserved)}" if any(reserved) else ""
    return step(f"KVM_ARM_MTE_COPY_TAGS({shown})", run, ok_errno)


def tags_read(expected: bytes):
    """A check: the tag buffer of the call under test holds `expected`."""
    def check(s: Scene, got: Result) -> str | None:
        have = s.target.read(s._cache["tags"], len(expected))
        if have == expected:
            return None
        at = next(i for i in range(len(expected)) if have[i] != expected[i])
        return f"tag byte {at} is {have[at]:#x}, expected {expected[at]:#x} ({len(expected)} bytes compared)"

    return check


ENABLE_MTE = enable_cap(kvm.KVM_CAP_ARM_MTE, "KVM_CAP_ARM_MTE")
MTE_VM = (ENABLE_MTE, tag_slot())
INIT_32BIT = vcpu_init(1 << arm64.KVM_ARM_VCPU_EL1_32BIT)


def create_vm(vm_type) -> Step:
    t = vm_type if isinstance(vm_type, Val) else Val(f"{vm_type:#x}", lambda s, v=vm_type: v)

    def run(s: Scene) -> Result:
        got = s.ioctl(s.kvm, kvm.KVM_CREATE_VM, t(s))
        if got.ok:
            s.devices.append(got.ret)
        return got

    return step(f"KVM_CREATE_VM(type {t})", run)


def ipa(n) -> Val:
    if n == "limit":
        return Val("KVM_VM_TYPE_ARM_IPA_SIZE(KVM_CAP_ARM_VM_IPA_SIZE)", ipa_limit)
    if n == "limit+1":
        return Val("KVM_VM_TYPE_ARM_IPA_SIZE(KVM_CAP_ARM_VM_IPA_SIZE + 1)", lambda s: ipa_limit(s) + 1)
    return Val(f"KVM_VM_TYPE_ARM_IPA_SIZE({n})", lambda s, n=n: kvm.KVM_VM_TYPE_ARM_IPA_SIZE(n))


def preferred_target_is_generic(s: Scene, got: Result) -> str | None:
    init = got.struct(s.abi.kvm_vcpu_init)
    if init.target >= arm64.KVM_ARM_NUM_TARGETS:
        return f"target {init.target} is not a KVM_ARM_TARGET_* value (< {arm64.KVM_ARM_NUM_TARGETS})"
    if any(init.features):
        return f"features {list(init.features)}: api.rst says the preferred target comes with no features"
    return None


MAX_VCPU_ID = Val("KVM_CAP_MAX_VCPU_ID", lambda s: s.cap(kvm.KVM_CAP_MAX_VCPU_ID))
DEVICE_IPA = Val("an IPA outside every memslot", lambda s: UNMAPPED_IPA)


def _id_reg_changed(s: Scene) -> int:
    return _read_reg(s, ID_AA64ISAR0_EL1) ^ (0xF << 4)  # ID_AA64ISAR0_EL1.AES flipped


def signal_mask(blocked: int = 0) -> Step:
    """KVM_SET_SIGNAL_MASK on the last vCPU: struct kvm_signal_mask with the kernel's 8-byte sigset."""
    return step(f"KVM_SET_SIGNAL_MASK(sigset {blocked:#x})",
                lambda s: s.ioctl(_vcpu(s), kvm.KVM_SET_SIGNAL_MASK, struct.pack("<IQ", 8, blocked)))


def counter_offset(reserved: int = 0) -> Step:
    return step(f"KVM_ARM_SET_COUNTER_OFFSET(offset 0, reserved {reserved:#x})",
                lambda s: s.ioctl(s.vm, KVM_ARM_SET_COUNTER_OFFSET,
                                  kvm_arm_counter_offset(counter_offset=0, reserved=reserved)))


INIT_SVE = vcpu_init(1 << SVE)
INIT = vcpu_init()
RAN = kvm_run(immediate_exit=True, ok_errno=EINTR)

ENOEXEC_IABT = ("api.rst 4.10 lists ENOEXEC when the guest tried to execute instructions from device memory; "
                "mmu.c kvm_handle_guest_abort maps an instruction abort outside every memslot to -ENOEXEC and "
                "then, at its out: label, turns that into a prefetch abort injected into the guest (6.1: "
                "kvm_inject_pabt, 7.2: kvm_inject_sea_iabt) and resumes it, so KVM_RUN never returns ENOEXEC "
                "for it: the guest faults again at its vector, and the call ends only by a signal (EINTR)")
ESR_BITS = ("api.rst 4.31 says anything other than the lower 24 bits of serror_esr gives EINVAL; guest.c "
            "__kvm_arm_vcpu_set_events rejects only bits outside ESR_ELx_ISS_MASK, which is bits 24:0 (the "
            "architectural ISS field is 25 bits wide), so bit 24 is accepted")
# Two readers of 4.119 differ on whether SVE on a vCPU initialised without it is "not enabled" (EPERM) or "not
# present" (EINVAL): the table admits both, so the finding is the document's ambiguity, not a broken contract.
FINAL_NOT_ENABLED = ("api.rst 4.119 lists EPERM for a feature not enabled and EINVAL for one unknown or not "
                     "present, both of which describe SVE on a vCPU initialised without it on a host that has SVE; "
                     "reset.c kvm_arm_vcpu_finalize returns EINVAL")

CASES: list[Case] = [
    # --- KVM_RUN ------------------------------------------------------------------------------------------
    case("run-uninitialised", "KVM_RUN", "vCPU never given KVM_ARM_VCPU_INIT", kvm_run(), ENOEXEC,
         f"{RUN}, Errors: ENOEXEC (the vcpu hasn't been initialized); {INIT_DOC}: KVM_RUN returns ENOEXEC",
         setup=(create_vcpu(0),)),
    case("run-immediate-exit", "KVM_RUN", "immediate_exit set", kvm_run(immediate_exit=True), EINTR,
         f"{RUN}, struct kvm_run: immediate_exit makes KVM_RUN return EINTR at once", setup=(INIT,)),
    case("run-signal", "KVM_RUN", "a signal arrives while the guest spins", kvm_run(limit=RUN_LIMIT), EINTR,
         f"{RUN}, Errors: EINTR (an unmasked signal is pending)", setup=(memslot(SPIN), INIT),
         check=exits_with(kvm.KVM_EXIT_INTR, "KVM_EXIT_INTR")),
    case("run-fetch-outside-memslots", "KVM_RUN", "the guest executes at an IPA outside every memslot",
         kvm_run(limit=RUN_LIMIT), ENOEXEC,
         f"{RUN}, Errors: ENOEXEC (the guest tried to execute instructions from device memory)",
         setup=(INIT,), deviation=Deviation(ENOEXEC_IABT, Observed(errno=EINTR, timed_out=True))),
    case("run-fetch-outside-memslots-implemented", "KVM_RUN",
         "the guest executes outside every memslot: what the kernel does", kvm_run(limit=RUN_LIMIT), EINTR,
         "mmu.c: kvm_handle_guest_abort injects a prefetch abort; the call runs until a signal",
         setup=(INIT,), basis="code", check=exits_with(kvm.KVM_EXIT_INTR, "KVM_EXIT_INTR")),
    case("run-load-pair-outside-memslots", "KVM_RUN", "the guest's load pair hits an IPA outside every memslot",
         kvm_run(limit=RUN_LIMIT), ENOSYS,
         f"{RUN}, Errors: ENOSYS (data abort outside memslots with no syndrome info, "
         "KVM_CAP_ARM_NISV_TO_USER not enabled); mmio.c io_mem_abort", setup=(memslot(LOAD_PAIR_OUTSIDE), INIT)),
    case("run-load-pair-nisv-to-user", "KVM_RUN", "the same load pair with KVM_CAP_ARM_NISV_TO_USER enabled",
         kvm_run(limit=RUN_LIMIT), 0, f"{NISV}: the exit is KVM_EXIT_ARM_NISV instead of ENOSYS",
         setup=(enable_cap(kvm.KVM_CAP_ARM_NISV_TO_USER, "KVM_CAP_ARM_NISV_TO_USER"), memslot(LOAD_PAIR_OUTSIDE),
                INIT), check=exits_with(kvm.KVM_EXIT_ARM_NISV, "KVM_EXIT_ARM_NISV")),
    case("run-load-outside-memslots", "KVM_RUN", "a single load outside every memslot is MMIO, not ENOSYS",
         kvm_run(limit=RUN_LIMIT), 0, f"{RUN}, KVM_EXIT_MMIO: the syndrome is valid, userspace emulates it",
         setup=(memslot(LOAD_OUTSIDE), INIT), check=exits_with(kvm.KVM_EXIT_MMIO, "KVM_EXIT_MMIO")),
    case("run-sve-not-finalized", "KVM_RUN", "SVE enabled at init, never finalized", kvm_run(immediate_exit=True),
         EPERM, f"{RUN}, Errors: EPERM (SVE feature set but not finalized); {FINAL}",
         setup=(INIT_SVE,)),
    case("run-sve-finalized", "KVM_RUN", "SVE enabled and finalized", kvm_run(immediate_exit=True), EINTR,
         f"{FINAL}: a mandatory step before the vcpu is usable; then immediate_exit gives EINTR",
         setup=(INIT_SVE, finalize())),

    # --- KVM_GET_ONE_REG / KVM_SET_ONE_REG ------------------------------------------------------------------
    case("get-reg-pc", "KVM_GET_ONE_REG", "the PC of an initialised vCPU", get_reg(PC, "PC"), 0, GET_REG,
         setup=(INIT,)),
    case("get-reg-uninitialised", "KVM_GET_ONE_REG", "before KVM_ARM_VCPU_INIT", get_reg(PC, "PC"), ENOEXEC,
         "arm.c: kvm_arch_vcpu_ioctl refuses an uninitialised vCPU (api.rst 4.69 does not list ENOEXEC)",
         setup=(create_vcpu(0),), basis="code"),
    case("set-reg-uninitialised", "KVM_SET_ONE_REG", "before KVM_ARM_VCPU_INIT", set_reg(PC, "PC", 0x1000), ENOEXEC,
         "arm.c: kvm_arch_vcpu_ioctl refuses an uninitialised vCPU (api.rst 4.68 does not list ENOEXEC)",
         setup=(create_vcpu(0),), basis="code"),
    case("get-reg-core-beyond", "KVM_GET_ONE_REG", "a core register index past struct kvm_regs",
         get_reg(core_id(CORE_END), "core index past kvm_regs"), ENOENT, f"{GET_REG}, Errors: ENOENT",
         setup=(INIT,)),
    case("set-reg-core-beyond", "KVM_SET_ONE_REG", "a core register index past struct kvm_regs",
         set_reg(core_id(CORE_END), "core index past kvm_regs", 0), ENOENT, f"{SET_REG}, Errors: ENOENT",
         setup=(INIT,)),
    case("get-reg-unknown-sysreg", "KVM_GET_ONE_REG", "a system register KVM does not have",
         get_reg(UNKNOWN_SYSREG, "S3_7_C15_C15_7"), ENOENT, f"{GET_REG}, Errors: ENOENT; sys_regs.c "
         "kvm_sys_reg_get_user", setup=(INIT,)),
    case("set-reg-unknown-sysreg", "KVM_SET_ONE_REG", "a system register KVM does not have",
         set_reg(UNKNOWN_SYSREG, "S3_7_C15_C15_7", 0), ENOENT, f"{SET_REG}, Errors: ENOENT", setup=(INIT,)),
    case("get-reg-other-arch", "KVM_GET_ONE_REG", "an id whose architecture field is not KVM_REG_ARM64",
         get_reg(kvm.KVM_REG_SIZE_U64 | 0x10, "id 0x0030000000000010"), EINVAL,
         f"{GET_REG}, Errors: EINVAL (invalid register ID); guest.c kvm_arm_get_reg", setup=(INIT,)),
    case("set-reg-other-arch", "KVM_SET_ONE_REG", "an id whose architecture field is not KVM_REG_ARM64",
         set_reg(kvm.KVM_REG_SIZE_U64 | 0x10, "id 0x0030000000000010", 0), EINVAL,
         f"{SET_REG}, Errors: EINVAL (invalid register ID); guest.c kvm_arm_set_reg", setup=(INIT,)),
    case("get-reg-core-wrong-size", "KVM_GET_ONE_REG", "the PC with a 32-bit size in its id",
         get_reg(core_id(arm64.KVM_REG_ARM_CORE_REG("regs.pc"), kvm.KVM_REG_SIZE_U32), "PC as u32"), EINVAL,
         f"{GET_REG}, Errors: EINVAL (invalid register ID); guest.c core_reg_addr", setup=(INIT,)),
    case("set-reg-pstate-bad-mode", "KVM_SET_ONE_REG", "PSTATE with an undefined mode (0x1f is AArch32 SYS)",
         set_reg(PSTATE, "PSTATE", 0x1F), EINVAL,
         "guest.c: set_core_reg, an AArch32 mode on a 64-bit vCPU", setup=(INIT,), basis="code"),
    case("get-reg-bad-addr", "KVM_GET_ONE_REG", "addr pointing at a guard page",
         get_reg(PC, "PC", pointer=BAD_POINTER), EFAULT, "guest.c: get_core_reg copy_to_user (undocumented)",
         setup=(INIT,), basis="code"),
    case("get-reg-sve-not-finalized", "KVM_GET_ONE_REG", "Z0 before KVM_ARM_VCPU_FINALIZE(SVE)",
         get_reg(ZREG0, "Z0"), EPERM, f"{GET_REG}, Errors: EPERM (before vcpu finalization)", setup=(INIT_SVE,)),
    case("set-reg-sve-not-finalized", "KVM_SET_ONE_REG", "Z0 before KVM_ARM_VCPU_FINALIZE(SVE)",
         set_reg(ZREG0, "Z0", bytes(256)), EPERM, f"{SET_REG}, Errors: EPERM (before vcpu finalization)",
         setup=(INIT_SVE,)),
    case("get-reg-sve-finalized", "KVM_GET_ONE_REG", "Z0 after KVM_ARM_VCPU_FINALIZE(SVE)", get_reg(ZREG0, "Z0"), 0,
         f"{FINAL}; {GET_REG}", setup=(INIT_SVE, finalize())),
    case("get-reg-sve-slice-1", "KVM_GET_ONE_REG", "Z0 slice 1 (beyond max_vq)", get_reg(ZREG0_SLICE1, "Z0[1]"),
         ENOENT, f"{SET_REG}, arm64 SVE registers: ids where 2048 * slice >= 128 * max_vq fail with ENOENT",
         setup=(INIT_SVE, finalize())),
    case("set-reg-sve-slice-1", "KVM_SET_ONE_REG", "Z0 slice 1 (beyond max_vq)",
         set_reg(ZREG0_SLICE1, "Z0[1]", bytes(256)), ENOENT,
         f"{SET_REG}, arm64 SVE registers: 2048 * slice >= 128 * max_vq fails with ENOENT",
         setup=(INIT_SVE, finalize())),
    case("get-reg-sve-without-sve", "KVM_GET_ONE_REG", "Z0 on a vCPU without SVE", get_reg(ZREG0, "Z0"), ENOENT,
         f"{SET_REG}: SVE registers are only accessible on vcpus with SVE enabled; guest.c sve_reg_to_region",
         setup=(INIT,)),
    case("set-vls-no-lengths", "KVM_SET_ONE_REG", "KVM_REG_ARM64_SVE_VLS with no vector length",
         set_reg(VLS, "SVE_VLS", bytes(64)), EINVAL,
         f"{SET_REG}: an invalid set of vector lengths fails with EINVAL", setup=(INIT_SVE,)),
    case("set-vls-unchanged", "KVM_SET_ONE_REG", "KVM_REG_ARM64_SVE_VLS written back as read, before finalize",
         set_reg(VLS, "SVE_VLS", lambda s: (_one_reg(s, kvm.KVM_GET_ONE_REG, VLS, None, None).value(),
                                            s.target.read(s.scratch(), 64))[1]), 0,
         f"{SET_REG}: userspace may modify it until the SVE configuration is finalized", setup=(INIT_SVE,)),
    case("set-vls-after-finalize", "KVM_SET_ONE_REG", "KVM_REG_ARM64_SVE_VLS after KVM_ARM_VCPU_FINALIZE",
         set_reg(VLS, "SVE_VLS", lambda s: (_one_reg(s, kvm.KVM_GET_ONE_REG, VLS, None, None).value(),
                                            s.target.read(s.scratch(), 64))[1]), EPERM,
         f"{SET_REG}: after finalization, writes of this register fail with EPERM", setup=(INIT_SVE, finalize())),
    case("set-fw-bitmap-before-run", "KVM_SET_ONE_REG", "KVM_REG_ARM_STD_HYP_BMAP cleared before any vCPU ran",
         set_reg(STD_HYP_BMAP, "STD_HYP_BMAP", 0), 0, f"{SET_REG}: bitmap firmware registers are writable",
         setup=(INIT,)),
    case("set-fw-bitmap-after-run", "KVM_SET_ONE_REG", "KVM_REG_ARM_STD_HYP_BMAP changed after a vCPU ran",
         set_reg(STD_HYP_BMAP, "STD_HYP_BMAP", 0), EBUSY,
         f"{SET_REG}: bitmap firmware registers are immutable once a vCPU ran: -EBUSY; hypercalls.c "
         "kvm_arm_set_fw_reg_bmap", setup=(INIT, RAN)),
    case("set-fw-bitmap-after-run-same", "KVM_SET_ONE_REG", "KVM_REG_ARM_STD_HYP_BMAP rewritten unchanged after a run",
         set_reg(STD_HYP_BMAP, "STD_HYP_BMAP", lambda s: _read_reg(s, STD_HYP_BMAP)), 0,
         "hypercalls.c: kvm_arm_set_fw_reg_bmap refuses only a different value", setup=(INIT, RAN), basis="code"),
    case("set-id-reg-changed-after-run-6.1", "KVM_SET_ONE_REG", "ID_AA64ISAR0_EL1 changed after a vCPU ran (6.1)",
         set_reg(ID_AA64ISAR0_EL1, "ID_AA64ISAR0_EL1", _id_reg_changed), EINVAL,
         "sys_regs.c (6.1): set_id_reg accepts only the value it reads (invariant)", setup=(INIT, RAN),
         basis="code", kernels="6.1"),
    case("set-id-reg-changed-after-run", "KVM_SET_ONE_REG", "ID_AA64ISAR0_EL1 changed after a vCPU ran",
         set_reg(ID_AA64ISAR0_EL1, "ID_AA64ISAR0_EL1", _id_reg_changed), EBUSY,
         "sys_regs.c (6.12, 7.2): set_id_reg, ID registers are immutable once the VM ran: -EBUSY",
         setup=(INIT, RAN), basis="code", kernels="6.12+"),

    # --- KVM_ARM_VCPU_INIT ----------------------------------------------------------------------------------
    case("init", "KVM_ARM_VCPU_INIT", "the preferred target, no features", INIT, 0, INIT_DOC),
    case("init-unknown-target", "KVM_ARM_VCPU_INIT", "target KVM_ARM_NUM_TARGETS (unknown)",
         vcpu_init(target=arm64.KVM_ARM_NUM_TARGETS), EINVAL, f"{INIT_DOC}, Errors: EINVAL (the target is unknown)"),
    case("init-other-cpu-target", "KVM_ARM_VCPU_INIT", "target Cortex-A57 on a host that is not one",
         vcpu_init(target=arm64.KVM_ARM_TARGET_CORTEX_A57), EINVAL,
         f"{INIT_DOC}, Errors: EINVAL; arm.c kvm_vcpu_set_target accepts the host's target (and GENERIC_V8 from 6.12)",
         basis="code"),
    case("init-unknown-feature", "KVM_ARM_VCPU_INIT", "features[0] bit 31", vcpu_init(1 << 31), ENOENT,
         f"{INIT_DOC}, Errors: ENOENT (a features bit specified is unknown)"),
    case("init-unknown-feature-word-1", "KVM_ARM_VCPU_INIT", "features[1] bit 0", vcpu_init(features1=1), ENOENT,
         f"{INIT_DOC}, Errors: ENOENT (a features bit specified is unknown)"),
    case("init-ptrauth-address-only", "KVM_ARM_VCPU_INIT",
         "PTRAUTH_ADDRESS without PTRAUTH_GENERIC (no pointer auth here)",
         vcpu_init(1 << arm64.KVM_ARM_VCPU_PTRAUTH_ADDRESS), EINVAL,
         f"{INIT_DOC}, Errors: EINVAL (the combination of features is invalid; both must be requested together)"),
    case("init-mixed-register-width", "KVM_ARM_VCPU_INIT", "vCPU 1 AArch32 (EL1_32BIT) beside an AArch64 vCPU 0",
         vcpu_init(1 << arm64.KVM_ARM_VCPU_EL1_32BIT), EINVAL,
         f"{INIT_DOC}, Errors: EINVAL (invalid combination); 6.1 reset.c kvm_set_vm_width, 6.12+ arm.c "
         "__kvm_vcpu_set_target (features are per VM)", setup=(INIT,)),
    case("init-again-same", "KVM_ARM_VCPU_INIT", "a second init with the same target and features",
         vcpu_init(new=False), 0, f"{INIT_DOC}: userspace can call this function multiple times", setup=(INIT,)),
    case("init-again-after-run", "KVM_ARM_VCPU_INIT", "a second init after the vCPU ran", vcpu_init(new=False), 0,
         f"{INIT_DOC}: including after the vcpu has been run", setup=(INIT, RAN), order_row=3),
    case("init-again-other-features", "KVM_ARM_VCPU_INIT", "a second init with other features",
         vcpu_init(1 << arm64.KVM_ARM_VCPU_PSCI_0_2, new=False), EINVAL,
         f"{INIT_DOC}: later calls must use the same target and feature flags, otherwise EINVAL", setup=(INIT,)),
    case("init-not-called", "KVM_ARM_VCPU_INIT", "never called: the vCPU's KVM_RUN", kvm_run(), ENOEXEC,
         f"{INIT_DOC}: if this is not called, KVM_RUN will return ENOEXEC for that vcpu",
         setup=(create_vcpu(0),)),
    case("init-bad-pointer", "KVM_ARM_VCPU_INIT", "argument pointer to a guard page", init_at(BAD_POINTER), EFAULT,
         "arm.c: kvm_arch_vcpu_ioctl copy_from_user (undocumented)", setup=(create_vcpu(0),), basis="code"),

    # --- KVM_ARM_PREFERRED_TARGET ---------------------------------------------------------------------------
    case("preferred-target", "KVM_ARM_PREFERRED_TARGET", "on a VM fd",
         step("KVM_ARM_PREFERRED_TARGET", lambda s: s.ioctl(s.vm, s.abi.KVM_ARM_PREFERRED_TARGET,
                                                            s.abi.kvm_vcpu_init())), 0,
         f"{PREF}: a known target and no features", check=preferred_target_is_generic),
    case("preferred-target-bad-pointer", "KVM_ARM_PREFERRED_TARGET", "argument pointer to a guard page",
         step("KVM_ARM_PREFERRED_TARGET(arg=a guard page)",
              lambda s: s.ioctl(s.vm, s.abi.KVM_ARM_PREFERRED_TARGET, s.target.bad_address())), EFAULT,
         "arm.c: kvm_arch_vm_ioctl copy_to_user (undocumented)", basis="code"),

    # --- KVM_GET_REG_LIST -----------------------------------------------------------------------------------
    case("reg-list-n-zero", "KVM_GET_REG_LIST", "n = 0", reg_list(_N("count", lambda c: 0)), E2BIG,
         f"{REG_LIST}, Errors: E2BIG; the number required is written into n", setup=(INIT,),
         check=n_written_back),
    case("reg-list-one-short", "KVM_GET_REG_LIST", "n = the register count - 1",
         reg_list(_N("count - 1", lambda c: c - 1)), E2BIG, f"{REG_LIST}, Errors: E2BIG", setup=(INIT,),
         check=n_written_back),
    case("reg-list-exact", "KVM_GET_REG_LIST", "n = the register count", reg_list(_N("count", lambda c: c)), 0,
         REG_LIST, setup=(INIT,), check=list_filled),
    case("reg-list-uninitialised", "KVM_GET_REG_LIST", "before KVM_ARM_VCPU_INIT", reg_list(0), ENOEXEC,
         "arm.c: kvm_arch_vcpu_ioctl (undocumented for this ioctl)", setup=(create_vcpu(0),), basis="code"),
    case("reg-list-sve-not-finalized", "KVM_GET_REG_LIST", "SVE enabled, not finalized", reg_list(0), EPERM,
         f"{FINAL}: KVM_GET_REG_LIST fails with EPERM until the feature is finalized", setup=(INIT_SVE,)),
    case("reg-list-bad-pointer", "KVM_GET_REG_LIST", "argument pointer to a guard page",
         step("KVM_GET_REG_LIST(arg=a guard page)",
              lambda s: s.ioctl(_vcpu(s), kvm.KVM_GET_REG_LIST, s.target.bad_address())), EFAULT,
         "arm.c: kvm_arch_vcpu_ioctl copy_from_user (undocumented)", setup=(INIT,), basis="code"),

    # --- KVM_ARM_VCPU_FINALIZE ------------------------------------------------------------------------------
    case("finalize-sve", "KVM_ARM_VCPU_FINALIZE", "SVE after init with SVE", finalize(), 0, FINAL,
         setup=(INIT_SVE,)),
    case("finalize-sve-twice", "KVM_ARM_VCPU_FINALIZE", "SVE already finalized", finalize(), EPERM,
         f"{FINAL}, Errors: EPERM (already finalized)", setup=(INIT_SVE, finalize())),
    # Only a host with SVE makes "not enabled" the question: without it the feature is not present (EINVAL).
    case("finalize-sve-not-enabled", "KVM_ARM_VCPU_FINALIZE", "SVE on a vCPU initialised without it, on a host "
         "with SVE", finalize(), EPERM, f"{FINAL}, Errors: EPERM (feature not enabled)", setup=(INIT,),
         needs=((kvm.KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE", True),),
         deviation=Deviation(FINAL_NOT_ENABLED, EINVAL, kind=DOCUMENT_CONTRADICTS_ITSELF)),
    case("finalize-sve-not-present", "KVM_ARM_VCPU_FINALIZE", "SVE on a host without SVE", finalize(), EINVAL,
         f"{FINAL}, Errors: EINVAL (feature not present)", setup=(INIT,),
         needs=((kvm.KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE", False),)),
    case("finalize-unknown-feature", "KVM_ARM_VCPU_FINALIZE", "feature 0 (POWER_OFF: not finalizable)",
         finalize(arm64.KVM_ARM_VCPU_POWER_OFF), EINVAL, f"{FINAL}, Errors: EINVAL (feature unknown)",
         setup=(INIT_SVE,)),
    case("finalize-unknown-feature-ffff", "KVM_ARM_VCPU_FINALIZE", "feature 0xffff", finalize(0xFFFF), EINVAL,
         f"{FINAL}, Errors: EINVAL (feature unknown)", setup=(INIT,)),
    case("finalize-uninitialised", "KVM_ARM_VCPU_FINALIZE", "before KVM_ARM_VCPU_INIT", finalize(), ENOEXEC,
         "arm.c: kvm_arch_vcpu_ioctl (undocumented; 4.119 says the vcpu must be initialised)",
         setup=(create_vcpu(0),), basis="code"),
    case("finalize-bad-pointer", "KVM_ARM_VCPU_FINALIZE", "argument pointer to a guard page",
         step("KVM_ARM_VCPU_FINALIZE(arg=a guard page)",
              lambda s: s.ioctl(_vcpu(s), kvm.KVM_ARM_VCPU_FINALIZE, s.target.bad_address())), EFAULT,
         "arm.c: kvm_arch_vcpu_ioctl get_user (undocumented)", setup=(INIT_SVE,), basis="code"),

    # --- KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS ----------------------------------------------------------
    case("get-events", "KVM_GET_VCPU_EVENTS", "a fresh vCPU", get_events(), 0,
         f"{EVENTS}: serror_has_esr is non-zero when KVM_CAP_ARM_INJECT_SERROR_ESR is", setup=(INIT,),
         check=has_esr_matches_cap),
    case("get-events-uninitialised", "KVM_GET_VCPU_EVENTS", "before KVM_ARM_VCPU_INIT", get_events(), ENOEXEC,
         f"{EVENTS}: an uninitialized vCPU returns -ENOEXEC (documented from 7.x; arm.c returns it in 6.1 too)",
         setup=(create_vcpu(0),)),
    case("set-events-uninitialised", "KVM_SET_VCPU_EVENTS", "before KVM_ARM_VCPU_INIT", set_events(), ENOEXEC,
         f"{SET_EVENTS}: an uninitialized vCPU returns -ENOEXEC (documented from 7.x; arm.c returns it in 6.1 "
         "too)", setup=(create_vcpu(0),)),
    case("set-events-serror-esr", "KVM_SET_VCPU_EVENTS", "a pending SError with an ESR in the low 24 bits",
         set_events(serror_pending=1, has_esr=1, esr=0x1), 0,
         f"{EVENTS}: the ISS goes in the lower 24 bits of serror_esr", setup=(INIT,)),
    case("set-events-serror-esr-bit-24", "KVM_SET_VCPU_EVENTS", "serror_esr with bit 24 set",
         set_events(serror_pending=1, has_esr=1, esr=1 << 24), EINVAL,
         f"{EVENTS}: setting anything other than the lower 24 bits of serror_esr returns -EINVAL "
         "(the sentence is in 4.31 and describes KVM_SET_VCPU_EVENTS)", setup=(INIT,),
         deviation=Deviation(ESR_BITS, SUCCEEDS)),
    case("set-events-serror-esr-bit-25", "KVM_SET_VCPU_EVENTS", "serror_esr with bit 25 (ESR.IL) set",
         set_events(serror_pending=1, has_esr=1, esr=1 << 25), EINVAL,
         "guest.c: __kvm_arm_vcpu_set_events, the first bit outside ESR_ELx_ISS_MASK", setup=(INIT,),
         basis="code"),
    case("set-events-serror-esr-bit-63", "KVM_SET_VCPU_EVENTS", "serror_esr with bit 63 set",
         set_events(serror_pending=1, has_esr=1, esr=1 << 63), EINVAL,
         f"{EVENTS}: anything other than the lower 24 bits returns -EINVAL", setup=(INIT,)),
    case("set-events-has-esr-unsupported", "KVM_SET_VCPU_EVENTS",
         "serror_has_esr on a host without KVM_CAP_ARM_INJECT_SERROR_ESR", set_events(serror_pending=1, has_esr=1),
         EINVAL, f"{EVENTS}: specifying exception.has_esr on a system that does not support it returns -EINVAL "
         "(the sentence is in 4.31 and describes KVM_SET_VCPU_EVENTS)", setup=(INIT,)),
    case("set-events-esr-without-pending", "KVM_SET_VCPU_EVENTS", "serror_esr bit 24 with no SError pending",
         set_events(serror_pending=0, has_esr=1, esr=1 << 24), 0,
         "guest.c: __kvm_arm_vcpu_set_events looks at the ESR only for a pending SError", setup=(INIT,),
         basis="code"),
    case("set-events-reserved", "KVM_SET_VCPU_EVENTS", "reserved[0] not zero", set_events(reserved0=1), EINVAL,
         "arm.c: kvm_arm_vcpu_set_events checks reserved[] (undocumented)", setup=(INIT,), basis="code"),
    case("set-events-pad", "KVM_SET_VCPU_EVENTS", "exception.pad[0] not zero", set_events(pad=1), EINVAL,
         "arm.c: kvm_arm_vcpu_set_events checks exception.pad[] (undocumented)", setup=(INIT,), basis="code"),

    # --- KVM_ARM_MTE_COPY_TAGS on a VM without MTE (every machine: the mte one too, until the VM enables it) -----
    case("mte-copy-tags-without-mte", "KVM_ARM_MTE_COPY_TAGS", "on a VM without KVM_CAP_ARM_MTE enabled",
         mte_copy(), EINVAL, "guest.c: kvm_vm_ioctl_mte_copy_tags (!kvm_has_mte) before any argument check",
         basis="code"),
    case("mte-copy-tags-bad-pointer", "KVM_ARM_MTE_COPY_TAGS", "argument pointer to a guard page",
         mte_copy(pointer=BAD_POINTER), EFAULT, "arm.c: kvm_arch_vm_ioctl copy_from_user, before the MTE test",
         basis="code"),

    # --- KVM_ARM_MTE_COPY_TAGS on a VM with MTE enabled and 64 KiB of anonymous memory at IPA 0 ---------------
    case("mte-copy-tags-to-guest", "KVM_ARM_MTE_COPY_TAGS", "one page's tags to the guest", copy_tags(), 0,
         f"{MTE}: the call completes successfully and returns length", on=MTE_ON, setup=MTE_VM, ret=PAGE,
         needs=(CAP_MTE,)),
    case("mte-copy-tags-round-trip", "KVM_ARM_MTE_COPY_TAGS", "two pages' tags copied to the guest, then back",
         copy_tags(FROM_GUEST, length=2 * PAGE, tags=PAGE_TAGS), 0,
         f"{MTE}: length / 16 bytes, one tag per byte; returns length", on=MTE_ON,
         setup=(*MTE_VM, copy_tags(length=2 * PAGE, tags=PAGE_TAGS)), ret=2 * PAGE, check=tags_read(PAGE_TAGS),
         needs=(CAP_MTE,)),
    case("mte-copy-tags-from-untagged-page", "KVM_ARM_MTE_COPY_TAGS", "from a guest page whose tags were never set",
         copy_tags(FROM_GUEST), 0, "guest.c: kvm_vm_ioctl_mte_copy_tags writes zeros for a page not yet tagged",
         on=MTE_ON, setup=MTE_VM, ret=PAGE, check=tags_read(bytes(len(TAGS))), basis="code", needs=(CAP_MTE,)),
    case("mte-copy-tags-partial", "KVM_ARM_MTE_COPY_TAGS", "two pages from the last page of the memslot",
         copy_tags(ipa=SLOT_SIZE - PAGE, length=2 * PAGE), 0,
         f"{MTE}: if some tags were copied before an error, the number of bytes copied is returned", on=MTE_ON,
         setup=MTE_VM, ret=PAGE, needs=(CAP_MTE,)),
    case("mte-copy-tags-length-limit", "KVM_ARM_MTE_COPY_TAGS", "length 2^31 - PAGE_SIZE over a 64 KiB memslot",
         copy_tags(length=(1 << 31) - PAGE), 0,
         f"{MTE}: length up to 2^31 - PAGE_SIZE is accepted (6.12+ text); the 16 pages of the memslot are copied "
         "before the first page outside it, and that count is returned", on=MTE_ON, setup=MTE_VM, ret=SLOT_SIZE,
         needs=(CAP_MTE,)),
    case("mte-copy-tags-length-2g", "KVM_ARM_MTE_COPY_TAGS", "length 2^31", copy_tags(length=1 << 31), EINVAL,
         f"{MTE}: length must not be bigger than 2^31 - PAGE_SIZE (6.12+ text); guest.c length > INT_MAX",
         on=MTE_ON, setup=MTE_VM, kernels="6.12+", needs=(CAP_MTE,)),
    case("mte-copy-tags-length-2g-6.1", "KVM_ARM_MTE_COPY_TAGS", "length 2^31 (6.1: no upper bound)",
         copy_tags(length=1 << 31), 0,
         "guest.c (6.1): kvm_vm_ioctl_mte_copy_tags has no length bound; it copies the memslot's 16 pages and "
         "returns that count", on=MTE_ON, setup=MTE_VM, ret=SLOT_SIZE, basis="code", kernels="6.1",
         needs=(CAP_MTE,)),
    case("mte-copy-tags-reserved-0", "KVM_ARM_MTE_COPY_TAGS", "reserved[0] not zero", copy_tags(reserved=(1, 0)),
         EINVAL, f"{MTE}: -EINVAL for incorrect arguments; guest.c checks reserved[]", on=MTE_ON, setup=MTE_VM,
         needs=(CAP_MTE,)),
    case("mte-copy-tags-reserved-1", "KVM_ARM_MTE_COPY_TAGS", "reserved[1] not zero", copy_tags(reserved=(0, 1)),
         EINVAL, f"{MTE}: -EINVAL for incorrect arguments", on=MTE_ON, setup=MTE_VM, needs=(CAP_MTE,)),
    case("mte-copy-tags-unknown-flag", "KVM_ARM_MTE_COPY_TAGS", "flags 2 (neither TO_GUEST nor FROM_GUEST)",
         copy_tags(flags=2), EINVAL, f"{MTE}: flags is either KVM_ARM_TAGS_TO_GUEST or KVM_ARM_TAGS_FROM_GUEST; "
         "-EINVAL for incorrect arguments", on=MTE_ON, setup=MTE_VM, needs=(CAP_MTE,)),
    case("mte-copy-tags-unaligned-ipa", "KVM_ARM_MTE_COPY_TAGS", "guest_ipa half a page in",
         copy_tags(ipa=PAGE // 2), EINVAL, f"{MTE}: guest_ipa must be PAGE_SIZE aligned; -EINVAL", on=MTE_ON,
         setup=MTE_VM, needs=(CAP_MTE,)),
    case("mte-copy-tags-unaligned-length", "KVM_ARM_MTE_COPY_TAGS", "length half a page",
         copy_tags(length=PAGE // 2), EINVAL, f"{MTE}: length must be PAGE_SIZE aligned; -EINVAL", on=MTE_ON,
         setup=MTE_VM, needs=(CAP_MTE,)),
    case("mte-copy-tags-outside-memslots", "KVM_ARM_MTE_COPY_TAGS", "guest_ipa outside every memslot",
         copy_tags(ipa=UNMAPPED_IPA), EFAULT, f"{MTE}: -EFAULT if memory cannot be accessed (nothing copied)",
         on=MTE_ON, setup=MTE_VM, needs=(CAP_MTE,)),
    case("mte-copy-tags-to-guest-bad-buffer", "KVM_ARM_MTE_COPY_TAGS", "to the guest from a tag buffer at a guard page",
         copy_tags(buffer=BAD_POINTER), EFAULT, f"{MTE}: -EFAULT if memory cannot be accessed", on=MTE_ON,
         setup=MTE_VM, needs=(CAP_MTE,)),
    case("mte-copy-tags-from-guest-bad-buffer", "KVM_ARM_MTE_COPY_TAGS",
         "from the guest into a tag buffer at a guard page", copy_tags(FROM_GUEST, buffer=BAD_POINTER), EFAULT,
         f"{MTE}: -EFAULT if memory cannot be accessed", on=MTE_ON, setup=MTE_VM, needs=(CAP_MTE,)),
    case("mte-copy-tags-to-readonly-memslot", "KVM_ARM_MTE_COPY_TAGS", "to a read-only memslot",
         copy_tags(), EFAULT, "guest.c: kvm_vm_ioctl_mte_copy_tags, a write finds no writable page (6.1/6.12 "
         "gfn_to_pfn_prot, 7.2 __gfn_to_page): -EFAULT", on=MTE_ON, setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_READONLY)),
         basis="code", needs=(CAP_MTE,)),
    case("mte-copy-tags-from-readonly-memslot", "KVM_ARM_MTE_COPY_TAGS", "from a read-only memslot",
         copy_tags(FROM_GUEST), 0, "guest.c: kvm_vm_ioctl_mte_copy_tags reads through a read-only slot", on=MTE_ON,
         setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_READONLY)), ret=PAGE, basis="code", needs=(CAP_MTE,)),
    case("mte-copy-tags-to-guest-dirty-logging", "KVM_ARM_MTE_COPY_TAGS",
         "to the guest while a memslot logs dirty pages", copy_tags(), EBUSY,
         "guest.c (6.12, 7.2): kvm_vm_ioctl_mte_copy_tags refuses writes while nr_memslots_dirty_logging is "
         "non-zero (undocumented)", on=MTE_ON, setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_LOG_DIRTY_PAGES)),
         basis="code", kernels="6.12+", needs=(CAP_MTE,)),
    case("mte-copy-tags-to-guest-dirty-logging-6.1", "KVM_ARM_MTE_COPY_TAGS",
         "to the guest while a memslot logs dirty pages (6.1)", copy_tags(), 0,
         "guest.c (6.1): no dirty-logging test yet", on=MTE_ON,
         setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_LOG_DIRTY_PAGES)), ret=PAGE, basis="code", kernels="6.1",
         needs=(CAP_MTE,)),
    case("mte-copy-tags-from-guest-dirty-logging", "KVM_ARM_MTE_COPY_TAGS",
         "from the guest while a memslot logs dirty pages", copy_tags(FROM_GUEST), 0,
         "guest.c: only a copy to the guest is refused during dirty logging (6.12, 7.2)", on=MTE_ON,
         setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_LOG_DIRTY_PAGES)), ret=PAGE, basis="code", needs=(CAP_MTE,)),

    # --- KVM_CAP_ARM_MTE (api.rst 7.28) -----------------------------------------------------------------------
    case("mte-enable", "KVM_ENABLE_CAP", "KVM_CAP_ARM_MTE before any vCPU exists", ENABLE_MTE, 0,
         f"{CAP_MTE_DOC}: it must be enabled by the VMM before creating any VCPUs", on=MTE_ON, needs=(CAP_MTE,),
         cap="KVM_CAP_ARM_MTE", order_row=1),
    case("mte-enable-after-vcpu", "KVM_ENABLE_CAP", "KVM_CAP_ARM_MTE after KVM_CREATE_VCPU", ENABLE_MTE, EINVAL,
         f"{CAP_MTE_DOC}: before creating any VCPUs (no errno given); arm.c kvm_vm_ioctl_enable_cap: "
         "created_vcpus -> -EINVAL", on=MTE_ON, setup=(create_vcpu(0),), basis="code", needs=(CAP_MTE,)),
    case("mte-enable-unsupported", "KVM_ENABLE_CAP", "KVM_CAP_ARM_MTE on a host without MTE", ENABLE_MTE, EINVAL,
         f"{CAP_MTE_DOC}: the capability says KVM and the hardware support MTE; arm.c kvm_vm_ioctl_enable_cap: "
         "!system_supports_mte() -> -EINVAL", on=NO_MTE, basis="code", needs=(CAP_NO_MTE,)),
    case("mte-aarch32-vcpu", "KVM_ARM_VCPU_INIT", "an AArch32 (EL1_32BIT) vCPU on a VM with MTE enabled",
         INIT_32BIT, EINVAL,
         f"{CAP_MTE_DOC}: enabling it makes attempts to create AArch32 VCPUs fail (no errno given); 6.1 reset.c "
         "kvm_set_vm_width, 6.12+ arm.c kvm_vcpu_init_check_features: -EINVAL", on=MTE_ON, setup=(ENABLE_MTE,),
         basis="code", needs=(CAP_MTE, CAP_EL1_32BIT)),
    case("mte-aarch32-vcpu-without-mte", "KVM_ARM_VCPU_INIT", "an AArch32 vCPU on the same host, MTE not enabled",
         INIT_32BIT, 0, "the contrast: the EINVAL above comes from MTE, not from AArch32 (KVM_CAP_ARM_EL1_32BIT)",
         on=MTE_ON, basis="code", needs=(CAP_MTE, CAP_EL1_32BIT)),
    case("mte-memslot-shared-file", "KVM_SET_USER_MEMORY_REGION",
         "a memslot on the vCPU's kvm_run mmap (MAP_SHARED, not anonymous) with MTE enabled", kvm_run_slot(), EINVAL,
         f"{CAP_MTE_DOC}: 6.1: a memslot on a MAP_SHARED mmap returns -EINVAL; 6.12+: memory that is neither "
         "MAP_ANONYMOUS nor a RAM-based file returns -EINVAL (mmu.c kvm_arch_prepare_memory_region)", on=MTE_ON,
         # The row of 7.28's section (KVM_ENABLE_CAP(KVM_CAP_ARM_MTE) EINVAL, its memslot sentence), not row 1 of
         # (KVM_SET_USER_MEMORY_REGION, EINVAL): that is 4.35's s390 ucontrol sentence.
         setup=(ENABLE_MTE, create_vcpu(0)), needs=(CAP_MTE,), cap="KVM_CAP_ARM_MTE"),
    case("mte-memslot-shared-file-without-mte", "KVM_SET_USER_MEMORY_REGION",
         "the same memslot on a VM without MTE enabled", kvm_run_slot(), 0,
         "the contrast: mmu.c kvm_arch_prepare_memory_region refuses such memory only when MTE is enabled",
         on=MTE_ON, setup=(create_vcpu(0),), basis="code", needs=(CAP_MTE,)),
    case("mte-memslot-shared-anonymous-6.1", "KVM_SET_USER_MEMORY_REGION",
         "a memslot on MAP_SHARED|MAP_ANONYMOUS memory with MTE enabled (6.1)", shared_anonymous_slot(), EINVAL,
         f"{CAP_MTE_DOC} (6.1): memslots must not be MAP_SHARED, a MAP_SHARED mmap returns -EINVAL (mmu.c "
         "kvm_arch_prepare_memory_region: VM_SHARED)", on=MTE_ON, setup=(ENABLE_MTE,), kernels="6.1",
         needs=(CAP_MTE,), cap="KVM_CAP_ARM_MTE"),
    case("mte-memslot-shared-anonymous", "KVM_SET_USER_MEMORY_REGION",
         "a memslot on MAP_SHARED|MAP_ANONYMOUS memory with MTE enabled", shared_anonymous_slot(), 0,
         f"{CAP_MTE_DOC} (6.12+): memslot memory mapped MAP_ANONYMOUS is allowed, shared or not (mmu.c "
         "kvm_vma_mte_allowed: VM_MTE_ALLOWED)", on=MTE_ON, setup=(ENABLE_MTE,), kernels="6.12+",
         needs=(CAP_MTE,)),
    case("mte-memslot-anonymous", "KVM_SET_USER_MEMORY_REGION", "a memslot on private anonymous memory, MTE enabled",
         tag_slot(), 0, f"{CAP_MTE_DOC}: MAP_ANONYMOUS memory (6.12+), memory not MAP_SHARED (6.1)", on=MTE_ON,
         setup=(ENABLE_MTE,), needs=(CAP_MTE,)),

    # --- KVM_GET_STATS_FD -----------------------------------------------------------------------------------
    case("stats-fd-vm", "KVM_GET_STATS_FD", "on a VM fd", stats_fd("vm"), 0, STATS),
    case("stats-fd-vcpu", "KVM_GET_STATS_FD", "on a vCPU fd", stats_fd("vcpu"), 0, STATS, setup=(create_vcpu(0),)),
    case("stats-fd-emfile", "KVM_GET_STATS_FD", "with the fd table full", stats_fd("vm"), EMFILE,
         f"{STATS}, Errors: EMFILE (the number of opened files exceeds the limit)", setup=(fill_fd_table(),)),

    # --- KVM_CREATE_VM: the IPA size -----------------------------------------------------------------------
    case("vm-ipa-default", "KVM_CREATE_VM", "type 0 (40-bit IPA)", create_vm(0), 0, f"{CREATE_VM}: 0 is 40 bits",
         needs_vm=False),
    case("vm-ipa-32", "KVM_CREATE_VM", "IPA size 32", create_vm(ipa(32)), 0, f"{CREATE_VM}: 32 <= N <= limit",
         needs_vm=False),
    case("vm-ipa-limit", "KVM_CREATE_VM", "IPA size = KVM_CAP_ARM_VM_IPA_SIZE", create_vm(ipa("limit")), 0,
         f"{CREATE_VM}: 32 <= N <= Host_IPA_Limit", needs_vm=False),
    case("vm-ipa-31", "KVM_CREATE_VM", "IPA size 31", create_vm(ipa(31)), EINVAL,
         f"{CREATE_VM}: creation fails (no errno given); 6.1 reset.c kvm_arm_setup_stage2, 6.12+ mmu.c "
         "kvm_init_ipa_range: EINVAL", basis="code", needs_vm=False),
    case("vm-ipa-1", "KVM_CREATE_VM", "IPA size 1", create_vm(ipa(1)), EINVAL,
         f"{CREATE_VM}: creation fails; EINVAL as for 31", basis="code", needs_vm=False),
    case("vm-ipa-above-limit", "KVM_CREATE_VM", "IPA size KVM_CAP_ARM_VM_IPA_SIZE + 1", create_vm(ipa("limit+1")),
         EINVAL, f"{CREATE_VM}: creation fails; EINVAL (kvm_init_ipa_range)", basis="code", needs_vm=False),
    case("vm-type-unknown-bit", "KVM_CREATE_VM", "type bit 8 set (outside the IPA field)", create_vm(0x100), EINVAL,
         "6.1 reset.c kvm_arm_setup_stage2, 6.12 mmu.c kvm_init_ipa_range, 7.2 arm.c kvm_arch_init_vm", basis="code",
         needs_vm=False),
    case("vm-type-protected", "KVM_CREATE_VM", "KVM_VM_TYPE_ARM_PROTECTED (bit 31) without protected KVM",
         create_vm(1 << 31), EINVAL, "7.2 arm.c kvm_arch_init_vm; 6.1/6.12: a bit outside the IPA field",
         basis="code", needs_vm=False),

    # --- KVM_CREATE_VCPU -----------------------------------------------------------------------------------
    case("vcpu-duplicate-id", "KVM_CREATE_VCPU", "an id already in use", create_vcpu(0), EEXIST,
         "kvm_main.c: kvm_vm_ioctl_create_vcpu (api.rst 4.7 gives no errno)", setup=(create_vcpu(0),), basis="code"),
    case("vcpu-id-max", "KVM_CREATE_VCPU", "id = KVM_CAP_MAX_VCPU_ID",
         step("KVM_CREATE_VCPU(KVM_CAP_MAX_VCPU_ID)",
              lambda s: s.ioctl(s.vm, kvm.KVM_CREATE_VCPU, MAX_VCPU_ID(s))), EINVAL,
         "api.rst 4.7: the id must be below KVM_CAP_MAX_VCPU_ID (no errno); arm.c kvm_arch_vcpu_precreate / "
         "kvm_main.c kvm_vm_ioctl_create_vcpu: EINVAL", basis="code"),
    # --- KVM_SET_SIGNAL_MASK and KVM_RUN -------------------------------------------------------------------
    case("signal-mask-unblocked-signal", "KVM_SET_SIGNAL_MASK",
         "an empty mask set; a signal arrives while the guest spins: KVM_RUN", kvm_run(limit=RUN_LIMIT), EINTR,
         f"{SIGMASK}: signals not blocked by the mask make KVM_RUN return with -EINTR",
         setup=(memslot(SPIN), INIT, signal_mask(0)), check=exits_with(kvm.KVM_EXIT_INTR, "KVM_EXIT_INTR")),
    case("signal-mask-bad-length", "KVM_SET_SIGNAL_MASK", "len 4 (the kernel's sigset is 8 bytes)",
         step("KVM_SET_SIGNAL_MASK(len 4)", lambda s: s.ioctl(_vcpu(s), kvm.KVM_SET_SIGNAL_MASK,
                                                               struct.pack("<IQ", 4, 0))), EINVAL,
         "kvm_main.c: kvm_vcpu_ioctl KVM_SET_SIGNAL_MASK (len != sizeof(sigset_t))", setup=(INIT,), basis="code"),

    # --- KVM_ARM_SET_COUNTER_OFFSET (6.4+) ---------------------------------------------------------------------
    case("counter-offset", "KVM_ARM_SET_COUNTER_OFFSET", "offset 0, reserved 0", counter_offset(), 0, COUNTER,
         kernels="6.12+"),
    case("counter-offset-reserved", "KVM_ARM_SET_COUNTER_OFFSET", "reserved not zero", counter_offset(1), EINVAL,
         f"{COUNTER}: any value other than 0 for reserved may give -EINVAL; arch_timer.c "
         "kvm_vm_ioctl_set_counter_offset", kernels="6.12+"),
    case("counter-offset-vcpu-running", "KVM_ARM_SET_COUNTER_OFFSET", "vCPU 0 in KVM_RUN on another thread",
         counter_offset(), EBUSY,
         f"{COUNTER}: -EBUSY if any vcpu ioctl is issued concurrently; arch_timer.c kvm_vm_ioctl_set_counter_offset "
         "takes every vCPU's mutex with arm.c lock_all_vcpus (6.12; kvm_main.c kvm_trylock_all_vcpus in 7.2)",
         setup=(vcpu_busy(),), kernels="6.12+"),
]

UNREACHABLE: list[Unreachable] = [
    Unreachable("KVM_ARM_PREFERRED_TARGET", ENODEV,
                "no code path returns it in 6.1, 6.12 or 7.2: arm.c kvm_arch_vm_ioctl can only fail the copy "
                "out (EFAULT); the target comes from kvm_target_cpu(), which falls back to "
                "KVM_ARM_TARGET_GENERIC_V8 for any CPU (6.1), or is GENERIC_V8 outright (6.12, 7.2)", arch="arm64"),
    Unreachable("KVM_GET_STATS_FD", ENOMEM,
                "needs an allocation failure inside anon_inode_getfile/kzalloc; no ABI way to provoke it "
                "(fault injection is not built into Debian's kernels)", arch="arm64"),
    # Rows 1 and 2: one reason for both sentences.
    *(Unreachable("KVM_GET_VCPU_EVENTS", EINVAL,
                  "4.31's two EINVAL sentences (serror_has_esr without RAS; serror_esr beyond the low bits) describe "
                  "setting the events, i.e. KVM_SET_VCPU_EVENTS, and are tested as such (set-events-serror-esr-*; "
                  "no RAS-less host here for the first); KVM_GET_VCPU_EVENTS itself cannot return EINVAL on arm64: "
                  "arm.c kvm_arm_vcpu_get_events cannot fail (see DOC_FINDINGS)", arch="arm64", doc_row=row)
      for row in (1, 2)),
    *(Unreachable("KVM_SET_USER_MEMORY_REGION", EINVAL,
                  "documented for an s390 KVM_VM_S390_UCONTROL VM (and, 6.12+, a protected VM: on arm64 that is "
                  "pKVM, which needs an nVHE host booted with kvm-arm.mode=protected; these guests run KVM in VHE "
                  "mode)", arch="arm64", doc_row=row) for row in (1, 2)),
    Unreachable("KVM_SET_USER_MEMORY_REGION", EEXIST, "documented only for an s390 KVM_VM_S390_UCONTROL VM",
                arch="arm64"),
    *(Unreachable("KVM_SET_USER_MEMORY_REGION2", EINVAL,
                  "documented for an s390 KVM_VM_S390_UCONTROL VM (and a protected VM: pKVM, not on these guests)",
                  arch="arm64", doc_row=row) for row in (1, 2)),
    Unreachable("KVM_SET_USER_MEMORY_REGION2", EEXIST, "documented only for an s390 KVM_VM_S390_UCONTROL VM",
                arch="arm64"),
    Unreachable("KVM_SET_DEVICE_ATTR", EPERM,
                "(6.12+ row) no arm64 attribute handler returns EPERM in 6.12 or 7.2 (arm.c vCPU/VM attrs, "
                "guest.c, pmu-emul.c, arch_timer.c, pvtime.c, vgic/*.c): the EPERMs in arch/arm64/kvm are "
                "SVE finalization, pKVM and stage-2 paths, none behind KVM_SET_DEVICE_ATTR", arch="arm64"),
]

DOC_FINDINGS = [
    Finding(
        "api.rst 4.138 KVM_ARM_SET_COUNTER_OFFSET (6.12, 7.2): the text calls the ioctl KVM_ARM_SET_CNT_OFFSET, a "
        "name no header defines.",
        DOCUMENT_NAMES_WHAT_HEADERS_LACK),
    Finding(
        "api.rst 4.31 KVM_GET_VCPU_EVENTS (ARM64): the two -EINVAL sentences (serror_has_esr on a system without "
        "KVM_CAP_ARM_INJECT_SERROR_ESR; serror_esr bits beyond the low 24) describe KVM_SET_VCPU_EVENTS, yet sit "
        "in the GET section; 4.32 KVM_SET_VCPU_EVENTS (ARM64) names no EINVAL.",
        DOCUMENT_CONTRADICTS_ITSELF),
    Finding(
        "api.rst 4.31: 'the lower 24 bits of exception.serror_esr' - the ISS field the kernel accepts is 25 bits "
        "(ESR_ELx_ISS_MASK, bits 24:0); see case set-events-serror-esr-bit-24.",
        KERNEL_BREAKS_DOCUMENT),
]

# The documented (ioctl, errno) pairs are not copied here: abi/spec/coverage.py reads them from the api.rst of the
# kernel under test and matches them against CASES and UNREACHABLE. DOCUMENTED keeps rows of other documents.
DOCUMENTED: list[DocumentedError] = []

# --- Ordering rules of api.rst 4.68, 4.82, 4.119 (and 4.25, 4.38 on arm64): each case makes the calls in the wrong
# order and asserts what the document promises (doc basis) or, where it promises nothing, what the kernel does (code
# basis). docs/research/arm64_vcpu_ioctls.md, "Ordering rules", has the sentences and the source per version.

SVE_CAP = (kvm.KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE", True)
PREG0 = arm64.KVM_REG_ARM64_SVE_PREG(0, 0)
FFR = arm64.KVM_REG_ARM64_SVE_FFR(0)
VLS_BYTES = 8 * arm64.KVM_ARM64_SVE_VLS_WORDS
VLS_VQ1 = struct.pack("<Q", 1) + bytes(VLS_BYTES - 8)  # only vq 1 (128-bit vectors): a valid subset on any SVE host
STD_BMAP = arm64.KVM_REG_ARM_STD_BMAP
VCPU_INIT_SAME = ("api.rst 4.82 KVM_ARM_VCPU_INIT: calls after the initial call must use the same set of feature "
                  "flags, otherwise EINVAL, and KVM_ARM_VCPU_POWER_OFF is one of the listed features; 6.12 and 7.2 "
                  "arm.c kvm_arch_vcpu_ioctl_vcpu_init clear KVM_ARM_VCPU_POWER_OFF from features[0] before "
                  "kvm_vcpu_set_target compares the set with the VM's (kvm_vcpu_init_changed), treating it as "
                  "ephemeral: a second call that adds it succeeds (and powers the vCPU off)")
STALE_SVE_6_1 = ("api.rst 4.119: the vcpu must have been initialised, enabling the feature, by a successful "
                 "KVM_ARM_VCPU_INIT with its flag set (Errors: EPERM, feature not enabled); 6.1 arm.c "
                 "kvm_vcpu_set_target stores each requested bit in vcpu->arch.features while scanning and returns "
                 "ENOENT at the unknown bit 31 without clearing the SVE bit already stored; the next call on the "
                 "still uninitialised vCPU (arch.target -1) compares nothing and clears nothing, so the successful "
                 "KVM_ARM_VCPU_INIT(features 0) gets SVE: reset.c kvm_reset_vcpu calls kvm_vcpu_enable_sve for the "
                 "stale bit, and kvm_arm_vcpu_finalize(SVE) succeeds")
STALE_SVE = ("api.rst 4.119: EPERM for a feature not enabled; 6.12 and 7.2 check every bit before storing any "
             "(arm.c kvm_vcpu_init_check_features) and take the VM's features from the successful call only "
             "(__kvm_vcpu_set_target), so the vCPU has no SVE and reset.c kvm_arm_vcpu_finalize answers EINVAL "
             "(!vcpu_has_sve), as for any vCPU initialised without SVE")


def run_vcpu_index(index: int) -> Step:
    """KVM_RUN with immediate_exit set on vCPU `index` (not the last one): its first run marks the VM as run
    (arm.c kvm_arch_vcpu_run_pid_change) and returns EINTR without running guest code."""
    def run(s: Scene) -> Result:
        fd = s.vcpus[index]
        s.target.write(kvm_run_map(s, fd) + layout.offsetof(s.abi.kvm_run, "immediate_exit"), b"\x01")
        return s.ioctl(fd, kvm.KVM_RUN, 0)

    return step(f"KVM_RUN of vCPU {index} (immediate_exit=1)", run, EINTR)


def vls_reads(expected: bytes):
    """A check: KVM_REG_ARM64_SVE_VLS reads back as `expected`."""
    def check(s: Scene, got: Result) -> str | None:
        _one_reg(s, kvm.KVM_GET_ONE_REG, VLS, None, None).value()
        have = s.target.read(s.scratch(), VLS_BYTES)
        return None if have == expected else f"SVE_VLS reads back {have.hex()}, expected {expected.hex()}"

    return check


GICD_ISENABLER, GICD_ICENABLER, GICD_ISPENDR = 0x100, 0x180, 0x200
SPI32_BIT = 1  # SPI 32 is bit 0 of the second 32-bit register of each of these banks


def spi32(bank: int, request: str = "GET", value=None) -> Step:
    return V3.dist_reg(bank + 4, value, request=request)


def _dist_word(s: Scene, bank: int) -> int:
    V3.dist_reg(bank + 4)(s).value()
    return int.from_bytes(s.target.read(s.scratch(), 4), "little")


def ran_with_spi32_masked(s: Scene, got: Result) -> str | None:
    """A check: the guest ran (its load exited to userspace as MMIO) and SPI 32 is still pending and disabled."""
    problem = exits_with(kvm.KVM_EXIT_MMIO, "KVM_EXIT_MMIO")(s, got)
    if problem:
        return problem
    if not _dist_word(s, GICD_ISPENDR) & SPI32_BIT:
        return "SPI 32 is no longer pending"
    if _dist_word(s, GICD_ISENABLER) & SPI32_BIT:
        return "SPI 32 is enabled again"
    return None


MASKED_SPI32 = (*V3.READY, memslot(LOAD_OUTSIDE), spi32(GICD_ISENABLER, "SET", SPI32_BIT), arm_line(IRQ_SPI, 32),
                spi32(GICD_ICENABLER, "SET", SPI32_BIT))

CASES += [
    # 4.68 KVM_SET_ONE_REG (arm64 SVE and firmware bitmap registers). Rule 6 is RISC-V's isa register: not arm64.
    case("order-set-preg-before-finalize", "KVM_SET_ONE_REG", "P0 before KVM_ARM_VCPU_FINALIZE(SVE)",
         set_reg(PREG0, "P0", bytes(32)), EPERM,
         f"{SET_REG}: except for KVM_REG_ARM64_SVE_VLS, the SVE registers are not accessible until the SVE "
         "configuration is finalized; Errors: EPERM (arm64, before vcpu finalization)", setup=(INIT_SVE,),
         needs=(SVE_CAP,), order_row=1),
    case("order-set-vls-before-init", "KVM_SET_ONE_REG", "KVM_REG_ARM64_SVE_VLS before KVM_ARM_VCPU_INIT",
         set_reg(VLS, "SVE_VLS", VLS_VQ1), ENOEXEC,
         f"{SET_REG}: SVE_VLS is only accessible after KVM_ARM_VCPU_INIT (no errno given); arm.c "
         "kvm_arch_vcpu_ioctl refuses ONE_REG on an uninitialised vCPU with -ENOEXEC (6.1, 6.12, 7.2)",
         setup=(create_vcpu(0),), basis="code", order_row=2),
    case("order-set-vls-reduced-after-finalize", "KVM_SET_ONE_REG",
         "KVM_REG_ARM64_SVE_VLS reduced to 128-bit vectors after KVM_ARM_VCPU_FINALIZE",
         set_reg(VLS, "SVE_VLS", VLS_VQ1), EPERM,
         f"{SET_REG}: userspace may modify it until the SVE configuration is finalized; after that, writes fail "
         "with EPERM", setup=(INIT_SVE, finalize()), needs=(SVE_CAP,), order_row=3),
    case("set-vls-reduced-before-finalize", "KVM_SET_ONE_REG",
         "KVM_REG_ARM64_SVE_VLS reduced to 128-bit vectors before KVM_ARM_VCPU_FINALIZE, read back",
         set_reg(VLS, "SVE_VLS", VLS_VQ1), 0,
         f"{SET_REG}: userspace may modify it until finalized (the right order; removing all lengths above "
         "some value is always possible)", setup=(INIT_SVE,), needs=(SVE_CAP,), check=vls_reads(VLS_VQ1)),
    case("order-set-vls-empty-after-finalize", "KVM_SET_ONE_REG",
         "KVM_REG_ARM64_SVE_VLS with no vector length after KVM_ARM_VCPU_FINALIZE", set_reg(VLS, "SVE_VLS",
                                                                                            bytes(VLS_BYTES)), EPERM,
         f"{SET_REG}: after finalization further attempts to write this register fail with EPERM (any value: "
         "guest.c set_sve_vls tests finalization before it validates the set, which alone gives EINVAL)",
         setup=(INIT_SVE, finalize()), needs=(SVE_CAP,), order_row=4),
    case("order-set-fw-bitmap-other-vcpu-after-run", "KVM_SET_ONE_REG",
         "KVM_REG_ARM_STD_BMAP cleared on vCPU 1, which never ran, after vCPU 0 ran", set_reg(STD_BMAP, "STD_BMAP", 0),
         EBUSY, f"{SET_REG}: the bitmap firmware registers are immutable once any of the vCPUs of the VM has run "
         "at least once: -EBUSY (hypercalls.c kvm_arm_set_fw_reg_bmap tests the VM's ran-once flag)",
         setup=(INIT, INIT, run_vcpu_index(0)), order_row=5),

    # 4.82 KVM_ARM_VCPU_INIT (rule 3, a second call after a run, is init-again-after-run).
    case("order-run-other-vcpu-not-initialised", "KVM_ARM_VCPU_INIT",
         "never called for vCPU 1 while vCPU 0 was initialised and ran: vCPU 1's KVM_RUN", kvm_run(), ENOEXEC,
         f"{INIT_DOC}: if this is not called, KVM_RUN will return ENOEXEC for that vcpu; {RUN}, Errors: ENOEXEC",
         setup=(INIT, RAN, create_vcpu(1)), order_row=1),
    case("order-create-vcpu-after-init", "KVM_ARM_VCPU_INIT", "KVM_CREATE_VCPU(1) after vCPU 0's KVM_ARM_VCPU_INIT",
         create_vcpu(1), 0,
         f"{INIT_DOC}: all vcpus should be created before this ioctl is invoked (no errno given); arm.c "
         "kvm_arch_vcpu_precreate refuses a new vCPU only once an in-kernel vGIC is initialised (EBUSY), and the "
         "MPIDR comes from the vCPU id (sys_regs.c reset_mpidr), so the creation succeeds (6.1, 6.12, 7.2)",
         setup=(INIT,), basis="code", doc_row=0, order_row=2),
    case("order-init-again-power-off-added-6.1", "KVM_ARM_VCPU_INIT",
         "a second init adding KVM_ARM_VCPU_POWER_OFF (6.1)", vcpu_init(1 << arm64.KVM_ARM_VCPU_POWER_OFF, new=False),
         EINVAL, f"{INIT_DOC}: later calls must use the same set of feature flags, otherwise EINVAL; 6.1 arm.c "
         "kvm_vcpu_set_target compares every bit", setup=(INIT,), kernels="6.1", order_row=4),
    case("order-init-again-power-off-added", "KVM_ARM_VCPU_INIT", "a second init adding KVM_ARM_VCPU_POWER_OFF",
         vcpu_init(1 << arm64.KVM_ARM_VCPU_POWER_OFF, new=False), EINVAL,
         f"{INIT_DOC}: later calls must use the same set of feature flags, otherwise EINVAL", setup=(INIT,),
         kernels="6.12+", order_row=4, deviation=Deviation(VCPU_INIT_SAME, SUCCEEDS)),
    case("order-get-vls-before-init", "KVM_ARM_VCPU_INIT", "KVM_GET_ONE_REG(SVE_VLS) before KVM_ARM_VCPU_INIT",
         get_reg(VLS, "SVE_VLS"), ENOEXEC,
         f"{INIT_DOC}, KVM_ARM_VCPU_SVE: after KVM_ARM_VCPU_INIT, SVE_VLS may be read (before it, no errno given); "
         "arm.c kvm_arch_vcpu_ioctl: -ENOEXEC for an uninitialised vCPU (6.1, 6.12, 7.2)", setup=(create_vcpu(0),),
         basis="code", order_row=5),
    case("order-get-ffr-before-finalize", "KVM_ARM_VCPU_INIT", "KVM_GET_ONE_REG(FFR) before KVM_ARM_VCPU_FINALIZE(SVE)",
         get_reg(FFR, "FFR"), EPERM,
         f"{INIT_DOC}, KVM_ARM_VCPU_SVE: before KVM_ARM_VCPU_FINALIZE, ONE_REG cannot access the SVE registers "
         f"(KVM_REG_ARM64_SVE_FFR among them); {GET_REG}, Errors: EPERM (arm64, before vcpu finalization)",
         setup=(INIT_SVE,), needs=(SVE_CAP,), doc_row=0, order_row=6),
    case("order-set-vls-after-finalize-and-reinit", "KVM_ARM_VCPU_INIT",
         "KVM_REG_ARM64_SVE_VLS reduced after FINALIZE(SVE) and a second KVM_ARM_VCPU_INIT (a reset)",
         set_reg(VLS, "SVE_VLS", VLS_VQ1), EPERM,
         f"{INIT_DOC}, KVM_ARM_VCPU_SVE: after KVM_ARM_VCPU_FINALIZE the SVE_VLS pseudo-register is immutable; "
         f"{SET_REG}: further writes fail with EPERM (a reset keeps the finalized configuration: reset.c "
         "kvm_reset_vcpu)", setup=(INIT_SVE, finalize(), vcpu_init(1 << SVE, new=False)), needs=(SVE_CAP,),
         doc_row=0, order_row=7),

    # 4.119 KVM_ARM_VCPU_FINALIZE.
    case("order-finalize-after-failed-init", "KVM_ARM_VCPU_FINALIZE",
         "SVE after a KVM_ARM_VCPU_INIT(SVE | bit 31) that failed with ENOENT", finalize(), ENOEXEC,
         f"{FINAL}: the vcpu must have been initialised by a successful KVM_ARM_VCPU_INIT (no errno given for an "
         "uninitialised one); arm.c kvm_arch_vcpu_ioctl: -ENOEXEC (6.1: arch.target stays -1; 6.12+: "
         "kvm_vcpu_init_check_features fails before VCPU_INITIALIZED is set)",
         setup=(vcpu_init(1 << SVE | 1 << 31, ok_errno=ENOENT),), basis="code", order_row=1),
    case("finalize-sve-after-failed-sve-init-6.1", "KVM_ARM_VCPU_FINALIZE",
         "SVE after INIT(SVE | bit 31) failed and INIT(no features) succeeded (6.1)", finalize(), EPERM,
         f"{FINAL}: the feature must be enabled by a successful KVM_ARM_VCPU_INIT; Errors: EPERM (feature not "
         "enabled)", setup=(vcpu_init(1 << SVE | 1 << 31, ok_errno=ENOENT), vcpu_init(new=False)),
         needs=(SVE_CAP,), kernels="6.1", order_row=1, deviation=Deviation(STALE_SVE_6_1, SUCCEEDS)),
    case("finalize-sve-after-failed-sve-init", "KVM_ARM_VCPU_FINALIZE",
         "SVE after INIT(SVE | bit 31) failed and INIT(no features) succeeded", finalize(), EPERM,
         f"{FINAL}: the feature must be enabled by a successful KVM_ARM_VCPU_INIT; Errors: EPERM (feature not "
         "enabled)", setup=(vcpu_init(1 << SVE | 1 << 31, ok_errno=ENOENT), vcpu_init(new=False)),
         needs=(SVE_CAP,), kernels="6.12+", order_row=1,
         deviation=Deviation(STALE_SVE, EINVAL, follows="finalize-sve-not-enabled")),
    case("order-run-other-vcpu-not-finalized", "KVM_ARM_VCPU_FINALIZE",
         "KVM_RUN of vCPU 1 (SVE, not finalized) while vCPU 0 is finalized, the guest code ready",
         kvm_run(limit=RUN_LIMIT), EPERM,
         f"{FINAL}: a mandatory step, per vcpu, before the vcpu is fully usable; {RUN}, Errors: EPERM (SVE "
         "feature set but not finalized)", setup=(memslot(SPIN), INIT_SVE, finalize(), INIT_SVE), needs=(SVE_CAP,),
         doc_row=0, order_row=2),
    case("order-reg-list-before-finalize", "KVM_ARM_VCPU_FINALIZE",
         "KVM_GET_REG_LIST with room for 4096 ids before KVM_ARM_VCPU_FINALIZE(SVE)", reg_list(4096), EPERM,
         f"{FINAL}: KVM_RUN, KVM_GET_REG_LIST, KVM_GET_ONE_REG and KVM_SET_ONE_REG fail with -EPERM until the "
         "feature is finalized", setup=(INIT_SVE,), needs=(SVE_CAP,), doc_row=0, order_row=3),

    # 4.25 KVM_IRQ_LINE, arm64: "On some architectures ... previously created with KVM_CREATE_IRQCHIP".
    case("order-irq-line-spi-before-irqchip", "KVM_IRQ_LINE", "SPI 32 before any in-kernel irqchip exists",
         arm_line(IRQ_SPI, 32), ENXIO,
         "api.rst 4.25 KVM_IRQ_LINE: on some architectures an irqchip must have been created first (no errno "
         "given; on arm64 the CPU-level lines need none); arm.c kvm_vm_ioctl_irq_line: KVM_ARM_IRQ_TYPE_SPI "
         "without irqchip_in_kernel gives -ENXIO (6.1, 6.12, 7.2)", basis="code", order_row=1),

    # 4.38 KVM_GET_MP_STATE, arm64: an example (not a rule, apidoc.NOT_ORDERING) says an interrupt masked to suppress
    # a wakeup should be unmasked before the guest runs; what the kernel does when it is not.
    case("order-run-with-masked-spi-after-suspend", "KVM_GET_MP_STATE",
         "SPI 32 pending, masked by userspace, vCPU SUSPENDED then RUNNABLE: KVM_RUN without unmasking it",
         kvm_run(limit=RUN_LIMIT), 0,
         "api.rst 4.38 (arm64): the interrupt should be unmasked before returning control to the guest (a "
         "recommendation, no errno); arm.c kvm_arch_vcpu_ioctl_set_mpstate stores RUNNABLE, kvm_vcpu_suspend "
         "returns at once for a vCPU no longer suspended, and nothing looks at the vGIC's enable bits: the guest "
         "runs (its load exits as KVM_EXIT_MMIO) with SPI 32 still pending and disabled (6.1, 6.12, 7.2)",
         on=("gicv3", "mte"),
         setup=(*MASKED_SPI32, set_mp(kvm.KVM_MP_STATE_SUSPENDED), set_mp(kvm.KVM_MP_STATE_RUNNABLE)),
         check=ran_with_spi32_masked, basis="code"),
]

# The capability preconditions, on the cases themselves (abi/spec/run.py not_applicable skips on a kernel without).
CASES = [dataclasses.replace(c, needs=(NEEDS[c.id],)) if c.id in NEEDS else c for c in CASES]
