"""A vCPU fd's device attributes (devices/vcpu.rst: PMU, timer, PV time, x86 TSC) and the arm64 VM's SMCCC filter
(devices/vm.rst)."""

from __future__ import annotations

import struct

from abi import arm64, kvm, x86
from abi.spec.case import Scene, Step, Val
from abi.spec.steps.base import i32, scratch_u64, step
from abi.spec.steps.device import SET, device_attr
from abi.spec.steps.gic import R3, V2_CPU, V2_DIST, V3_DIST, V3_REDIST, VGIC_INIT, C, D, addr_attr
from abi.spec.steps.vcpu import arm64_init, one_reg
from abi.spec.steps.vm import HOST_VGIC, memory_region
from abi.target.base import Result

PMU_CTRL, TIMER_CTRL, PVTIME_CTRL = (arm64.KVM_ARM_VCPU_PMU_V3_CTRL, arm64.KVM_ARM_VCPU_TIMER_CTRL,
                                     arm64.KVM_ARM_VCPU_PVTIME_CTRL)

IRQ, PMU_INIT, FILTER, SET_PMU = (arm64.KVM_ARM_VCPU_PMU_V3_IRQ, arm64.KVM_ARM_VCPU_PMU_V3_INIT,
                              arm64.KVM_ARM_VCPU_PMU_V3_FILTER, arm64.KVM_ARM_VCPU_PMU_V3_SET_PMU)

VTIMER, PTIMER = arm64.KVM_ARM_VCPU_TIMER_IRQ_VTIMER, arm64.KVM_ARM_VCPU_TIMER_IRQ_PTIMER

PVTIME_IPA = arm64.KVM_ARM_VCPU_PVTIME_IPA

# Newer than Debian 6.1's UAPI headers: the model says since when (abi/arm64.py SINCE), the header check proves them.
SET_NR_COUNTERS = arm64.KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS

HVTIMER, HPTIMER = arm64.KVM_ARM_VCPU_TIMER_IRQ_HVTIMER, arm64.KVM_ARM_VCPU_TIMER_IRQ_HPTIMER

SMCCC_CTRL, SMCCC_FILTER = arm64.KVM_ARM_VM_SMCCC_CTRL, arm64.KVM_ARM_VM_SMCCC_FILTER

SMCCC_HANDLE, SMCCC_DENY, SMCCC_FWD_TO_USER = (arm64.KVM_SMCCC_FILTER_HANDLE, arm64.KVM_SMCCC_FILTER_DENY,
                                               arm64.KVM_SMCCC_FILTER_FWD_TO_USER)

TSC_CTRL, TSC_OFFSET = x86.KVM_VCPU_TSC_CTRL, x86.KVM_VCPU_TSC_OFFSET

NAMES = {
    (PMU_CTRL, IRQ): "PMU_V3_IRQ", (PMU_CTRL, PMU_INIT): "PMU_V3_INIT", (PMU_CTRL, FILTER): "PMU_V3_FILTER",
    (PMU_CTRL, SET_PMU): "PMU_V3_SET_PMU", (PMU_CTRL, SET_NR_COUNTERS): "PMU_V3_SET_NR_COUNTERS",
    (TIMER_CTRL, VTIMER): "TIMER_IRQ_VTIMER", (TIMER_CTRL, PTIMER): "TIMER_IRQ_PTIMER",
    (TIMER_CTRL, HVTIMER): "TIMER_IRQ_HVTIMER", (TIMER_CTRL, HPTIMER): "TIMER_IRQ_HPTIMER",
    (PVTIME_CTRL, PVTIME_IPA): "PVTIME_IPA",
}

DOC = "vcpu.rst"

VM_DOC = "vm.rst"

G_PMU, G_TIMER, G_PVTIME, G_TSC = ("KVM_ARM_VCPU_PMU_V3_CTRL", "KVM_ARM_VCPU_TIMER_CTRL", "KVM_ARM_VCPU_PVTIME_CTRL",
                                   "KVM_VCPU_TSC_CTRL")

A_IRQ, A_INIT, A_FILTER, A_SET_PMU, A_NR = ("KVM_ARM_VCPU_PMU_V3_IRQ", "KVM_ARM_VCPU_PMU_V3_INIT",
                                            "KVM_ARM_VCPU_PMU_V3_FILTER", "KVM_ARM_VCPU_PMU_V3_SET_PMU",
                                            "KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS")

A_VTIMER, A_PTIMER, A_HVTIMER, A_HPTIMER = (f"KVM_ARM_VCPU_TIMER_IRQ_{t}" for t in ("VTIMER", "PTIMER", "HVTIMER",
                                                                                  "HPTIMER"))

A_PVTIME, A_TSC = "KVM_ARM_VCPU_PVTIME_IPA", "KVM_VCPU_TSC_OFFSET"

G_SMCCC, A_SMCCC = "KVM_ARM_VM_SMCCC_CTRL", "KVM_ARM_VM_SMCCC_FILTER"

PMU_RST = "vcpu.rst 1. KVM_ARM_VCPU_PMU_V3_CTRL"

TIMER_RST = "vcpu.rst 2. KVM_ARM_VCPU_TIMER_CTRL"

PVTIME_RST = "vcpu.rst 3.1 KVM_ARM_VCPU_PVTIME_IPA"

TSC_RST = "vcpu.rst 4.1 KVM_VCPU_TSC_OFFSET"

SMCCC_RST = "vm.rst 6.1 KVM_ARM_VM_SMCCC_FILTER"

PMU_C = "pmu-emul.c: kvm_arm_pmu_v3_set_attr"

PMU_IRQ_PPI = 23  # QEMU virt's PMU interrupt: a PPI

SPI = 40

PMU_FEATURE = 1 << arm64.KVM_ARM_VCPU_PMU_V3

HAS_PMU = ((kvm.KVM_CAP_ARM_PMU_V3, "KVM_CAP_ARM_PMU_V3", True),)

NO_PMU = ((kvm.KVM_CAP_ARM_PMU_V3, "KVM_CAP_ARM_PMU_V3", False),)

HAS_STEAL = ((kvm.KVM_CAP_STEAL_TIME, "KVM_CAP_STEAL_TIME", True),)

HAS_VCPU_ATTRS = ((kvm.KVM_CAP_VCPU_ATTRIBUTES, "KVM_CAP_VCPU_ATTRIBUTES", True),)

def pmu_filter(base: int, nevents: int, action: int = arm64.KVM_PMU_EVENT_ALLOW) -> bytes:
    """struct kvm_pmu_event_filter (vcpu.rst 1.3)."""
    return struct.pack("<HHB3x", base, nevents, action)

def smccc_filter(base: int, nr: int, action: int = SMCCC_DENY, pad: bytes = bytes(15)) -> bytes:
    """struct kvm_smccc_filter (vm.rst 6.1): base, nr_functions, action, pad[15]."""
    return struct.pack("<IIB", base, nr, action) + pad

FILL = b"\xaa" * 8  # what a GET finds in its buffer before the kernel writes: a value the kernel never writes

def _pmu_type(s: Scene) -> int:
    """The perf type of a PMU that a PMU vCPU's SET_PMU accepts, found once per target (and per restart), on a VM
    of its own; none is an AssertionError, which the replay reports as a failed precondition."""
    key = getattr(s.target, "generation", 0)
    cached = getattr(s.target, "_vcpu_attrs_pmu_type", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    found, probe = -1, Scene(s.target).open()
    try:
        if PMU_VCPU(probe).ok:
            # PERF_TYPE_MAX and up: perf_pmu_register's dynamic types
            found = next((t for t in range(6, 256) if vcpu_attr(SET, PMU_CTRL, SET_PMU, i32(t))(probe).ok), -1)
    finally:
        probe.close()
    s.target._vcpu_attrs_pmu_type = (key, found)
    if found < 0:
        # Not a value to send: a case built on the host PMU's type has no precondition here (SetupFailed).
        raise AssertionError("no perf type 6-255 is accepted by KVM_ARM_VCPU_PMU_V3_SET_PMU on a PMU vCPU: this "
                             "host has no PMU that KVM can give a guest")
    return found

PMU_TYPE = Val("the host PMU's perf type", _pmu_type)

def vcpu_attr(request: str, group: int, attribute: int, data=None, *, vcpu: int = -1, **kw) -> Step:
    """A vCPU's attribute (device.device_attr on the last vCPU, or index `vcpu`): `data` bytes as they are, a Val as
    an int (i32); a GET's buffer holds FILL until the kernel writes."""
    # NAMES are arm64's; x86's groups and attributes reuse the same small numbers, so their steps pass `name`.
    kw.setdefault("name", NAMES.get((group, attribute), f"attr {attribute}"))
    return device_attr(request, group, attribute, data, on="vcpu", vcpu=vcpu, width=4, fill=FILL, **kw)

def tsc_attr(request: str, data=None, **kw) -> Step:
    return vcpu_attr(request, TSC_CTRL, TSC_OFFSET, data, name="TSC_OFFSET", **kw)

def pmu_set(attribute: int, data=None, **kw) -> Step:
    return vcpu_attr(SET, PMU_CTRL, attribute, data, **kw)

def timer_set(attribute: int, irq: int, **kw) -> Step:
    return vcpu_attr(SET, TIMER_CTRL, attribute, i32(irq), shown=f", {irq}", **kw)

PMU_VCPU = arm64_init(PMU_FEATURE, shown="PMU_V3")

# The host vGIC's frames at QEMU virt's addresses, by the device's version.
FRAMES = {kvm.KVM_DEV_TYPE_ARM_VGIC_V2: (addr_attr(V2_DIST, D), addr_attr(V2_CPU, C)),
          kvm.KVM_DEV_TYPE_ARM_VGIC_V3: (addr_attr(V3_DIST, D), addr_attr(V3_REDIST, R3))}

def _vgic_addrs(s: Scene) -> Result:
    got = Result(0)
    for frame in FRAMES[s.device_types[s.devices[-1]]]:
        got = frame(s)
        if not got.ok:
            return got
    return got

VGIC_ADDRS = step("SET_DEVICE_ATTR(KVM_DEV_ARM_VGIC_GRP_ADDR) of the vGIC's frames at QEMU virt's addresses",
                  _vgic_addrs)

def runnable(*vcpus: Step) -> tuple[Step, ...]:
    """A VM whose first KVM_RUN succeeds with the host's vGIC: the device, its frames, the vCPUs, then
    KVM_DEV_ARM_VGIC_CTRL_INIT (vgic_v2/v3_map_resources need the frames; no vCPU may be added after the init)."""
    return (HOST_VGIC, VGIC_ADDRS, *vcpus, VGIC_INIT)

PVTIME_MEMORY = memory_region(0, 0, 0x10000)  # guest memory for the stolen-time structure a PVTIME_IPA points into

def pmcr_n(expected: int):
    """A check: PMCR_EL0.N (bits 15:11), read with KVM_GET_ONE_REG, is `expected` (vcpu.rst 1.5: the attribute is
    the maximum value PMCR_EL0.N takes)."""
    reg = arm64.ARM64_SYS_REG(3, 3, 9, 12, 0)

    def check(s: Scene, got: Result) -> str | None:
        r = one_reg("KVM_GET_ONE_REG", reg, "PMCR_EL0")(s)
        if not r.ok:
            return f"KVM_GET_ONE_REG(PMCR_EL0) gave {r!r}"
        n = (scratch_u64(s) >> 11) & 0x1F
        return None if n == expected else f"PMCR_EL0.N is {n}, expected {expected}"

    return check

def written(size: int):
    """A check: the GET replaced FILL in its buffer."""
    def check(s: Scene, got: Result) -> str | None:
        return "the buffer still holds its fill bytes" if s.target.read(s.scratch(), size) == FILL[:size] else None

    return check

GOOD_FILTER = pmu_filter(0x8, 0x8)  # events [8, 16): inside even PMUv3.0's 10-bit event space

NOT_INIT_GIC = "GIC not initialized"

NR_CITE = f"{PMU_RST} 1.5 KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS"

NR_KERNELS = "6.16+"

SMCCC = f"{SMCCC_RST}"

SMCCC_C = "hypercalls.c: kvm_smccc_set_filter"

VENDOR_HYP = 0x86000000  # SMCCC fast call, owner 6 (standard hypervisor service calls), SMC32
