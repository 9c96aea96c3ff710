"""The virtual ITS (KVM_DEV_TYPE_ARM_VGIC_ITS): every documented error of its three groups, the documented save,
restore and reset behaviour, and the implemented errors beside them.

Documentation: Documentation/virt/kvm/devices/arm-vgic-its.rst (Debian 6.1, 6.12 and 7.2 linux-doc: the same
groups and rows; 6.12 adds the dirty-tracking note and KVM_IRQFD to the restore sequence).
Implementation (arch/arm64/kvm/vgic of Debian 6.1.192, 6.12.117 and 7.2.13): vgic-its.c (vgic_its_create,
vgic_its_set_attr, vgic_its_get_attr, vgic_its_has_attr, vgic_its_has_attr_regs, vgic_its_attr_regs_access,
vgic_its_ctrl, vgic_its_reset, vgic_its_save_tables_v0, vgic_its_restore_tables_v0 with
vgic_its_restore_cte/_dte/_ite, scan_its_table, vgic_mmio_write_its_baser, vgic_mmio_write_its_cbaser,
vgic_mmio_uaccess_write_its_creadr, vgic_mmio_uaccess_write_its_iidr, vgic_register_its_iodev),
vgic-kvm-device.c (vgic_check_iorange, kvm_register_vgic_device), virt/kvm/kvm_main.c (kvm_read_guest_lock,
kvm_write_guest). docs/research/arm_vgic_v3.md has every row with its evidence.

Guest memory for the tables is one slot at IPA 0 (arm_vgic_v3.memslot); the tables are those of
arm_vgic_v3.TABLES: one collection on vCPU 0, one device with one event mapped to LPI 8192.
"""

from __future__ import annotations

from errno import E2BIG, EACCES, EBUSY, EEXIST, EFAULT, EINVAL, ENODEV, ENOMEM, ENXIO

from abi import arm64, kvm
from abi.spec.arm_vgic_v3 import (
    COLL_TABLE,
    CTE,
    DEV_TABLE,
    DEVICE,
    GICV2,
    GICV3,
    GITS_BASER0,
    GITS_BASER1,
    GITS_CBASER,
    GITS_CREADR,
    GITS_CTLR,
    GITS_CWRITER,
    GITS_IIDR,
    GITS_TYPER,
    GRP_ADDR,
    IPA_DEFAULT,
    ITS,
    ITS_BASE,
    LOCKED,
    NOVGIC,
    PAGE_64K,
    PLACED,
    READY,
    RESTORED,
    TABLES,
    UNDEF,
    VALID,
    afterwards,
    attr,
    create,
    its_reg,
    memory_holds,
    memslot,
    reads,
    remember,
    remembered,
)
from abi.spec.case import SUCCEEDS, Case, Deviation, Unreachable
from abi.spec.steps import BAD_POINTER, step, vcpu_busy
from abi.target.base import Result

DOC = "arm-vgic-its.rst"
G_ADDR, G_CTRL, G_REGS = "KVM_DEV_ARM_VGIC_GRP_ADDR", "KVM_DEV_ARM_VGIC_GRP_CTRL", "KVM_DEV_ARM_VGIC_GRP_ITS_REGS"
ADDR_DOC, CTRL_DOC, REGS_DOC = f"{DOC} {G_ADDR}", f"{DOC} {G_CTRL}", f"{DOC} {G_REGS}"
SEQUENCE = f"{DOC} ITS Restore Sequence"
RESET_STATE = f"{DOC} ITS Reset State"
SET, GET, HAS = "KVM_SET_DEVICE_ATTR", "KVM_GET_DEVICE_ATTR", "KVM_HAS_DEVICE_ATTR"
ITS_TYPE = arm64.KVM_VGIC_ITS_ADDR_TYPE
RESET, SAVE, RESTORE = arm64.KVM_DEV_ARM_ITS_CTRL_RESET, arm64.KVM_DEV_ARM_ITS_SAVE_TABLES, \
    arm64.KVM_DEV_ARM_ITS_RESTORE_TABLES
CTRL_NAMES = {arm64.KVM_DEV_ARM_VGIC_CTRL_INIT: "CTRL_INIT", RESET: "ITS_CTRL_RESET", SAVE: "ITS_SAVE_TABLES",
              RESTORE: "ITS_RESTORE_TABLES"}
ITS_CTRL = "vgic-its.c: vgic_its_ctrl"
ACCESS = "vgic-its.c: vgic_its_attr_regs_access"
GITS_RESERVED = 0x40  # between GITS_TYPER and GITS_CBASER: no its_registers entry
CBASER = VALID | 0x50000  # a 4 KiB command queue (Size = 0) at IPA 0x50000
QUIESCENT = 1 << 31
CREADR_OFFSET = 0x20  # the second 32-byte command


def its_addr(value=None, request: str = "SET", kind: int = ITS_TYPE, **kw):
    return attr(request, GRP_ADDR, kind, value, on="its", shown="ITS" if kind == ITS_TYPE else f"{kind:#x}", **kw)


def its_ctrl(attribute: int, request: str = "SET", ok_errno: int = 0):
    return attr(request, arm64.KVM_DEV_ARM_VGIC_GRP_CTRL, attribute, on="its",
                shown=CTRL_NAMES.get(attribute, f"{attribute:#x}"), ok_errno=ok_errno)


def baser(offset: int, table: int):
    return its_reg(offset, VALID | table | PAGE_64K, request="SET")


def wipe(entries: dict[int, int]):
    """Zeros over the given guest memory entries, so that what a save writes there is seen."""
    def run(s):
        for offset in entries:
            s.target.write(s._cache["memslot"] + offset, bytes(8))
        return Result(0)

    return step(f"zero guest memory at {', '.join(f'{o:#x}' for o in entries)}", run)


ITS_ONLY = (*DEVICE, create(ITS, "its"))
ITS_PLACED_ONLY = (create(ITS, "its"), its_addr(ITS_BASE))
ITS_SET = (*ITS_ONLY, its_addr(ITS_BASE))
# The restore sequence up to its step d.3: vCPUs, the vGIC, the ITS base address, GITS_BASER<n>, guest memory.
TABLES_SET = (*READY, create(ITS, "its"), its_addr(ITS_BASE), memslot(TABLES), baser(GITS_BASER0, DEV_TABLE),
              baser(GITS_BASER1, COLL_TABLE))
ENABLED = (*ITS_SET, baser(GITS_BASER0, DEV_TABLE), baser(GITS_BASER1, COLL_TABLE),
           its_reg(GITS_CBASER, CBASER, request="SET"), its_reg(GITS_CTLR, 1, request="SET"))


# A command queue in guest memory holding one command at offset 0: MAPC (opcode 0x09) with, in its third
# doubleword, V = 1, RDbase 0 (vCPU 0: GITS_TYPER.PTA is 0), ICID 0. The collection table starts with an invalid
# entry that is not 0, so that what a save writes there (collection 0's entry or the end marker 0) is seen.
QUEUE = 0x30000  # inside the slot (TABLES' ITT, unused here): vgic_sanitise_its_cbaser clears bits 15:12
NOT_VALID = 0x1234  # bit 63 clear: an invalid collection table entry
QUEUED_MAPC = {QUEUE: 0x09, QUEUE + 0x10: VALID, COLL_TABLE: NOT_VALID}
# The restore sequence up to GITS_CTLR with GITS_CWRITER restored one command ahead and GITS_CREADR not restored
# (0: the GITS_CBASER write reset it).
QUEUED = (*READY, create(ITS, "its"), its_addr(ITS_BASE), memslot(QUEUED_MAPC), baser(GITS_BASER0, DEV_TABLE),
          baser(GITS_BASER1, COLL_TABLE), its_reg(GITS_CBASER, VALID | QUEUE, request="SET"),
          its_reg(GITS_CWRITER, CREADR_OFFSET, request="SET"))


def saved_collection(entry: int):
    """A check: an ITS_SAVE_TABLES afterwards writes `entry` at the collection table's start (CTE: collection 0 on
    vCPU 0, mapped by the queued MAPC; 0: the end marker of an empty table)."""
    return afterwards(its_ctrl(SAVE), memory_holds({COLL_TABLE: entry}))


GITS_TRANSLATER = 0x10040  # in the ITS's second 64 KiB page: the doorbell an MSI writes
GICR_CTLR_ENABLE_LPIS = 1


def signal_msi(address: int, devid: int = 0, data: int = 0, flags: int = kvm.KVM_MSI_VALID_DEVID):
    msi = kvm.kvm_msi(address_lo=address & 0xFFFFFFFF, address_hi=address >> 32, data=data, flags=flags, devid=devid)
    return step(f"KVM_SIGNAL_MSI(address {address:#x}, devid {devid}, data {data}, flags {flags})",
                lambda s: s.ioctl(s.vm, kvm.KVM_SIGNAL_MSI, msi))


def msi_devid_cap(on: str = "vm"):
    return step(f"KVM_CHECK_EXTENSION(KVM_CAP_MSI_DEVID) on the {on} fd",
                lambda s: s.ioctl(s.vm if on == "vm" else s.kvm, kvm.KVM_CHECK_EXTENSION, kvm.KVM_CAP_MSI_DEVID))


DOORBELL = ITS_BASE + GITS_TRANSLATER
RESTORED_ENABLED = (*RESTORED, its_reg(GITS_CBASER, CBASER, request="SET"), its_reg(GITS_CTLR, 1, request="SET"))
MSI_DOC = "api.rst 4.71 KVM_SIGNAL_MSI"


def case(id, ioctl, condition, call, errno, cite, group="", on=GICV3, **kw) -> Case:
    if group:
        kw.setdefault("device_doc", DOC)
    return Case(id=id, ioctl=ioctl, condition=condition, on=on, call=call, errno=errno, cite=cite, group=group, **kw)



CASES: list[Case] = [
    # --- creating the device -------------------------------------------------------------------------------
    case("create", "KVM_CREATE_DEVICE", "KVM_DEV_TYPE_ARM_VGIC_ITS after the vGICv3", create(ITS, "its"), 0,
         f"{DOC}: device types supported", setup=DEVICE),
    case("create-second", "KVM_CREATE_DEVICE", "a second ITS", create(ITS, "its2"), 0,
         f"{DOC}: there can be multiple ITS controllers per guest", setup=ITS_ONLY),
    case("create-on-gicv2-host", "KVM_CREATE_DEVICE", "KVM_DEV_TYPE_ARM_VGIC_ITS on a GICv2 host",
         create(ITS, "its"), ENODEV, f"{DOC}: a virtual ITS requires a host GICv3; api.rst 4.79 Errors: ENODEV "
         "(vgic-kvm-device.c kvm_register_vgic_device registers the ITS with the vGICv3 only)", on=GICV2),
    case("create-without-vgic", "KVM_CREATE_DEVICE", "KVM_DEV_TYPE_ARM_VGIC_ITS on a host without a vGIC",
         create(ITS, "its"), ENODEV, f"{DOC}: a virtual ITS requires a host GICv3; api.rst 4.79 Errors: ENODEV",
         on=NOVGIC),
    case("create-before-vgic", "KVM_CREATE_DEVICE", "an ITS in a VM with no vGIC device yet", create(ITS, "its"), 0,
         "vgic-its.c: vgic_its_create does not look for the vGIC", basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_ADDR ----------------------------------------------------------------------
    case("addr", SET, "the ITS frame at QEMU's address", its_addr(ITS_BASE), 0, ADDR_DOC, group=G_ADDR,
         setup=ITS_ONLY),
    case("addr-read-back", GET, "the ITS address reads back", its_addr(request="GET"), 0, f"{ADDR_DOC}: rw",
         group=G_ADDR, setup=ITS_SET, check=reads(ITS_BASE)),
    case("addr-unset", GET, "the ITS address before it is set", its_addr(request="GET"), 0,
         "vgic-its.c: vgic_its_create stores VGIC_ADDR_UNDEF (all ones)", group=G_ADDR, setup=ITS_ONLY,
         check=reads(UNDEF), basis="code"),
    case("addr-second-its-same-frame", SET, "a second ITS at the first one's address", its_addr(ITS_BASE), 0,
         f"{DOC}: ITS frames must not overlap (no errno given); vgic-its.c vgic_register_its_iodev and "
         "kvm_io_bus_register_dev do not compare with other devices", group=G_ADDR,
         setup=(*ITS_SET, create(ITS, "its")), basis="code"),
    case("addr-beyond-ipa", SET, "the ITS frame at 2^40 in a 40-bit IPA VM", its_addr(IPA_DEFAULT), E2BIG,
         f"{ADDR_DOC}, Errors: E2BIG", group=G_ADDR, setup=ITS_ONLY),
    case("addr-straddles-ipa", SET, "the 128 KiB ITS frame starting 64 KiB below 2^40",
         its_addr(IPA_DEFAULT - 0x10000), E2BIG, f"{ADDR_DOC}, Errors: E2BIG (the region covers 128K)", group=G_ADDR,
         setup=ITS_ONLY),
    case("addr-misaligned", SET, "the ITS frame 4 KiB aligned, not 64 KiB", its_addr(ITS_BASE + 0x1000), EINVAL,
         f"{ADDR_DOC}, Errors: EINVAL", group=G_ADDR, setup=ITS_ONLY),
    case("addr-twice", SET, "the ITS address twice", its_addr(ITS_BASE + 0x100000), EEXIST,
         f"{ADDR_DOC}, Errors: EEXIST", group=G_ADDR, setup=ITS_SET),
    case("addr-bad-pointer", SET, "attr.addr at a guard page", its_addr(pointer=BAD_POINTER), EFAULT,
         f"{ADDR_DOC}, Errors: EFAULT", group=G_ADDR, setup=ITS_ONLY),
    case("addr-get-bad-pointer", GET, "the ITS address read into a guard page",
         its_addr(request="GET", pointer=BAD_POINTER), EFAULT, f"{ADDR_DOC}, Errors: EFAULT", group=G_ADDR,
         setup=ITS_SET),
    case("addr-unknown-attr", SET, "attribute KVM_VGIC_V3_ADDR_TYPE_DIST on the ITS",
         its_addr(ITS_BASE, kind=arm64.KVM_VGIC_V3_ADDR_TYPE_DIST), ENODEV,
         f"{ADDR_DOC}, Errors: ENODEV (incorrect attribute)", group=G_ADDR, setup=ITS_ONLY),
    case("addr-unknown-attr-get", GET, "attribute 0xff read", its_addr(request="GET", kind=0xFF), ENODEV,
         f"{ADDR_DOC}, Errors: ENODEV (incorrect attribute)", group=G_ADDR, setup=ITS_ONLY),
    case("addr-has-unknown-attr", HAS, "attribute 0xff", attr("HAS", GRP_ADDR, 0xFF, on="its"), ENXIO,
         "vgic-its.c: vgic_its_has_attr (ENXIO where SET and GET say ENODEV)", group=G_ADDR, setup=ITS_ONLY,
         basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_CTRL --------------------------------------------------------------------------
    case("ctrl-init", SET, "CTRL_INIT", its_ctrl(arm64.KVM_DEV_ARM_VGIC_CTRL_INIT), 0,
         f"{CTRL_DOC}: KVM_DEV_ARM_VGIC_CTRL_INIT", group=G_CTRL, setup=ITS_SET),
    case("ctrl-reset", SET, "ITS_CTRL_RESET", its_ctrl(RESET), 0, f"{CTRL_DOC}: KVM_DEV_ARM_ITS_CTRL_RESET",
         group=G_CTRL, setup=ITS_SET),
    case("reset-clears-cbaser", GET, "GITS_CBASER after ITS_CTRL_RESET", its_reg(GITS_CBASER), 0,
         f"{RESET_STATE}: GITS_CBASER = 0", group=G_REGS,
         setup=(*ITS_SET, its_reg(GITS_CBASER, CBASER, request="SET"), its_ctrl(RESET)), check=reads(0)),
    case("reset-disables", GET, "GITS_CTLR after ITS_CTRL_RESET of an enabled ITS", its_reg(GITS_CTLR), 0,
         f"{RESET_STATE}: GITS_CTLR.Enabled = 0, .Quiescent = 1", group=G_REGS, setup=(*ENABLED, its_ctrl(RESET)),
         check=reads(QUIESCENT, mask=QUIESCENT | 1)),
    case("reset-invalidates-baser", GET, "GITS_BASER1 after ITS_CTRL_RESET", its_reg(GITS_BASER1), 0,
         f"{RESET_STATE}: GITS_BASER<n>.Valid = 0", group=G_REGS, setup=(*ENABLED, its_ctrl(RESET)),
         check=reads(0, mask=VALID)),
    case("reset-keeps-abi", GET, "GITS_IIDR after ITS_CTRL_RESET", its_reg(GITS_IIDR), 0,
         f"{RESET_STATE}: the ABI version is unchanged", group=G_REGS,
         setup=(*ITS_SET, remember("iidr", its_reg(GITS_IIDR), 8), its_ctrl(RESET)),
         check=reads(remembered("iidr"))),
    case("save-nothing", SET, "ITS_SAVE_TABLES with no valid GITS_BASER", its_ctrl(SAVE), 0,
         f"{CTRL_DOC}: save the tables where the guest provisioned them (none)", group=G_CTRL, setup=ITS_SET),
    case("restore", SET, "ITS_RESTORE_TABLES of one collection, one device, one event", its_ctrl(RESTORE), 0,
         f"{CTRL_DOC}: restore the tables from guest RAM; {SEQUENCE}", group=G_CTRL, setup=TABLES_SET),
    case("save-after-restore", SET, "ITS_SAVE_TABLES after the restore writes the same entries", its_ctrl(SAVE), 0,
         f"{DOC} ITS Table ABI REV0: the layout of the tables in guest memory is an ABI", group=G_CTRL,
         setup=(*RESTORED, wipe(TABLES)), check=memory_holds(TABLES)),
    # The restore sequence's order (base address before the tables) is a rule for userspace; the CTRL group's
    # ENXIO ("not configured as required") names no configuration, and vgic_its_ctrl checks none.
    case("restore-before-address", SET, "ITS_RESTORE_TABLES before the ITS base address is set", its_ctrl(RESTORE),
         0, f"{ITS_CTRL}: no configuration test; with no valid GITS_BASER there is nothing to restore",
         group=G_CTRL, setup=ITS_ONLY, basis="code"),
    # "The GICV3 must be restored before the ITS and all ITS registers but the GITS_CTLR must be restored before
    # restoring the ITS tables": rules for userspace, checked by nothing in vgic_its_ctrl.
    case("restore-after-enable", SET, "ITS_RESTORE_TABLES after GITS_CTLR enabled the ITS", its_ctrl(RESTORE), 0,
         f"{ITS_CTRL}, vgic_its_restore_tables_v0: no test of its->enabled", group=G_CTRL,
         setup=(*TABLES_SET, its_reg(GITS_CBASER, CBASER, request="SET"), its_reg(GITS_CTLR, 1, request="SET")),
         basis="code", order_row=1),
    case("restore-before-vgic-init", SET, "ITS_RESTORE_TABLES before the vGICv3 is initialised (no redistributor "
         "restored yet)", its_ctrl(RESTORE), 0,
         f"{ITS_CTRL}, vgic_its_restore_tables_v0: no test of the vGIC's state; vgic_add_lpi reads the LPI "
         "configuration and pending tables at their reset addresses (0, inside the slot)", group=G_CTRL,
         setup=(*PLACED, create(ITS, "its"), its_addr(ITS_BASE), memslot(TABLES), baser(GITS_BASER0, DEV_TABLE),
                baser(GITS_BASER1, COLL_TABLE)), basis="code", order_row=1),
    # "The GITS_IIDR read-only register must also be restored before calling KVM_DEV_ARM_ITS_RESTORE_TABLES":
    # restored after instead, it leaves the restored tables as they were.
    case("save-after-late-iidr", SET, "ITS_SAVE_TABLES after ITS_RESTORE_TABLES, then GITS_IIDR written back",
         its_ctrl(SAVE), 0, "vgic-its.c: vgic_mmio_uaccess_write_its_iidr -> vgic_its_set_abi commits the same ABI "
         "(the entry sizes of GITS_BASER<n>) and drops nothing: the save writes the restored entries", group=G_CTRL,
         setup=(*TABLES_SET, its_ctrl(RESTORE), remember("iidr", its_reg(GITS_IIDR), 8),
                its_reg(GITS_IIDR, remembered("iidr"), request="SET"), wipe(TABLES)),
         check=memory_holds(TABLES), basis="code", order_row=2),
    case("restore-target-vcpu-missing", SET, "ITS_RESTORE_TABLES of a collection on vCPU 7, which does not exist",
         its_ctrl(RESTORE), EINVAL, f"{CTRL_DOC}, Errors: EINVAL (inconsistent restored data); "
         "vgic-its.c vgic_its_restore_cte", group=G_CTRL,
         setup=(*READY, create(ITS, "its"), its_addr(ITS_BASE), memslot({COLL_TABLE: VALID | (7 << 16)}),
                baser(GITS_BASER1, COLL_TABLE))),
    case("restore-eventid-bits", SET, "ITS_RESTORE_TABLES of a device with 32 EventID bits",
         its_ctrl(RESTORE), EINVAL, f"{CTRL_DOC}, Errors: EINVAL (inconsistent restored data); "
         "vgic-its.c vgic_its_restore_dte (more than VITS_TYPER_IDBITS)", group=G_CTRL,
         setup=(*READY, create(ITS, "its"), its_addr(ITS_BASE), memslot({DEV_TABLE: VALID | 31}),
                baser(GITS_BASER0, DEV_TABLE))),
    case("restore-collection-twice", SET, "ITS_RESTORE_TABLES of two collection entries with one ICID",
         its_ctrl(RESTORE), EEXIST, "vgic-its.c: vgic_its_restore_cte (find_collection finds the first)",
         group=G_CTRL, setup=(*READY, create(ITS, "its"), its_addr(ITS_BASE),
                              memslot({COLL_TABLE: VALID, COLL_TABLE + 8: VALID}), baser(GITS_BASER1, COLL_TABLE)),
         basis="code"),
    case("restore-unmapped", SET, "ITS_RESTORE_TABLES with the collection table outside guest RAM",
         its_ctrl(RESTORE), EFAULT, f"{CTRL_DOC}, Errors: EFAULT (invalid guest RAM access); kvm_read_guest_lock",
         group=G_CTRL, setup=(*READY, create(ITS, "its"), its_addr(ITS_BASE), baser(GITS_BASER1, COLL_TABLE))),
    case("save-unmapped", SET, "ITS_SAVE_TABLES with the collection table outside guest RAM", its_ctrl(SAVE), EFAULT,
         f"{CTRL_DOC}, Errors: EFAULT; vgic-its.c vgic_its_save_collection_table writes the end marker",
         group=G_CTRL, setup=(*READY, create(ITS, "its"), its_addr(ITS_BASE), baser(GITS_BASER1, COLL_TABLE))),
    case("ctrl-unknown", SET, "CTRL attribute 99 (7.2)", its_ctrl(99), ENXIO,
         f"api.rst 4.80 KVM_SET_DEVICE_ATTR, Errors: ENXIO for an unknown attribute; {ITS_CTRL}: default case (7.2)",
         group=G_CTRL, setup=ITS_SET, kernels="7.2+"),
    case("ctrl-unknown-documented", SET, "CTRL attribute 99 (6.1, 6.12)", its_ctrl(99), ENXIO,
         "api.rst 4.80 KVM_SET_DEVICE_ATTR, Errors: ENXIO for an unknown attribute", group=G_CTRL, setup=ITS_SET,
         kernels="6.1, 6.12",
         deviation=Deviation("api.rst 4.80 gives ENXIO for an attribute the device does not know; 6.1's and 6.12's "
                             "vgic-its.c vgic_its_ctrl has no default case and succeeds for any CTRL attribute "
                             "(7.2 added it)",
                             {"6.1-6.12": SUCCEEDS})),
    case("ctrl-has-unknown", HAS, "CTRL attribute 99", its_ctrl(99, request="HAS"), ENXIO,
         "vgic-its.c: vgic_its_has_attr", group=G_CTRL, setup=ITS_SET, basis="code"),
    case("unknown-group-get", GET, "group KVM_DEV_ARM_VGIC_GRP_CTRL read", its_ctrl(RESET, request="GET"), ENXIO,
         "vgic-its.c: vgic_its_get_attr default", group=G_CTRL, setup=ITS_SET, basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_ITS_REGS ----------------------------------------------------------------------
    case("regs-iidr", GET, "GITS_IIDR", its_reg(GITS_IIDR), 0, REGS_DOC, group=G_REGS, setup=ITS_SET),
    case("regs-iidr-restore", SET, "GITS_IIDR written back as read", its_reg(GITS_IIDR, remembered("iidr"),
                                                                              request="SET"), 0,
         f"{REGS_DOC}: GITS_IIDR is restored before KVM_DEV_ARM_ITS_RESTORE_TABLES", group=G_REGS,
         setup=(*ITS_SET, remember("iidr", its_reg(GITS_IIDR), 8))),
    case("regs-iidr-unknown-revision", SET, "GITS_IIDR with revision 1 (no such ABI)",
         its_reg(GITS_IIDR, 1 << 12, request="SET"), EINVAL,
         "vgic-its.c: vgic_mmio_uaccess_write_its_iidr (revision >= NR_ITS_ABIS)", group=G_REGS, setup=ITS_SET,
         basis="code"),
    case("regs-baser-read-back", GET, "GITS_BASER1 reads back its valid bit and address", its_reg(GITS_BASER1), 0,
         f"{REGS_DOC}: like the register on real hardware", group=G_REGS,
         setup=(*ITS_SET, baser(GITS_BASER1, COLL_TABLE)),
         check=reads(VALID | COLL_TABLE, mask=VALID | 0xFFFFFFFF0000)),
    case("regs-typer-write-ignored", GET, "GITS_TYPER after a write of all ones", its_reg(GITS_TYPER), 0,
         f"{REGS_DOC}: writes to read-only registers are ignored", group=G_REGS,
         setup=(*ITS_SET, remember("typer", its_reg(GITS_TYPER), 8),
                its_reg(GITS_TYPER, 0xFFFFFFFFFFFFFFFF, request="SET")), check=reads(remembered("typer"))),
    case("regs-creadr-restore", GET, "GITS_CREADR restored after GITS_CBASER", its_reg(GITS_CREADR), 0,
         f"{REGS_DOC}: GITS_CREADR is written, after GITS_CBASER", group=G_REGS,
         setup=(*ITS_SET, its_reg(GITS_CBASER, CBASER, request="SET"),
                its_reg(GITS_CREADR, CREADR_OFFSET, request="SET")), check=reads(CREADR_OFFSET), order_row=3),
    # "GITS_CREADR ... must be restored otherwise commands in the queue will be re-executed after restoring
    # CWRITER": the documented consequence, both ways.
    case("regs-creadr-not-restored", SET, "GITS_CTLR enabling the ITS with GITS_CWRITER restored one command ahead "
         "and GITS_CREADR not restored", its_reg(GITS_CTLR, 1, request="SET"), 0,
         f"{REGS_DOC}: otherwise commands in the queue will be re-executed; vgic-its.c vgic_mmio_write_its_ctlr -> "
         "vgic_its_process_commands runs the queue from GITS_CREADR (0) to GITS_CWRITER: the MAPC maps collection "
         "0, which ITS_SAVE_TABLES then writes", group=G_REGS, setup=QUEUED, check=saved_collection(CTE),
         basis="code", order_row=1),
    case("regs-creadr-restored-not-reexecuted", SET, "GITS_CTLR enabling the ITS with GITS_CREADR restored to "
         "GITS_CWRITER", its_reg(GITS_CTLR, 1, request="SET"), 0,
         f"{REGS_DOC}: GITS_CREADR must be restored, otherwise commands in the queue will be re-executed (restored: "
         "the MAPC is not run, and ITS_SAVE_TABLES writes only the end marker)", group=G_REGS,
         setup=(*QUEUED, its_reg(GITS_CREADR, CREADR_OFFSET, request="SET")), check=saved_collection(0)),
    # "GITS_IIDR must be restored before calling KVM_DEV_ARM_ITS_RESTORE_TABLES": no errno; the write is taken late.
    case("regs-iidr-after-restore", SET, "GITS_IIDR written back after ITS_RESTORE_TABLES",
         its_reg(GITS_IIDR, remembered("iidr"), request="SET"), 0,
         "vgic-its.c: vgic_mmio_uaccess_write_its_iidr tests only the revision (< NR_ITS_ABIS), not whether tables "
         "were restored", group=G_REGS, setup=(*TABLES_SET, its_ctrl(RESTORE), remember("iidr", its_reg(GITS_IIDR), 8)),
         basis="code", order_row=4),
    case("regs-cbaser-resets-creadr", GET, "GITS_CREADR after GITS_CBASER is written again", its_reg(GITS_CREADR), 0,
         f"{REGS_DOC}: a write to GITS_CBASER resets GITS_CREADR", group=G_REGS,
         setup=(*ITS_SET, its_reg(GITS_CBASER, CBASER, request="SET"),
                its_reg(GITS_CREADR, CREADR_OFFSET, request="SET"), its_reg(GITS_CBASER, CBASER, request="SET")),
         check=reads(0)),
    case("regs-creadr-beyond-queue", SET, "GITS_CREADR past the end of a 4 KiB command queue",
         its_reg(GITS_CREADR, 0x1000, request="SET"), EINVAL, "vgic-its.c: vgic_mmio_uaccess_write_its_creadr",
         group=G_REGS, setup=(*ITS_SET, its_reg(GITS_CBASER, CBASER, request="SET")), basis="code"),
    case("regs-creadr-enabled", SET, "GITS_CREADR while the ITS is enabled",
         its_reg(GITS_CREADR, CREADR_OFFSET, request="SET"), EBUSY,
         "vgic-its.c: vgic_mmio_uaccess_write_its_creadr (GITS_CREADR is restored before GITS_CTLR enables the ITS)",
         group=G_REGS, setup=ENABLED, basis="code", order_row=2),
    case("regs-enabled", GET, "GITS_CTLR after enabling with valid tables and queue", its_reg(GITS_CTLR), 0,
         f"{REGS_DOC}: like the register on real hardware", group=G_REGS, setup=ENABLED, check=reads(1, mask=1)),
    case("regs-unknown-offset", GET, "an offset no ITS register occupies", its_reg(GITS_RESERVED), ENXIO,
         f"{REGS_DOC}, Errors: ENXIO", group=G_REGS, setup=ITS_SET),
    case("regs-unknown-offset-set", SET, "an offset no ITS register occupies, written",
         its_reg(GITS_RESERVED, 0, request="SET"), ENXIO, f"{REGS_DOC}, Errors: ENXIO", group=G_REGS, setup=ITS_SET),
    case("regs-has-unknown-offset", HAS, "an offset no ITS register occupies", its_reg(GITS_RESERVED, request="HAS"),
         ENXIO, "vgic-its.c: vgic_its_has_attr_regs", group=G_REGS, setup=ITS_SET, basis="code"),
    case("regs-before-address", GET, "GITS_CTLR before the ITS base address is set", its_reg(GITS_CTLR), ENXIO,
         f"{ACCESS}: no base address yet", group=G_REGS, setup=ITS_ONLY, basis="code"),
    case("regs-bad-pointer", SET, "GITS_CBASER from a guard page", its_reg(GITS_CBASER, request="SET",
                                                                            pointer=BAD_POINTER), EFAULT,
         f"{REGS_DOC}, Errors: EFAULT", group=G_REGS, setup=ITS_SET),
    case("regs-get-bad-pointer", GET, "GITS_CBASER read into a guard page", its_reg(GITS_CBASER, pointer=BAD_POINTER),
         EFAULT, f"{REGS_DOC}, Errors: EFAULT", group=G_REGS, setup=ITS_SET),
    case("regs-64bit-misaligned", GET, "GITS_CBASER + 4 (a 64-bit register's upper word)", its_reg(GITS_CBASER + 4),
         EINVAL, f"{REGS_DOC}, Errors: EINVAL (64-bit registers only with full length)", group=G_REGS, setup=ITS_SET),
    case("regs-32bit-misaligned", GET, "GITS_CTLR + 2", its_reg(GITS_CTLR + 2), EINVAL,
         f"{REGS_DOC}, Errors: EINVAL (offset not aligned)", group=G_REGS, setup=ITS_SET),
    # --- MSIs through the ITS: KVM_SIGNAL_MSI and KVM_CAP_MSI_DEVID ----------------------------------------
    case("msi-devid-cap", "KVM_CHECK_EXTENSION", "KVM_CAP_MSI_DEVID on the VM fd with an ITS", msi_devid_cap(), 0,
         f"{MSI_DOC}: the per-VM KVM_CAP_MSI_DEVID advertises that the device ID is required; arm.c "
         "kvm_vm_ioctl_check_extension (msis_require_devid, set by vgic_its_create)", setup=ITS_ONLY, ret=1),
    case("msi-devid-cap-no-its", "KVM_CHECK_EXTENSION", "KVM_CAP_MSI_DEVID on the VM fd without an ITS",
         msi_devid_cap(), 0, "arm.c: kvm_vm_ioctl_check_extension (msis_require_devid is false)", setup=DEVICE,
         ret=0, basis="code"),
    case("msi-devid-cap-system-fd", "KVM_CHECK_EXTENSION", "KVM_CAP_MSI_DEVID on the system fd",
         msi_devid_cap("system"), EINVAL, "arm.c: kvm_vm_ioctl_check_extension answers -EINVAL without a VM",
         basis="code"),
    case("msi-no-irqchip", "KVM_SIGNAL_MSI", "an MSI in a VM with no vGIC", signal_msi(DOORBELL), EINVAL,
         f"{MSI_DOC}: only valid with an in-kernel irqchip that handles MSIs; irqchip.c kvm_send_userspace_msi",
         basis="code"),
    case("msi-no-its", "KVM_SIGNAL_MSI", "an MSI with a vGICv3 but no ITS", signal_msi(DOORBELL), ENODEV,
         "vgic-irqfd.c: kvm_set_msi (vgic_has_its is false)", setup=READY, basis="code"),
    case("msi-no-devid", "KVM_SIGNAL_MSI", "an MSI to the ITS without KVM_MSI_VALID_DEVID",
         signal_msi(DOORBELL, flags=0), EINVAL, f"{MSI_DOC}: the device ID is required (KVM_CAP_MSI_DEVID); "
         "vgic-its.c vgic_msi_to_its", setup=(*READY, *ITS_PLACED_ONLY), basis="code"),
    case("msi-not-doorbell", "KVM_SIGNAL_MSI", "an MSI to an address no ITS occupies", signal_msi(0x1000), EINVAL,
         "vgic-its.c: vgic_msi_to_its (no GIC io device at the address)", setup=(*READY, *ITS_PLACED_ONLY),
         basis="code"),
    case("msi-its-disabled", "KVM_SIGNAL_MSI", "an MSI to an ITS not enabled", signal_msi(DOORBELL), EBUSY,
         "vgic-its.c: vgic_its_resolve_lpi (its->enabled is false)", setup=(*READY, *ITS_PLACED_ONLY),
         basis="code"),
    case("msi-unmapped-device", "KVM_SIGNAL_MSI", "an MSI from a device the enabled ITS does not map",
         signal_msi(DOORBELL, devid=5), 0, f"{MSI_DOC}: returns 0 if the guest blocked the MSI; vgic-its.c "
         "vgic_its_inject_msi maps a translation error to 0", setup=ENABLED, ret=0),
    case("msi-lpis-disabled", "KVM_SIGNAL_MSI", "a mapped MSI while vCPU 0's LPIs are disabled",
         signal_msi(DOORBELL), EBUSY, "vgic-its.c: vgic_its_resolve_lpi (vgic_lpis_enabled is false)",
         setup=RESTORED_ENABLED, basis="code"),
    case("msi-delivered", "KVM_SIGNAL_MSI", "a mapped MSI with vCPU 0's LPIs enabled", signal_msi(DOORBELL), 0,
         f"{MSI_DOC}: returns > 0 on delivery (the restored device 0, event 0: LPI 8192)",
         setup=(*RESTORED_ENABLED, attr("SET", arm64.KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, 0, GICR_CTLR_ENABLE_LPIS,
                                         width=4, shown="GICR_CTLR of Aff0=0")), ret=1),
    case("regs-has-misaligned", HAS, "GITS_CBASER + 4", its_reg(GITS_CBASER + 4, request="HAS"), EINVAL,
         "vgic-its.c: vgic_its_has_attr_regs", group=G_REGS, setup=ITS_SET, basis="code"),
]


# "One or more VCPUS are running": vCPU 0 asleep in KVM_RUN (WFI) on a second thread of the agent.
RUNNING = (*READY, create(ITS, "its"), its_addr(ITS_BASE), vcpu_busy())
CTRL_LOCKED = LOCKED.format(fn="vgic-its.c vgic_its_ctrl")

CASES += [
    case("save-vcpu-running", SET, "ITS_SAVE_TABLES while vCPU 0 is in KVM_RUN on another thread", its_ctrl(SAVE),
         EBUSY, f"{CTRL_DOC}, Errors: EBUSY (one or more VCPUS are running); {CTRL_LOCKED}", group=G_CTRL,
         setup=RUNNING),
    case("reset-vcpu-running", SET, "ITS_CTRL_RESET while vCPU 0 is in KVM_RUN on another thread", its_ctrl(RESET),
         EBUSY, f"{CTRL_DOC}, Errors: EBUSY (one or more VCPUS are running); {CTRL_LOCKED}", group=G_CTRL,
         setup=RUNNING),
    case("init-vcpu-running", SET, "CTRL_INIT while vCPU 0 is in KVM_RUN on another thread",
         its_ctrl(arm64.KVM_DEV_ARM_VGIC_CTRL_INIT), 0,
         "vgic-its.c vgic_its_ctrl: CTRL_INIT returns 0 before any lock is taken", group=G_CTRL, setup=RUNNING,
         basis="code"),
    case("regs-vcpu-running", GET, "GITS_CTLR while vCPU 0 is in KVM_RUN on another thread", its_reg(GITS_CTLR),
         EBUSY, f"{REGS_DOC}, Errors: EBUSY (one or more VCPUS are running); "
         + LOCKED.format(fn="vgic-its.c vgic_its_attr_regs_access"), group=G_REGS, setup=RUNNING),
    case("regs-misaligned-vcpu-running", GET, "GITS_CBASER + 4 while vCPU 0 is in KVM_RUN on another thread",
         its_reg(GITS_CBASER + 4), EINVAL,
         "vgic-its.c vgic_its_attr_regs_access: the alignment test precedes the locks", group=G_REGS, setup=RUNNING,
         basis="code"),
]


def _unreachable(group: str, errno: int, reason: str) -> Unreachable:
    return Unreachable("KVM_SET_DEVICE_ATTR", errno, reason, arch="arm64", device_doc=DOC, group=group)


UNREACHABLE = [
    _unreachable(G_CTRL, ENOMEM, "a failed kernel allocation: the restore allocates each collection, device and "
                 "translation entry with kzalloc/GFP_KERNEL_ACCOUNT (vgic-its.c vgic_its_alloc_collection, "
                 "vgic_its_alloc_device, vgic_its_alloc_ite, vgic_add_lpi), which a caller can make fail only through "
                 "a memory cgroup limit or fault injection; the guest agent has neither"),
    _unreachable(G_CTRL, EACCES, "needs an LPI forwarded to a physical GICv4 ITS: vgic-its.c vgic_its_save_itt "
                 "answers EACCES for an entry whose LPI has irq->hw set (vgic-v4.c kvm_vgic_v4_set_forwarding, "
                 "reached through irqbypass from a VFIO device's MSI) on a host without GICv4.1; QEMU 7.2 emulates "
                 "no GICv4 (gic-version=help: 3, 2, host, max), so vgic-v3.c vgic_v3_probe leaves "
                 "kvm_vgic_global_state.has_gicv4 false (it also needs kvm-arm.vgic_v4_enable=1), and the guest has "
                 "no device to pass through"),
]
