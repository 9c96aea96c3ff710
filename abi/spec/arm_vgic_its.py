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
from abi.spec.steps.base import BAD_POINTER, step
from abi.spec.steps.vcpu import vcpu_busy
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
            s.target.write(s.memory["memslot"] + offset, bytes(8))
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





CASES: list[Case] = [
    # --- creating the device -------------------------------------------------------------------------------
    Case(id="create", ioctl="KVM_CREATE_DEVICE", condition="KVM_DEV_TYPE_ARM_VGIC_ITS after the vGICv3",
         arch=("arm64",), features=("vgic-its",), call=create(ITS, "its"), errno=0,
         cite=f"{DOC}: device types supported", setup=DEVICE),
    Case(id="create-second", ioctl="KVM_CREATE_DEVICE", condition="a second ITS", arch=("arm64",),
         features=("vgic-its",), call=create(ITS, "its2"), errno=0,
         cite=f"{DOC}: there can be multiple ITS controllers per guest", setup=ITS_ONLY),
    Case(id="create-on-gicv2-host", ioctl="KVM_CREATE_DEVICE", condition="KVM_DEV_TYPE_ARM_VGIC_ITS on a GICv2 host",
         arch=("arm64",), features=("vgic-v2",), call=create(ITS, "its"), errno=ENODEV,
         cite=f"{DOC}: a virtual ITS requires a host GICv3; api.rst 4.79 Errors: ENODEV "
         "(vgic-kvm-device.c kvm_register_vgic_device registers the ITS with the vGICv3 only)"),
    Case(id="create-without-vgic", ioctl="KVM_CREATE_DEVICE",
         condition="KVM_DEV_TYPE_ARM_VGIC_ITS on a host without a vGIC", arch=("arm64",), lacks=("irqchip",),
         call=create(ITS, "its"), errno=ENODEV,
         cite=f"{DOC}: a virtual ITS requires a host GICv3; api.rst 4.79 Errors: ENODEV"),
    Case(id="create-before-vgic", ioctl="KVM_CREATE_DEVICE", condition="an ITS in a VM with no vGIC device yet",
         arch=("arm64",), features=("vgic-its",), call=create(ITS, "its"), errno=0,
         cite="vgic-its.c: vgic_its_create does not look for the vGIC", basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_ADDR ----------------------------------------------------------------------
    Case(id="addr", ioctl=SET, condition="the ITS frame at QEMU's address", arch=("arm64",), features=("vgic-its",),
         call=its_addr(ITS_BASE), errno=0, cite=ADDR_DOC, setup=ITS_ONLY, device_doc=DOC, group=G_ADDR),
    Case(id="addr-read-back", ioctl=GET, condition="the ITS address reads back", arch=("arm64",),
         features=("vgic-its",), call=its_addr(request="GET"), errno=0, cite=f"{ADDR_DOC}: rw", setup=ITS_SET,
         check=reads(ITS_BASE), device_doc=DOC, group=G_ADDR),
    Case(id="addr-unset", ioctl=GET, condition="the ITS address before it is set", arch=("arm64",),
         features=("vgic-its",), call=its_addr(request="GET"), errno=0,
         cite="vgic-its.c: vgic_its_create stores VGIC_ADDR_UNDEF (all ones)", setup=ITS_ONLY, check=reads(UNDEF),
         basis="code", device_doc=DOC, group=G_ADDR),
    Case(id="addr-second-its-same-frame", ioctl=SET, condition="a second ITS at the first one's address",
         arch=("arm64",), features=("vgic-its",), call=its_addr(ITS_BASE), errno=0,
         cite=f"{DOC}: ITS frames must not overlap (no errno given); vgic-its.c vgic_register_its_iodev and "
         "kvm_io_bus_register_dev do not compare with other devices", setup=(*ITS_SET, create(ITS, "its")),
         basis="code", device_doc=DOC, group=G_ADDR),
    Case(id="addr-beyond-ipa", ioctl=SET, condition="the ITS frame at 2^40 in a 40-bit IPA VM", arch=("arm64",),
         features=("vgic-its",), call=its_addr(IPA_DEFAULT), errno=E2BIG, cite=f"{ADDR_DOC}, Errors: E2BIG",
         setup=ITS_ONLY, device_doc=DOC, group=G_ADDR),
    Case(id="addr-straddles-ipa", ioctl=SET, condition="the 128 KiB ITS frame starting 64 KiB below 2^40",
         arch=("arm64",), features=("vgic-its",), call=its_addr(IPA_DEFAULT - 0x10000), errno=E2BIG,
         cite=f"{ADDR_DOC}, Errors: E2BIG (the region covers 128K)", setup=ITS_ONLY, device_doc=DOC, group=G_ADDR),
    Case(id="addr-misaligned", ioctl=SET, condition="the ITS frame 4 KiB aligned, not 64 KiB", arch=("arm64",),
         features=("vgic-its",), call=its_addr(ITS_BASE + 0x1000), errno=EINVAL, cite=f"{ADDR_DOC}, Errors: EINVAL",
         setup=ITS_ONLY, device_doc=DOC, group=G_ADDR),
    Case(id="addr-twice", ioctl=SET, condition="the ITS address twice", arch=("arm64",), features=("vgic-its",),
         call=its_addr(ITS_BASE + 0x100000), errno=EEXIST, cite=f"{ADDR_DOC}, Errors: EEXIST", setup=ITS_SET,
         device_doc=DOC, group=G_ADDR),
    Case(id="addr-bad-pointer", ioctl=SET, condition="attr.addr at a guard page", arch=("arm64",),
         features=("vgic-its",), call=its_addr(pointer=BAD_POINTER), errno=EFAULT, cite=f"{ADDR_DOC}, Errors: EFAULT",
         setup=ITS_ONLY, device_doc=DOC, group=G_ADDR),
    Case(id="addr-get-bad-pointer", ioctl=GET, condition="the ITS address read into a guard page", arch=("arm64",),
         features=("vgic-its",), call=its_addr(request="GET", pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{ADDR_DOC}, Errors: EFAULT", setup=ITS_SET, device_doc=DOC, group=G_ADDR),
    Case(id="addr-unknown-attr", ioctl=SET, condition="attribute KVM_VGIC_V3_ADDR_TYPE_DIST on the ITS",
         arch=("arm64",), features=("vgic-its",), call=its_addr(ITS_BASE, kind=arm64.KVM_VGIC_V3_ADDR_TYPE_DIST),
         errno=ENODEV, cite=f"{ADDR_DOC}, Errors: ENODEV (incorrect attribute)", setup=ITS_ONLY, device_doc=DOC,
         group=G_ADDR),
    Case(id="addr-unknown-attr-get", ioctl=GET, condition="attribute 0xff read", arch=("arm64",),
         features=("vgic-its",), call=its_addr(request="GET", kind=0xFF), errno=ENODEV,
         cite=f"{ADDR_DOC}, Errors: ENODEV (incorrect attribute)", setup=ITS_ONLY, device_doc=DOC, group=G_ADDR),
    Case(id="addr-has-unknown-attr", ioctl=HAS, condition="attribute 0xff", arch=("arm64",), features=("vgic-its",),
         call=attr("HAS", GRP_ADDR, 0xFF, on="its"), errno=ENXIO,
         cite="vgic-its.c: vgic_its_has_attr (ENXIO where SET and GET say ENODEV)", setup=ITS_ONLY, basis="code",
         device_doc=DOC, group=G_ADDR),

    # --- KVM_DEV_ARM_VGIC_GRP_CTRL --------------------------------------------------------------------------
    Case(id="ctrl-init", ioctl=SET, condition="CTRL_INIT", arch=("arm64",), features=("vgic-its",),
         call=its_ctrl(arm64.KVM_DEV_ARM_VGIC_CTRL_INIT), errno=0, cite=f"{CTRL_DOC}: KVM_DEV_ARM_VGIC_CTRL_INIT",
         setup=ITS_SET, device_doc=DOC, group=G_CTRL),
    Case(id="ctrl-reset", ioctl=SET, condition="ITS_CTRL_RESET", arch=("arm64",), features=("vgic-its",),
         call=its_ctrl(RESET), errno=0, cite=f"{CTRL_DOC}: KVM_DEV_ARM_ITS_CTRL_RESET", setup=ITS_SET, device_doc=DOC,
         group=G_CTRL),
    Case(id="reset-clears-cbaser", ioctl=GET, condition="GITS_CBASER after ITS_CTRL_RESET", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_CBASER), errno=0, cite=f"{RESET_STATE}: GITS_CBASER = 0",
         setup=(*ITS_SET, its_reg(GITS_CBASER, CBASER, request="SET"), its_ctrl(RESET)), check=reads(0), device_doc=DOC,
         group=G_REGS),
    Case(id="reset-disables", ioctl=GET, condition="GITS_CTLR after ITS_CTRL_RESET of an enabled ITS", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_CTLR), errno=0,
         cite=f"{RESET_STATE}: GITS_CTLR.Enabled = 0, .Quiescent = 1", setup=(*ENABLED, its_ctrl(RESET)),
         check=reads(QUIESCENT, mask=QUIESCENT | 1), device_doc=DOC, group=G_REGS),
    Case(id="reset-invalidates-baser", ioctl=GET, condition="GITS_BASER1 after ITS_CTRL_RESET", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_BASER1), errno=0, cite=f"{RESET_STATE}: GITS_BASER<n>.Valid = 0",
         setup=(*ENABLED, its_ctrl(RESET)), check=reads(0, mask=VALID), device_doc=DOC, group=G_REGS),
    Case(id="reset-keeps-abi", ioctl=GET, condition="GITS_IIDR after ITS_CTRL_RESET", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_IIDR), errno=0, cite=f"{RESET_STATE}: the ABI version is unchanged",
         setup=(*ITS_SET, remember("iidr", its_reg(GITS_IIDR), 8), its_ctrl(RESET)), check=reads(remembered("iidr")),
         device_doc=DOC, group=G_REGS),
    Case(id="save-nothing", ioctl=SET, condition="ITS_SAVE_TABLES with no valid GITS_BASER", arch=("arm64",),
         features=("vgic-its",), call=its_ctrl(SAVE), errno=0,
         cite=f"{CTRL_DOC}: save the tables where the guest provisioned them (none)", setup=ITS_SET, device_doc=DOC,
         group=G_CTRL),
    Case(id="restore", ioctl=SET, condition="ITS_RESTORE_TABLES of one collection, one device, one event",
         arch=("arm64",), features=("vgic-its",), call=its_ctrl(RESTORE), errno=0,
         cite=f"{CTRL_DOC}: restore the tables from guest RAM; {SEQUENCE}", setup=TABLES_SET, device_doc=DOC,
         group=G_CTRL),
    Case(id="save-after-restore", ioctl=SET, condition="ITS_SAVE_TABLES after the restore writes the same entries",
         arch=("arm64",), features=("vgic-its",), call=its_ctrl(SAVE), errno=0,
         cite=f"{DOC} ITS Table ABI REV0: the layout of the tables in guest memory is an ABI",
         setup=(*RESTORED, wipe(TABLES)), check=memory_holds(TABLES), device_doc=DOC, group=G_CTRL),
    # The restore sequence's order (base address before the tables) is a rule for userspace; the CTRL group's
    # ENXIO ("not configured as required") names no configuration, and vgic_its_ctrl checks none.
    Case(id="restore-before-address", ioctl=SET, condition="ITS_RESTORE_TABLES before the ITS base address is set",
         arch=("arm64",), features=("vgic-its",), call=its_ctrl(RESTORE), errno=0,
         cite=f"{ITS_CTRL}: no configuration test; with no valid GITS_BASER there is nothing to restore",
         setup=ITS_ONLY, basis="code", device_doc=DOC, group=G_CTRL),
    # "The GICV3 must be restored before the ITS and all ITS registers but the GITS_CTLR must be restored before
    # restoring the ITS tables": rules for userspace, checked by nothing in vgic_its_ctrl.
    Case(id="restore-after-enable", ioctl=SET, condition="ITS_RESTORE_TABLES after GITS_CTLR enabled the ITS",
         arch=("arm64",), features=("vgic-its",), call=its_ctrl(RESTORE), errno=0,
         cite=f"{ITS_CTRL}, vgic_its_restore_tables_v0: no test of its->enabled",
         setup=(*TABLES_SET, its_reg(GITS_CBASER, CBASER, request="SET"), its_reg(GITS_CTLR, 1, request="SET")),
         basis="code", order_row=1, device_doc=DOC, group=G_CTRL),
    Case(id="restore-before-vgic-init", ioctl=SET,
         condition="ITS_RESTORE_TABLES before the vGICv3 is initialised (no redistributor "
         "restored yet)", arch=("arm64",), features=("vgic-its",), call=its_ctrl(RESTORE), errno=0,
         cite=f"{ITS_CTRL}, vgic_its_restore_tables_v0: no test of the vGIC's state; vgic_add_lpi reads the LPI "
         "configuration and pending tables at their reset addresses (0, inside the slot)",
         setup=(*PLACED, create(ITS, "its"), its_addr(ITS_BASE), memslot(TABLES), baser(GITS_BASER0, DEV_TABLE),
                baser(GITS_BASER1, COLL_TABLE)), basis="code", order_row=1, device_doc=DOC, group=G_CTRL),
    # "The GITS_IIDR read-only register must also be restored before calling KVM_DEV_ARM_ITS_RESTORE_TABLES":
    # restored after instead, it leaves the restored tables as they were.
    Case(id="save-after-late-iidr", ioctl=SET,
         condition="ITS_SAVE_TABLES after ITS_RESTORE_TABLES, then GITS_IIDR written back", arch=("arm64",),
         features=("vgic-its",), call=its_ctrl(SAVE), errno=0,
         cite="vgic-its.c: vgic_mmio_uaccess_write_its_iidr -> vgic_its_set_abi commits the same ABI "
         "(the entry sizes of GITS_BASER<n>) and drops nothing: the save writes the restored entries",
         setup=(*TABLES_SET, its_ctrl(RESTORE), remember("iidr", its_reg(GITS_IIDR), 8),
                its_reg(GITS_IIDR, remembered("iidr"), request="SET"), wipe(TABLES)), check=memory_holds(TABLES),
         basis="code", order_row=2, device_doc=DOC, group=G_CTRL),
    Case(id="restore-target-vcpu-missing", ioctl=SET,
         condition="ITS_RESTORE_TABLES of a collection on vCPU 7, which does not exist", arch=("arm64",),
         features=("vgic-its",), call=its_ctrl(RESTORE), errno=EINVAL,
         cite=f"{CTRL_DOC}, Errors: EINVAL (inconsistent restored data); "
         "vgic-its.c vgic_its_restore_cte",
         setup=(*READY, create(ITS, "its"), its_addr(ITS_BASE), memslot({COLL_TABLE: VALID | (7 << 16)}),
                baser(GITS_BASER1, COLL_TABLE)), device_doc=DOC, group=G_CTRL),
    Case(id="restore-eventid-bits", ioctl=SET, condition="ITS_RESTORE_TABLES of a device with 32 EventID bits",
         arch=("arm64",), features=("vgic-its",), call=its_ctrl(RESTORE), errno=EINVAL,
         cite=f"{CTRL_DOC}, Errors: EINVAL (inconsistent restored data); "
         "vgic-its.c vgic_its_restore_dte (more than VITS_TYPER_IDBITS)",
         setup=(*READY, create(ITS, "its"), its_addr(ITS_BASE), memslot({DEV_TABLE: VALID | 31}),
                baser(GITS_BASER0, DEV_TABLE)), device_doc=DOC, group=G_CTRL),
    Case(id="restore-collection-twice", ioctl=SET,
         condition="ITS_RESTORE_TABLES of two collection entries with one ICID", arch=("arm64",),
         features=("vgic-its",), call=its_ctrl(RESTORE), errno=EEXIST,
         cite="vgic-its.c: vgic_its_restore_cte (find_collection finds the first)",
         setup=(*READY, create(ITS, "its"), its_addr(ITS_BASE),
                              memslot({COLL_TABLE: VALID, COLL_TABLE + 8: VALID}), baser(GITS_BASER1, COLL_TABLE)),
         basis="code", device_doc=DOC, group=G_CTRL),
    Case(id="restore-unmapped", ioctl=SET, condition="ITS_RESTORE_TABLES with the collection table outside guest RAM",
         arch=("arm64",), features=("vgic-its",), call=its_ctrl(RESTORE), errno=EFAULT,
         cite=f"{CTRL_DOC}, Errors: EFAULT (invalid guest RAM access); kvm_read_guest_lock",
         setup=(*READY, create(ITS, "its"), its_addr(ITS_BASE), baser(GITS_BASER1, COLL_TABLE)), device_doc=DOC,
         group=G_CTRL),
    Case(id="save-unmapped", ioctl=SET, condition="ITS_SAVE_TABLES with the collection table outside guest RAM",
         arch=("arm64",), features=("vgic-its",), call=its_ctrl(SAVE), errno=EFAULT,
         cite=f"{CTRL_DOC}, Errors: EFAULT; vgic-its.c vgic_its_save_collection_table writes the end marker",
         setup=(*READY, create(ITS, "its"), its_addr(ITS_BASE), baser(GITS_BASER1, COLL_TABLE)), device_doc=DOC,
         group=G_CTRL),
    Case(id="ctrl-unknown", ioctl=SET, condition="CTRL attribute 99 (7.2)", arch=("arm64",), features=("vgic-its",),
         call=its_ctrl(99), errno=ENXIO,
         cite=f"api.rst 4.80 KVM_SET_DEVICE_ATTR, Errors: ENXIO for an unknown attribute; {ITS_CTRL}: default "
              "case (7.2)", setup=ITS_SET, device_doc=DOC, group=G_CTRL, kernels="7.2+"),
    Case(id="ctrl-unknown-documented", ioctl=SET, condition="CTRL attribute 99 (6.1, 6.12)", arch=("arm64",),
         features=("vgic-its",), call=its_ctrl(99), errno=ENXIO,
         cite="api.rst 4.80 KVM_SET_DEVICE_ATTR, Errors: ENXIO for an unknown attribute", setup=ITS_SET,
         deviation=Deviation("api.rst 4.80 gives ENXIO for an attribute the device does not know; 6.1's and 6.12's "
                             "vgic-its.c vgic_its_ctrl has no default case and succeeds for any CTRL attribute "
                             "(7.2 added it)",
                             {"6.1-6.12": SUCCEEDS}), device_doc=DOC, group=G_CTRL, kernels="6.1, 6.12"),
    Case(id="ctrl-has-unknown", ioctl=HAS, condition="CTRL attribute 99", arch=("arm64",), features=("vgic-its",),
         call=its_ctrl(99, request="HAS"), errno=ENXIO, cite="vgic-its.c: vgic_its_has_attr", setup=ITS_SET,
         basis="code", device_doc=DOC, group=G_CTRL),
    Case(id="unknown-group-get", ioctl=GET, condition="group KVM_DEV_ARM_VGIC_GRP_CTRL read", arch=("arm64",),
         features=("vgic-its",), call=its_ctrl(RESET, request="GET"), errno=ENXIO,
         cite="vgic-its.c: vgic_its_get_attr default", setup=ITS_SET, basis="code", device_doc=DOC, group=G_CTRL),

    # --- KVM_DEV_ARM_VGIC_GRP_ITS_REGS ----------------------------------------------------------------------
    Case(id="regs-iidr", ioctl=GET, condition="GITS_IIDR", arch=("arm64",), features=("vgic-its",),
         call=its_reg(GITS_IIDR), errno=0, cite=REGS_DOC, setup=ITS_SET, device_doc=DOC, group=G_REGS),
    Case(id="regs-iidr-restore", ioctl=SET, condition="GITS_IIDR written back as read", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_IIDR, remembered("iidr"),
                                                                              request="SET"), errno=0,
         cite=f"{REGS_DOC}: GITS_IIDR is restored before KVM_DEV_ARM_ITS_RESTORE_TABLES",
         setup=(*ITS_SET, remember("iidr", its_reg(GITS_IIDR), 8)), device_doc=DOC, group=G_REGS),
    Case(id="regs-iidr-unknown-revision", ioctl=SET, condition="GITS_IIDR with revision 1 (no such ABI)",
         arch=("arm64",), features=("vgic-its",), call=its_reg(GITS_IIDR, 1 << 12, request="SET"), errno=EINVAL,
         cite="vgic-its.c: vgic_mmio_uaccess_write_its_iidr (revision >= NR_ITS_ABIS)", setup=ITS_SET, basis="code",
         device_doc=DOC, group=G_REGS),
    Case(id="regs-baser-read-back", ioctl=GET, condition="GITS_BASER1 reads back its valid bit and address",
         arch=("arm64",), features=("vgic-its",), call=its_reg(GITS_BASER1), errno=0,
         cite=f"{REGS_DOC}: like the register on real hardware", setup=(*ITS_SET, baser(GITS_BASER1, COLL_TABLE)),
         check=reads(VALID | COLL_TABLE, mask=VALID | 0xFFFFFFFF0000), device_doc=DOC, group=G_REGS),
    Case(id="regs-typer-write-ignored", ioctl=GET, condition="GITS_TYPER after a write of all ones", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_TYPER), errno=0,
         cite=f"{REGS_DOC}: writes to read-only registers are ignored",
         setup=(*ITS_SET, remember("typer", its_reg(GITS_TYPER), 8),
                its_reg(GITS_TYPER, 0xFFFFFFFFFFFFFFFF, request="SET")), check=reads(remembered("typer")),
         device_doc=DOC, group=G_REGS),
    Case(id="regs-creadr-restore", ioctl=GET, condition="GITS_CREADR restored after GITS_CBASER", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_CREADR), errno=0,
         cite=f"{REGS_DOC}: GITS_CREADR is written, after GITS_CBASER",
         setup=(*ITS_SET, its_reg(GITS_CBASER, CBASER, request="SET"),
                its_reg(GITS_CREADR, CREADR_OFFSET, request="SET")), check=reads(CREADR_OFFSET), order_row=3,
         device_doc=DOC, group=G_REGS),
    # "GITS_CREADR ... must be restored otherwise commands in the queue will be re-executed after restoring
    # CWRITER": the documented consequence, both ways.
    Case(id="regs-creadr-not-restored", ioctl=SET,
         condition="GITS_CTLR enabling the ITS with GITS_CWRITER restored one command ahead "
         "and GITS_CREADR not restored", arch=("arm64",), features=("vgic-its",),
         call=its_reg(GITS_CTLR, 1, request="SET"), errno=0,
         cite=f"{REGS_DOC}: otherwise commands in the queue will be re-executed; vgic-its.c vgic_mmio_write_its_ctlr "
              "-> "
         "vgic_its_process_commands runs the queue from GITS_CREADR (0) to GITS_CWRITER: the MAPC maps collection "
         "0, which ITS_SAVE_TABLES then writes", setup=QUEUED, check=saved_collection(CTE), basis="code", order_row=1,
         device_doc=DOC, group=G_REGS),
    Case(id="regs-creadr-restored-not-reexecuted", ioctl=SET,
         condition="GITS_CTLR enabling the ITS with GITS_CREADR restored to "
         "GITS_CWRITER", arch=("arm64",), features=("vgic-its",), call=its_reg(GITS_CTLR, 1, request="SET"), errno=0,
         cite=f"{REGS_DOC}: GITS_CREADR must be restored, otherwise commands in the queue will be re-executed "
              "(restored: "
         "the MAPC is not run, and ITS_SAVE_TABLES writes only the end marker)",
         setup=(*QUEUED, its_reg(GITS_CREADR, CREADR_OFFSET, request="SET")), check=saved_collection(0), device_doc=DOC,
         group=G_REGS),
    # "GITS_IIDR must be restored before calling KVM_DEV_ARM_ITS_RESTORE_TABLES": no errno; the write is taken late.
    Case(id="regs-iidr-after-restore", ioctl=SET, condition="GITS_IIDR written back after ITS_RESTORE_TABLES",
         arch=("arm64",), features=("vgic-its",), call=its_reg(GITS_IIDR, remembered("iidr"), request="SET"), errno=0,
         cite="vgic-its.c: vgic_mmio_uaccess_write_its_iidr tests only the revision (< NR_ITS_ABIS), not whether "
              "tables "
         "were restored", setup=(*TABLES_SET, its_ctrl(RESTORE), remember("iidr", its_reg(GITS_IIDR), 8)), basis="code",
         order_row=4, device_doc=DOC, group=G_REGS),
    Case(id="regs-cbaser-resets-creadr", ioctl=GET, condition="GITS_CREADR after GITS_CBASER is written again",
         arch=("arm64",), features=("vgic-its",), call=its_reg(GITS_CREADR), errno=0,
         cite=f"{REGS_DOC}: a write to GITS_CBASER resets GITS_CREADR",
         setup=(*ITS_SET, its_reg(GITS_CBASER, CBASER, request="SET"),
                its_reg(GITS_CREADR, CREADR_OFFSET, request="SET"), its_reg(GITS_CBASER, CBASER, request="SET")),
         check=reads(0), device_doc=DOC, group=G_REGS),
    Case(id="regs-creadr-beyond-queue", ioctl=SET, condition="GITS_CREADR past the end of a 4 KiB command queue",
         arch=("arm64",), features=("vgic-its",), call=its_reg(GITS_CREADR, 0x1000, request="SET"), errno=EINVAL,
         cite="vgic-its.c: vgic_mmio_uaccess_write_its_creadr",
         setup=(*ITS_SET, its_reg(GITS_CBASER, CBASER, request="SET")), basis="code", device_doc=DOC, group=G_REGS),
    Case(id="regs-creadr-enabled", ioctl=SET, condition="GITS_CREADR while the ITS is enabled", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_CREADR, CREADR_OFFSET, request="SET"), errno=EBUSY,
         cite="vgic-its.c: vgic_mmio_uaccess_write_its_creadr (GITS_CREADR is restored before GITS_CTLR "
              "enables the ITS)", setup=ENABLED, basis="code", order_row=2, device_doc=DOC, group=G_REGS),
    Case(id="regs-enabled", ioctl=GET, condition="GITS_CTLR after enabling with valid tables and queue",
         arch=("arm64",), features=("vgic-its",), call=its_reg(GITS_CTLR), errno=0,
         cite=f"{REGS_DOC}: like the register on real hardware", setup=ENABLED, check=reads(1, mask=1), device_doc=DOC,
         group=G_REGS),
    Case(id="regs-unknown-offset", ioctl=GET, condition="an offset no ITS register occupies", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_RESERVED), errno=ENXIO, cite=f"{REGS_DOC}, Errors: ENXIO",
         setup=ITS_SET, device_doc=DOC, group=G_REGS),
    Case(id="regs-unknown-offset-set", ioctl=SET, condition="an offset no ITS register occupies, written",
         arch=("arm64",), features=("vgic-its",), call=its_reg(GITS_RESERVED, 0, request="SET"), errno=ENXIO,
         cite=f"{REGS_DOC}, Errors: ENXIO", setup=ITS_SET, device_doc=DOC, group=G_REGS),
    Case(id="regs-has-unknown-offset", ioctl=HAS, condition="an offset no ITS register occupies", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_RESERVED, request="HAS"), errno=ENXIO,
         cite="vgic-its.c: vgic_its_has_attr_regs", setup=ITS_SET, basis="code", device_doc=DOC, group=G_REGS),
    Case(id="regs-before-address", ioctl=GET, condition="GITS_CTLR before the ITS base address is set", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_CTLR), errno=ENXIO, cite=f"{ACCESS}: no base address yet",
         setup=ITS_ONLY, basis="code", device_doc=DOC, group=G_REGS),
    Case(id="regs-bad-pointer", ioctl=SET, condition="GITS_CBASER from a guard page", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_CBASER, request="SET",
                                                                            pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{REGS_DOC}, Errors: EFAULT", setup=ITS_SET, device_doc=DOC, group=G_REGS),
    Case(id="regs-get-bad-pointer", ioctl=GET, condition="GITS_CBASER read into a guard page", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_CBASER, pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{REGS_DOC}, Errors: EFAULT", setup=ITS_SET, device_doc=DOC, group=G_REGS),
    Case(id="regs-64bit-misaligned", ioctl=GET, condition="GITS_CBASER + 4 (a 64-bit register's upper word)",
         arch=("arm64",), features=("vgic-its",), call=its_reg(GITS_CBASER + 4), errno=EINVAL,
         cite=f"{REGS_DOC}, Errors: EINVAL (64-bit registers only with full length)", setup=ITS_SET, device_doc=DOC,
         group=G_REGS),
    Case(id="regs-32bit-misaligned", ioctl=GET, condition="GITS_CTLR + 2", arch=("arm64",), features=("vgic-its",),
         call=its_reg(GITS_CTLR + 2), errno=EINVAL, cite=f"{REGS_DOC}, Errors: EINVAL (offset not aligned)",
         setup=ITS_SET, device_doc=DOC, group=G_REGS),
    # --- MSIs through the ITS: KVM_SIGNAL_MSI and KVM_CAP_MSI_DEVID ----------------------------------------
    Case(id="msi-devid-cap", ioctl="KVM_CHECK_EXTENSION", condition="KVM_CAP_MSI_DEVID on the VM fd with an ITS",
         arch=("arm64",), features=("vgic-its",), call=msi_devid_cap(), errno=0,
         cite=f"{MSI_DOC}: the per-VM KVM_CAP_MSI_DEVID advertises that the device ID is required; arm.c "
         "kvm_vm_ioctl_check_extension (msis_require_devid, set by vgic_its_create)", setup=ITS_ONLY, ret=1),
    Case(id="msi-devid-cap-no-its", ioctl="KVM_CHECK_EXTENSION",
         condition="KVM_CAP_MSI_DEVID on the VM fd without an ITS", arch=("arm64",), features=("vgic-its",),
         call=msi_devid_cap(), errno=0, cite="arm.c: kvm_vm_ioctl_check_extension (msis_require_devid is false)",
         setup=DEVICE, ret=0, basis="code"),
    Case(id="msi-devid-cap-system-fd", ioctl="KVM_CHECK_EXTENSION", condition="KVM_CAP_MSI_DEVID on the system fd",
         arch=("arm64",), features=("vgic-its",), call=msi_devid_cap("system"), errno=EINVAL,
         cite="arm.c: kvm_vm_ioctl_check_extension answers -EINVAL without a VM", basis="code"),
    Case(id="msi-no-irqchip", ioctl="KVM_SIGNAL_MSI", condition="an MSI in a VM with no vGIC", arch=("arm64",),
         features=("vgic-its",), call=signal_msi(DOORBELL), errno=EINVAL,
         cite=f"{MSI_DOC}: only valid with an in-kernel irqchip that handles MSIs; irqchip.c kvm_send_userspace_msi",
         basis="code"),
    Case(id="msi-no-its", ioctl="KVM_SIGNAL_MSI", condition="an MSI with a vGICv3 but no ITS", arch=("arm64",),
         features=("vgic-its",), call=signal_msi(DOORBELL), errno=ENODEV,
         cite="vgic-irqfd.c: kvm_set_msi (vgic_has_its is false)", setup=READY, basis="code"),
    Case(id="msi-no-devid", ioctl="KVM_SIGNAL_MSI", condition="an MSI to the ITS without KVM_MSI_VALID_DEVID",
         arch=("arm64",), features=("vgic-its",), call=signal_msi(DOORBELL, flags=0), errno=EINVAL,
         cite=f"{MSI_DOC}: the device ID is required (KVM_CAP_MSI_DEVID); "
         "vgic-its.c vgic_msi_to_its", setup=(*READY, *ITS_PLACED_ONLY), basis="code"),
    Case(id="msi-not-doorbell", ioctl="KVM_SIGNAL_MSI", condition="an MSI to an address no ITS occupies",
         arch=("arm64",), features=("vgic-its",), call=signal_msi(0x1000), errno=EINVAL,
         cite="vgic-its.c: vgic_msi_to_its (no GIC io device at the address)", setup=(*READY, *ITS_PLACED_ONLY),
         basis="code"),
    Case(id="msi-its-disabled", ioctl="KVM_SIGNAL_MSI", condition="an MSI to an ITS not enabled", arch=("arm64",),
         features=("vgic-its",), call=signal_msi(DOORBELL), errno=EBUSY,
         cite="vgic-its.c: vgic_its_resolve_lpi (its->enabled is false)", setup=(*READY, *ITS_PLACED_ONLY),
         basis="code"),
    Case(id="msi-unmapped-device", ioctl="KVM_SIGNAL_MSI",
         condition="an MSI from a device the enabled ITS does not map", arch=("arm64",), features=("vgic-its",),
         call=signal_msi(DOORBELL, devid=5), errno=0,
         cite=f"{MSI_DOC}: returns 0 if the guest blocked the MSI; vgic-its.c "
         "vgic_its_inject_msi maps a translation error to 0", setup=ENABLED, ret=0),
    Case(id="msi-lpis-disabled", ioctl="KVM_SIGNAL_MSI", condition="a mapped MSI while vCPU 0's LPIs are disabled",
         arch=("arm64",), features=("vgic-its",), call=signal_msi(DOORBELL), errno=EBUSY,
         cite="vgic-its.c: vgic_its_resolve_lpi (vgic_lpis_enabled is false)", setup=RESTORED_ENABLED, basis="code"),
    Case(id="msi-delivered", ioctl="KVM_SIGNAL_MSI", condition="a mapped MSI with vCPU 0's LPIs enabled",
         arch=("arm64",), features=("vgic-its",), call=signal_msi(DOORBELL), errno=0,
         cite=f"{MSI_DOC}: returns > 0 on delivery (the restored device 0, event 0: LPI 8192)",
         setup=(*RESTORED_ENABLED, attr("SET", arm64.KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, 0, GICR_CTLR_ENABLE_LPIS,
                                         width=4, shown="GICR_CTLR of Aff0=0")), ret=1),
    Case(id="regs-has-misaligned", ioctl=HAS, condition="GITS_CBASER + 4", arch=("arm64",), features=("vgic-its",),
         call=its_reg(GITS_CBASER + 4, request="HAS"), errno=EINVAL, cite="vgic-its.c: vgic_its_has_attr_regs",
         setup=ITS_SET, basis="code", device_doc=DOC, group=G_REGS),
]


# "One or more VCPUS are running": vCPU 0 asleep in KVM_RUN (WFI) on a second thread of the agent.
RUNNING = (*READY, create(ITS, "its"), its_addr(ITS_BASE), vcpu_busy())
CTRL_LOCKED = LOCKED.format(fn="vgic-its.c vgic_its_ctrl")

CASES += [
    Case(id="save-vcpu-running", ioctl=SET, condition="ITS_SAVE_TABLES while vCPU 0 is in KVM_RUN on another thread",
         arch=("arm64",), features=("vgic-its",), call=its_ctrl(SAVE), errno=EBUSY,
         cite=f"{CTRL_DOC}, Errors: EBUSY (one or more VCPUS are running); {CTRL_LOCKED}", setup=RUNNING,
         device_doc=DOC, group=G_CTRL),
    Case(id="reset-vcpu-running", ioctl=SET, condition="ITS_CTRL_RESET while vCPU 0 is in KVM_RUN on another thread",
         arch=("arm64",), features=("vgic-its",), call=its_ctrl(RESET), errno=EBUSY,
         cite=f"{CTRL_DOC}, Errors: EBUSY (one or more VCPUS are running); {CTRL_LOCKED}", setup=RUNNING,
         device_doc=DOC, group=G_CTRL),
    Case(id="init-vcpu-running", ioctl=SET, condition="CTRL_INIT while vCPU 0 is in KVM_RUN on another thread",
         arch=("arm64",), features=("vgic-its",), call=its_ctrl(arm64.KVM_DEV_ARM_VGIC_CTRL_INIT), errno=0,
         cite="vgic-its.c vgic_its_ctrl: CTRL_INIT returns 0 before any lock is taken", setup=RUNNING, basis="code",
         device_doc=DOC, group=G_CTRL),
    Case(id="regs-vcpu-running", ioctl=GET, condition="GITS_CTLR while vCPU 0 is in KVM_RUN on another thread",
         arch=("arm64",), features=("vgic-its",), call=its_reg(GITS_CTLR), errno=EBUSY,
         cite=f"{REGS_DOC}, Errors: EBUSY (one or more VCPUS are running); "
         + LOCKED.format(fn="vgic-its.c vgic_its_attr_regs_access"), setup=RUNNING, device_doc=DOC, group=G_REGS),
    Case(id="regs-misaligned-vcpu-running", ioctl=GET,
         condition="GITS_CBASER + 4 while vCPU 0 is in KVM_RUN on another thread", arch=("arm64",),
         features=("vgic-its",), call=its_reg(GITS_CBASER + 4), errno=EINVAL,
         cite="vgic-its.c vgic_its_attr_regs_access: the alignment test precedes the locks", setup=RUNNING,
         basis="code", device_doc=DOC, group=G_REGS),
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
