"""KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG, KVM_RESET_DIRTY_RINGS: the dirty bitmap and the dirty ring."""

from __future__ import annotations

from errno import EFAULT, EINVAL, ENOENT, ENXIO

from abi import kvm
from abi.spec.case import Case
from abi.spec.steps.base import BAD_POINTER, GENERIC, MAIN, step
from abi.spec.steps.capabilities import (
    BITMAP_KERNELS,
    ITS_SAVE,
    ITS_WRITE,
    RING_BITMAP_ITS,
    table_pages_dirty,
)
from abi.spec.steps.memory import (
    ACQ_REL,
    CLEAR_LOG,
    CODE_CLEAR,
    CODE_GET,
    DIRTY,
    DIRTY_PAGE,
    GET_LOG,
    NO_AS,
    NR_SLOTS,
    PROTECT2,
    RESET_RINGS,
    RING,
    RING_WITH_BITMAP,
    SLOT_PAGES,
    WITH_BITMAP,
    clear_log,
    dirty_bits,
    first_entry_is,
    get_log,
    harvest,
    log_slot,
    manual_protect,
    ring,
)
from abi.spec.steps.vm import create_vcpu


def _dirty_log_and_its() -> list[Case]:
    """KVM_GET_DIRTY_LOG and the ITS's KVM_SET_DEVICE_ATTR(ITS_SAVE_TABLES) around the ring's backup bitmap (7.36
    rules 6 and 7), and 6.1's rule 4."""
    return [
        Case(id="ring-get-log-6.1", ioctl="KVM_GET_DIRTY_LOG", condition="after the ring was enabled",
             arch=("x86_64", "arm64"), call=get_log(), errno=ENXIO,
             cite=f"{RING} (6.1): 'After enabling KVM_CAP_DIRTY_LOG_RING ... further KVM_GET_DIRTY_LOG or "
             f"KVM_CLEAR_DIRTY_LOG ioctls will fail' ({MAIN}: kvm_get_dirty_log_protect, !kvm_use_dirty_bitmap: "
             "-ENXIO)", setup=(ring(), log_slot()), order_row=4, basis="code", cap="KVM_CAP_DIRTY_LOG_RING",
             needs=ACQ_REL,
             kernels="6.1 (6.12 and 7.2 number another rule 4; the refusal itself is memory_dirty's "
                     "get-log-with-ring)"),
        Case(id="its-save-missed-by-collection", ioctl="KVM_GET_DIRTY_LOG",
             condition="a second collection after ITS_SAVE_TABLES: the "
             "pages the first one missed", arch=("arm64",), features=("vgic-v3",), call=get_log(), errno=0,
             cite=f"{RING}: 'avoid missing dirty pages from another ioctl ordered after the bitmap collection' "
             f"({ITS_WRITE})", setup=(*RING_BITMAP_ITS, ITS_SAVE), check=table_pages_dirty, order_row=7, basis="code",
             cap="KVM_CAP_DIRTY_LOG_RING", kernels=BITMAP_KERNELS, needs=ACQ_REL + WITH_BITMAP),
    ]


CASES: list[Case] = [
    # 4.8 KVM_GET_DIRTY_LOG.
    Case(id="get-log-dirty-page", ioctl="KVM_GET_DIRTY_LOG",
         condition="after the guest stored to page 2 of a logged slot", arch=GENERIC, call=get_log(),
         errno=0,
         cite=f"{GET_LOG}: 'return a bitmap containing any pages dirtied ... Bit 0 is the first page in the memory "
         "slot'", setup=DIRTY, check=dirty_bits({DIRTY_PAGE})),
    Case(id="get-log-cleared", ioctl="KVM_GET_DIRTY_LOG", condition="a second call, no write in between",
         arch=GENERIC, call=get_log(), errno=0,
         cite=f"{GET_LOG}: 'The bits in the dirty bitmap are cleared before the ioctl returns, unless "
         "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 is enabled'", setup=(*DIRTY, get_log()), check=dirty_bits(set())),
    Case(id="get-log-manual-kept", ioctl="KVM_GET_DIRTY_LOG",
         condition="a second call with MANUAL_PROTECT_ENABLE: bits stay", arch=GENERIC, call=get_log(),
         errno=0,
         cite=f"{GET_LOG} ('... unless KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 is enabled'); {PROTECT2}: 'KVM_GET_DIRTY_LOG "
         "will not automatically clear ... userspace will have to do this operation separately'",
         setup=(manual_protect(), *DIRTY, get_log()), check=dirty_bits({DIRTY_PAGE})),
    # Not riscv64: its INITIALLY_SET depends on the release (enable_cap.py's protect2-initially-set-riscv*).
    Case(id="get-log-initially-set", ioctl="KVM_GET_DIRTY_LOG",
         condition="MANUAL_PROTECT_ENABLE | INITIALLY_SET, slot created after", arch=("x86_64", "arm64"),
         call=get_log(), errno=0,
         cite=f"{PROTECT2}: 'With KVM_DIRTY_LOG_INITIALLY_SET set, all the bits of the dirty bitmap will "
         "be initialized to 1 when created'", setup=(manual_protect(kvm.KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE
                                                                   | kvm.KVM_DIRTY_LOG_INITIALLY_SET), log_slot()),
         check=dirty_bits(set(range(SLOT_PAGES)))),
    Case(id="get-log-no-slot", ioctl="KVM_GET_DIRTY_LOG", condition="slot 3, which does not exist",
         arch=GENERIC, call=get_log(3), errno=ENOENT,
         cite=f"{CODE_GET} (id_to_memslot finds no slot: -ENOENT)", setup=(log_slot(),), basis="code"),
    Case(id="get-log-not-logged", ioctl="KVM_GET_DIRTY_LOG", condition="a slot without KVM_MEM_LOG_DIRTY_PAGES",
         arch=GENERIC, call=get_log(), errno=ENOENT,
         cite=f"{CODE_GET} (the slot has no dirty_bitmap: -ENOENT)", setup=(log_slot(flags=0),), basis="code"),
    Case(id="get-log-slot-id-past", ioctl="KVM_GET_DIRTY_LOG",
         condition="slot id KVM_CAP_NR_MEMSLOTS (ids run below it)", arch=GENERIC, call=get_log(NR_SLOTS),
         errno=EINVAL, cite=f"{CODE_GET} (id >= KVM_USER_MEM_SLOTS: -EINVAL)", setup=(log_slot(),), basis="code"),
    Case(id="get-log-address-space", ioctl="KVM_GET_DIRTY_LOG",
         condition="as_id in bits 16-31 past the VM's address spaces", arch=GENERIC, call=get_log(NO_AS),
         errno=EINVAL, cite=f"{CODE_GET} (as_id >= the number of address spaces: -EINVAL; {GET_LOG}: 'bits "
         "16-31 of slot field specifies the address space' when KVM_CAP_MULTI_ADDRESS_SPACE is available)",
         setup=(log_slot(),), basis="code"),
    Case(id="get-log-bad-bitmap", ioctl="KVM_GET_DIRTY_LOG", condition="dirty_bitmap is a guard page",
         arch=GENERIC, call=get_log(bitmap=BAD_POINTER), errno=EFAULT,
         cite=f"{CODE_GET} (copy_to_user of the bitmap: -EFAULT)", setup=(log_slot(),), basis="code"),
    Case(id="get-log-bad-pointer", ioctl="KVM_GET_DIRTY_LOG", condition="the argument is a guard page",
         arch=GENERIC, call=get_log(arg=BAD_POINTER), errno=EFAULT,
         cite=f"{MAIN}: kvm_vm_ioctl (KVM_GET_DIRTY_LOG: copy_from_user: -EFAULT)", basis="code"),
    Case(id="get-log-with-ring", ioctl="KVM_GET_DIRTY_LOG", condition="the dirty ring is enabled (no ring-with-bitmap)",
         arch=GENERIC, call=get_log(), errno=ENXIO,
         cite=f"{CODE_GET} (dirty ring tracking is exclusive of the bitmap: -ENXIO)", setup=(ring(), log_slot()),
         basis="code", needs=ACQ_REL),
    # 4.117 KVM_CLEAR_DIRTY_LOG.
    Case(id="clear-log", ioctl="KVM_CLEAR_DIRTY_LOG",
         condition="page 2 with MANUAL_PROTECT_ENABLE, then KVM_GET_DIRTY_LOG", arch=GENERIC,
         call=get_log(), errno=0,
         cite=f"{CLEAR_LOG}: 'For each bit that is set in the input bitmap, the corresponding page is marked "
              "\"clean\"'",
         setup=(manual_protect(), *DIRTY, get_log(), clear_log(num=SLOT_PAGES)), check=dirty_bits(set())),
    Case(id="clear-without-manual-protect", ioctl="KVM_CLEAR_DIRTY_LOG",
         condition="MANUAL_DIRTY_LOG_PROTECT2 not enabled", arch=GENERIC, call=clear_log(num=SLOT_PAGES),
         errno=0, cite=f"{CLEAR_LOG}: 'it can always be used as long as KVM_CHECK_EXTENSION confirms "
         "that KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 is present'", setup=DIRTY),
    Case(id="clear-to-slot-end", ioctl="KVM_CLEAR_DIRTY_LOG",
         condition="num_pages 16 (not a multiple of 64) ending at the slot's end", arch=GENERIC,
         call=clear_log(num=SLOT_PAGES), errno=0,
         cite=f"{CLEAR_LOG}: 'num_pages must also be a multiple of 64 unless first_page + "
         "num_pages is the size of the memory slot'", setup=(manual_protect(), log_slot())),
    Case(id="clear-first-page-unaligned", ioctl="KVM_CLEAR_DIRTY_LOG", condition="first_page 1",
         arch=GENERIC, call=clear_log(first=1, num=15), errno=EINVAL,
         cite=f"{CLEAR_LOG}: 'first_page must be a multiple of 64' (refused; the errno is {CODE_CLEAR}'s "
         "`first_page & 63`)", setup=(manual_protect(), log_slot())),
    Case(id="clear-num-pages-unaligned", ioctl="KVM_CLEAR_DIRTY_LOG", condition="num_pages 1 of a 128-page slot",
         arch=GENERIC, call=clear_log(num=1), errno=EINVAL,
         cite=f"{CLEAR_LOG}: 'num_pages must also be a multiple of 64 unless first_page + num_pages is the size "
         f"of the memory slot' (refused; errno from {CODE_CLEAR})", setup=(manual_protect(), log_slot(pages=128))),
    Case(id="clear-past-slot-end", ioctl="KVM_CLEAR_DIRTY_LOG", condition="num_pages 64 of a 16-page slot",
         arch=GENERIC, call=clear_log(num=64), errno=EINVAL,
         cite=f"{CODE_CLEAR} (num_pages > npages - first_page: -EINVAL)", setup=(manual_protect(), log_slot()),
         basis="code"),
    Case(id="clear-first-page-past-slot", ioctl="KVM_CLEAR_DIRTY_LOG", condition="first_page 64 of a 16-page slot",
         arch=GENERIC, call=clear_log(first=64, num=0), errno=EINVAL,
         cite=f"{CODE_CLEAR} (first_page > npages: -EINVAL)", setup=(manual_protect(), log_slot()), basis="code"),
    Case(id="clear-no-slot", ioctl="KVM_CLEAR_DIRTY_LOG", condition="slot 3, which does not exist",
         arch=GENERIC, call=clear_log(slot=3), errno=ENOENT, cite=f"{CODE_CLEAR} (no slot: -ENOENT)",
         setup=(manual_protect(), log_slot()), basis="code"),
    Case(id="clear-not-logged", ioctl="KVM_CLEAR_DIRTY_LOG", condition="a slot without KVM_MEM_LOG_DIRTY_PAGES",
         arch=GENERIC, call=clear_log(num=SLOT_PAGES), errno=ENOENT,
         cite=f"{CODE_CLEAR} (no dirty_bitmap: -ENOENT)", setup=(manual_protect(), log_slot(flags=0)), basis="code"),
    Case(id="clear-slot-id-past", ioctl="KVM_CLEAR_DIRTY_LOG", condition="slot id KVM_CAP_NR_MEMSLOTS",
         arch=GENERIC, call=clear_log(slot=NR_SLOTS), errno=EINVAL,
         cite=f"{CODE_CLEAR} (id >= KVM_USER_MEM_SLOTS: -EINVAL)", setup=(manual_protect(), log_slot()), basis="code"),
    Case(id="clear-address-space", ioctl="KVM_CLEAR_DIRTY_LOG", condition="as_id past the VM's address spaces",
         arch=GENERIC, call=clear_log(slot=NO_AS), errno=EINVAL,
         cite=f"{CODE_CLEAR} (as_id >= the number of address spaces: -EINVAL)", setup=(manual_protect(), log_slot()),
         basis="code"),
    Case(id="clear-bad-bitmap", ioctl="KVM_CLEAR_DIRTY_LOG", condition="dirty_bitmap is a guard page",
         arch=GENERIC, call=clear_log(num=SLOT_PAGES, bitmap=BAD_POINTER), errno=EFAULT,
         cite=f"{CODE_CLEAR} (copy_from_user of the bitmap)", setup=(manual_protect(), log_slot()), basis="code"),
    Case(id="clear-with-ring", ioctl="KVM_CLEAR_DIRTY_LOG", condition="the dirty ring is enabled",
         arch=GENERIC, call=clear_log(num=SLOT_PAGES), errno=ENXIO,
         cite=f"{CODE_CLEAR} (dirty ring tracking is exclusive of the bitmap: -ENXIO)", setup=(ring(), log_slot()),
         basis="code", needs=ACQ_REL),
    Case(id="reset-rings", ioctl="KVM_RESET_DIRTY_RINGS", condition="ring enabled, nothing harvested",
         arch=GENERIC, call=RESET_RINGS, errno=0,
         cite=f"{RING}: 'userspace calls the VM ioctl KVM_RESET_DIRTY_RINGS'; it returns the entries reset "
         f"({MAIN}: kvm_vm_ioctl_reset_dirty_pages)", setup=(ring(), create_vcpu(0)), ret=0, needs=ACQ_REL),
    Case(id="reset-rings-no-ring", ioctl="KVM_RESET_DIRTY_RINGS", condition="no dirty ring enabled",
         arch=GENERIC, call=RESET_RINGS, errno=EINVAL,
         cite=f"{MAIN}: kvm_vm_ioctl_reset_dirty_pages (!kvm->dirty_ring_size: -EINVAL)", basis="code"),
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
    Case(id="ring-bitmap-get-log", ioctl="KVM_GET_DIRTY_LOG",
         condition="ring + bitmap, the guest's store went to the ring", arch=("x86_64", "arm64"), call=get_log(),
         errno=0, cite=f"{MAIN}: kvm_get_dirty_log_protect (kvm_use_dirty_bitmap: no ENXIO with the bitmap); "
         "mark_page_dirty_in_slot (a running vCPU's write goes to its ring, not the bitmap)",
         setup=(ring(), RING_WITH_BITMAP, *DIRTY),
         check=dirty_bits(set()), basis="code", needs=ACQ_REL + WITH_BITMAP),
    Case(id="clear-bad-pointer", ioctl="KVM_CLEAR_DIRTY_LOG", condition="the argument is a guard page",
         arch=GENERIC, call=step("KVM_CLEAR_DIRTY_LOG(arg = a guard page)",
              lambda s: s.ioctl(s.vm, kvm.KVM_CLEAR_DIRTY_LOG, s.target.bad_address())), errno=EFAULT,
         cite=f"{MAIN}: kvm_vm_ioctl (KVM_CLEAR_DIRTY_LOG: copy_from_user)", basis="code"),
    *_dirty_log_and_its(),
]
