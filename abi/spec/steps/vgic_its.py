"""The vGICv3 ITS device fd: its addresses, registers, tables in guest memory, save and restore."""

from __future__ import annotations

from abi import arm64, kvm
from abi.spec.steps.base import step
from abi.spec.steps.device import SET
from abi.spec.steps.gic import G_ADDR, G_CTRL, ITS_BASE, addr_attr, ctrl
from abi.spec.steps.vcpu import vcpu_busy
from abi.spec.steps.vgic_v3 import (
    COLL_TABLE,
    CREATE_ITS,
    CREATED,
    DEV_TABLE,
    GITS_BASER0,
    GITS_BASER1,
    GITS_CBASER,
    GITS_CTLR,
    GITS_CWRITER,
    LOCKED_BY,
    PAGE_64K,
    READY,
    RESTORED,
    TABLES,
    VALID,
    afterwards,
    guest_tables,
    its_reg,
    memory_holds,
)
from abi.target.base import Result

DOC = "arm-vgic-its.rst"

G_REGS = "KVM_DEV_ARM_VGIC_GRP_ITS_REGS"

ADDR_DOC, CTRL_DOC, REGS_DOC = f"{DOC} {G_ADDR}", f"{DOC} {G_CTRL}", f"{DOC} {G_REGS}"

SEQUENCE = f"{DOC} ITS Restore Sequence"

RESET_STATE = f"{DOC} ITS Reset State"

ITS_TYPE = arm64.KVM_VGIC_ITS_ADDR_TYPE

RESET, SAVE, RESTORE = arm64.KVM_DEV_ARM_ITS_CTRL_RESET, arm64.KVM_DEV_ARM_ITS_SAVE_TABLES, \
    arm64.KVM_DEV_ARM_ITS_RESTORE_TABLES

ITS_CTRL = "vgic-its.c: vgic_its_ctrl"

ACCESS = "vgic-its.c: vgic_its_attr_regs_access"

GITS_RESERVED = 0x40  # between GITS_TYPER and GITS_CBASER: no its_registers entry

CBASER = VALID | 0x50000  # a 4 KiB command queue (Size = 0) at IPA 0x50000

QUIESCENT = 1 << 31

CREADR_OFFSET = 0x20  # the second 32-byte command

def baser(offset: int, table: int):
    return its_reg(offset, VALID | table | PAGE_64K, request=SET)

def wipe(entries: dict[int, int]):
    """Zeros over the given guest memory entries, so that what a save writes there is seen."""
    def run(s):
        for offset in entries:
            s.target.write(s.memory["tables"] + offset, bytes(8))
        return Result(0)

    return step(f"zero guest memory at {', '.join(f'{o:#x}' for o in entries)}", run)

ITS_ONLY = (*CREATED, CREATE_ITS)

ITS_AT_BASE = addr_attr(ITS_TYPE, ITS_BASE, device="its")

ITS_PLACED_ONLY = (CREATE_ITS, ITS_AT_BASE)

ITS_SET = (*ITS_ONLY, ITS_AT_BASE)

# The restore sequence up to its step d.3: vCPUs, the vGIC, the ITS base address, GITS_BASER<n>, guest memory.
TABLES_SET = (*READY, CREATE_ITS, ITS_AT_BASE, guest_tables(TABLES), baser(GITS_BASER0, DEV_TABLE),
              baser(GITS_BASER1, COLL_TABLE))

ENABLED = (*ITS_SET, baser(GITS_BASER0, DEV_TABLE), baser(GITS_BASER1, COLL_TABLE),
           its_reg(GITS_CBASER, CBASER, request=SET), its_reg(GITS_CTLR, 1, request=SET))

# A command queue in guest memory holding one command at offset 0: MAPC (opcode 0x09) with, in its third
# doubleword, V = 1, RDbase 0 (vCPU 0: GITS_TYPER.PTA is 0), ICID 0. The collection table starts with an invalid
# entry that is not 0, so that what a save writes there (collection 0's entry or the end marker 0) is seen.
QUEUE = 0x30000  # inside the slot (TABLES' ITT, unused here): vgic_sanitise_its_cbaser clears bits 15:12

NOT_VALID = 0x1234  # bit 63 clear: an invalid collection table entry

QUEUED_MAPC = {QUEUE: 0x09, QUEUE + 0x10: VALID, COLL_TABLE: NOT_VALID}

# The restore sequence up to GITS_CTLR with GITS_CWRITER restored one command ahead and GITS_CREADR not restored
# (0: the GITS_CBASER write reset it).
QUEUED = (*READY, CREATE_ITS, ITS_AT_BASE, guest_tables(QUEUED_MAPC), baser(GITS_BASER0, DEV_TABLE),
          baser(GITS_BASER1, COLL_TABLE), its_reg(GITS_CBASER, VALID | QUEUE, request=SET),
          its_reg(GITS_CWRITER, CREADR_OFFSET, request=SET))

def saved_collection(entry: int):
    """A check: an ITS_SAVE_TABLES afterwards writes `entry` at the collection table's start (CTE: collection 0 on
    vCPU 0, mapped by the queued MAPC; 0: the end marker of an empty table)."""
    return afterwards(ctrl(SAVE, device="its"), memory_holds({COLL_TABLE: entry}))

GITS_TRANSLATER = 0x10040  # in the ITS's second 64 KiB page: the doorbell an MSI writes

GICR_CTLR_ENABLE_LPIS = 1

def msi_devid_cap(on: str = "vm"):
    return step(f"KVM_CHECK_EXTENSION(KVM_CAP_MSI_DEVID) on the {on} fd",
                lambda s: s.ioctl(s.vm if on == "vm" else s.kvm, kvm.KVM_CHECK_EXTENSION, kvm.KVM_CAP_MSI_DEVID))

DOORBELL = ITS_BASE + GITS_TRANSLATER

RESTORED_ENABLED = (*RESTORED, its_reg(GITS_CBASER, CBASER, request=SET), its_reg(GITS_CTLR, 1, request=SET))

MSI_DOC = "api.rst 4.71 KVM_SIGNAL_MSI"

# "One or more VCPUS are running": vCPU 0 asleep in KVM_RUN (WFI) on a second thread of the agent.
RUNNING_ITS = (*READY, CREATE_ITS, ITS_AT_BASE, vcpu_busy())

CTRL_LOCKED = LOCKED_BY.format(fn="vgic-its.c vgic_its_ctrl")
