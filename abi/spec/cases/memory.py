"""KVM_SET_USER_MEMORY_REGION(2), KVM_SET_MEMORY_ATTRIBUTES: memory slots, guest_memfd slots and memory
attributes."""

from __future__ import annotations

from errno import EBADF, EEXIST, EFAULT, EINVAL, ENOTTY

from abi import kvm
from abi.spec.case import Case, Unreachable, Val
from abi.spec.steps.arm64 import CAP_MTE, CAP_MTE_DOC, ENABLE_MTE, kvm_run_slot, shared_anonymous_slot, tag_slot
from abi.spec.steps.base import API, BAD_POINTER, GENERIC, MAIN, VM_FD, call, capability, step
from abi.spec.steps.memory import (
    ATTRS,
    GMEM,
    GMEM_KEPT,
    GMEM_KERNELS,
    GMEM_PRIVATE,
    GUEST_MEMFD,
    NR_SLOTS,
    OTHER_GMEM,
    REGION2,
    REGION2_KERNELS,
    USER_MEMORY2,
    attributes,
    gmem_region,
    region2,
)
from abi.spec.steps.vm import create_vcpu
from abi.spec.steps.x86_vm import MEMSLOT_FN, SLOT0, SLOT0_HOST, set_user_memory_region


def _memslots() -> list[Case]:
    nr = capability("KVM_CAP_NR_MEMSLOTS")
    return [
        Case(id="slot-created", ioctl="KVM_SET_USER_MEMORY_REGION", condition="slot 0, one page, page-aligned",
             arch=("x86_64",), call=set_user_memory_region(), errno=0, cite=f"{API} 4.35 KVM_SET_USER_MEMORY_REGION"),
        Case(id="slot-readonly", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="KVM_MEM_READONLY (x86 has KVM_CAP_READONLY_MEM)", arch=("x86_64",),
             call=set_user_memory_region(flags=kvm.KVM_MEM_READONLY), errno=0,
             cite=f"{API} 4.35: 'KVM_MEM_READONLY ... if KVM_CAP_READONLY_MEM'"),
        Case(id="size-unaligned", ioctl="KVM_SET_USER_MEMORY_REGION", condition="memory_size 0x1800", arch=("x86_64",),
             call=set_user_memory_region(size=0x1800), errno=EINVAL,
             cite=f"{MEMSLOT_FN} (memory_size not a page multiple)", basis="code"),
        Case(id="gpa-unaligned", ioctl="KVM_SET_USER_MEMORY_REGION", condition="guest_phys_addr 0x100800",
             arch=("x86_64",), call=set_user_memory_region(gpa=0x100800), errno=EINVAL,
             cite=f"{MEMSLOT_FN} (guest_phys_addr not page-aligned)", basis="code"),
        Case(id="host-unaligned", ioctl="KVM_SET_USER_MEMORY_REGION", condition="userspace_addr not page-aligned",
             arch=("x86_64",),
             call=set_user_memory_region(host=Val("a page + 0x800", lambda s: s.target.alloc(0x2000) + 0x800)),
             errno=EINVAL, cite=f"{MEMSLOT_FN} (userspace_addr not page-aligned)", basis="code"),
        Case(id="host-kernel-address", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="userspace_addr 0xffff800000000000 (not user "
             "memory)", arch=("x86_64",), call=set_user_memory_region(host=0xFFFF800000000000), errno=EINVAL,
             cite=f"{MEMSLOT_FN} (access_ok)", basis="code"),
        Case(id="slot-id-past-user-slots", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="slot KVM_CAP_NR_MEMSLOTS (ids run below "
             "it)", arch=("x86_64",), call=set_user_memory_region(slot=nr), errno=EINVAL,
             cite="kvm_main.c: kvm_vm_ioctl_set_memory_region (slot >= "
             "KVM_USER_MEM_SLOTS)", basis="code"),
        Case(id="address-space-2", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="address space 2 (x86 has 0 and SMM's 1)", arch=("x86_64",),
             call=set_user_memory_region(slot=2 << 16),
             errno=EINVAL, cite=f"{MEMSLOT_FN} (as_id >= kvm_arch_nr_memslot_as_ids)", basis="code"),
        Case(id="gpa-wraps", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="guest_phys_addr + memory_size wraps past 2^64", arch=("x86_64",),
             call=set_user_memory_region(gpa=0xFFFFFFFFFFFFF000, size=0x2000), errno=EINVAL,
             cite=f"{MEMSLOT_FN} (guest_phys_addr + memory_size "
             "overflows)", basis="code"),
        Case(id="unknown-flag", ioctl="KVM_SET_USER_MEMORY_REGION", condition="flags bit 31", arch=("x86_64",),
             call=set_user_memory_region(flags=1 << 31), errno=EINVAL, cite="kvm_main.c: check_memory_region_flags",
             basis="code"),
        Case(id="delete-missing-slot", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="memory_size 0 for a slot that does not exist", arch=("x86_64",),
             call=set_user_memory_region(slot=5, size=0, host=0), errno=EINVAL,
             cite=f"{MEMSLOT_FN} (deleting an empty slot)", basis="code"),
        Case(id="overlap", ioctl="KVM_SET_USER_MEMORY_REGION", condition="slot 1 overlapping slot 0's guest range",
             arch=("x86_64",), call=set_user_memory_region(slot=1, gpa=0x101000, size=0x2000), errno=EEXIST,
             cite=f"{MEMSLOT_FN} (kvm_check_memslot_overlap)", setup=(SLOT0,), basis="code"),
        Case(id="adjacent", ioctl="KVM_SET_USER_MEMORY_REGION", condition="slot 1 right after slot 0", arch=("x86_64",),
             call=set_user_memory_region(slot=1, gpa=0x102000), errno=0, cite=f"{MEMSLOT_FN} (ranges do not overlap)",
             setup=(SLOT0,), basis="code"),
        Case(id="resize", ioctl="KVM_SET_USER_MEMORY_REGION", condition="slot 0 again with another size",
             arch=("x86_64",), call=set_user_memory_region(size=0x1000, host=SLOT0_HOST), errno=EINVAL,
             cite=f"{MEMSLOT_FN} (an existing slot's npages must not "
             "change)", setup=(SLOT0,), basis="code"),
        Case(id="move", ioctl="KVM_SET_USER_MEMORY_REGION", condition="slot 0 again at another guest address",
             arch=("x86_64",), call=set_user_memory_region(gpa=0x200000, size=0x2000, host=SLOT0_HOST), errno=0,
             cite=f"{API} 4.35: 'the memory slot may be moved'; "
             f"{MEMSLOT_FN} (KVM_MR_MOVE)", setup=(SLOT0,)),
        Case(id="delete", ioctl="KVM_SET_USER_MEMORY_REGION", condition="memory_size 0 for slot 0", arch=("x86_64",),
             call=set_user_memory_region(size=0, host=SLOT0_HOST), errno=0,
             cite=f"{API} 4.35: 'Setting memory_size to 0 ... deletes the slot'", setup=(SLOT0,)),
        Case(id="memslot-bad-pointer", ioctl="KVM_SET_USER_MEMORY_REGION", condition="the argument is not readable",
             arch=("x86_64",), call=call("KVM_SET_USER_MEMORY_REGION", "vm", BAD_POINTER, "arg = a guard page"),
             errno=EFAULT, cite="kvm_main.c: kvm_vm_ioctl, KVM_SET_USER_MEMORY_REGION (copy_from_user)", basis="code"),
    ]


CASES: list[Case] = [
    # The row of 7.28's section (KVM_ENABLE_CAP(KVM_CAP_ARM_MTE) EINVAL, its memslot sentence), not row 1 of
    # (KVM_SET_USER_MEMORY_REGION, EINVAL): that is 4.35's s390 ucontrol sentence.
    Case(id="mte-memslot-shared-file", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="a memslot on the vCPU's kvm_run mmap (MAP_SHARED, not anonymous) with MTE enabled", arch=("arm64",),
         features=("mte",), call=kvm_run_slot(), errno=EINVAL,
         cite=f"{CAP_MTE_DOC}: 6.1: a memslot on a MAP_SHARED mmap returns -EINVAL; 6.12+: memory that is neither "
         "MAP_ANONYMOUS nor a RAM-based file returns -EINVAL (mmu.c kvm_arch_prepare_memory_region)",
         setup=(ENABLE_MTE, create_vcpu(0)), cap="KVM_CAP_ARM_MTE", needs=(CAP_MTE,)),
    Case(id="mte-memslot-shared-file-without-mte", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="the same memslot on a VM without MTE enabled", arch=("arm64",), features=("mte",),
         call=kvm_run_slot(), errno=0,
         cite="the contrast: mmu.c kvm_arch_prepare_memory_region refuses such memory only when MTE is enabled",
         setup=(create_vcpu(0),), basis="code", needs=(CAP_MTE,)),
    Case(id="mte-memslot-shared-anonymous-6.1", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="a memslot on MAP_SHARED|MAP_ANONYMOUS memory with MTE enabled (6.1)", arch=("arm64",),
         features=("mte",), call=shared_anonymous_slot(), errno=EINVAL,
         cite=f"{CAP_MTE_DOC} (6.1): memslots must not be MAP_SHARED, a MAP_SHARED mmap returns -EINVAL (mmu.c "
         "kvm_arch_prepare_memory_region: VM_SHARED)", setup=(ENABLE_MTE,), cap="KVM_CAP_ARM_MTE", kernels="6.1",
         needs=(CAP_MTE,)),
    Case(id="mte-memslot-shared-anonymous", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="a memslot on MAP_SHARED|MAP_ANONYMOUS memory with MTE enabled", arch=("arm64",), features=("mte",),
         call=shared_anonymous_slot(), errno=0,
         cite=f"{CAP_MTE_DOC} (6.12+): memslot memory mapped MAP_ANONYMOUS is allowed, shared or not (mmu.c "
         "kvm_vma_mte_allowed: VM_MTE_ALLOWED)", setup=(ENABLE_MTE,), kernels="6.12+", needs=(CAP_MTE,)),
    Case(id="mte-memslot-anonymous", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="a memslot on private anonymous memory, MTE enabled", arch=("arm64",), features=("mte",),
         call=tag_slot(), errno=0, cite=f"{CAP_MTE_DOC}: MAP_ANONYMOUS memory (6.12+), memory not MAP_SHARED (6.1)",
         setup=(ENABLE_MTE,), needs=(CAP_MTE,)),
    # 4.140 KVM_SET_USER_MEMORY_REGION2 (what x86_state.py tests of KVM_SET_USER_MEMORY_REGION is not repeated).
    Case(id="region2", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="slot 1, one page", arch=GENERIC,
         call=region2(), errno=0, cite=f"{REGION2}: 'an extension to KVM_SET_USER_MEMORY_REGION'",
         kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region2-log-dirty", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="KVM_MEM_LOG_DIRTY_PAGES",
         arch=GENERIC, call=region2(flags=kvm.KVM_MEM_LOG_DIRTY_PAGES), errno=0,
         cite=f"{REGION2}: 'All fields shared with "
         "KVM_SET_USER_MEMORY_REGION identically'", kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region2-size-unaligned", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="memory_size 0x1800",
         arch=GENERIC, call=region2(size=0x1800), errno=EINVAL,
         cite=f"{REGION2}: 'All standard bounds checks apply' ({MAIN}: kvm_set_memory_region, size not page-aligned)",
         basis="code", kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region2-overlap", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="slot 2 overlapping slot 1",
         arch=GENERIC, call=region2(2, 0x100000), errno=EEXIST,
         cite=f"{MAIN}: kvm_set_memory_region (kvm_check_memslot_overlap)", setup=(region2(),), basis="code",
         kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region2-slot-id-past", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="slot KVM_CAP_NR_MEMSLOTS",
         arch=GENERIC, call=region2(NR_SLOTS), errno=EINVAL,
         cite=f"{MAIN}: kvm_set_memory_region (id >= KVM_USER_MEM_SLOTS)", basis="code", kernels=REGION2_KERNELS,
         needs=USER_MEMORY2),
    Case(id="region2-unknown-flag", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="flags bit 31",
         arch=GENERIC, call=region2(flags=1 << 31), errno=EINVAL, cite=f"{MAIN}: check_memory_region_flags",
         basis="code", kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region2-bad-pointer", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="the argument is a guard page",
         arch=GENERIC, call=step("KVM_SET_USER_MEMORY_REGION2(arg = a guard page)",
              lambda s: s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION2, s.target.bad_address())), errno=EFAULT,
         cite=f"{MAIN}: kvm_vm_ioctl (copy_from_user of struct kvm_userspace_memory_region2)", basis="code",
         kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region-v1-guest-memfd", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="KVM_MEM_GUEST_MEMFD through the old ioctl", arch=GENERIC,
         call=region2(flags=kvm.KVM_MEM_GUEST_MEMFD, request="KVM_SET_USER_MEMORY_REGION"), errno=EINVAL,
         cite=f"{MAIN}: kvm_vm_ioctl (KVM_SET_USER_MEMORY_REGION takes only KVM_SET_USER_MEMORY_REGION_V1_FLAGS); "
         f"{REGION2}: guest_memfd is what REGION2 adds", basis="code", kernels=REGION2_KERNELS),
    # 4.141 KVM_SET_MEMORY_ATTRIBUTES (x86).
    Case(id="attributes-not-built", ioctl="KVM_SET_MEMORY_ATTRIBUTES",
         condition="KVM_CAP_MEMORY_ATTRIBUTES is 0 at system scope", arch=("x86_64",),
         call=attributes(attrs=kvm.KVM_MEMORY_ATTRIBUTE_PRIVATE), errno=ENOTTY,
         cite=f"{MAIN}: kvm_vm_ioctl (the case exists only "
         "with CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES; otherwise kvm_arch_vm_ioctl's -ENOTTY); api.rst 3: an ioctl a "
         "kernel does not provide fails with ENOTTY", basis="code", kernels=REGION2_KERNELS,
         needs=((kvm.KVM_CAP_MEMORY_ATTRIBUTES, "KVM_CAP_MEMORY_ATTRIBUTES", False),)),
    Case(id="attributes-unsupported", ioctl="KVM_SET_MEMORY_ATTRIBUTES",
         condition="PRIVATE on a default VM (its capability is 0)", arch=("x86_64",),
         call=attributes(attrs=kvm.KVM_MEMORY_ATTRIBUTE_PRIVATE), errno=EINVAL,
         cite=f"{ATTRS}: 'KVM_CAP_MEMORY_ATTRIBUTES precisely "
         f"returns the attributes supported by that VM' (refused; errno from {MAIN}: "
         "kvm_vm_ioctl_set_mem_attributes)", kernels=REGION2_KERNELS,
         needs=((kvm.KVM_CAP_MEMORY_ATTRIBUTES, "KVM_CAP_MEMORY_ATTRIBUTES", True),)),
    Case(id="attributes-flags", ioctl="KVM_SET_MEMORY_ATTRIBUTES", condition="flags 1", arch=("x86_64",),
         call=attributes(flags=1), errno=EINVAL,
         cite=f"{ATTRS}: 'The \"flags\" field is reserved for future extensions and must be '0'' (refused; errno from "
         f"{MAIN}: kvm_vm_ioctl_set_mem_attributes)", kernels=REGION2_KERNELS,
         needs=((kvm.KVM_CAP_MEMORY_ATTRIBUTES, "KVM_CAP_MEMORY_ATTRIBUTES", True),)),
    Case(id="attributes-unaligned", ioctl="KVM_SET_MEMORY_ATTRIBUTES", condition="size 0x800", arch=("x86_64",),
         call=attributes(size=0x800), errno=EINVAL,
         cite=f"{ATTRS}: 'The address and size must be page aligned' (refused; errno from {MAIN}: "
         "kvm_vm_ioctl_set_mem_attributes)", kernels=REGION2_KERNELS,
         needs=((kvm.KVM_CAP_MEMORY_ATTRIBUTES, "KVM_CAP_MEMORY_ATTRIBUTES", True),)),
    # 4.140 with guest_memfd (KVM_MEM_GUEST_MEMFD). doc_row 0 on the refusals: api.rst's counted EINVAL/EEXIST rows of
    # 4.140 are s390's (UCONTROL, protected VMs); these test other sentences of the section and must not cover them.
    # Default VMs have guest_memfd from 6.18 (7.2 source; x86 6.12
    # allows it only for VM types with private memory, arm64 6.12 has no guest_memfd).
    Case(id="gmem-region", ioctl="KVM_SET_USER_MEMORY_REGION2",
         condition="KVM_MEM_GUEST_MEMFD bound to a guest_memfd of this VM", arch=GENERIC,
         call=gmem_region(GMEM), errno=0,
         cite=f"{REGION2}: 'Userspace can set KVM_MEM_GUEST_MEMFD in flags to have KVM bind the "
         "memory region to a given guest_memfd range'", kernels=GMEM_KERNELS, needs=GUEST_MEMFD),
    Case(id="gmem-mte", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="KVM_MEM_GUEST_MEMFD in a VM with MTE",
         arch=("arm64",), features=("mte",), call=gmem_region(GMEM), errno=EINVAL,
         cite="arm64 mmu.c: kvm_arch_prepare_memory_region (guest_memfd is incompatible with MTE)", basis="code",
         setup=(ENABLE_MTE,), kernels=GMEM_KERNELS,
         needs=GUEST_MEMFD + ((kvm.KVM_CAP_ARM_MTE, "KVM_CAP_ARM_MTE", True),)),
    Case(id="gmem-not-mappable-arm64", ioctl="KVM_SET_USER_MEMORY_REGION2",
         condition="a guest_memfd without GUEST_MEMFD_FLAG_MMAP", arch=("arm64",), call=gmem_region(GMEM_PRIVATE),
         errno=EINVAL, cite="arm64 mmu.c: kvm_arch_prepare_memory_region (only guest_memfd slots "
         "with mappable memory: arm64 has no VM type with private-only memory)", basis="code", kernels=GMEM_KERNELS,
         needs=GUEST_MEMFD),
    Case(id="gmem-not-gmem", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="guest_memfd is the VM fd",
         arch=GENERIC, call=gmem_region(VM_FD), errno=EINVAL,
         cite=f"{REGION2}: 'The target guest_memfd must point at a file created via KVM_CREATE_GUEST_MEMFD' (refused; "
         "errno from guest_memfd.c: kvm_gmem_bind)", doc_row=0, kernels=GMEM_KERNELS, needs=GUEST_MEMFD),
    Case(id="gmem-other-vm", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="a guest_memfd of another VM",
         arch=GENERIC, call=gmem_region(OTHER_GMEM), errno=EINVAL,
         cite=f"{REGION2}: '... created via KVM_CREATE_GUEST_MEMFD on the current VM' (refused; errno from "
         "guest_memfd.c: kvm_gmem_bind)", doc_row=0, kernels=GMEM_KERNELS, needs=GUEST_MEMFD),
    Case(id="gmem-bad-fd", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="guest_memfd 0x7fffffff (no such fd)",
         arch=GENERIC, call=gmem_region(0x7FFFFFFF), errno=EBADF,
         cite="guest_memfd.c: kvm_gmem_bind (fget fails: -EBADF)", basis="code", kernels=GMEM_KERNELS,
         needs=GUEST_MEMFD),
    Case(id="gmem-offset-unaligned", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="guest_memfd_offset 0x800",
         arch=GENERIC, call=gmem_region(GMEM, offset=0x800), errno=EINVAL,
         cite=f"{MAIN}: kvm_set_memory_region (guest_memfd_offset not "
         f"page-aligned); {REGION2}: 'All standard bounds checks apply'", basis="code", kernels=GMEM_KERNELS,
         needs=GUEST_MEMFD),
    Case(id="gmem-past-end", ioctl="KVM_SET_USER_MEMORY_REGION2",
         condition="offset 0xe000 + size 0x4000 past the 64 KiB file", arch=GENERIC,
         call=gmem_region(GMEM, offset=0xE000), errno=EINVAL,
         cite="guest_memfd.c: kvm_gmem_bind (offset + size > i_size)", basis="code", kernels=GMEM_KERNELS,
         needs=GUEST_MEMFD),
    Case(id="gmem-range-bound", ioctl="KVM_SET_USER_MEMORY_REGION2",
         condition="a second slot on the range slot 1 is bound to", arch=GENERIC,
         call=gmem_region(GMEM_KEPT, slot=2, gpa=0x200000), errno=EEXIST,
         cite=f"{REGION2}: 'the target range must not be bound to "
         "any other memory region' (refused; errno from guest_memfd.c: kvm_gmem_bind, 7.2: -EEXIST; 6.12 gave "
         "-EINVAL)", setup=(gmem_region(GMEM_KEPT),), doc_row=0, kernels="7.2+ (6.12's kvm_gmem_bind returned EINVAL)",
         needs=GUEST_MEMFD),
    Case(id="gmem-log-dirty", ioctl="KVM_SET_USER_MEMORY_REGION2",
         condition="KVM_MEM_GUEST_MEMFD | KVM_MEM_LOG_DIRTY_PAGES", arch=GENERIC,
         call=gmem_region(GMEM, flags=kvm.KVM_MEM_GUEST_MEMFD | kvm.KVM_MEM_LOG_DIRTY_PAGES), errno=EINVAL,
         cite=f"{MAIN}: check_memory_region_flags (dirty logging of guest_memfd memory is not supported)", basis="code",
         kernels=GMEM_KERNELS, needs=GUEST_MEMFD),
    Case(id="gmem-readonly", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="KVM_MEM_GUEST_MEMFD | KVM_MEM_READONLY",
         arch=GENERIC, call=gmem_region(GMEM, flags=kvm.KVM_MEM_GUEST_MEMFD | kvm.KVM_MEM_READONLY),
         errno=EINVAL, cite=f"{MAIN}: check_memory_region_flags (READONLY only without GUEST_MEMFD)", basis="code",
         kernels=GMEM_KERNELS, needs=GUEST_MEMFD),
    Case(id="attributes-arm64", ioctl="KVM_SET_MEMORY_ATTRIBUTES",
         condition="on arm64 (api.rst: ':Architectures: x86')", arch=("arm64",),
         call=attributes(attrs=kvm.KVM_MEMORY_ATTRIBUTE_PRIVATE), errno=EINVAL,
         cite="arm.c: kvm_arch_vm_ioctl (default: -EINVAL; "
         "arm64 does not build KVM_GENERIC_MEMORY_ATTRIBUTES)", basis="code", kernels=REGION2_KERNELS,
         needs=((kvm.KVM_CAP_MEMORY_ATTRIBUTES, "KVM_CAP_MEMORY_ATTRIBUTES", False),)),
    *_memslots(),
]

UNREACHABLE = [
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
    # api.rst's two EINVAL sentences of the S390 part: row 1 a KVM_VM_S390_UCONTROL VM, row 2 a protected VM.
    *(Unreachable(name, EINVAL, "the documented EINVAL is for an s390 KVM_VM_S390_UCONTROL VM (row 1) and s390 "
                  "protected VMs (row 2): x86 has neither", arch="x86_64", doc_row=row)
      for name in ("KVM_SET_USER_MEMORY_REGION", "KVM_SET_USER_MEMORY_REGION2") for row in (1, 2)),
    Unreachable("KVM_SET_USER_MEMORY_REGION", EEXIST, "7.2 documents EEXIST only for an s390 KVM_VM_S390_UCONTROL "
                "VM; the implemented x86 EEXIST (overlapping slots) is tested as a code case", arch="x86_64"),
    Unreachable("KVM_SET_USER_MEMORY_REGION2", EEXIST, "documented only for an s390 KVM_VM_S390_UCONTROL VM",
                arch="x86_64"),
]
