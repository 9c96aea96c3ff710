"""arm64 vCPUs and VMs: core registers and their ONE_REG ids, KVM_ARM_VCPU_INIT's features, FINALIZE, vCPU events,
MTE tag copies, the counter offset, guest code that runs at IPA 0."""

from __future__ import annotations

import ctypes
import struct
from errno import EMFILE

from abi import arm64, kvm, model
from abi.arm64 import kvm_arm_counter_offset
from abi.spec.case import Scene, Step, Val
from abi.spec.steps import vgic_v3 as V3  # the vGICv3 scene and register steps
from abi.spec.steps.base import API, capability, i32, step
from abi.spec.steps.gic import GICD_ICENABLER, GICD_ISENABLER, GICD_ISPENDR
from abi.spec.steps.guest import PAGE, a64
from abi.spec.steps.irq import SPI as IRQ_SPI
from abi.spec.steps.irq import arm_line
from abi.spec.steps.vcpu import arm64_core_reg, arm64_init, exits_with, one_reg, one_reg_value
from abi.spec.steps.vm import enable_cap, ipa_limit, memory_region
from abi.target.base import Result

RUN = f"{API} 4.10 KVM_RUN"

INIT_DOC = f"{API} 4.82 KVM_ARM_VCPU_INIT"

PREF = f"{API} 4.83 KVM_ARM_PREFERRED_TARGET"

FINAL = f"{API} 4.119 KVM_ARM_VCPU_FINALIZE"

GET_EVENTS_DOC = f"{API} 4.31 KVM_GET_VCPU_EVENTS (ARM64)"

SET_EVENTS_DOC = f"{API} 4.32 KVM_SET_VCPU_EVENTS (ARM64)"

MTE = f"{API} 4.130 KVM_ARM_MTE_COPY_TAGS"

STATS = f"{API} 4.133 KVM_GET_STATS_FD"

CREATE_VM = f"{API} 4.2 KVM_CREATE_VM (ARM64)"

NISV = f"{API} 7.x KVM_CAP_ARM_NISV_TO_USER"

SIGMASK = f"{API} 4.21 KVM_SET_SIGNAL_MASK"

COUNTER = f"{API} 4.138 KVM_ARM_SET_COUNTER_OFFSET"

CAP_MTE_DOC = f"{API} 7.28 KVM_CAP_ARM_MTE"

SVE = arm64.KVM_ARM_VCPU_SVE


SLOT_SIZE = 0x10000  # one memslot at IPA 0 holding the guest code (a vCPU resets with PC = 0)

UNMAPPED_IPA = 0x20000000  # outside every memslot and, with no irqchip, outside every in-kernel device

# linux/kvm.h since 6.4; its number carries the size of arm64's struct kvm_arm_counter_offset.
KVM_ARM_SET_COUNTER_OFFSET = model.for_arch("arm64").KVM_ARM_SET_COUNTER_OFFSET

PC = arm64_core_reg("regs.pc")

PSTATE = arm64_core_reg("regs.pstate")

CORE_END = ctypes.sizeof(arm64.kvm_regs) // 4  # the first core index past struct kvm_regs

ID_AA64ISAR0_EL1 = arm64.ARM64_SYS_REG(3, 0, 0, 6, 0)

UNKNOWN_SYSREG_ID = arm64.ARM64_SYS_REG(*V3.UNKNOWN_SYSREG_OP)  # its ONE_REG id

STD_HYP_BMAP = arm64.KVM_REG_ARM_STD_HYP_BMAP

ZREG0 = arm64.KVM_REG_ARM64_SVE_ZREG(0, 0)

ZREG0_SLICE1 = arm64.KVM_REG_ARM64_SVE_ZREG(0, 1)

VLS = arm64.KVM_REG_ARM64_SVE_VLS

def init_at(pointer: Val) -> Step:
    return step(f"KVM_ARM_VCPU_INIT(arg={pointer})",
                lambda s: s.ioctl(s.vcpus[-1], s.abi.KVM_ARM_VCPU_INIT, pointer(s)))

def finalize(feature: int = SVE, ok_errno: int = 0) -> Step:
    return step(f"KVM_ARM_VCPU_FINALIZE({feature})",
                lambda s: s.ioctl(s.vcpus[-1], kvm.KVM_ARM_VCPU_FINALIZE, i32(feature)), ok_errno)

def code_at_ipa0(words: list[int]) -> Step:
    """Slot 0 at IPA 0, where a vCPU starts (PC 0), holding the A64 instruction `words`."""
    return memory_region(0, 0, SLOT_SIZE, data=a64(*words))

# Instruction words (A64), written out so the report shows what the guest executes.
MOVZ_X2_UNMAPPED = 0xD2A00000 | ((UNMAPPED_IPA >> 16) << 5) | 2  # movz x2, #(UNMAPPED_IPA >> 16), lsl #16

LDP_X0_X1_X2 = 0xA9400440  # ldp x0, x1, [x2]: a load pair reports no instruction syndrome (ESR_EL2.ISV = 0)

LDR_X0_X2 = 0xF9400040  # ldr x0, [x2]: a single load does (ISV = 1)

B_SELF = 0x14000000  # b .

LOAD_PAIR_OUTSIDE = [MOVZ_X2_UNMAPPED, LDP_X0_X1_X2, B_SELF]

LOAD_OUTSIDE = [MOVZ_X2_UNMAPPED, LDR_X0_X2, B_SELF]

SPIN = [B_SELF]

RUN_LIMIT = 1.0  # seconds a KVM_RUN that only a signal ends may take

def arm64_set_events(serror_pending=0, has_esr=0, esr=0, ext_dabt=0, pad=0, reserved0=0) -> Step:
    """KVM_SET_VCPU_EVENTS with arm64's struct kvm_vcpu_events: its SError and external abort fields."""
    def run(s: Scene) -> Result:
        ev = s.abi.kvm_vcpu_events()
        ev.exception.serror_pending, ev.exception.serror_has_esr = serror_pending, has_esr
        ev.exception.ext_dabt_pending, ev.exception.serror_esr = ext_dabt, esr
        ev.exception.pad[0] = pad
        ev.reserved[0] = reserved0
        return s.ioctl(s.vcpus[-1], s.abi.KVM_SET_VCPU_EVENTS, ev)

    fields = {"serror_pending": serror_pending, "serror_has_esr": has_esr, "serror_esr": esr,
              "ext_dabt_pending": ext_dabt, "pad[0]": pad, "reserved[0]": reserved0}
    shown = ", ".join(f"{k}={v:#x}" for k, v in fields.items() if v)
    return step(f"KVM_SET_VCPU_EVENTS({shown or 'all zero'})", run)

def arm64_get_events() -> Step:
    return step("KVM_GET_VCPU_EVENTS",
                lambda s: s.ioctl(s.vcpus[-1], s.abi.KVM_GET_VCPU_EVENTS, s.abi.kvm_vcpu_events()))

def has_esr_matches_cap(s: Scene, got: Result) -> str | None:
    ev = got.struct(s.abi.kvm_vcpu_events)
    cap = 1 if s.cap(kvm.KVM_CAP_ARM_INJECT_SERROR_ESR) else 0
    if ev.exception.serror_has_esr != cap:
        return f"serror_has_esr is {ev.exception.serror_has_esr}, KVM_CAP_ARM_INJECT_SERROR_ESR is {cap}"
    if ev.exception.serror_pending or ev.exception.ext_dabt_pending:
        return "a fresh vCPU reports a pending SError or external abort"
    return None

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
            s.keep(fd)
            if len(s.others) > 65536:
                raise AssertionError("no EMFILE after 65536 fds: RLIMIT_NOFILE is unexpectedly large")
        return Result(0)

    return step("open /dev/kvm until EMFILE", run)

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

def _region(s: Scene, slot: int, gpa: int, size: int, host: int, flags: int = 0) -> Result:
    """KVM_SET_USER_MEMORY_REGION of target memory the caller mapped (of a kind vm.memory_region does not make)."""
    return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, kvm.kvm_userspace_memory_region(
        slot=slot, flags=flags, guest_phys_addr=gpa, memory_size=size, userspace_addr=host))

def tag_slot(flags: int = 0, size: int = SLOT_SIZE) -> Step:
    """Slot 0 at IPA 0 backed by private anonymous memory, the memory api.rst 7.28 allows an MTE VM."""
    def run(s: Scene) -> Result:
        return _region(s, 0, TAG_SLOT_IPA, size, _mapped(s, size), flags)

    names = {kvm.KVM_MEM_LOG_DIRTY_PAGES: "LOG_DIRTY_PAGES", kvm.KVM_MEM_READONLY: "READONLY"}
    shown = "|".join(n for f, n in names.items() if flags & f) or "0"
    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {size:#x} bytes of MAP_PRIVATE|MAP_ANONYMOUS memory, "
                f"flags {shown})", run)

def shared_anonymous_slot() -> Step:
    """Slot 0 at IPA 0 on MAP_SHARED|MAP_ANONYMOUS memory (the target's mmap of fd -1)."""
    def run(s: Scene) -> Result:
        addr = s.target.mmap(-1, SLOT_SIZE)
        s.maps.append((addr, SLOT_SIZE))
        return _region(s, 0, TAG_SLOT_IPA, SLOT_SIZE, addr)

    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {SLOT_SIZE:#x} bytes of MAP_SHARED|MAP_ANONYMOUS memory)",
                run)

def kvm_run_slot() -> Step:
    """Slot 1 backed by the last vCPU's kvm_run page, mapped MAP_SHARED from the vCPU fd: a shared mapping of a file
    that is neither anonymous nor RAM-based, so not MTE-capable."""
    def run(s: Scene) -> Result:
        addr = s.target.mmap(s.vcpus[-1], PAGE)
        s.maps.append((addr, PAGE))
        return _region(s, 1, UNMAPPED_IPA, PAGE, addr)

    return step("KVM_SET_USER_MEMORY_REGION(slot 1, one page of the vCPU's kvm_run mmap (MAP_SHARED))", run)

def copy_tags(flags: int = TO_GUEST, ipa: int = 0, length: int = PAGE, tags: bytes = TAGS,
              buffer: Val | None = None, reserved: tuple[int, int] = (0, 0), arg: Val | None = None,
              ok_errno: int = 0) -> Step:
    """KVM_ARM_MTE_COPY_TAGS on the VM. The tag buffer is length / 16 bytes of fresh target memory (api.rst 4.130),
    holding `tags` for a copy to the guest and UNTOUCHED bytes for one from it; `buffer` puts it elsewhere. `arg`
    passes that address as the ioctl's argument instead of a struct kvm_arm_copy_mte_tags."""
    def run(s: Scene) -> Result:
        a = s.abi
        if arg is not None:
            return s.ioctl(s.vm, a.KVM_ARM_MTE_COPY_TAGS, arg(s))
        if buffer is not None:
            addr = buffer(s)
        else:
            addr = _mapped(s, max(PAGE, length // GRANULE))
            # The first page's worth is enough to see what the kernel wrote (or read); `length` may be ~2 GiB.
            s.target.write(addr, tags if flags == TO_GUEST else bytes([UNTOUCHED]) * len(tags))
        s.memory["tags"] = addr
        tags_arg = a.kvm_arm_copy_mte_tags(guest_ipa=ipa, length=length, addr=addr, flags=flags)
        tags_arg.reserved[0], tags_arg.reserved[1] = reserved
        return s.ioctl(s.vm, a.KVM_ARM_MTE_COPY_TAGS, tags_arg)

    if arg is not None:
        return step(f"KVM_ARM_MTE_COPY_TAGS(arg={arg})", run, ok_errno)
    direction = {TO_GUEST: "TO_GUEST", FROM_GUEST: "FROM_GUEST"}.get(flags, f"{flags:#x}")
    shown = f"{direction}, guest_ipa={ipa:#x}, length={length:#x}"
    shown += f", addr={buffer}" if buffer is not None else ""
    shown += f", reserved={list(reserved)}" if any(reserved) else ""
    return step(f"KVM_ARM_MTE_COPY_TAGS({shown})", run, ok_errno)

def tags_read(expected: bytes):
    """A check: the tag buffer of the call under test holds `expected`."""
    def check(s: Scene, got: Result) -> str | None:
        have = s.target.read(s.memory["tags"], len(expected))
        if have == expected:
            return None
        at = next(i for i in range(len(expected)) if have[i] != expected[i])
        return f"tag byte {at} is {have[at]:#x}, expected {expected[at]:#x} ({len(expected)} bytes compared)"

    return check

ENABLE_MTE = enable_cap("KVM_CAP_ARM_MTE")

MTE_VM = (ENABLE_MTE, tag_slot())

INIT_32BIT = arm64_init(1 << arm64.KVM_ARM_VCPU_EL1_32BIT)

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

MAX_VCPU_ID = capability("KVM_CAP_MAX_VCPU_ID")

def id_reg_changed(s: Scene) -> int:
    return one_reg_value(s, ID_AA64ISAR0_EL1) ^ (0xF << 4)  # ID_AA64ISAR0_EL1.AES flipped

def counter_offset(reserved: int = 0) -> Step:
    return step(f"KVM_ARM_SET_COUNTER_OFFSET(offset 0, reserved {reserved:#x})",
                lambda s: s.ioctl(s.vm, KVM_ARM_SET_COUNTER_OFFSET,
                                  kvm_arm_counter_offset(counter_offset=0, reserved=reserved)))

INIT_SVE = arm64_init(1 << SVE)

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

def vls_reads(expected: bytes):
    """A check: KVM_REG_ARM64_SVE_VLS reads back as `expected`."""
    def check(s: Scene, got: Result) -> str | None:
        one_reg("KVM_GET_ONE_REG", VLS, "SVE_VLS")(s).value()
        have = s.target.read(s.scratch(), VLS_BYTES)
        return None if have == expected else f"SVE_VLS reads back {have.hex()}, expected {expected.hex()}"

    return check

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

MASKED_SPI32 = (*V3.READY, code_at_ipa0(LOAD_OUTSIDE), spi32(GICD_ISENABLER, "SET", SPI32_BIT), arm_line(IRQ_SPI, 32),
                spi32(GICD_ICENABLER, "SET", SPI32_BIT))
