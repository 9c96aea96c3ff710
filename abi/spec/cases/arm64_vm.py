"""KVM_ARM_MTE_COPY_TAGS, KVM_ARM_SET_COUNTER_OFFSET, KVM_ARM_GET_REG_WRITABLE_MASKS: the arm64 VM ioctls (MTE tags
on the mte machine, the counter offset, the writable ID register masks)."""

from __future__ import annotations

from errno import EBUSY, EFAULT, EINVAL, ENOTTY

from abi import arm64, kvm
from abi.spec.case import Case
from abi.spec.steps.arm64 import (
    CAP_MTE,
    COUNTER,
    ENABLE_MTE,
    FROM_GUEST,
    MTE,
    MTE_VM,
    PAGE_TAGS,
    SLOT_SIZE,
    TAGS,
    UNMAPPED_IPA,
    copy_tags,
    counter_offset,
    tag_slot,
    tags_read,
)
from abi.spec.steps.base import BAD_POINTER, step
from abi.spec.steps.guest import PAGE
from abi.spec.steps.memory import ARM_MASKS_REQUEST, MASKS, MASKS_KERNELS, _masks_range_flag, masks
from abi.spec.steps.vcpu import vcpu_busy

CASES: list[Case] = [
    # --- KVM_ARM_MTE_COPY_TAGS on a VM without MTE (every machine: the mte one too, until the VM enables it) -----
    Case(id="mte-copy-tags-without-mte", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="on a VM without KVM_CAP_ARM_MTE enabled", arch=("arm64",), call=copy_tags(), errno=EINVAL,
         cite="guest.c: kvm_vm_ioctl_mte_copy_tags (!kvm_has_mte) before any argument check", basis="code"),
    Case(id="mte-copy-tags-bad-pointer", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="argument pointer to a guard page",
         arch=("arm64",), call=copy_tags(arg=BAD_POINTER), errno=EFAULT,
         cite="arm.c: kvm_arch_vm_ioctl copy_from_user, before the MTE test", basis="code"),
    # --- KVM_ARM_MTE_COPY_TAGS on a VM with MTE enabled and 64 KiB of anonymous memory at IPA 0 ---------------
    Case(id="mte-copy-tags-to-guest", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="one page's tags to the guest",
         arch=("arm64",), features=("mte",), call=copy_tags(), errno=0,
         cite=f"{MTE}: the call completes successfully and returns length", setup=MTE_VM, ret=PAGE, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-round-trip", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="two pages' tags copied to the guest, then back", arch=("arm64",), features=("mte",),
         call=copy_tags(FROM_GUEST, length=2 * PAGE, tags=PAGE_TAGS), errno=0,
         cite=f"{MTE}: length / 16 bytes, one tag per byte; returns length",
         setup=(*MTE_VM, copy_tags(length=2 * PAGE, tags=PAGE_TAGS)), ret=2 * PAGE, check=tags_read(PAGE_TAGS),
         needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-from-untagged-page", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="from a guest page whose tags were never set", arch=("arm64",), features=("mte",),
         call=copy_tags(FROM_GUEST), errno=0,
         cite="guest.c: kvm_vm_ioctl_mte_copy_tags writes zeros for a page not yet tagged", setup=MTE_VM, ret=PAGE,
         check=tags_read(bytes(len(TAGS))), basis="code", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-partial", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="two pages from the last page of the memslot", arch=("arm64",), features=("mte",),
         call=copy_tags(ipa=SLOT_SIZE - PAGE, length=2 * PAGE), errno=0,
         cite=f"{MTE}: if some tags were copied before an error, the number of bytes copied is returned", setup=MTE_VM,
         ret=PAGE, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-length-limit", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="length 2^31 - PAGE_SIZE over a 64 KiB memslot", arch=("arm64",), features=("mte",),
         call=copy_tags(length=(1 << 31) - PAGE), errno=0,
         cite=f"{MTE}: length up to 2^31 - PAGE_SIZE is accepted (6.12+ text); the 16 pages of the memslot are copied "
         "before the first page outside it, and that count is returned", setup=MTE_VM, ret=SLOT_SIZE, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-length-2g", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="length 2^31", arch=("arm64",),
         features=("mte",), call=copy_tags(length=1 << 31), errno=EINVAL,
         cite=f"{MTE}: length must not be bigger than 2^31 - PAGE_SIZE (6.12+ text); guest.c length > INT_MAX",
         setup=MTE_VM, kernels="6.12+", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-length-2g-6.1", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="length 2^31 (6.1: no upper bound)",
         arch=("arm64",), features=("mte",), call=copy_tags(length=1 << 31), errno=0,
         cite="guest.c (6.1): kvm_vm_ioctl_mte_copy_tags has no length bound; it copies the memslot's 16 pages and "
         "returns that count", setup=MTE_VM, ret=SLOT_SIZE, basis="code", kernels="6.1", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-reserved-0", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="reserved[0] not zero",
         arch=("arm64",), features=("mte",), call=copy_tags(reserved=(1, 0)), errno=EINVAL,
         cite=f"{MTE}: -EINVAL for incorrect arguments; guest.c checks reserved[]", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-reserved-1", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="reserved[1] not zero",
         arch=("arm64",), features=("mte",), call=copy_tags(reserved=(0, 1)), errno=EINVAL,
         cite=f"{MTE}: -EINVAL for incorrect arguments", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-unknown-flag", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="flags 2 (neither TO_GUEST nor FROM_GUEST)", arch=("arm64",), features=("mte",),
         call=copy_tags(flags=2), errno=EINVAL,
         cite=f"{MTE}: flags is either KVM_ARM_TAGS_TO_GUEST or KVM_ARM_TAGS_FROM_GUEST; "
         "-EINVAL for incorrect arguments", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-unaligned-ipa", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="guest_ipa half a page in",
         arch=("arm64",), features=("mte",), call=copy_tags(ipa=PAGE // 2), errno=EINVAL,
         cite=f"{MTE}: guest_ipa must be PAGE_SIZE aligned; -EINVAL", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-unaligned-length", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="length half a page",
         arch=("arm64",), features=("mte",), call=copy_tags(length=PAGE // 2), errno=EINVAL,
         cite=f"{MTE}: length must be PAGE_SIZE aligned; -EINVAL", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-outside-memslots", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="guest_ipa outside every memslot", arch=("arm64",), features=("mte",),
         call=copy_tags(ipa=UNMAPPED_IPA), errno=EFAULT,
         cite=f"{MTE}: -EFAULT if memory cannot be accessed (nothing copied)", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-to-guest-bad-buffer", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="to the guest from a tag buffer at a guard page", arch=("arm64",), features=("mte",),
         call=copy_tags(buffer=BAD_POINTER), errno=EFAULT, cite=f"{MTE}: -EFAULT if memory cannot be accessed",
         setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-from-guest-bad-buffer", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="from the guest into a tag buffer at a guard page", arch=("arm64",), features=("mte",),
         call=copy_tags(FROM_GUEST, buffer=BAD_POINTER), errno=EFAULT,
         cite=f"{MTE}: -EFAULT if memory cannot be accessed", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-to-readonly-memslot", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="to a read-only memslot",
         arch=("arm64",), features=("mte",), call=copy_tags(), errno=EFAULT,
         cite="guest.c: kvm_vm_ioctl_mte_copy_tags, a write finds no writable page (6.1/6.12 "
         "gfn_to_pfn_prot, 7.2 __gfn_to_page): -EFAULT", setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_READONLY)),
         basis="code", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-from-readonly-memslot", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="from a read-only memslot",
         arch=("arm64",), features=("mte",), call=copy_tags(FROM_GUEST), errno=0,
         cite="guest.c: kvm_vm_ioctl_mte_copy_tags reads through a read-only slot",
         setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_READONLY)), ret=PAGE, basis="code", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-to-guest-dirty-logging", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="to the guest while a memslot logs dirty pages", arch=("arm64",), features=("mte",),
         call=copy_tags(), errno=EBUSY,
         cite="guest.c (6.12, 7.2): kvm_vm_ioctl_mte_copy_tags refuses writes while nr_memslots_dirty_logging is "
         "non-zero (undocumented)", setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_LOG_DIRTY_PAGES)), basis="code",
         kernels="6.12+", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-to-guest-dirty-logging-6.1", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="to the guest while a memslot logs dirty pages (6.1)", arch=("arm64",), features=("mte",),
         call=copy_tags(), errno=0, cite="guest.c (6.1): no dirty-logging test yet",
         setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_LOG_DIRTY_PAGES)), ret=PAGE, basis="code", kernels="6.1",
         needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-from-guest-dirty-logging", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="from the guest while a memslot logs dirty pages", arch=("arm64",), features=("mte",),
         call=copy_tags(FROM_GUEST), errno=0,
         cite="guest.c: only a copy to the guest is refused during dirty logging (6.12, 7.2)",
         setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_LOG_DIRTY_PAGES)), ret=PAGE, basis="code", needs=(CAP_MTE,)),
    # --- KVM_ARM_SET_COUNTER_OFFSET (6.4+) ---------------------------------------------------------------------
    Case(id="counter-offset", ioctl="KVM_ARM_SET_COUNTER_OFFSET", condition="offset 0, reserved 0", arch=("arm64",),
         call=counter_offset(), errno=0, cite=COUNTER, kernels="6.12+"),
    Case(id="counter-offset-reserved", ioctl="KVM_ARM_SET_COUNTER_OFFSET", condition="reserved not zero",
         arch=("arm64",), call=counter_offset(1), errno=EINVAL,
         cite=f"{COUNTER}: any value other than 0 for reserved may give -EINVAL; arch_timer.c "
         "kvm_vm_ioctl_set_counter_offset", kernels="6.12+"),
    Case(id="counter-offset-vcpu-running", ioctl="KVM_ARM_SET_COUNTER_OFFSET",
         condition="vCPU 0 in KVM_RUN on another thread", arch=("arm64",), call=counter_offset(), errno=EBUSY,
         cite=f"{COUNTER}: -EBUSY if any vcpu ioctl is issued concurrently; arch_timer.c "
              "kvm_vm_ioctl_set_counter_offset "
         "takes every vCPU's mutex with arm.c lock_all_vcpus (6.12; kvm_main.c kvm_trylock_all_vcpus in 7.2)",
         setup=(vcpu_busy(),), kernels="6.12+"),
    # 4.139 KVM_ARM_GET_REG_WRITABLE_MASKS (arm64, 6.7+).
    Case(id="masks", ioctl="KVM_ARM_GET_REG_WRITABLE_MASKS", condition="range KVM_ARM_FEATURE_ID_RANGE",
         arch=("arm64",), call=masks(), errno=0,
         cite=f"{MASKS}: 'copies the writable masks for a selected range of registers'; the capability's bit 0 is "
         "KVM_ARM_FEATURE_ID_RANGE", check=_masks_range_flag, kernels=MASKS_KERNELS),
    Case(id="masks-range-1", ioctl="KVM_ARM_GET_REG_WRITABLE_MASKS", condition="range 1 (reserved)", arch=("arm64",),
         call=masks(range_=1), errno=EINVAL,
         cite=f"sys_regs.c: kvm_vm_ioctl_get_reg_writable_masks (range non-zero: -EINVAL); {MASKS}: 'All other values "
         "are reserved ... KVM may return an error'", basis="code", kernels=MASKS_KERNELS),
    Case(id="masks-reserved", ioctl="KVM_ARM_GET_REG_WRITABLE_MASKS", condition="reserved[0] 1", arch=("arm64",),
         call=masks(reserved0=1), errno=EINVAL,
         cite=f"sys_regs.c: kvm_vm_ioctl_get_reg_writable_masks (reserved not zero: -EINVAL); {MASKS}: 'should be 0, "
              "or "
         "KVM may return an error'", basis="code", kernels=MASKS_KERNELS),
    Case(id="masks-bad-addr", ioctl="KVM_ARM_GET_REG_WRITABLE_MASKS", condition="addr is a guard page", arch=("arm64",),
         call=masks(addr=BAD_POINTER), errno=EFAULT,
         cite="sys_regs.c: kvm_vm_ioctl_get_reg_writable_masks (clear_user of the array: -EFAULT)", basis="code",
         kernels=MASKS_KERNELS),
    Case(id="masks-bad-pointer", ioctl="KVM_ARM_GET_REG_WRITABLE_MASKS", condition="the argument is a guard page",
         arch=("arm64",), call=masks(arg=BAD_POINTER), errno=EFAULT,
         cite="arm.c: kvm_arch_vm_ioctl (copy_from_user of struct reg_mask_range)", basis="code",
         kernels=MASKS_KERNELS),
    Case(id="masks-x86", ioctl="KVM_ARM_GET_REG_WRITABLE_MASKS", condition="on x86 (an arm64 ioctl)", arch=("x86_64",),
         call=step("KVM_ARM_GET_REG_WRITABLE_MASKS(range 0)", lambda s: s.ioctl(
             s.vm, ARM_MASKS_REQUEST, arm64.reg_mask_range(addr=s.scratch()))), errno=ENOTTY,
         cite="x86.c: kvm_arch_vm_ioctl (default: -ENOTTY)", basis="code"),
]
