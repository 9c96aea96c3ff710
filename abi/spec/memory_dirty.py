"""Memory slots, dirty logging and the remaining generic ioctls of api.rst, on x86_64 (local) and the arm64 guests.

Documentation: Documentation/virt/kvm/api.rst (Debian 6.1.192, 6.12.117, 7.2.13): 4.1 KVM_GET_API_VERSION, 4.5
KVM_GET_VCPU_MMAP_SIZE, 4.8 KVM_GET_DIRTY_LOG, 4.38/4.39 KVM_{GET,SET}_MP_STATE, 4.70 KVM_KVMCLOCK_CTRL, 4.87
KVM_SET_GUEST_DEBUG, 4.117 KVM_CLEAR_DIRTY_LOG, 4.139 KVM_ARM_GET_REG_WRITABLE_MASKS, 4.140
KVM_SET_USER_MEMORY_REGION2, 4.141 KVM_SET_MEMORY_ATTRIBUTES; 7.18 KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 7.36
KVM_CAP_DIRTY_LOG_RING/KVM_CAP_DIRTY_LOG_RING_ACQ_REL (8.29 in 6.1 and 6.12).
Implementation: virt/kvm/kvm_main.c (kvm_dev_ioctl, kvm_vm_ioctl, kvm_get_dirty_log_protect,
kvm_clear_dirty_log_protect, kvm_vm_ioctl_enable_cap_generic, kvm_vm_ioctl_enable_dirty_log_ring,
kvm_vm_ioctl_reset_dirty_pages, check_memory_region_flags, kvm_vm_ioctl_set_mem_attributes), arch/x86/kvm/x86.c
(kvm_arch_vcpu_ioctl_set_mpstate, kvm_arch_vcpu_ioctl_set_guest_debug, kvm_set_guest_paused), arch/arm64/kvm
(arm.c kvm_arch_vcpu_ioctl_set_mpstate, guest.c kvm_arch_vcpu_ioctl_set_guest_debug, sys_regs.c
kvm_vm_ioctl_get_reg_writable_masks). docs/research/memory_dirty.md has the evidence per row and per version.

The dirty-log cases run a few guest instructions that store to one page of a slot logged with
KVM_MEM_LOG_DIRTY_PAGES and then leave KVM_RUN (x86: HLT without an in-kernel irqchip; arm64: a store outside every
memslot, an MMIO exit), so the bitmap has exactly that page.
"""

from __future__ import annotations

from errno import E2BIG, EBADF, EEXIST, EFAULT, EINVAL, ENOENT, ENOTTY, ENXIO

from abi import arm64, kvm
from abi.spec.case import DOCUMENT_CONTRADICTS_ITSELF, SUCCEEDS, Case, Deviation
from abi.spec.steps.base import BAD_POINTER, step
from abi.spec.steps.memory import (
    ACQ_REL,
    API,
    ARM_MASKS_REQUEST,
    ATTRS,
    CLEAR_LOG,
    CLOCK,
    CODE_CLEAR,
    CODE_GET,
    CODE_RING,
    DEBUG,
    DIRTY,
    DIRTY_PAGE,
    GET_LOG,
    GET_MP,
    GET_MP_STATE,
    GMEM,
    GMEM_KEPT,
    GMEM_KERNELS,
    GMEM_PRIVATE,
    GUEST_MEMFD,
    KVM_GUESTDBG_EXIT_PENDING,
    KVMCLOCK_CTRL,
    MAIN,
    MASKS,
    MASKS_KERNELS,
    NO_AS,
    NR_SLOTS,
    OTHER_GMEM,
    PROTECT2,
    READ_RING,
    REGION2,
    REGION2_KERNELS,
    RESET_RINGS,
    RING,
    RING_MAX,
    SET_MP,
    SLOT_PAGES,
    SUPPORTED_DEBUG,
    UNSUPPORTED_ARCH_BIT,
    USER_MEMORY2,
    VM_FD,
    WITH_BITMAP,
    _masks_range_flag,
    attributes,
    clear_log,
    dirty_bits,
    enable_cap,
    first_entry_is,
    get_log,
    gmem_region,
    guest_debug,
    harvest,
    kvmclock_enabled,
    log_slot,
    manual_protect,
    masks,
    mmap_size_ok,
    mp_is,
    powered_off_vcpu,
    region2,
    ring,
    ring_has,
    ring_is,
    set_mp,
    system,
    vcpu,
)
from abi.spec.steps.vm import IRQCHIP, create_vcpu

CASES: list[Case] = [
    # 4.1 / 4.5: system ioctls without an argument.
    Case(id="api-version", ioctl="KVM_GET_API_VERSION", condition="the system fd", arch=("x86_64", "arm64"),
         call=system("KVM_GET_API_VERSION"), errno=0,
         cite=f"{API} 4.1 KVM_GET_API_VERSION: ':Returns: the constant KVM_API_VERSION (=12)'", ret=12, needs_vm=False),
    Case(id="api-version-arg", ioctl="KVM_GET_API_VERSION", condition="a non-zero argument", arch=("x86_64", "arm64"),
         call=system("KVM_GET_API_VERSION", 1), errno=EINVAL,
         cite=f"{MAIN}: kvm_dev_ioctl (KVM_GET_API_VERSION: `if (arg) goto out` with r = -EINVAL)", basis="code",
         needs_vm=False),
    Case(id="mmap-size", ioctl="KVM_GET_VCPU_MMAP_SIZE", condition="the system fd", arch=("x86_64", "arm64"),
         call=system("KVM_GET_VCPU_MMAP_SIZE"), errno=0,
         cite=f"{API} 4.5 KVM_GET_VCPU_MMAP_SIZE: the size of the shared kvm_run region; the coalesced MMIO page at "
         "KVM_COALESCED_MMIO_PAGE_OFFSET 'is included in the result'", check=mmap_size_ok),
    Case(id="mmap-size-arg", ioctl="KVM_GET_VCPU_MMAP_SIZE", condition="a non-zero argument", arch=("x86_64", "arm64"),
         call=system("KVM_GET_VCPU_MMAP_SIZE", 1), errno=EINVAL,
         cite=f"{MAIN}: kvm_dev_ioctl (KVM_GET_VCPU_MMAP_SIZE: `if (arg) goto out` with r = -EINVAL)", basis="code",
         needs_vm=False),

    # 4.8 KVM_GET_DIRTY_LOG.
    Case(id="get-log-dirty-page", ioctl="KVM_GET_DIRTY_LOG",
         condition="after the guest stored to page 2 of a logged slot", arch=("x86_64", "arm64"), call=get_log(),
         errno=0,
         cite=f"{GET_LOG}: 'return a bitmap containing any pages dirtied ... Bit 0 is the first page in the memory "
         "slot'", setup=DIRTY, check=dirty_bits({DIRTY_PAGE})),
    Case(id="get-log-cleared", ioctl="KVM_GET_DIRTY_LOG", condition="a second call, no write in between",
         arch=("x86_64", "arm64"), call=get_log(), errno=0,
         cite=f"{GET_LOG}: 'The bits in the dirty bitmap are cleared before the ioctl returns, unless "
         "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 is enabled'", setup=(*DIRTY, get_log()), check=dirty_bits(set())),
    Case(id="get-log-manual-kept", ioctl="KVM_GET_DIRTY_LOG",
         condition="a second call with MANUAL_PROTECT_ENABLE: bits stay", arch=("x86_64", "arm64"), call=get_log(),
         errno=0,
         cite=f"{GET_LOG} ('... unless KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 is enabled'); {PROTECT2}: 'KVM_GET_DIRTY_LOG "
         "will not automatically clear ... userspace will have to do this operation separately'",
         setup=(manual_protect(), *DIRTY, get_log()), check=dirty_bits({DIRTY_PAGE})),
    Case(id="get-log-initially-set", ioctl="KVM_GET_DIRTY_LOG",
         condition="MANUAL_PROTECT_ENABLE | INITIALLY_SET, slot created after", arch=("x86_64", "arm64"),
         call=get_log(), errno=0,
         cite=f"{PROTECT2}: 'With KVM_DIRTY_LOG_INITIALLY_SET set, all the bits of the dirty bitmap will "
         "be initialized to 1 when created'", setup=(manual_protect(kvm.KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE
                                                                   | kvm.KVM_DIRTY_LOG_INITIALLY_SET), log_slot()),
         check=dirty_bits(set(range(SLOT_PAGES)))),
    Case(id="get-log-no-slot", ioctl="KVM_GET_DIRTY_LOG", condition="slot 3, which does not exist",
         arch=("x86_64", "arm64"), call=get_log(3), errno=ENOENT,
         cite=f"{CODE_GET} (id_to_memslot finds no slot: -ENOENT)", setup=(log_slot(),), basis="code"),
    Case(id="get-log-not-logged", ioctl="KVM_GET_DIRTY_LOG", condition="a slot without KVM_MEM_LOG_DIRTY_PAGES",
         arch=("x86_64", "arm64"), call=get_log(), errno=ENOENT,
         cite=f"{CODE_GET} (the slot has no dirty_bitmap: -ENOENT)", setup=(log_slot(flags=0),), basis="code"),
    Case(id="get-log-slot-id-past", ioctl="KVM_GET_DIRTY_LOG",
         condition="slot id KVM_CAP_NR_MEMSLOTS (ids run below it)", arch=("x86_64", "arm64"), call=get_log(NR_SLOTS),
         errno=EINVAL, cite=f"{CODE_GET} (id >= KVM_USER_MEM_SLOTS: -EINVAL)", setup=(log_slot(),), basis="code"),
    Case(id="get-log-address-space", ioctl="KVM_GET_DIRTY_LOG",
         condition="as_id in bits 16-31 past the VM's address spaces", arch=("x86_64", "arm64"), call=get_log(NO_AS),
         errno=EINVAL, cite=f"{CODE_GET} (as_id >= the number of address spaces: -EINVAL; {GET_LOG}: 'bits "
         "16-31 of slot field specifies the address space' when KVM_CAP_MULTI_ADDRESS_SPACE is available)",
         setup=(log_slot(),), basis="code"),
    Case(id="get-log-bad-bitmap", ioctl="KVM_GET_DIRTY_LOG", condition="dirty_bitmap is a guard page",
         arch=("x86_64", "arm64"), call=get_log(bitmap=BAD_POINTER), errno=EFAULT,
         cite=f"{CODE_GET} (copy_to_user of the bitmap: -EFAULT)", setup=(log_slot(),), basis="code"),
    Case(id="get-log-bad-pointer", ioctl="KVM_GET_DIRTY_LOG", condition="the argument is a guard page",
         arch=("x86_64", "arm64"), call=get_log(arg=BAD_POINTER), errno=EFAULT,
         cite=f"{MAIN}: kvm_vm_ioctl (KVM_GET_DIRTY_LOG: copy_from_user: -EFAULT)", basis="code"),
    Case(id="get-log-with-ring", ioctl="KVM_GET_DIRTY_LOG", condition="the dirty ring is enabled (no ring-with-bitmap)",
         arch=("x86_64", "arm64"), call=get_log(), errno=ENXIO,
         cite=f"{CODE_GET} (dirty ring tracking is exclusive of the bitmap: -ENXIO)", setup=(ring(), log_slot()),
         basis="code", needs=ACQ_REL),

    # 4.117 KVM_CLEAR_DIRTY_LOG.
    Case(id="clear-log", ioctl="KVM_CLEAR_DIRTY_LOG",
         condition="page 2 with MANUAL_PROTECT_ENABLE, then KVM_GET_DIRTY_LOG", arch=("x86_64", "arm64"),
         call=get_log(), errno=0,
         cite=f"{CLEAR_LOG}: 'For each bit that is set in the input bitmap, the corresponding page is marked "
              "\"clean\"'",
         setup=(manual_protect(), *DIRTY, get_log(), clear_log(num=SLOT_PAGES)), check=dirty_bits(set())),
    Case(id="clear-without-manual-protect", ioctl="KVM_CLEAR_DIRTY_LOG",
         condition="MANUAL_DIRTY_LOG_PROTECT2 not enabled", arch=("x86_64", "arm64"), call=clear_log(num=SLOT_PAGES),
         errno=0, cite=f"{CLEAR_LOG}: 'it can always be used as long as KVM_CHECK_EXTENSION confirms "
         "that KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 is present'", setup=DIRTY),
    Case(id="clear-to-slot-end", ioctl="KVM_CLEAR_DIRTY_LOG",
         condition="num_pages 16 (not a multiple of 64) ending at the slot's end", arch=("x86_64", "arm64"),
         call=clear_log(num=SLOT_PAGES), errno=0,
         cite=f"{CLEAR_LOG}: 'num_pages must also be a multiple of 64 unless first_page + "
         "num_pages is the size of the memory slot'", setup=(manual_protect(), log_slot())),
    Case(id="clear-first-page-unaligned", ioctl="KVM_CLEAR_DIRTY_LOG", condition="first_page 1",
         arch=("x86_64", "arm64"), call=clear_log(first=1, num=15), errno=EINVAL,
         cite=f"{CLEAR_LOG}: 'first_page must be a multiple of 64' (refused; the errno is {CODE_CLEAR}'s "
         "`first_page & 63`)", setup=(manual_protect(), log_slot())),
    Case(id="clear-num-pages-unaligned", ioctl="KVM_CLEAR_DIRTY_LOG", condition="num_pages 1 of a 128-page slot",
         arch=("x86_64", "arm64"), call=clear_log(num=1), errno=EINVAL,
         cite=f"{CLEAR_LOG}: 'num_pages must also be a multiple of 64 unless first_page + num_pages is the size "
         f"of the memory slot' (refused; errno from {CODE_CLEAR})", setup=(manual_protect(), log_slot(pages=128))),
    Case(id="clear-past-slot-end", ioctl="KVM_CLEAR_DIRTY_LOG", condition="num_pages 64 of a 16-page slot",
         arch=("x86_64", "arm64"), call=clear_log(num=64), errno=EINVAL,
         cite=f"{CODE_CLEAR} (num_pages > npages - first_page: -EINVAL)", setup=(manual_protect(), log_slot()),
         basis="code"),
    Case(id="clear-first-page-past-slot", ioctl="KVM_CLEAR_DIRTY_LOG", condition="first_page 64 of a 16-page slot",
         arch=("x86_64", "arm64"), call=clear_log(first=64, num=0), errno=EINVAL,
         cite=f"{CODE_CLEAR} (first_page > npages: -EINVAL)", setup=(manual_protect(), log_slot()), basis="code"),
    Case(id="clear-no-slot", ioctl="KVM_CLEAR_DIRTY_LOG", condition="slot 3, which does not exist",
         arch=("x86_64", "arm64"), call=clear_log(slot=3), errno=ENOENT, cite=f"{CODE_CLEAR} (no slot: -ENOENT)",
         setup=(manual_protect(), log_slot()), basis="code"),
    Case(id="clear-not-logged", ioctl="KVM_CLEAR_DIRTY_LOG", condition="a slot without KVM_MEM_LOG_DIRTY_PAGES",
         arch=("x86_64", "arm64"), call=clear_log(num=SLOT_PAGES), errno=ENOENT,
         cite=f"{CODE_CLEAR} (no dirty_bitmap: -ENOENT)", setup=(manual_protect(), log_slot(flags=0)), basis="code"),
    Case(id="clear-slot-id-past", ioctl="KVM_CLEAR_DIRTY_LOG", condition="slot id KVM_CAP_NR_MEMSLOTS",
         arch=("x86_64", "arm64"), call=clear_log(slot=NR_SLOTS), errno=EINVAL,
         cite=f"{CODE_CLEAR} (id >= KVM_USER_MEM_SLOTS: -EINVAL)", setup=(manual_protect(), log_slot()), basis="code"),
    Case(id="clear-address-space", ioctl="KVM_CLEAR_DIRTY_LOG", condition="as_id past the VM's address spaces",
         arch=("x86_64", "arm64"), call=clear_log(slot=NO_AS), errno=EINVAL,
         cite=f"{CODE_CLEAR} (as_id >= the number of address spaces: -EINVAL)", setup=(manual_protect(), log_slot()),
         basis="code"),
    Case(id="clear-bad-bitmap", ioctl="KVM_CLEAR_DIRTY_LOG", condition="dirty_bitmap is a guard page",
         arch=("x86_64", "arm64"), call=clear_log(num=SLOT_PAGES, bitmap=BAD_POINTER), errno=EFAULT,
         cite=f"{CODE_CLEAR} (copy_from_user of the bitmap)", setup=(manual_protect(), log_slot()), basis="code"),
    Case(id="clear-with-ring", ioctl="KVM_CLEAR_DIRTY_LOG", condition="the dirty ring is enabled",
         arch=("x86_64", "arm64"), call=clear_log(num=SLOT_PAGES), errno=ENXIO,
         cite=f"{CODE_CLEAR} (dirty ring tracking is exclusive of the bitmap: -ENXIO)", setup=(ring(), log_slot()),
         basis="code", needs=ACQ_REL),

    # 7.18 KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2).
    Case(id="protect2-enable", ioctl="KVM_ENABLE_CAP", condition="MANUAL_DIRTY_LOG_PROTECT2 with MANUAL_PROTECT_ENABLE",
         arch=("x86_64", "arm64"), call=manual_protect(), errno=0,
         cite=f"{PROTECT2}: 'Valid flags are KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE ...'"),
    Case(id="protect2-initially-set", ioctl="KVM_ENABLE_CAP", condition="MANUAL_PROTECT_ENABLE | INITIALLY_SET",
         arch=("x86_64", "arm64"),
         call=manual_protect(kvm.KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | kvm.KVM_DIRTY_LOG_INITIALLY_SET), errno=0,
         cite=f"{PROTECT2}: INITIALLY_SET is 'only available on x86, arm64 and riscv'"),
    Case(id="protect2-initially-set-alone", ioctl="KVM_ENABLE_CAP",
         condition="INITIALLY_SET without MANUAL_PROTECT_ENABLE", arch=("x86_64", "arm64"),
         call=manual_protect(kvm.KVM_DIRTY_LOG_INITIALLY_SET), errno=EINVAL,
         cite=f"{PROTECT2}: 'KVM_DIRTY_LOG_INITIALLY_SET depends "
         f"on KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE' (refused; errno from {MAIN}: kvm_vm_ioctl_enable_cap_generic)"),
    Case(id="protect2-unknown-bit", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 2 (no such option)",
         arch=("x86_64", "arm64"), call=manual_protect(0x5), errno=EINVAL,
         cite=f"{MAIN}: kvm_vm_ioctl_enable_cap_generic (args[0] outside KVM_DIRTY_LOG_MANUAL_CAPS: -EINVAL)",
         basis="code"),
    Case(id="protect2-flags", ioctl="KVM_ENABLE_CAP", condition="kvm_enable_cap.flags 1", arch=("x86_64", "arm64"),
         call=manual_protect(flags=1), errno=EINVAL,
         cite=f"{MAIN}: kvm_vm_ioctl_enable_cap_generic (cap->flags non-zero: -EINVAL)", basis="code"),
    Case(id="protect2-disable", ioctl="KVM_ENABLE_CAP", condition="args[0] 0 after enabling", arch=("x86_64", "arm64"),
         call=manual_protect(0), errno=0,
         cite=f"{PROTECT2}: ':Parameters: args[0] whether feature should be enabled or not'",
         setup=(manual_protect(),)),

    # 7.36 the dirty ring, and KVM_RESET_DIRTY_RINGS.
    Case(id="ring-enable", ioctl="KVM_ENABLE_CAP",
         condition="DIRTY_LOG_RING_ACQ_REL, 64 KiB, right after KVM_CREATE_VM", arch=("x86_64", "arm64"), call=ring(),
         errno=0,
         cite=f"{RING}: 'Userspace should call KVM_ENABLE_CAP ioctl right after KVM_CREATE_VM ... the size of the ring "
         "must be a power of two ... recommended that it be at least 64 KiB'", needs=ACQ_REL),
    Case(id="ring-tso-enable", ioctl="KVM_ENABLE_CAP", condition="DIRTY_LOG_RING (x86 is TSO: it exposes both)",
         arch=("x86_64",), call=ring(cap=kvm.KVM_CAP_DIRTY_LOG_RING), errno=0,
         cite=f"{RING}: 'Architecture with TSO-like ordering (such as x86) are "
         "allowed to expose both'", needs=((kvm.KVM_CAP_DIRTY_LOG_RING, "KVM_CAP_DIRTY_LOG_RING", True),)),
    Case(id="ring-weakly-ordered", ioctl="KVM_ENABLE_CAP", condition="DIRTY_LOG_RING (not ACQ_REL) on arm64",
         arch=("arm64",), call=ring(cap=kvm.KVM_CAP_DIRTY_LOG_RING), errno=EINVAL,
         cite=f"{RING}: 'KVM_CAP_DIRTY_LOG_RING_ACQ_REL is the only "
         f"capability that should be exposed by weakly ordered architecture' (refused; errno from {MAIN}: "
         "kvm_vm_ioctl_enable_cap_generic, the capability checks 0)"),
    Case(id="ring-not-power-of-two", ioctl="KVM_ENABLE_CAP", condition="size 0x11000", arch=("x86_64", "arm64"),
         call=ring(0x11000), errno=EINVAL,
         cite=f"{RING}: 'the size of the ring must be a power of two' (refused; errno from {CODE_RING})",
         needs=ACQ_REL),
    Case(id="ring-zero", ioctl="KVM_ENABLE_CAP", condition="size 0", arch=("x86_64", "arm64"), call=ring(0),
         errno=EINVAL, cite=f"{CODE_RING} (!size: -EINVAL)", basis="code", needs=ACQ_REL),
    Case(id="ring-too-small", ioctl="KVM_ENABLE_CAP", condition="size 2 KiB (less than a page)",
         arch=("x86_64", "arm64"), call=ring(0x800), errno=EINVAL,
         cite=f"{CODE_RING} (smaller than the reserved entries or a page: -EINVAL)", basis="code", needs=ACQ_REL),
    Case(id="ring-too-large", ioctl="KVM_ENABLE_CAP", condition="twice the capability's maximum",
         arch=("x86_64", "arm64"), call=ring(RING_MAX), errno=E2BIG,
         cite=f"{CODE_RING} (more than KVM_DIRTY_RING_MAX_ENTRIES entries: -E2BIG)", basis="code", needs=ACQ_REL),
    Case(id="ring-twice", ioctl="KVM_ENABLE_CAP", condition="the ring enabled a second time", arch=("x86_64", "arm64"),
         call=ring(), errno=EINVAL, cite=f"{CODE_RING} ('We only allow it to set once': -EINVAL)", setup=(ring(),),
         basis="code", needs=ACQ_REL),
    Case(id="ring-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="after KVM_CREATE_VCPU", arch=("x86_64", "arm64"),
         call=ring(), errno=EINVAL,
         cite=f"{RING}: 'Enabling the capability is only allowed before creating any vCPU' (refused; errno from "
         f"{CODE_RING})", setup=(create_vcpu(0),), cap="KVM_CAP_DIRTY_LOG_RING", order_row=2, needs=ACQ_REL),
    Case(id="reset-rings", ioctl="KVM_RESET_DIRTY_RINGS", condition="ring enabled, nothing harvested",
         arch=("x86_64", "arm64"), call=RESET_RINGS, errno=0,
         cite=f"{RING}: 'userspace calls the VM ioctl KVM_RESET_DIRTY_RINGS'; it returns the entries reset "
         f"({MAIN}: kvm_vm_ioctl_reset_dirty_pages)", setup=(ring(), create_vcpu(0)), ret=0, needs=ACQ_REL),
    Case(id="reset-rings-no-ring", ioctl="KVM_RESET_DIRTY_RINGS", condition="no dirty ring enabled",
         arch=("x86_64", "arm64"), call=RESET_RINGS, errno=EINVAL,
         cite=f"{MAIN}: kvm_vm_ioctl_reset_dirty_pages (!kvm->dirty_ring_size: -EINVAL)", basis="code"),

    # 4.140 KVM_SET_USER_MEMORY_REGION2 (what x86_state.py tests of KVM_SET_USER_MEMORY_REGION is not repeated).
    Case(id="region2", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="slot 1, one page", arch=("x86_64", "arm64"),
         call=region2(), errno=0, cite=f"{REGION2}: 'an extension to KVM_SET_USER_MEMORY_REGION'",
         kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region2-log-dirty", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="KVM_MEM_LOG_DIRTY_PAGES",
         arch=("x86_64", "arm64"), call=region2(flags=kvm.KVM_MEM_LOG_DIRTY_PAGES), errno=0,
         cite=f"{REGION2}: 'All fields shared with "
         "KVM_SET_USER_MEMORY_REGION identically'", kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region2-size-unaligned", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="memory_size 0x1800",
         arch=("x86_64", "arm64"), call=region2(size=0x1800), errno=EINVAL,
         cite=f"{REGION2}: 'All standard bounds checks apply' ({MAIN}: kvm_set_memory_region, size not page-aligned)",
         basis="code", kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region2-overlap", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="slot 2 overlapping slot 1",
         arch=("x86_64", "arm64"), call=region2(2, 0x100000), errno=EEXIST,
         cite=f"{MAIN}: kvm_set_memory_region (kvm_check_memslot_overlap)", setup=(region2(),), basis="code",
         kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region2-slot-id-past", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="slot KVM_CAP_NR_MEMSLOTS",
         arch=("x86_64", "arm64"), call=region2(NR_SLOTS), errno=EINVAL,
         cite=f"{MAIN}: kvm_set_memory_region (id >= KVM_USER_MEM_SLOTS)", basis="code", kernels=REGION2_KERNELS,
         needs=USER_MEMORY2),
    Case(id="region2-unknown-flag", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="flags bit 31",
         arch=("x86_64", "arm64"), call=region2(flags=1 << 31), errno=EINVAL, cite=f"{MAIN}: check_memory_region_flags",
         basis="code", kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region2-bad-pointer", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="the argument is a guard page",
         arch=("x86_64", "arm64"), call=step("KVM_SET_USER_MEMORY_REGION2(arg = a guard page)",
              lambda s: s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION2, s.target.bad_address())), errno=EFAULT,
         cite=f"{MAIN}: kvm_vm_ioctl (copy_from_user of struct kvm_userspace_memory_region2)", basis="code",
         kernels=REGION2_KERNELS, needs=USER_MEMORY2),
    Case(id="region-v1-guest-memfd", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="KVM_MEM_GUEST_MEMFD through the old ioctl", arch=("x86_64", "arm64"),
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

    # 4.38 / 4.39 KVM_GET_MP_STATE / KVM_SET_MP_STATE, x86.
    Case(id="x86-mp-bsp", ioctl="KVM_GET_MP_STATE", condition="vCPU 0 after KVM_CREATE_IRQCHIP", arch=("x86_64",),
         call=GET_MP_STATE, errno=0, cite=f"{GET_MP}: RUNNABLE 'the vcpu is currently running'",
         setup=(IRQCHIP, create_vcpu(0)), check=mp_is(kvm.KVM_MP_STATE_RUNNABLE)),
    Case(id="x86-mp-ap", ioctl="KVM_GET_MP_STATE", condition="vCPU 1 (an AP) after KVM_CREATE_IRQCHIP",
         arch=("x86_64",), call=GET_MP_STATE, errno=0,
         cite=f"{GET_MP}: UNINITIALIZED 'the vcpu is an application processor (AP) which has not yet received an INIT "
         "signal [x86]'", setup=(IRQCHIP,
                                 create_vcpu(0), create_vcpu(1)), check=mp_is(kvm.KVM_MP_STATE_UNINITIALIZED)),
    Case(id="x86-mp-set-halted", ioctl="KVM_SET_MP_STATE", condition="HALTED with the in-kernel irqchip, read back",
         arch=("x86_64",), call=GET_MP_STATE, errno=0,
         cite=f"{SET_MP}: 'Sets the vcpu's current \"multiprocessing state\"'; HALTED is an x86 state ({GET_MP})",
         setup=(IRQCHIP, create_vcpu(0),
                set_mp(kvm.KVM_MP_STATE_HALTED)), check=mp_is(kvm.KVM_MP_STATE_HALTED)),
    Case(id="x86-mp-halted-no-irqchip", ioctl="KVM_SET_MP_STATE", condition="HALTED without an in-kernel irqchip",
         arch=("x86_64",), call=set_mp(kvm.KVM_MP_STATE_HALTED), errno=EINVAL,
         cite="x86.c: kvm_arch_vcpu_ioctl_set_mpstate (!lapic_in_kernel: only "
         f"RUNNABLE; {SET_MP}: 'Without an in-kernel irqchip, the multiprocessing state must be maintained by "
         "userspace')", setup=(create_vcpu(0),), basis="code", order_row=1),
    Case(id="x86-mp-stopped", ioctl="KVM_SET_MP_STATE", condition="STOPPED (an s390/arm64/riscv state)",
         arch=("x86_64",), call=set_mp(kvm.KVM_MP_STATE_STOPPED), errno=EINVAL,
         cite=f"{GET_MP}: STOPPED is '[s390,arm64,riscv]' (refused on x86; errno from x86.c: "
         "kvm_arch_vcpu_ioctl_set_mpstate)", setup=(IRQCHIP, create_vcpu(0))),
    Case(id="x86-mp-unknown", ioctl="KVM_SET_MP_STATE", condition="state 0xff", arch=("x86_64",), call=set_mp(0xFF),
         errno=EINVAL, cite="x86.c: kvm_arch_vcpu_ioctl_set_mpstate (default: -EINVAL)",
         setup=(IRQCHIP, create_vcpu(0)), basis="code"),

    # arm64.
    Case(id="arm64-mp-runnable", ioctl="KVM_GET_MP_STATE", condition="an initialised vCPU", arch=("arm64",),
         call=GET_MP_STATE, errno=0, cite=f"{GET_MP}: RUNNABLE '[x86,arm64,riscv,loongarch]'", setup=(vcpu(),),
         check=mp_is(kvm.KVM_MP_STATE_RUNNABLE)),
    Case(id="arm64-mp-power-off", ioctl="KVM_GET_MP_STATE", condition="a vCPU initialised with KVM_ARM_VCPU_POWER_OFF",
         arch=("arm64",), call=GET_MP_STATE, errno=0,
         cite=f"{GET_MP}: STOPPED 'the vcpu is stopped [s390,arm64,riscv]'; 4.82 KVM_ARM_VCPU_POWER_OFF: 'Starts the "
              "CPU "
         "in a power-off state'", setup=(powered_off_vcpu(),), check=mp_is(kvm.KVM_MP_STATE_STOPPED)),
    Case(id="arm64-mp-set-stopped", ioctl="KVM_SET_MP_STATE", condition="STOPPED, read back", arch=("arm64",),
         call=GET_MP_STATE, errno=0,
         cite=f"{SET_MP}: 'The only states that are valid are KVM_MP_STATE_STOPPED and KVM_MP_STATE_RUNNABLE'",
         setup=(vcpu(), set_mp(kvm.KVM_MP_STATE_STOPPED)), check=mp_is(kvm.KVM_MP_STATE_STOPPED)),
    Case(id="arm64-mp-set-runnable", ioctl="KVM_SET_MP_STATE", condition="RUNNABLE after STOPPED, read back",
         arch=("arm64",), call=GET_MP_STATE, errno=0,
         cite=f"{SET_MP}: 'The only states that are valid are KVM_MP_STATE_STOPPED and KVM_MP_STATE_RUNNABLE'",
         setup=(vcpu(), set_mp(kvm.KVM_MP_STATE_STOPPED), set_mp(kvm.KVM_MP_STATE_RUNNABLE)),
         check=mp_is(kvm.KVM_MP_STATE_RUNNABLE)),
    Case(id="arm64-mp-halted", ioctl="KVM_SET_MP_STATE", condition="HALTED (an x86 state)", arch=("arm64",),
         call=set_mp(kvm.KVM_MP_STATE_HALTED), errno=EINVAL,
         cite=f"{SET_MP}: 'For arm64/riscv: The only states that are valid are KVM_MP_STATE_STOPPED and "
         "KVM_MP_STATE_RUNNABLE' (refused; errno from arm.c: kvm_arch_vcpu_ioctl_set_mpstate)", setup=(vcpu(),)),
    Case(id="arm64-mp-suspended", ioctl="KVM_SET_MP_STATE", condition="SUSPENDED", arch=("arm64",),
         call=set_mp(kvm.KVM_MP_STATE_SUSPENDED), errno=EINVAL,
         cite=f"{SET_MP}: 'For arm64/riscv: The only states that are valid are KVM_MP_STATE_STOPPED and "
         "KVM_MP_STATE_RUNNABLE'", setup=(vcpu(),),
         deviation=Deviation("4.39 says only STOPPED and RUNNABLE are valid on arm64, while 4.38 documents "
                             "SUSPENDED [arm64] and asks userspace to leave it by setting RUNNABLE; arm.c "
                             "kvm_arch_vcpu_ioctl_set_mpstate accepts SUSPENDED (kvm_arm_vcpu_suspend)",
                             SUCCEEDS, kind=DOCUMENT_CONTRADICTS_ITSELF)),
    Case(id="arm64-mp-suspended-implemented", ioctl="KVM_SET_MP_STATE", condition="SUSPENDED", arch=("arm64",),
         call=GET_MP_STATE, errno=0,
         cite="arm.c: kvm_arch_vcpu_ioctl_set_mpstate (KVM_MP_STATE_SUSPENDED: kvm_arm_vcpu_suspend), read back",
         setup=(vcpu(), set_mp(kvm.KVM_MP_STATE_SUSPENDED)), basis="code", check=mp_is(kvm.KVM_MP_STATE_SUSPENDED)),
    Case(id="arm64-mp-unknown", ioctl="KVM_SET_MP_STATE", condition="state 0xff", arch=("arm64",), call=set_mp(0xFF),
         errno=EINVAL, cite="arm.c: kvm_arch_vcpu_ioctl_set_mpstate (default: -EINVAL)", setup=(vcpu(),), basis="code"),

    # 4.87 KVM_SET_GUEST_DEBUG.
    Case(id="debug-supported-bits", ioctl="KVM_SET_GUEST_DEBUG",
         condition="control = the bits KVM_CAP_SET_GUEST_DEBUG2 names", arch=("x86_64", "arm64"),
         call=guest_debug(SUPPORTED_DEBUG), errno=0,
         cite=f"{DEBUG}: 'KVM_CAP_SET_GUEST_DEBUG2 capability indicates the supported "
         "KVM_GUESTDBG_* bits in the control field'", setup=(vcpu(),)),
    Case(id="debug-singlestep", ioctl="KVM_SET_GUEST_DEBUG", condition="ENABLE | SINGLESTEP", arch=("x86_64", "arm64"),
         call=guest_debug(kvm.KVM_GUESTDBG_ENABLE | kvm.KVM_GUESTDBG_SINGLESTEP), errno=0,
         cite=f"{DEBUG}: 'Common control bits are: KVM_GUESTDBG_ENABLE ... KVM_GUESTDBG_SINGLESTEP'", setup=(vcpu(),)),
    Case(id="debug-disable", ioctl="KVM_SET_GUEST_DEBUG", condition="control 0 after enabling",
         arch=("x86_64", "arm64"), call=guest_debug(0), errno=0,
         cite=f"{DEBUG}: KVM_GUESTDBG_ENABLE 'guest debugging is enabled' (clear: disabled)",
         setup=(vcpu(), guest_debug(kvm.KVM_GUESTDBG_ENABLE))),
    Case(id="debug-unsupported-arch-bit", ioctl="KVM_SET_GUEST_DEBUG",
         condition="an architecture bit the capability does not name", arch=("arm64",),
         call=guest_debug(UNSUPPORTED_ARCH_BIT), errno=EINVAL,
         cite="guest.c: kvm_arch_vcpu_ioctl_set_guest_debug (control outside "
         "KVM_GUESTDBG_VALID_MASK: -EINVAL)", setup=(vcpu(),), basis="code"),
    Case(id="debug-common-bit-2", ioctl="KVM_SET_GUEST_DEBUG", condition="ENABLE | bit 2 (no common flag)",
         arch=("arm64",), call=guest_debug(kvm.KVM_GUESTDBG_ENABLE | 4), errno=EINVAL,
         cite="guest.c: kvm_arch_vcpu_ioctl_set_guest_debug (control "
         "outside KVM_GUESTDBG_VALID_MASK: -EINVAL)", setup=(vcpu(),), basis="code"),
    Case(id="debug-x86-flag-on-arm64", ioctl="KVM_SET_GUEST_DEBUG",
         condition="ENABLE | KVM_GUESTDBG_INJECT_DB (an x86 flag)", arch=("arm64",),
         call=guest_debug(kvm.KVM_GUESTDBG_ENABLE | (1 << 18)), errno=EINVAL,
         cite="guest.c: kvm_arch_vcpu_ioctl_set_guest_debug "
         f"(outside KVM_GUESTDBG_VALID_MASK: -EINVAL); {DEBUG} marks INJECT_DB '[x86]'", setup=(vcpu(),), basis="code"),
    # x86 checks no control bit: KVM_GUESTDBG_VALID_MASK only feeds KVM_CAP_SET_GUEST_DEBUG2 there. api.rst does not
    # say an unsupported bit is refused, so this is no deviation, but the two architectures differ.
    Case(id="debug-x86-unsupported-arch-bit", ioctl="KVM_SET_GUEST_DEBUG",
         condition="an architecture bit the capability does not name", arch=("x86_64",),
         call=guest_debug(UNSUPPORTED_ARCH_BIT), errno=0,
         cite="x86.c: kvm_arch_vcpu_ioctl_set_guest_debug (no check of control "
         "against KVM_GUESTDBG_VALID_MASK)", setup=(vcpu(),), basis="code"),
    Case(id="debug-x86-common-bit-2", ioctl="KVM_SET_GUEST_DEBUG", condition="ENABLE | bit 2 (no common flag)",
         arch=("x86_64",), call=guest_debug(kvm.KVM_GUESTDBG_ENABLE | 4), errno=0,
         cite="x86.c: kvm_arch_vcpu_ioctl_set_guest_debug (no check of "
         "control)", setup=(vcpu(),), basis="code"),
    Case(id="debug-s390-flag-on-x86", ioctl="KVM_SET_GUEST_DEBUG",
         condition="ENABLE | KVM_GUESTDBG_EXIT_PENDING (an s390 flag)", arch=("x86_64",),
         call=guest_debug(kvm.KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_EXIT_PENDING), errno=0, cite="x86.c: "
         f"kvm_arch_vcpu_ioctl_set_guest_debug (no check of control); {DEBUG} marks EXIT_PENDING '[s390]'",
         setup=(vcpu(),), basis="code"),
    Case(id="debug-bad-pointer", ioctl="KVM_SET_GUEST_DEBUG", condition="the argument is a guard page",
         arch=("x86_64", "arm64"), call=step("KVM_SET_GUEST_DEBUG(arg = a guard page)",
              lambda s: s.ioctl(s.vcpus[-1], s.abi.KVM_SET_GUEST_DEBUG, s.target.bad_address())), errno=EFAULT,
         cite=f"{MAIN}: kvm_vcpu_ioctl (KVM_SET_GUEST_DEBUG: copy_from_user)", setup=(vcpu(),), basis="code"),

    # 4.70 KVM_KVMCLOCK_CTRL (x86).
    Case(id="kvmclock-ctrl", ioctl="KVM_KVMCLOCK_CTRL", condition="the vCPU's kvmclock is registered", arch=("x86_64",),
         call=KVMCLOCK_CTRL, errno=0,
         cite=f"{CLOCK}: 'sets a flag accessible to the guest indicating that the specified vCPU has been paused' (the "
         "flag lives in the guest's pvclock structure)", setup=(kvmclock_enabled(),)),
    Case(id="kvmclock-ctrl-no-clock", ioctl="KVM_KVMCLOCK_CTRL", condition="the guest registered no kvmclock",
         arch=("x86_64",), call=KVMCLOCK_CTRL, errno=EINVAL,
         cite="x86.c: kvm_set_guest_paused (!vcpu->arch.pv_time.active: -EINVAL)", setup=(create_vcpu(0),),
         basis="code"),

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
    # 7.36: the ring's entries, and ring + bitmap (KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, arm64 needs it).
    Case(id="ring-entry", ioctl="KVM_ENABLE_CAP", condition="the guest stored to page 2 of a logged slot",
         arch=("x86_64", "arm64"), call=READ_RING, errno=0,
         cite=f"{RING}: 'the buffer tracks writes to all user memory regions for which the KVM_MEM_LOG_DIRTY_PAGES "
              "flag "
         "was set ... If the flags has the DIRTY bit set ... this GFN is a dirty GFN' (slot: as_id | slot_id; offset: "
         "the page in the slot)", setup=(ring(), *DIRTY), check=ring_has(DIRTY_PAGE), needs=ACQ_REL),
    # Without a bitmap an arm64 slot is not "logging" (mmu.c memslot_is_logging tests dirty_bitmap), so a fault maps
    # the page writable at once and user_mem_abort reports it dirty then: the code page, only fetched, is in the ring.
    Case(id="ring-entries-arm64", ioctl="KVM_ENABLE_CAP",
         condition="the guest fetched from page 0 and stored to page 2", arch=("arm64",), call=READ_RING, errno=0,
         cite="arm64 mmu.c: memslot_is_logging (dirty_bitmap is NULL with the ring), user_mem_abort "
         "(mark_page_dirty_in_slot for every writable mapping)", setup=(ring(), *DIRTY), check=ring_is([0, DIRTY_PAGE]),
         basis="code", needs=ACQ_REL),
    Case(id="ring-entries-x86", ioctl="KVM_ENABLE_CAP", condition="the guest fetched from page 1 and stored to page 2",
         arch=("x86_64",), call=READ_RING, errno=0,
         cite=f"{RING} (writes are tracked); x86 write-protects a slot with KVM_MEM_LOG_DIRTY_PAGES whatever the "
              "tracking, "
         "so only the stored page is dirty", setup=(ring(), *DIRTY), check=ring_is([DIRTY_PAGE]), basis="code",
         needs=ACQ_REL),
    Case(id="ring-reset-harvested", ioctl="KVM_RESET_DIRTY_RINGS", condition="entry 0 harvested (RESET set)",
         arch=("x86_64", "arm64"), call=RESET_RINGS, errno=0,
         cite=f"{RING}: the entry goes 'harvested (1X)' -> 'reset' -> 'unused (00)' once userspace calls "
         "KVM_RESET_DIRTY_RINGS", setup=(ring(), *DIRTY, harvest()), check=first_entry_is(0), needs=ACQ_REL),
    Case(id="ring-reset-unharvested", ioctl="KVM_RESET_DIRTY_RINGS", condition="entry 0 dirty, not harvested",
         arch=("x86_64", "arm64"), call=RESET_RINGS, errno=0,
         cite=f"{RING}: KVM_RESET_DIRTY_RINGS lets the kernel 'reprotect those collected GFNs': an entry userspace has "
         f"not harvested stays dirty ({MAIN}: kvm_dirty_ring_reset stops at the first entry without RESET)",
         setup=(ring(), *DIRTY), ret=0, check=first_entry_is(kvm.KVM_DIRTY_GFN_F_DIRTY), needs=ACQ_REL),
    Case(id="ring-reset-count", ioctl="KVM_RESET_DIRTY_RINGS", condition="one entry harvested",
         arch=("x86_64", "arm64"), call=RESET_RINGS, errno=0,
         cite=f"{MAIN}: kvm_vm_ioctl_reset_dirty_pages (returns the number of entries reset)",
         setup=(ring(), *DIRTY, harvest()), ret=1, basis="code", needs=ACQ_REL),
    Case(id="ring-bitmap-no-ring", ioctl="KVM_ENABLE_CAP", condition="DIRTY_LOG_RING_WITH_BITMAP before the ring",
         arch=("x86_64", "arm64"),
         call=enable_cap(kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, "DIRTY_LOG_RING_WITH_BITMAP"), errno=EINVAL,
         cite=f"{RING}: 'KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP can't be enabled if the capability of "
         f"KVM_CAP_DIRTY_LOG_RING_ACQ_REL hasn't been enabled' (refused; errno from {MAIN}: "
         "kvm_vm_ioctl_enable_cap_generic)", cap="KVM_CAP_DIRTY_LOG_RING", order_row=5, needs=WITH_BITMAP),
    Case(id="ring-bitmap-after-slot", ioctl="KVM_ENABLE_CAP",
         condition="DIRTY_LOG_RING_WITH_BITMAP after a memslot exists", arch=("x86_64", "arm64"),
         call=enable_cap(kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, "DIRTY_LOG_RING_WITH_BITMAP"), errno=EINVAL,
         cite=f"{RING}: '... or any memslot has been existing' (refused; errno from {MAIN}: "
         "kvm_vm_ioctl_enable_cap_generic)", setup=(ring(), log_slot()), needs=ACQ_REL + WITH_BITMAP),
    Case(id="ring-bitmap", ioctl="KVM_ENABLE_CAP",
         condition="DIRTY_LOG_RING_WITH_BITMAP after the ring, before any memslot", arch=("x86_64", "arm64"),
         call=enable_cap(kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, "DIRTY_LOG_RING_WITH_BITMAP"), errno=0,
         cite=f"{RING}: 'userspace needs to detect the capability of KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP to see whether "
         "the ring structures can be backed by per-slot bitmaps'", setup=(ring(),), needs=ACQ_REL + WITH_BITMAP),
    Case(id="ring-bitmap-get-log", ioctl="KVM_GET_DIRTY_LOG",
         condition="ring + bitmap, the guest's store went to the ring", arch=("x86_64", "arm64"), call=get_log(),
         errno=0, cite=f"{MAIN}: kvm_get_dirty_log_protect (kvm_use_dirty_bitmap: no ENXIO with the bitmap); "
         "mark_page_dirty_in_slot (a running vCPU's write goes to its ring, not the bitmap)",
         setup=(ring(), enable_cap(kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, "DIRTY_LOG_RING_WITH_BITMAP"), *DIRTY),
         check=dirty_bits(set()), basis="code", needs=ACQ_REL + WITH_BITMAP),
    Case(id="ring-bitmap-x86", ioctl="KVM_ENABLE_CAP", condition="DIRTY_LOG_RING_WITH_BITMAP on x86 (capability 0)",
         arch=("x86_64",), call=enable_cap(kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, "DIRTY_LOG_RING_WITH_BITMAP"),
         errno=EINVAL,
         cite=f"{MAIN}: kvm_vm_ioctl_enable_cap_generic (!CONFIG_NEED_KVM_DIRTY_RING_WITH_BITMAP: -EINVAL)",
         setup=(ring(),), basis="code",
         needs=ACQ_REL + ((kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, "KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP", False),),
         kernels="6.2+ (the capability came in 6.2)"),
    Case(id="clear-bad-pointer", ioctl="KVM_CLEAR_DIRTY_LOG", condition="the argument is a guard page",
         arch=("x86_64", "arm64"), call=step("KVM_CLEAR_DIRTY_LOG(arg = a guard page)",
              lambda s: s.ioctl(s.vm, kvm.KVM_CLEAR_DIRTY_LOG, s.target.bad_address())), errno=EFAULT,
         cite=f"{MAIN}: kvm_vm_ioctl (KVM_CLEAR_DIRTY_LOG: copy_from_user)", basis="code"),

    # 4.140 with guest_memfd (KVM_MEM_GUEST_MEMFD). doc_row 0 on the refusals: api.rst's counted EINVAL/EEXIST rows of
    # 4.140 are s390's (UCONTROL, protected VMs); these test other sentences of the section and must not cover them.
    # Default VMs have guest_memfd from 6.18 (7.2 source; x86 6.12
    # allows it only for VM types with private memory, arm64 6.12 has no guest_memfd).
    Case(id="gmem-region", ioctl="KVM_SET_USER_MEMORY_REGION2",
         condition="KVM_MEM_GUEST_MEMFD bound to a guest_memfd of this VM", arch=("x86_64", "arm64"),
         call=gmem_region(GMEM), errno=0,
         cite=f"{REGION2}: 'Userspace can set KVM_MEM_GUEST_MEMFD in flags to have KVM bind the "
         "memory region to a given guest_memfd range'", kernels=GMEM_KERNELS, needs=GUEST_MEMFD),
    Case(id="gmem-mte", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="KVM_MEM_GUEST_MEMFD in a VM with MTE",
         arch=("arm64",), features=("mte",), call=gmem_region(GMEM), errno=EINVAL,
         cite="arm64 mmu.c: kvm_arch_prepare_memory_region (guest_memfd is incompatible with MTE)", basis="code",
         setup=(enable_cap(kvm.KVM_CAP_ARM_MTE, "ARM_MTE"),), kernels=GMEM_KERNELS,
         needs=GUEST_MEMFD + ((kvm.KVM_CAP_ARM_MTE, "KVM_CAP_ARM_MTE", True),)),
    Case(id="gmem-not-mappable-arm64", ioctl="KVM_SET_USER_MEMORY_REGION2",
         condition="a guest_memfd without GUEST_MEMFD_FLAG_MMAP", arch=("arm64",), call=gmem_region(GMEM_PRIVATE),
         errno=EINVAL, cite="arm64 mmu.c: kvm_arch_prepare_memory_region (only guest_memfd slots "
         "with mappable memory: arm64 has no VM type with private-only memory)", basis="code", kernels=GMEM_KERNELS,
         needs=GUEST_MEMFD),
    Case(id="gmem-not-gmem", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="guest_memfd is the VM fd",
         arch=("x86_64", "arm64"), call=gmem_region(VM_FD), errno=EINVAL,
         cite=f"{REGION2}: 'The target guest_memfd must point at a file created via KVM_CREATE_GUEST_MEMFD' (refused; "
         "errno from guest_memfd.c: kvm_gmem_bind)", doc_row=0, kernels=GMEM_KERNELS, needs=GUEST_MEMFD),
    Case(id="gmem-other-vm", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="a guest_memfd of another VM",
         arch=("x86_64", "arm64"), call=gmem_region(OTHER_GMEM), errno=EINVAL,
         cite=f"{REGION2}: '... created via KVM_CREATE_GUEST_MEMFD on the current VM' (refused; errno from "
         "guest_memfd.c: kvm_gmem_bind)", doc_row=0, kernels=GMEM_KERNELS, needs=GUEST_MEMFD),
    Case(id="gmem-bad-fd", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="guest_memfd 0x7fffffff (no such fd)",
         arch=("x86_64", "arm64"), call=gmem_region(0x7FFFFFFF), errno=EBADF,
         cite="guest_memfd.c: kvm_gmem_bind (fget fails: -EBADF)", basis="code", kernels=GMEM_KERNELS,
         needs=GUEST_MEMFD),
    Case(id="gmem-offset-unaligned", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="guest_memfd_offset 0x800",
         arch=("x86_64", "arm64"), call=gmem_region(GMEM, offset=0x800), errno=EINVAL,
         cite=f"{MAIN}: kvm_set_memory_region (guest_memfd_offset not "
         f"page-aligned); {REGION2}: 'All standard bounds checks apply'", basis="code", kernels=GMEM_KERNELS,
         needs=GUEST_MEMFD),
    Case(id="gmem-past-end", ioctl="KVM_SET_USER_MEMORY_REGION2",
         condition="offset 0xe000 + size 0x4000 past the 64 KiB file", arch=("x86_64", "arm64"),
         call=gmem_region(GMEM, offset=0xE000), errno=EINVAL,
         cite="guest_memfd.c: kvm_gmem_bind (offset + size > i_size)", basis="code", kernels=GMEM_KERNELS,
         needs=GUEST_MEMFD),
    Case(id="gmem-range-bound", ioctl="KVM_SET_USER_MEMORY_REGION2",
         condition="a second slot on the range slot 1 is bound to", arch=("x86_64", "arm64"),
         call=gmem_region(GMEM_KEPT, slot=2, gpa=0x200000), errno=EEXIST,
         cite=f"{REGION2}: 'the target range must not be bound to "
         "any other memory region' (refused; errno from guest_memfd.c: kvm_gmem_bind, 7.2: -EEXIST; 6.12 gave "
         "-EINVAL)", setup=(gmem_region(GMEM_KEPT),), doc_row=0, kernels="7.2+ (6.12's kvm_gmem_bind returned EINVAL)",
         needs=GUEST_MEMFD),
    Case(id="gmem-log-dirty", ioctl="KVM_SET_USER_MEMORY_REGION2",
         condition="KVM_MEM_GUEST_MEMFD | KVM_MEM_LOG_DIRTY_PAGES", arch=("x86_64", "arm64"),
         call=gmem_region(GMEM, flags=kvm.KVM_MEM_GUEST_MEMFD | kvm.KVM_MEM_LOG_DIRTY_PAGES), errno=EINVAL,
         cite=f"{MAIN}: check_memory_region_flags (dirty logging of guest_memfd memory is not supported)", basis="code",
         kernels=GMEM_KERNELS, needs=GUEST_MEMFD),
    Case(id="gmem-readonly", ioctl="KVM_SET_USER_MEMORY_REGION2", condition="KVM_MEM_GUEST_MEMFD | KVM_MEM_READONLY",
         arch=("x86_64", "arm64"), call=gmem_region(GMEM, flags=kvm.KVM_MEM_GUEST_MEMFD | kvm.KVM_MEM_READONLY),
         errno=EINVAL, cite=f"{MAIN}: check_memory_region_flags (READONLY only without GUEST_MEMFD)", basis="code",
         kernels=GMEM_KERNELS, needs=GUEST_MEMFD),

    # Ioctls of one architecture on the other.
    Case(id="kvmclock-ctrl-arm64", ioctl="KVM_KVMCLOCK_CTRL", condition="on arm64 (api.rst: 'currently x86 only')",
         arch=("arm64",), call=KVMCLOCK_CTRL, errno=EINVAL, cite="arm.c: kvm_arch_vcpu_ioctl (default: -EINVAL)",
         setup=(vcpu(),), basis="code"),
    Case(id="masks-x86", ioctl="KVM_ARM_GET_REG_WRITABLE_MASKS", condition="on x86 (an arm64 ioctl)", arch=("x86_64",),
         call=step("KVM_ARM_GET_REG_WRITABLE_MASKS(range 0)", lambda s: s.ioctl(
             s.vm, ARM_MASKS_REQUEST, arm64.reg_mask_range(addr=s.scratch()))), errno=ENOTTY,
         cite="x86.c: kvm_arch_vm_ioctl (default: -ENOTTY)", basis="code"),
    Case(id="attributes-arm64", ioctl="KVM_SET_MEMORY_ATTRIBUTES",
         condition="on arm64 (api.rst: ':Architectures: x86')", arch=("arm64",),
         call=attributes(attrs=kvm.KVM_MEMORY_ATTRIBUTE_PRIVATE), errno=EINVAL,
         cite="arm.c: kvm_arch_vm_ioctl (default: -EINVAL; "
         "arm64 does not build KVM_GENERIC_MEMORY_ATTRIBUTES)", basis="code", kernels=REGION2_KERNELS,
         needs=((kvm.KVM_CAP_MEMORY_ATTRIBUTES, "KVM_CAP_MEMORY_ATTRIBUTES", False),)),
    Case(id="x86-mp-no-irqchip", ioctl="KVM_GET_MP_STATE", condition="vCPU 0 without an in-kernel irqchip",
         arch=("x86_64",), call=GET_MP_STATE, errno=0,
         cite="x86.c: kvm_arch_vcpu_create (RUNNABLE without an in-kernel irqchip, whichever vCPU)",
         setup=(create_vcpu(0), create_vcpu(1)), basis="code", check=mp_is(kvm.KVM_MP_STATE_RUNNABLE), order_row=1),
]
