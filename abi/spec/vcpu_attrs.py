"""vCPU attributes (devices/vcpu.rst) and the arm64 VM attribute group (devices/vm.rst KVM_ARM_VM_SMCCC_CTRL):
KVM_{SET,GET,HAS}_DEVICE_ATTR on a vCPU fd or a VM fd, every documented errno and the implemented ones beside it.

Documentation: Documentation/virt/kvm/devices/vcpu.rst of Debian 6.1, 6.12 and 7.2 (1. KVM_ARM_VCPU_PMU_V3_CTRL,
2. KVM_ARM_VCPU_TIMER_CTRL, 3. KVM_ARM_VCPU_PVTIME_CTRL, 4. KVM_VCPU_TSC_CTRL) and devices/vm.rst of 6.12 and 7.2
(6. KVM_ARM_VM_SMCCC_CTRL). Implementation (Debian 6.1.192, 6.12.117, 7.2.13): arch/arm64/kvm/arm.c
(kvm_arch_vcpu_ioctl, kvm_arch_vm_ioctl, kvm_vm_set_attr, kvm_arch_vcpu_run_pid_change, kvm_setup_vcpu),
guest.c (kvm_arm_vcpu_arch_{set,get,has}_attr), pmu-emul.c (kvm_arm_pmu_v3_{set,get,has}_attr,
kvm_arm_pmu_v3_init, pmu_irq_is_valid, kvm_arm_pmu_v3_set_pmu, kvm_arm_pmu_v3_set_nr_counters,
kvm_arm_pmu_v3_enable), arch_timer.c (kvm_arm_timer_{set,get,has}_attr, timer_irqs_are_valid), pvtime.c
(kvm_arm_pvtime_{set,get,has}_attr), hypercalls.c (kvm_vm_smccc_set_attr, kvm_smccc_set_filter), vgic/vgic.c
(kvm_vgic_set_owner); arch/x86/kvm/x86.c (kvm_vcpu_ioctl_device_attr, kvm_arch_tsc_{set,get,has}_attr).
docs/research/vcpu_attrs.md has every row with its evidence and the version differences.

Without an in-kernel irqchip a vCPU runs (KVM_RUN with immediate_exit) on any of the three guest profiles, so the
"after a vCPU ran" PMU and SMCCC cases need no vGIC; the timer attributes need one (the device of the host's vGIC
with QEMU virt's frames, initialised: `runnable`).
The PMU identifier KVM_ARM_VCPU_PMU_V3_SET_PMU takes is the perf type of the host PMU, which the documentation
says to read from sysfs; the target interface cannot read files, so `PMU_TYPE` finds it by offering the dynamic
perf types (6 and up, perf_pmu_register's idr) to a throwaway vCPU's SET_PMU. Cases that pass the found type test
only what follows from the type (EBUSY orderings, read-back), and `set-pmu` asserts that a type exists.
"""

from __future__ import annotations

import struct
from errno import EBUSY, EEXIST, EFAULT, EINTR, EINVAL, ENODEV, ENOMEM, ENXIO

from abi import arm64, kvm, layout, x86
from abi.spec.case import (
    DOCUMENT_CONTRADICTS_ITSELF,
    SUCCEEDS,
    Case,
    Deviation,
    Scene,
    Step,
    Unreachable,
    Val,
)
from abi.spec.steps.base import BAD_POINTER, step
from abi.spec.steps.vm import HOST_VGIC, create_vcpu
from abi.target.base import Result

SET, GET, HAS = "KVM_SET_DEVICE_ATTR", "KVM_GET_DEVICE_ATTR", "KVM_HAS_DEVICE_ATTR"
REQUEST = {SET: kvm.KVM_SET_DEVICE_ATTR, GET: kvm.KVM_GET_DEVICE_ATTR, HAS: kvm.KVM_HAS_DEVICE_ATTR}

PMU_CTRL, TIMER_CTRL, PVTIME_CTRL = (arm64.KVM_ARM_VCPU_PMU_V3_CTRL, arm64.KVM_ARM_VCPU_TIMER_CTRL,
                                     arm64.KVM_ARM_VCPU_PVTIME_CTRL)
IRQ, INIT, FILTER, SET_PMU = (arm64.KVM_ARM_VCPU_PMU_V3_IRQ, arm64.KVM_ARM_VCPU_PMU_V3_INIT,
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
    (PMU_CTRL, IRQ): "PMU_V3_IRQ", (PMU_CTRL, INIT): "PMU_V3_INIT", (PMU_CTRL, FILTER): "PMU_V3_FILTER",
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
D, C = 0x08000000, 0x08010000  # QEMU virt's GICv2 frames
SLOT_SIZE = 0x10000

HAS_PMU = ((kvm.KVM_CAP_ARM_PMU_V3, "KVM_CAP_ARM_PMU_V3", True),)
NO_PMU = ((kvm.KVM_CAP_ARM_PMU_V3, "KVM_CAP_ARM_PMU_V3", False),)
HAS_STEAL = ((kvm.KVM_CAP_STEAL_TIME, "KVM_CAP_STEAL_TIME", True),)
HAS_VCPU_ATTRS = ((kvm.KVM_CAP_VCPU_ATTRIBUTES, "KVM_CAP_VCPU_ATTRIBUTES", True),)


# --- values -------------------------------------------------------------------------------------------

def i32(v: int) -> bytes:
    return struct.pack("<i", v)


def u32(v: int) -> bytes:
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v: int) -> bytes:
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


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
    t, found = s.target, -1
    vm = t.ioctl(s.kvm, kvm.KVM_CREATE_VM, 0).value()
    vcpu = -1
    try:
        vcpu = t.ioctl(vm, kvm.KVM_CREATE_VCPU, 0).value()
        init = t.ioctl(vm, t.abi.KVM_ARM_PREFERRED_TARGET, t.abi.kvm_vcpu_init()).struct(t.abi.kvm_vcpu_init)
        init.features[0] = PMU_FEATURE
        if t.ioctl(vcpu, t.abi.KVM_ARM_VCPU_INIT, init).ok:
            for perf_type in range(6, 256):  # PERF_TYPE_MAX and up: perf_pmu_register's dynamic types
                where = s.scratch(i32(perf_type))
                got = t.ioctl(vcpu, kvm.KVM_SET_DEVICE_ATTR,
                              kvm.kvm_device_attr(flags=0, group=PMU_CTRL, attr=SET_PMU, addr=where))
                if got.ok:
                    found = perf_type
                    break
    finally:
        if vcpu >= 0:
            t.close(vcpu)
        t.close(vm)
    t._vcpu_attrs_pmu_type = (key, found)
    if found < 0:
        # Not a value to send: a case built on the host PMU's type has no precondition here (SetupFailed).
        raise AssertionError("no perf type 6-255 is accepted by KVM_ARM_VCPU_PMU_V3_SET_PMU on a PMU vCPU: this "
                             "host has no PMU that KVM can give a guest")
    return found


PMU_TYPE = Val("the host PMU's perf type", _pmu_type)


# --- steps ---------------------------------------------------------------------------------------------

def tsc_attr(request: str, data=None, **kw) -> Step:
    return attr(request, TSC_CTRL, TSC_OFFSET, data, name="TSC_OFFSET", **kw)


def attr(request: str, group: int, attribute: int, data=None, *, pointer: Val | None = None, on: str = "vcpu",
         vcpu: int = -1, ok_errno: int = 0, shown: str = "", name: str = "") -> Step:
    """KVM_{SET,GET,HAS}_DEVICE_ATTR on a vCPU fd (the last one, or index `vcpu`) or the VM fd; attr.addr points at
    `data` (bytes, or a Val whose value is packed as an int) in target memory, at FILL for a GET, or at `pointer`."""
    # NAMES are arm64's; x86's groups and attributes reuse the same small numbers, so their steps pass `name`.
    name = name or (NAMES.get((group, attribute), f"attr {attribute}") if on == "vcpu" else f"attr {attribute}")
    what = shown or (f", {data}" if isinstance(data, Val) else f", {data.hex()}" if data else "")
    where = f", addr={pointer}" if pointer is not None else ""
    fd_name = "VM" if on == "vm" else ("vCPU" if vcpu == -1 else f"vCPU {vcpu}")

    def run(s: Scene) -> Result:
        fd = s.vm if on == "vm" else s.vcpus[vcpu]
        if pointer is not None:
            addr = pointer(s)
        else:
            payload = i32(data(s)) if isinstance(data, Val) else data if data is not None else FILL
            addr = s.scratch(payload)
        return s.ioctl(fd, REQUEST[request], kvm.kvm_device_attr(flags=0, group=group, attr=attribute, addr=addr))

    return step(f"{request[4:]}(group {group}, {name}{what}{where}) on the {fd_name} fd", run, ok_errno)


def attr_struct_at(request: str, on: str = "vcpu") -> Step:
    """The ioctl's own argument (struct kvm_device_attr) at an unreadable address."""
    return step(f"{request[4:]}(arg={BAD_POINTER}) on the {on} fd",
                lambda s: s.ioctl(s.vm if on == "vm" else s.vcpus[-1], REQUEST[request], BAD_POINTER(s)))


def pmu_set(attribute: int, data=None, **kw) -> Step:
    return attr(SET, PMU_CTRL, attribute, data, **kw)


def timer_set(attribute: int, irq: int, **kw) -> Step:
    return attr(SET, TIMER_CTRL, attribute, i32(irq), shown=f", {irq}", **kw)


def vcpu(features: int = 0) -> Step:
    """KVM_CREATE_VCPU (the next id) and KVM_ARM_VCPU_INIT with the preferred target and features[0]."""
    def run(s: Scene) -> Result:
        got = create_vcpu(len(s.vcpus))(s)
        if not got.ok:
            return got
        a = s.abi
        init = s.ioctl(s.vm, a.KVM_ARM_PREFERRED_TARGET, a.kvm_vcpu_init()).struct(a.kvm_vcpu_init)
        init.features[0] = features
        return s.ioctl(s.vcpus[-1], a.KVM_ARM_VCPU_INIT, init)

    what = "PMU_V3" if features == PMU_FEATURE else f"features[0]={features:#x}"
    return step(f"KVM_CREATE_VCPU + KVM_ARM_VCPU_INIT({what})", run)


PMU_VCPU = vcpu(PMU_FEATURE)
PLAIN_VCPU = vcpu(0)


def run_vcpu(index: int = 0, ok_errno: int = EINTR) -> Step:
    """KVM_RUN with immediate_exit set: it does the first-run work (kvm_arch_vcpu_run_pid_change: vGIC resources,
    timer and PMU enable, the VM's has-run flag) and returns EINTR before guest code (api.rst 4.10)."""
    def run(s: Scene) -> Result:
        fd = s.vcpus[index]
        size = s.ioctl(s.kvm, kvm.KVM_GET_VCPU_MMAP_SIZE, 0).value()
        addr = s.target.mmap(fd, size)
        s.maps.append((addr, size))
        s.target.write(addr + layout.offsetof(s.abi.kvm_run, "immediate_exit"), b"\x01")
        return s.ioctl(fd, kvm.KVM_RUN, 0)

    return step(f"KVM_RUN on vCPU {index} (immediate_exit=1)", run, ok_errno)


VGIC_DEVICE = HOST_VGIC
VGIC_INIT = step("SET_DEVICE_ATTR(KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT) on the vGIC",
                 lambda s: s.ioctl(s.devices[-1], kvm.KVM_SET_DEVICE_ATTR,
                                   kvm.kvm_device_attr(flags=0, group=arm64.KVM_DEV_ARM_VGIC_GRP_CTRL,
                                                       attr=arm64.KVM_DEV_ARM_VGIC_CTRL_INIT, addr=0)))
# QEMU virt's frames: GICv2 distributor and CPU interface, GICv3 distributor and redistributor region.
FRAMES = {kvm.KVM_DEV_TYPE_ARM_VGIC_V2: ((arm64.KVM_VGIC_V2_ADDR_TYPE_DIST, D), (arm64.KVM_VGIC_V2_ADDR_TYPE_CPU, C)),
          kvm.KVM_DEV_TYPE_ARM_VGIC_V3: ((arm64.KVM_VGIC_V3_ADDR_TYPE_DIST, D),
                                         (arm64.KVM_VGIC_V3_ADDR_TYPE_REDIST, 0x080A0000))}


def _vgic_addrs(s: Scene) -> Result:
    got = Result(0)
    for addr_type, addr in FRAMES[s.device_types[s.devices[-1]]]:
        got = s.ioctl(s.devices[-1], kvm.KVM_SET_DEVICE_ATTR,
                      kvm.kvm_device_attr(flags=0, group=arm64.KVM_DEV_ARM_VGIC_GRP_ADDR, attr=addr_type,
                                          addr=s.scratch(u64(addr))))
        if not got.ok:
            return got
    return got


VGIC_ADDRS = step("SET_DEVICE_ATTR(KVM_DEV_ARM_VGIC_GRP_ADDR) of the vGIC's frames at QEMU virt's addresses",
                  _vgic_addrs)


def runnable(*vcpus: Step) -> tuple[Step, ...]:
    """A VM whose first KVM_RUN succeeds with the host's vGIC: the device, its frames, the vCPUs, then
    KVM_DEV_ARM_VGIC_CTRL_INIT (vgic_v2/v3_map_resources need the frames; no vCPU may be added after the init)."""
    return (VGIC_DEVICE, VGIC_ADDRS, *vcpus, VGIC_INIT)


def memslot() -> Step:
    def run(s: Scene) -> Result:
        mem = s.target.alloc(SLOT_SIZE)
        region = kvm.kvm_userspace_memory_region(slot=0, flags=0, guest_phys_addr=0, memory_size=SLOT_SIZE,
                                                 userspace_addr=mem)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, region)

    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {SLOT_SIZE:#x} bytes)", run)


MEMSLOT = memslot()


def pmcr_n(expected: int):
    """A check: PMCR_EL0.N (bits 15:11), read with KVM_GET_ONE_REG, is `expected` (vcpu.rst 1.5: the attribute is
    the maximum value PMCR_EL0.N takes)."""
    reg = arm64.ARM64_SYS_REG(3, 3, 9, 12, 0)

    def check(s: Scene, got: Result) -> str | None:
        buf = s.target.alloc(8)
        s.target.write(buf, bytes(8))
        r = s.target.ioctl(s.vcpus[-1], kvm.KVM_GET_ONE_REG, kvm.kvm_one_reg(id=reg, addr=buf))
        if not r.ok:
            return f"KVM_GET_ONE_REG(PMCR_EL0) gave {r!r}"
        n = (struct.unpack("<Q", s.target.read(buf, 8))[0] >> 11) & 0x1F
        return None if n == expected else f"PMCR_EL0.N is {n}, expected {expected}"

    return check


def reads(expected: int, size: int = 4):
    """A check: the GET wrote `expected` (an int, or a u64 for size 8) to attr.addr."""
    def check(s: Scene, got: Result) -> str | None:
        raw = s.target.read(s.scratch(), size)
        value = struct.unpack("<i" if size == 4 else "<Q", raw)[0]
        return None if value == expected else f"read back {value:#x}, expected {expected:#x}"

    return check


def written(size: int):
    """A check: the GET replaced FILL in its buffer."""
    def check(s: Scene, got: Result) -> str | None:
        return "the buffer still holds its fill bytes" if s.target.read(s.scratch(), size) == FILL[:size] else None

    return check


# --- cases ---------------------------------------------------------------------------------------------













GOOD_FILTER = pmu_filter(0x8, 0x8)  # events [8, 16): inside even PMUv3.0's 10-bit event space
NOT_INIT_GIC = "GIC not initialized"

PMU_CASES: list[Case] = [
    # --- 1.1 KVM_ARM_VCPU_PMU_V3_IRQ ----------------------------------------------------------------------
    Case(id="pmu-irq-set-ppi", ioctl=SET, condition="PPI 23 with an in-kernel vGIC", arch=("arm64",),
         features=("irqchip",), call=pmu_set(IRQ, i32(PMU_IRQ_PPI)), errno=0,
         cite=f"{PMU_RST} 1.1: the overflow interrupt may be a PPI", setup=(VGIC_DEVICE, PMU_VCPU), device_doc=DOC,
         group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-get", ioctl=GET, condition="after setting PPI 23", arch=("arm64",), features=("irqchip",),
         call=attr(GET, PMU_CTRL, IRQ), errno=0, cite=f"{PMU_RST} 1.1: the attribute holds the overflow interrupt",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI))), check=reads(PMU_IRQ_PPI), device_doc=DOC,
         group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-set-spi", ioctl=SET, condition="SPI 40 with an in-kernel vGIC", arch=("arm64",),
         features=("irqchip",), call=pmu_set(IRQ, i32(SPI)), errno=0,
         cite=f"{PMU_RST} 1.1: the overflow interrupt may be an SPI", setup=(VGIC_DEVICE, PMU_VCPU), device_doc=DOC,
         group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-twice", ioctl=SET, condition="the same PPI again", arch=("arm64",), features=("irqchip",),
         call=pmu_set(IRQ, i32(PMU_IRQ_PPI)), errno=EBUSY,
         cite=f"{PMU_RST} 1.1 Returns: -EBUSY the overflow interrupt is already set",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI))), device_doc=DOC, group=G_PMU, attr=A_IRQ,
         needs=HAS_PMU),
    Case(id="pmu-irq-twice-other-ppi", ioctl=SET,
         condition="another PPI when one is set: the consistency test comes first", arch=("arm64",),
         features=("irqchip",), call=pmu_set(IRQ, i32(22)), errno=EINVAL,
         cite="pmu-emul.c: pmu_irq_is_valid compares a PPI with every vCPU's, this one included, before the "
        "already-set test (vcpu.rst names both EBUSY and EINVAL for it)", basis="code",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI))), device_doc=DOC, group=G_PMU, attr=A_IRQ,
         needs=HAS_PMU),
    Case(id="pmu-irq-bad-pointer", ioctl=SET, condition="attr.addr unreadable", arch=("arm64",), features=("irqchip",),
         call=pmu_set(IRQ, pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{PMU_RST} 1.1 Returns: -EFAULT error reading interrupt number", setup=(VGIC_DEVICE, PMU_VCPU),
         device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-get-bad-pointer", ioctl=GET, condition="attr.addr unwritable", arch=("arm64",),
         features=("irqchip",), call=attr(GET, PMU_CTRL, IRQ, pointer=BAD_POINTER), errno=EFAULT,
         cite="pmu-emul.c: kvm_arm_pmu_v3_get_attr, put_user", basis="code",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI))), device_doc=DOC, group=G_PMU, attr=A_IRQ,
         needs=HAS_PMU),
    Case(id="pmu-irq-get-unset", ioctl=GET, condition="no overflow interrupt set yet", arch=("arm64",),
         features=("irqchip",), call=attr(GET, PMU_CTRL, IRQ), errno=ENXIO,
         cite=f"{PMU_RST} 1.1 Returns: -ENXIO the overflow interrupt not set when attempting to get it",
         setup=(VGIC_DEVICE, PMU_VCPU), device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-has-no-pmu-host", ioctl=HAS,
         condition="on a host without PMUv3 (the vCPU cannot have the feature)", arch=("arm64",),
         call=attr(HAS, PMU_CTRL, IRQ), errno=ENXIO, cite=f"{PMU_RST} 1.1 Returns: -ENXIO PMUv3 not supported",
         setup=(PLAIN_VCPU,), device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=NO_PMU),
    Case(id="pmu-irq-set-no-feature", ioctl=SET, condition="vCPU initialised without KVM_ARM_VCPU_PMU_V3",
         arch=("arm64",), features=("irqchip",), call=pmu_set(IRQ, i32(PMU_IRQ_PPI)), errno=ENODEV,
         cite=f"{PMU_RST} 1.1 Returns: -ENODEV KVM_ARM_VCPU_PMU_V3 feature missing from VCPU",
         setup=(VGIC_DEVICE, PLAIN_VCPU), device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=()),
    Case(id="pmu-irq-get-no-feature", ioctl=GET, condition="vCPU without the PMU feature, with a vGIC", arch=("arm64",),
         features=("irqchip",), call=attr(GET, PMU_CTRL, IRQ), errno=ENODEV,
         cite=f"{PMU_RST} 1.1 Returns: -ENODEV feature missing from VCPU", setup=(VGIC_DEVICE, PLAIN_VCPU),
         device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=()),
    Case(id="pmu-irq-has-no-feature", ioctl=HAS, condition="vCPU without the PMU feature", arch=("arm64",),
         call=attr(HAS, PMU_CTRL, IRQ), errno=ENXIO,
         cite="pmu-emul.c: kvm_arm_pmu_v3_has_attr answers ENXIO, HAS_DEVICE_ATTR's 'not supported' (api.rst 4.81)",
         basis="code", setup=(PLAIN_VCPU,), device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=()),
    Case(id="pmu-irq-sgi", ioctl=SET, condition="interrupt 8 (an SGI)", arch=("arm64",), features=("irqchip",),
         call=pmu_set(IRQ, i32(8)), errno=EINVAL,
         cite=f"{PMU_RST} 1.1 Returns: -EINVAL invalid PMU overflow interrupt number", setup=(VGIC_DEVICE, PMU_VCPU),
         device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-beyond-spis", ioctl=SET, condition="interrupt 1020 (past the last SPI)", arch=("arm64",),
         features=("irqchip",), call=pmu_set(IRQ, i32(1020)), errno=EINVAL,
         cite=f"{PMU_RST} 1.1 Returns: -EINVAL invalid number", setup=(VGIC_DEVICE, PMU_VCPU), device_doc=DOC,
         group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-no-irqchip", ioctl=SET, condition="no in-kernel irqchip", arch=("arm64",),
         call=pmu_set(IRQ, i32(PMU_IRQ_PPI)), errno=EINVAL,
         cite=f"{PMU_RST} 1.1 Returns: -EINVAL setting the IRQ number without an in-kernel irqchip", setup=(PMU_VCPU,),
         device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-get-no-irqchip", ioctl=GET, condition="no in-kernel irqchip", arch=("arm64",),
         call=attr(GET, PMU_CTRL, IRQ), errno=EINVAL,
         cite="pmu-emul.c: kvm_arm_pmu_v3_get_attr tests irqchip_in_kernel first", basis="code", setup=(PMU_VCPU,),
         device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-ppi-differs", ioctl=SET, condition="vCPU 1 a PPI other than vCPU 0's", arch=("arm64",),
         features=("irqchip",), call=pmu_set(IRQ, i32(22)), errno=EINVAL,
         cite=f"{PMU_RST} 1.1: as a PPI the number is the same for all vCPUs; -EINVAL invalid number",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)), PMU_VCPU), device_doc=DOC, group=G_PMU,
         attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-ppi-same", ioctl=SET, condition="vCPU 1 the same PPI as vCPU 0", arch=("arm64",),
         features=("irqchip",), call=pmu_set(IRQ, i32(PMU_IRQ_PPI)), errno=0,
         cite=f"{PMU_RST} 1.1: as a PPI the number is the same for all vCPUs",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)), PMU_VCPU), device_doc=DOC, group=G_PMU,
         attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-spi-shared", ioctl=SET, condition="vCPU 1 the SPI vCPU 0 has", arch=("arm64",),
         features=("irqchip",), call=pmu_set(IRQ, i32(SPI)), errno=EINVAL,
         cite=f"{PMU_RST} 1.1: as an SPI it must be a separate number per vCPU; -EINVAL invalid number",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(SPI)), PMU_VCPU), device_doc=DOC, group=G_PMU, attr=A_IRQ,
         needs=HAS_PMU),
    Case(id="pmu-irq-ppi-after-spi", ioctl=SET, condition="vCPU 1 a PPI when vCPU 0 has an SPI", arch=("arm64",),
         features=("irqchip",), call=pmu_set(IRQ, i32(PMU_IRQ_PPI)), errno=EINVAL,
         cite=f"{PMU_RST} 1.1: the interrupt type must be the same for each vCPU; -EINVAL",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(SPI)), PMU_VCPU), device_doc=DOC, group=G_PMU, attr=A_IRQ,
         needs=HAS_PMU),
    # 1.1's "the same type for each vCPU" is addressed to userspace; its EINVAL row is for an invalid number.
    Case(id="pmu-irq-spi-after-ppi", ioctl=SET, condition="vCPU 1 an SPI when vCPU 0 has a PPI", arch=("arm64",),
         features=("irqchip",), call=pmu_set(IRQ, i32(SPI)), errno=0,
         cite=f"{PMU_C}: pmu_irq_is_valid only compares an SPI with the other vCPUs' numbers for equality",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)), PMU_VCPU), basis="code", device_doc=DOC,
         group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-irq-after-init", ioctl=SET, condition="after KVM_ARM_VCPU_PMU_V3_INIT", arch=("arm64",),
         features=("irqchip",), call=pmu_set(IRQ, i32(PMU_IRQ_PPI)), errno=EBUSY,
         cite=f"{PMU_C}: vcpu->arch.pmu.created -> EBUSY for every attribute (1.1 documents EBUSY when already set)",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)), VGIC_INIT,
                                   pmu_set(INIT)), device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-has-unknown-attr", ioctl=HAS, condition="attribute 5 of the PMU group", arch=("arm64",),
         call=attr(HAS, PMU_CTRL, 5), errno=ENXIO, cite="pmu-emul.c: kvm_arm_pmu_v3_has_attr default", basis="code",
         setup=(PMU_VCPU,), device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-set-unknown-attr", ioctl=SET, condition="attribute 5 of the PMU group", arch=("arm64",),
         call=pmu_set(5), errno=ENXIO, cite=f"{PMU_C}: the switch's default", basis="code", setup=(PMU_VCPU,),
         device_doc=DOC, group=G_PMU, attr=A_IRQ, needs=HAS_PMU),
    Case(id="pmu-get-init", ioctl=GET, condition="KVM_ARM_VCPU_PMU_V3_INIT (nothing to read)", arch=("arm64",),
         call=attr(GET, PMU_CTRL, INIT), errno=ENXIO, cite="pmu-emul.c: kvm_arm_pmu_v3_get_attr knows only the IRQ",
         basis="code", setup=(PMU_VCPU,), device_doc=DOC, group=G_PMU, attr=A_INIT, needs=HAS_PMU),
    *(Case(id=f"pmu-has-{NAMES[PMU_CTRL, a][7:].lower().replace('_', '-')}", ioctl=HAS, condition="on a PMU vCPU",
           arch=("arm64",), call=attr(HAS, PMU_CTRL, a), errno=0, cite="pmu-emul.c: kvm_arm_pmu_v3_has_attr",
           basis="code", setup=(PMU_VCPU,), device_doc=DOC, group=G_PMU, attr=name,
           needs=HAS_PMU) for a, name in ((IRQ, A_IRQ), (INIT, A_INIT), (FILTER, A_FILTER), (SET_PMU, A_SET_PMU))),

    # --- 1.2 KVM_ARM_VCPU_PMU_V3_INIT ---------------------------------------------------------------------
    Case(id="pmu-init-no-irqchip", ioctl=SET, condition="without an in-kernel irqchip", arch=("arm64",),
         call=pmu_set(INIT), errno=0,
         cite=f"{PMU_RST} 1.2: only with an in-kernel vGIC must the irqchip be initialised first", setup=(PMU_VCPU,),
         device_doc=DOC, group=G_PMU, attr=A_INIT, needs=HAS_PMU),
    Case(id="pmu-init-vgic", ioctl=SET, condition="PPI set, vGIC initialised (KVM_DEV_ARM_VGIC_CTRL_INIT)",
         arch=("arm64",), features=("irqchip",), call=pmu_set(INIT), errno=0,
         cite=f"{PMU_RST} 1.2: after initializing the in-kernel irqchip",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)), VGIC_INIT), device_doc=DOC, group=G_PMU,
         attr=A_INIT, needs=HAS_PMU),
    Case(id="pmu-init-gic-not-initialized", ioctl=SET, condition="PPI set, vGIC created but not initialised",
         arch=("arm64",), features=("irqchip",), call=pmu_set(INIT), errno=ENODEV,
         cite=f"{PMU_RST} 1.2 Returns: -ENODEV GIC not initialized",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI))), order_row=1, device_doc=DOC, group=G_PMU,
         attr=A_INIT, needs=HAS_PMU),
    Case(id="pmu-init-irq-unset", ioctl=SET, condition="vGIC initialised, no overflow interrupt set", arch=("arm64",),
         features=("irqchip",), call=pmu_set(INIT), errno=ENXIO,
         cite=f"{PMU_RST} 1.2 Returns: -ENXIO interrupt number not set", setup=(VGIC_DEVICE, PMU_VCPU, VGIC_INIT),
         device_doc=DOC, group=G_PMU, attr=A_INIT, needs=HAS_PMU),
    Case(id="pmu-init-no-feature", ioctl=SET, condition="vCPU without KVM_ARM_VCPU_PMU_V3", arch=("arm64",),
         call=pmu_set(INIT), errno=ENXIO, cite=f"{PMU_RST} 1.2 Returns: -ENXIO missing VCPU feature",
         setup=(PLAIN_VCPU,),
         deviation=Deviation("vcpu.rst 1.2 gives -ENXIO for a missing vCPU feature and -ENODEV for 'PMUv3 not "
                            "supported': both describe this vCPU; pmu-emul.c kvm_arm_pmu_v3_set_attr answers every "
                            "attribute of a vCPU without the feature with -ENODEV first", ENODEV,
                            kind=DOCUMENT_CONTRADICTS_ITSELF), device_doc=DOC, group=G_PMU, attr=A_INIT, needs=()),
    Case(id="pmu-init-twice", ioctl=SET, condition="a second time", arch=("arm64",), call=pmu_set(INIT), errno=EBUSY,
         cite=f"{PMU_RST} 1.2 Returns: -EBUSY PMUv3 already initialized", setup=(PMU_VCPU, pmu_set(INIT)),
         device_doc=DOC, group=G_PMU, attr=A_INIT, needs=HAS_PMU),
    Case(id="pmu-init-irq-owned", ioctl=SET,
         condition="the interrupt is the vCPU's virtual timer PPI (27), claimed by a first KVM_RUN", arch=("arm64",),
         features=("irqchip",), call=pmu_set(INIT), errno=EEXIST,
         cite=f"{PMU_RST} 1.2 Returns: -EEXIST interrupt number already used",
         setup=(*runnable(PMU_VCPU), run_vcpu(0, ok_errno=EINVAL), pmu_set(IRQ, i32(27))), device_doc=DOC, group=G_PMU,
         attr=A_INIT, needs=HAS_PMU),
    Case(id="pmu-run-before-init", ioctl="KVM_RUN", condition="a PMU vCPU before KVM_ARM_VCPU_PMU_V3_INIT",
         arch=("arm64",), features=("irqchip",), call=run_vcpu(0), errno=EINVAL,
         cite="pmu-emul.c: kvm_arm_pmu_v3_enable (!pmu.created); the first run claims the timer PPIs before it "
        "(arm.c kvm_arch_vcpu_run_pid_change), which pmu-init-irq-owned uses", basis="code",
         setup=(*runnable(PMU_VCPU),), device_doc=DOC, group=G_PMU, attr=A_INIT, needs=HAS_PMU),
    Case(id="pmu-init-spi-beyond-vgic", ioctl=SET,
         condition="SPI 1000: a valid SPI number the vGIC (224 SPIs) does not have", arch=("arm64",),
         features=("irqchip",), call=pmu_set(INIT), errno=EINVAL,
         cite="vgic.c: kvm_vgic_set_owner, vgic_valid_spi (not among 1.2's errors)", basis="code",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(1000)), VGIC_INIT), device_doc=DOC, group=G_PMU, attr=A_INIT,
         needs=HAS_PMU),

    # --- 1.3 KVM_ARM_VCPU_PMU_V3_FILTER -------------------------------------------------------------------
    Case(id="pmu-filter", ioctl=SET, condition="allow events [8, 16)", arch=("arm64",),
         call=pmu_set(FILTER, GOOD_FILTER), errno=0, cite=f"{PMU_RST} 1.3", setup=(PMU_VCPU,), device_doc=DOC,
         group=G_PMU, attr=A_FILTER, needs=HAS_PMU),
    Case(id="pmu-filter-deny-then-allow", ioctl=SET, condition="a second range of the other action", arch=("arm64",),
         call=pmu_set(FILTER, pmu_filter(
        0x20, 4, arm64.KVM_PMU_EVENT_DENY)), errno=0, cite=f"{PMU_RST} 1.3: multiple ranges can be programmed",
         setup=(PMU_VCPU, pmu_set(FILTER, GOOD_FILTER)), device_doc=DOC, group=G_PMU, attr=A_FILTER, needs=HAS_PMU),
    Case(id="pmu-filter-range-beyond", ioctl=SET, condition="base 0xffff, 2 events: past the 16-bit event space",
         arch=("arm64",), call=pmu_set(
        FILTER, pmu_filter(0xFFFF, 2)), errno=EINVAL, cite=f"{PMU_RST} 1.3 Returns: -EINVAL invalid filter range",
         setup=(PMU_VCPU,), device_doc=DOC, group=G_PMU, attr=A_FILTER, needs=HAS_PMU),
    Case(id="pmu-filter-bad-action", ioctl=SET, condition="action 2", arch=("arm64",),
         call=pmu_set(FILTER, pmu_filter(0, 1, 2)), errno=EINVAL, cite=f"{PMU_C}: the action is neither ALLOW nor DENY",
         basis="code", setup=(PMU_VCPU,), device_doc=DOC, group=G_PMU, attr=A_FILTER, needs=HAS_PMU),
    Case(id="pmu-filter-bad-pointer", ioctl=SET, condition="attr.addr unreadable", arch=("arm64",),
         call=pmu_set(FILTER, pointer=BAD_POINTER), errno=EFAULT, cite=f"{PMU_C}: copy_from_user (1.3 names no EFAULT)",
         basis="code", setup=(PMU_VCPU,), device_doc=DOC, group=G_PMU, attr=A_FILTER, needs=HAS_PMU),
    Case(id="pmu-filter-no-feature", ioctl=SET, condition="vCPU without KVM_ARM_VCPU_PMU_V3 (no PMUv3 for it)",
         arch=("arm64",), call=pmu_set(FILTER, GOOD_FILTER), errno=ENODEV,
         cite=f"{PMU_RST} 1.3 Returns: -ENODEV PMUv3 not supported", setup=(PLAIN_VCPU,), device_doc=DOC, group=G_PMU,
         attr=A_FILTER, needs=()),
    Case(id="pmu-filter-gic-not-initialized", ioctl=SET, condition="vGIC created, not initialised", arch=("arm64",),
         features=("irqchip",), call=pmu_set(FILTER, GOOD_FILTER), errno=ENODEV,
         cite=f"{PMU_RST} 1.3 Returns: -ENODEV {NOT_INIT_GIC}", setup=(VGIC_DEVICE, PMU_VCPU),
         deviation=Deviation("vcpu.rst 1.3 gives -ENODEV when the GIC is not initialized; pmu-emul.c "
                            "kvm_arm_pmu_v3_set_attr tests the vGIC only for KVM_ARM_VCPU_PMU_V3_INIT and installs "
                            "the filter", SUCCEEDS), device_doc=DOC, group=G_PMU, attr=A_FILTER, needs=HAS_PMU),
    Case(id="pmu-filter-has-no-feature", ioctl=HAS, condition="vCPU without KVM_ARM_VCPU_PMU_V3 (PMUv3 not configured)",
         arch=("arm64",), call=attr(HAS, PMU_CTRL, FILTER), errno=ENXIO,
         cite=f"{PMU_RST} 1.3 Returns: -ENXIO PMUv3 not properly configured", setup=(PLAIN_VCPU,), device_doc=DOC,
         group=G_PMU, attr=A_FILTER, needs=()),
    Case(id="pmu-filter-after-init", ioctl=SET, condition="after KVM_ARM_VCPU_PMU_V3_INIT", arch=("arm64",),
         call=pmu_set(FILTER, GOOD_FILTER), errno=EBUSY,
         cite=f"{PMU_RST} 1.3 Returns: -EBUSY PMUv3 already initialized", setup=(PMU_VCPU, pmu_set(INIT)),
         device_doc=DOC, group=G_PMU, attr=A_FILTER, needs=HAS_PMU),
    Case(id="pmu-filter-after-run", ioctl=SET, condition="on vCPU 1 after vCPU 0 ran", arch=("arm64",),
         call=pmu_set(FILTER, GOOD_FILTER), errno=EBUSY, cite=f"{PMU_RST} 1.3 Returns: -EBUSY a VCPU has already run",
         setup=(PMU_VCPU, PMU_VCPU, pmu_set(INIT, vcpu=0), run_vcpu(0)), device_doc=DOC, group=G_PMU, attr=A_FILTER,
         needs=HAS_PMU),

    # --- 1.4 KVM_ARM_VCPU_PMU_V3_SET_PMU ------------------------------------------------------------------
    Case(id="set-pmu", ioctl=SET, condition="the host PMU's perf type", arch=("arm64",),
         call=pmu_set(SET_PMU, PMU_TYPE), errno=0,
         cite=f"{PMU_RST} 1.4: the PMU identifier is the perf 'type' of a host PMU", setup=(PMU_VCPU,), device_doc=DOC,
         group=G_PMU, attr=A_SET_PMU, needs=HAS_PMU),
    Case(id="set-pmu-unknown", ioctl=SET, condition="perf type 0 (PERF_TYPE_HARDWARE, never a PMU instance's)",
         arch=("arm64",), call=pmu_set(SET_PMU, i32(0)), errno=ENXIO,
         cite=f"{PMU_RST} 1.4 Returns: -ENXIO PMU not found", setup=(PMU_VCPU,), device_doc=DOC, group=G_PMU,
         attr=A_SET_PMU, needs=HAS_PMU),
    Case(id="set-pmu-bad-pointer", ioctl=SET, condition="attr.addr unreadable", arch=("arm64",),
         call=pmu_set(SET_PMU, pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{PMU_RST} 1.4 Returns: -EFAULT error accessing the PMU identifier", setup=(PMU_VCPU,), device_doc=DOC,
         group=G_PMU, attr=A_SET_PMU, needs=HAS_PMU),
    Case(id="set-pmu-no-feature", ioctl=SET, condition="vCPU without KVM_ARM_VCPU_PMU_V3 (no PMUv3 for it)",
         arch=("arm64",), call=pmu_set(SET_PMU, i32(6)), errno=ENODEV,
         cite=f"{PMU_RST} 1.4 Returns: -ENODEV PMUv3 not supported", setup=(PLAIN_VCPU,), device_doc=DOC, group=G_PMU,
         attr=A_SET_PMU, needs=()),
    Case(id="set-pmu-gic-not-initialized", ioctl=SET, condition="vGIC created, not initialised", arch=("arm64",),
         features=("irqchip",), call=pmu_set(SET_PMU, PMU_TYPE), errno=ENODEV,
         cite=f"{PMU_RST} 1.4 Returns: -ENODEV {NOT_INIT_GIC}", setup=(VGIC_DEVICE, PMU_VCPU),
         deviation=Deviation("vcpu.rst 1.4 gives -ENODEV when the GIC is not initialized; pmu-emul.c "
                            "kvm_arm_pmu_v3_set_pmu never looks at the vGIC and selects the PMU", SUCCEEDS),
         device_doc=DOC, group=G_PMU, attr=A_SET_PMU, needs=HAS_PMU),
    Case(id="set-pmu-after-init", ioctl=SET, condition="after KVM_ARM_VCPU_PMU_V3_INIT", arch=("arm64",),
         call=pmu_set(SET_PMU, PMU_TYPE), errno=EBUSY, cite=f"{PMU_RST} 1.4 Returns: -EBUSY PMUv3 already initialized",
         setup=(PMU_VCPU, pmu_set(INIT)), device_doc=DOC, group=G_PMU, attr=A_SET_PMU, needs=HAS_PMU),
    Case(id="set-pmu-after-run", ioctl=SET, condition="on vCPU 1 after vCPU 0 ran", arch=("arm64",),
         call=pmu_set(SET_PMU, PMU_TYPE), errno=EBUSY, cite=f"{PMU_RST} 1.4 Returns: -EBUSY a VCPU has already run",
         setup=(PMU_VCPU, PMU_VCPU, pmu_set(INIT, vcpu=0), run_vcpu(0)), device_doc=DOC, group=G_PMU, attr=A_SET_PMU,
         needs=HAS_PMU),
    Case(id="set-pmu-after-filter", ioctl=SET, condition="the host's only PMU after an event filter", arch=("arm64",),
         call=pmu_set(SET_PMU, PMU_TYPE), errno=EBUSY,
         cite=f"{PMU_RST} 1.4 Returns: -EBUSY an event filter has already been set; 'It isn't possible to set a PMU if "
        "a PMU event filter is already present'", setup=(PMU_VCPU, pmu_set(FILTER, GOOD_FILTER)), order_row=1,
         deviation=Deviation("vcpu.rst 1.4 refuses any PMU once an event filter is present (-EBUSY); pmu-emul.c "
                            "kvm_arm_pmu_v3_set_pmu refuses only a PMU other than the VM's current one, and the "
                            "filter already made the host's only PMU the current one", SUCCEEDS), device_doc=DOC,
         group=G_PMU, attr=A_SET_PMU, needs=HAS_PMU),
]

NR_CITE = f"{PMU_RST} 1.5 KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS"
NR_KERNELS = "6.16+"
NR_CASES: list[Case] = [
    Case(id="set-nr-counters", ioctl=SET, condition="N = 1 after SET_PMU", arch=("arm64",),
         call=pmu_set(SET_NR_COUNTERS, u32(1)), errno=0, cite=f"{NR_CITE}: the maximum value PMCR_EL0.N takes",
         setup=(PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE)), check=pmcr_n(1), device_doc=DOC, group=G_PMU, attr=A_NR,
         kernels=NR_KERNELS, needs=HAS_PMU),
    Case(id="set-nr-counters-out-of-range", ioctl=SET, condition="N = 32 (PMUv3 has at most 31 event counters)",
         arch=("arm64",), call=pmu_set(SET_NR_COUNTERS, u32(32)), errno=EINVAL,
         cite=f"{NR_CITE} Returns: -EINVAL value of N out of range", setup=(PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE)),
         device_doc=DOC, group=G_PMU, attr=A_NR, kernels=NR_KERNELS, needs=HAS_PMU),
    Case(id="set-nr-counters-no-pmu-selected", ioctl=SET, condition="no SET_PMU before", arch=("arm64",),
         call=pmu_set(SET_NR_COUNTERS, u32(1)), errno=EINVAL,
         cite=f"{NR_CITE} Returns: -EINVAL no PMUv3 explicitly selected", setup=(PMU_VCPU,), order_row=1,
         deviation=Deviation("vcpu.rst 1.5 fails the attribute when no PMU was explicitly selected (-EINVAL); arm.c "
                            "kvm_setup_vcpu already gave the VM the default PMU at KVM_ARM_VCPU_INIT, so "
                            "pmu-emul.c kvm_arm_pmu_v3_set_nr_counters finds one and accepts N", SUCCEEDS),
         device_doc=DOC, group=G_PMU, attr=A_NR, kernels=NR_KERNELS, needs=HAS_PMU),
    Case(id="set-nr-counters-default-pmu", ioctl=SET, condition="no SET_PMU before: what the kernel does",
         arch=("arm64",), call=pmu_set(SET_NR_COUNTERS, u32(1)), errno=0,
         cite="arm.c: kvm_setup_vcpu -> kvm_arm_set_default_pmu", basis="code", setup=(PMU_VCPU,), device_doc=DOC,
         group=G_PMU, attr=A_NR, kernels=NR_KERNELS, needs=HAS_PMU),
    Case(id="set-nr-counters-bad-pointer", ioctl=SET, condition="attr.addr unreadable", arch=("arm64",),
         call=pmu_set(SET_NR_COUNTERS, pointer=BAD_POINTER), errno=EFAULT, cite=f"{NR_CITE} Returns: -EFAULT",
         setup=(PMU_VCPU,), device_doc=DOC, group=G_PMU, attr=A_NR, kernels=NR_KERNELS, needs=HAS_PMU),
    Case(id="set-nr-counters-no-feature", ioctl=SET, condition="vCPU without KVM_ARM_VCPU_PMU_V3", arch=("arm64",),
         call=pmu_set(SET_NR_COUNTERS, u32(1)), errno=ENODEV, cite=f"{NR_CITE} Returns: -ENODEV PMUv3 not supported",
         setup=(PLAIN_VCPU,), device_doc=DOC, group=G_PMU, attr=A_NR, kernels=NR_KERNELS, needs=()),
    Case(id="set-nr-counters-gic-not-initialized", ioctl=SET, condition="vGIC created, not initialised",
         arch=("arm64",), features=("irqchip",), call=pmu_set(
        SET_NR_COUNTERS, u32(1)), errno=ENODEV, cite=f"{NR_CITE} Returns: -ENODEV {NOT_INIT_GIC}",
         setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE)),
         deviation=Deviation("vcpu.rst 1.5 gives -ENODEV when the GIC is not initialized; pmu-emul.c "
                            "kvm_arm_pmu_v3_set_nr_counters never looks at the vGIC", SUCCEEDS), device_doc=DOC,
         group=G_PMU, attr=A_NR, kernels=NR_KERNELS, needs=HAS_PMU),
    Case(id="set-nr-counters-after-init", ioctl=SET, condition="after KVM_ARM_VCPU_PMU_V3_INIT", arch=("arm64",),
         call=pmu_set(SET_NR_COUNTERS, u32(1)), errno=EBUSY,
         cite=f"{NR_CITE} Returns: -EBUSY PMUv3 already initialized",
         setup=(PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE), pmu_set(INIT)), device_doc=DOC, group=G_PMU, attr=A_NR,
         kernels=NR_KERNELS, needs=HAS_PMU),
    Case(id="set-nr-counters-after-run", ioctl=SET, condition="on vCPU 1 after vCPU 0 ran", arch=("arm64",),
         call=pmu_set(SET_NR_COUNTERS, u32(1)), errno=EBUSY, cite=f"{NR_CITE} Returns: -EBUSY a VCPU has already run",
         setup=(PMU_VCPU, PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE), pmu_set(INIT, vcpu=0), run_vcpu(0)),
         deviation=Deviation("vcpu.rst 1.5 refuses the attribute once a vCPU has run (-EBUSY); pmu-emul.c tests "
                            "only this vCPU's pmu.created, and kvm_arm_pmu_v3_set_nr_counters has no has-run test",
                            SUCCEEDS), device_doc=DOC, group=G_PMU, attr=A_NR, kernels=NR_KERNELS, needs=HAS_PMU),
    Case(id="set-nr-counters-after-filter", ioctl=SET, condition="after an event filter", arch=("arm64",),
         call=pmu_set(SET_NR_COUNTERS, u32(1)), errno=EBUSY,
         cite=f"{NR_CITE} Returns: -EBUSY an event filter has already been set",
         setup=(PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE), pmu_set(FILTER, GOOD_FILTER)),
         deviation=Deviation("vcpu.rst 1.5 refuses the attribute once an event filter is set (-EBUSY); pmu-emul.c "
                            "kvm_arm_pmu_v3_set_nr_counters does not look at the filter", SUCCEEDS), device_doc=DOC,
         group=G_PMU, attr=A_NR, kernels=NR_KERNELS, needs=HAS_PMU),
    Case(id="pmu-has-set-nr-counters", ioctl=HAS, condition="on a PMU vCPU", arch=("arm64",),
         call=attr(HAS, PMU_CTRL, SET_NR_COUNTERS), errno=0, cite="pmu-emul.c: kvm_arm_pmu_v3_has_attr", basis="code",
         setup=(PMU_VCPU,), device_doc=DOC, group=G_PMU, attr=A_NR, kernels=NR_KERNELS, needs=HAS_PMU),
    Case(id="set-nr-counters-unknown", ioctl=SET, condition="attribute 4 before the kernel had SET_NR_COUNTERS",
         arch=("arm64",), call=pmu_set(SET_NR_COUNTERS, u32(1)), errno=ENXIO, cite=f"{PMU_C}: the switch's default",
         basis="code", setup=(PMU_VCPU,), device_doc=DOC, group=G_PMU, attr=A_NR, kernels="6.1, 6.12", needs=HAS_PMU),
]

TIMER_CASES: list[Case] = [
    Case(id="timer-get-vtimer-default", ioctl=GET, condition="VTIMER before any set", arch=("arm64",),
         call=attr(GET, TIMER_CTRL, VTIMER), errno=0, cite=f"{TIMER_RST} 2.1: default 27", setup=(PLAIN_VCPU,),
         check=reads(27), device_doc=DOC, group=G_TIMER, attr=A_VTIMER),
    Case(id="timer-get-ptimer-default", ioctl=GET, condition="PTIMER before any set", arch=("arm64",),
         call=attr(GET, TIMER_CTRL, PTIMER), errno=0, cite=f"{TIMER_RST} 2.1: default 30", setup=(PLAIN_VCPU,),
         check=reads(30), device_doc=DOC, group=G_TIMER, attr=A_PTIMER),
    Case(id="timer-get-hvtimer-default", ioctl=GET, condition="HVTIMER before any set", arch=("arm64",),
         call=attr(GET, TIMER_CTRL, HVTIMER), errno=0,
         cite=f"{TIMER_RST} 2.1 (7.2): default 28 (implemented, undocumented, in 6.12)", setup=(PLAIN_VCPU,),
         check=reads(28), device_doc=DOC, group=G_TIMER, attr=A_HVTIMER, kernels="6.12+"),
    Case(id="timer-get-hptimer-default", ioctl=GET, condition="HPTIMER before any set", arch=("arm64",),
         call=attr(GET, TIMER_CTRL, HPTIMER), errno=0,
         cite=f"{TIMER_RST} 2.1 (7.2): default 26 (implemented, undocumented, in 6.12)", setup=(PLAIN_VCPU,),
         check=reads(26), device_doc=DOC, group=G_TIMER, attr=A_HPTIMER, kernels="6.12+"),
    Case(id="timer-set-vtimer", ioctl=SET, condition="VTIMER to PPI 20", arch=("arm64",), features=("irqchip",),
         call=timer_set(VTIMER, 20), errno=0, cite=f"{TIMER_RST} 2.1: a PPI", setup=(VGIC_DEVICE, PLAIN_VCPU),
         device_doc=DOC, group=G_TIMER, attr=A_VTIMER),
    Case(id="timer-set-reads-back", ioctl=GET, condition="VTIMER after setting PPI 20", arch=("arm64",),
         features=("irqchip",), call=attr(GET, TIMER_CTRL, VTIMER), errno=0,
         cite=f"{TIMER_RST} 2.1: setting overrides the default", setup=(VGIC_DEVICE, PLAIN_VCPU, timer_set(VTIMER, 20)),
         check=reads(20), device_doc=DOC, group=G_TIMER, attr=A_VTIMER),
    Case(id="timer-set-all-vcpus", ioctl=GET, condition="vCPU 0's PTIMER after setting it through vCPU 1",
         arch=("arm64",), features=("irqchip",), call=attr(
        GET, TIMER_CTRL, PTIMER, vcpu=0), errno=0, cite=f"{TIMER_RST} 2.1: configures all VCPUs created at that time",
         setup=(VGIC_DEVICE, PLAIN_VCPU, PLAIN_VCPU, timer_set(PTIMER, 21)), check=reads(21), device_doc=DOC,
         group=G_TIMER, attr=A_PTIMER),
    Case(id="timer-set-hvtimer", ioctl=SET, condition="HVTIMER to PPI 20", arch=("arm64",), features=("irqchip",),
         call=timer_set(HVTIMER, 20), errno=0, cite=f"{TIMER_RST} 2.1 (7.2)", setup=(VGIC_DEVICE, PLAIN_VCPU),
         device_doc=DOC, group=G_TIMER, attr=A_HVTIMER, kernels="6.12+"),
    Case(id="timer-set-hptimer", ioctl=SET, condition="HPTIMER to PPI 20", arch=("arm64",), features=("irqchip",),
         call=timer_set(HPTIMER, 20), errno=0, cite=f"{TIMER_RST} 2.1 (7.2)", setup=(VGIC_DEVICE, PLAIN_VCPU),
         device_doc=DOC, group=G_TIMER, attr=A_HPTIMER, kernels="6.12+"),
    Case(id="timer-set-hvtimer-unknown", ioctl=SET, condition="attribute 2 before the kernel had HVTIMER",
         arch=("arm64",), features=("irqchip",), call=timer_set(HVTIMER, 20), errno=ENXIO,
         cite="arch_timer.c: kvm_arm_timer_set_attr default", basis="code", setup=(VGIC_DEVICE, PLAIN_VCPU),
         device_doc=DOC, group=G_TIMER, attr=A_HVTIMER, kernels="6.1"),
    Case(id="timer-spi", ioctl=SET, condition="VTIMER to interrupt 32 (an SPI)", arch=("arm64",), features=("irqchip",),
         call=timer_set(VTIMER, 32), errno=EINVAL,
         cite=f"{TIMER_RST} 2.1 Returns: -EINVAL invalid timer interrupt number (must be a PPI)",
         setup=(VGIC_DEVICE, PLAIN_VCPU), device_doc=DOC, group=G_TIMER, attr=A_VTIMER),
    Case(id="timer-sgi", ioctl=SET, condition="PTIMER to interrupt 15 (an SGI)", arch=("arm64",), features=("irqchip",),
         call=timer_set(PTIMER, 15), errno=EINVAL, cite=f"{TIMER_RST} 2.1 Returns: -EINVAL (16 <= intid < 32)",
         setup=(VGIC_DEVICE, PLAIN_VCPU), device_doc=DOC, group=G_TIMER, attr=A_PTIMER),
    Case(id="timer-hptimer-spi", ioctl=SET, condition="HPTIMER to interrupt 32", arch=("arm64",), features=("irqchip",),
         call=timer_set(HPTIMER, 32), errno=EINVAL, cite=f"{TIMER_RST} 2.1 Returns: -EINVAL",
         setup=(VGIC_DEVICE, PLAIN_VCPU), device_doc=DOC, group=G_TIMER, attr=A_HPTIMER, kernels="6.12+"),
    Case(id="timer-no-irqchip", ioctl=SET, condition="no in-kernel irqchip", arch=("arm64",),
         call=timer_set(VTIMER, 20), errno=EINVAL,
         cite="arch_timer.c: kvm_arm_timer_set_attr tests irqchip_in_kernel first (2.1: 'when connected to an "
          "in-kernel virtual GIC')", basis="code", setup=(PLAIN_VCPU,), device_doc=DOC, group=G_TIMER, attr=A_VTIMER),
    Case(id="timer-bad-pointer", ioctl=SET, condition="attr.addr unreadable", arch=("arm64",), features=("irqchip",),
         call=attr(SET, TIMER_CTRL, VTIMER, pointer=BAD_POINTER), errno=EFAULT,
         cite="arch_timer.c: kvm_arm_timer_set_attr, get_user (2.1 names no EFAULT)", basis="code",
         setup=(VGIC_DEVICE, PLAIN_VCPU), device_doc=DOC, group=G_TIMER, attr=A_VTIMER),
    Case(id="timer-get-bad-pointer", ioctl=GET, condition="attr.addr unwritable", arch=("arm64",),
         call=attr(GET, TIMER_CTRL, VTIMER, pointer=BAD_POINTER), errno=EFAULT,
         cite="arch_timer.c: kvm_arm_timer_get_attr, put_user", basis="code", setup=(PLAIN_VCPU,), device_doc=DOC,
         group=G_TIMER, attr=A_VTIMER),
    Case(id="timer-unknown-attr", ioctl=SET, condition="attribute 4 with a valid PPI", arch=("arm64",),
         features=("irqchip",), call=attr(SET, TIMER_CTRL, 4, i32(20)), errno=ENXIO,
         cite="arch_timer.c: kvm_arm_timer_set_attr default (after the PPI test)", basis="code",
         setup=(VGIC_DEVICE, PLAIN_VCPU), device_doc=DOC, group=G_TIMER, attr=A_VTIMER),
    Case(id="timer-unknown-attr-bad-irq", ioctl=SET,
         condition="attribute 4 with interrupt 32: the number is tested first", arch=("arm64",), features=("irqchip",),
         call=attr(SET, TIMER_CTRL, 4, i32(32)), errno=EINVAL, cite="arch_timer.c: kvm_arm_timer_set_attr",
         basis="code", setup=(VGIC_DEVICE, PLAIN_VCPU), device_doc=DOC, group=G_TIMER, attr=A_VTIMER),
    Case(id="timer-has", ioctl=HAS, condition="VTIMER", arch=("arm64",), call=attr(HAS, TIMER_CTRL, VTIMER), errno=0,
         cite="arch_timer.c: kvm_arm_timer_has_attr", basis="code", setup=(PLAIN_VCPU,), device_doc=DOC, group=G_TIMER,
         attr=A_VTIMER),
    Case(id="timer-has-unknown", ioctl=HAS, condition="attribute 4", arch=("arm64",), call=attr(HAS, TIMER_CTRL, 4),
         errno=ENXIO, cite="arch_timer.c: kvm_arm_timer_has_attr", basis="code", setup=(PLAIN_VCPU,), device_doc=DOC,
         group=G_TIMER, attr=A_VTIMER),
    Case(id="timer-after-run", ioctl=SET, condition="on the vCPU that ran", arch=("arm64",), features=("irqchip",),
         call=timer_set(VTIMER, 20), errno=EBUSY,
         cite=f"{TIMER_RST} 2.1 Returns: -EBUSY one or more VCPUs has already run",
         setup=(*runnable(PLAIN_VCPU), run_vcpu(0)), order_row=1, device_doc=DOC, group=G_TIMER, attr=A_VTIMER),
    # 2.1's "configure the interrupt numbers ... after creating all VCPUs": a rule for userspace, no errno. Set
    # before the last vCPU exists, the number reaches it from 6.12 (a VM-wide table), not in 6.1.
    Case(id="timer-before-last-vcpu", ioctl=GET,
         condition="vCPU 1's PTIMER, set through vCPU 0 before vCPU 1 was created", arch=("arm64",),
         features=("irqchip",), call=attr(GET, TIMER_CTRL, PTIMER), errno=0,
         cite="arch_timer.c (6.12, 7.2): kvm_arm_timer_set_attr stores the PPI in kvm->arch.timer_data.ppi, which "
          "kvm_arm_timer_get_attr reads for every vCPU (timer_irq)", basis="code",
         setup=(VGIC_DEVICE, PLAIN_VCPU, timer_set(PTIMER, 21), PLAIN_VCPU), check=reads(21), order_row=1,
         device_doc=DOC, group=G_TIMER, attr=A_PTIMER, kernels="6.12+"),
    Case(id="timer-before-last-vcpu-6.1", ioctl=GET,
         condition="vCPU 1's PTIMER, set through vCPU 0 before vCPU 1 was created (6.1)", arch=("arm64",),
         features=("irqchip",), call=attr(GET, TIMER_CTRL, PTIMER), errno=0,
         cite="arch_timer.c (6.1): set_timer_irqs writes the vCPUs that exist; kvm_timer_vcpu_init gives a later vCPU "
          "the default PTIMER PPI (30)", basis="code",
         setup=(VGIC_DEVICE, PLAIN_VCPU, timer_set(PTIMER, 21), PLAIN_VCPU), check=reads(30), order_row=1,
         device_doc=DOC, group=G_TIMER, attr=A_PTIMER, kernels="6.1"),
    Case(id="timer-after-other-vcpu-ran", ioctl=SET, condition="on vCPU 1 after vCPU 0 ran", arch=("arm64",),
         features=("irqchip",), call=timer_set(PTIMER, 21), errno=EBUSY,
         cite=f"{TIMER_RST} 2.1 Returns: -EBUSY one or more VCPUs has already run",
         setup=(*runnable(PLAIN_VCPU, PLAIN_VCPU), run_vcpu(0)), device_doc=DOC, group=G_TIMER, attr=A_PTIMER,
         kernels="6.12+"),
    Case(id="timer-after-other-vcpu-ran-6.1", ioctl=SET, condition="on vCPU 1 after vCPU 0 ran (6.1)", arch=("arm64",),
         features=("irqchip",), call=timer_set(PTIMER, 21), errno=EBUSY,
         cite=f"{TIMER_RST} 2.1 Returns: -EBUSY one or more VCPUs has already run",
         setup=(*runnable(PLAIN_VCPU, PLAIN_VCPU), run_vcpu(0)),
         deviation=Deviation("vcpu.rst 2.1 refuses the timer interrupts once any vCPU has run (-EBUSY); 6.1's "
                              "arch_timer.c kvm_arm_timer_set_attr tests only the calling vCPU's "
                              "timer_cpu.enabled, and rewrites every vCPU's interrupt, the one that ran included "
                              "(6.12 made it a VM-wide flag)", SUCCEEDS), device_doc=DOC, group=G_TIMER, attr=A_PTIMER,
         kernels="6.1"),
    Case(id="timer-same-ppi-run", ioctl="KVM_RUN", condition="VTIMER and PTIMER on the same PPI", arch=("arm64",),
         features=("irqchip",), call=run_vcpu(0), errno=EINVAL,
         cite=f"{TIMER_RST} 2.1: the same PPI for different timers prevents the VCPUs from running; arch_timer.c "
          "kvm_timer_enable (timer_irqs_are_valid) returns EINVAL", basis="code",
         setup=(*runnable(PLAIN_VCPU), timer_set(VTIMER, 27), timer_set(PTIMER, 27)), device_doc=DOC, group=G_TIMER,
         attr=A_VTIMER),
]

PVTIME_CASES: list[Case] = [
    Case(id="pvtime-set", ioctl=SET, condition="IPA 0x40 inside a memslot", arch=("arm64",),
         call=attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x40)), errno=0,
         cite=f"{PVTIME_RST}: 64-byte aligned, inside a guest memory region", setup=(MEMSLOT, PLAIN_VCPU),
         device_doc=DOC, group=G_PVTIME, attr=A_PVTIME, needs=HAS_STEAL),
    Case(id="pvtime-get", ioctl=GET, condition="after setting 0x40", arch=("arm64",),
         call=attr(GET, PVTIME_CTRL, PVTIME_IPA), errno=0, cite=f"{PVTIME_RST}",
         setup=(MEMSLOT, PLAIN_VCPU, attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x40))), check=reads(0x40, 8),
         device_doc=DOC, group=G_PVTIME, attr=A_PVTIME, needs=HAS_STEAL),
    Case(id="pvtime-get-unset", ioctl=GET, condition="before any set", arch=("arm64",),
         call=attr(GET, PVTIME_CTRL, PVTIME_IPA), errno=0,
         cite="pvtime.c: kvm_arm_pvtime_get_attr returns the base, INVALID_GPA (all ones) until set", basis="code",
         setup=(PLAIN_VCPU,), check=reads(-1 & 0xFFFFFFFFFFFFFFFF, 8), device_doc=DOC, group=G_PVTIME, attr=A_PVTIME,
         needs=HAS_STEAL),
    Case(id="pvtime-twice", ioctl=SET, condition="a second base address", arch=("arm64",),
         call=attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x80)), errno=EEXIST,
         cite=f"{PVTIME_RST} Returns: -EEXIST base address already set for this VCPU",
         setup=(MEMSLOT, PLAIN_VCPU, attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x40))), device_doc=DOC, group=G_PVTIME,
         attr=A_PVTIME, needs=HAS_STEAL),
    Case(id="pvtime-other-vcpu", ioctl=SET, condition="vCPU 1's base when vCPU 0 has one", arch=("arm64",), call=attr(
        SET, PVTIME_CTRL, PVTIME_IPA, u64(0x80)), errno=0, cite=f"{PVTIME_RST}: 'for this VCPU': one base per vCPU",
         setup=(MEMSLOT, PLAIN_VCPU, attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x40)), PLAIN_VCPU), device_doc=DOC,
         group=G_PVTIME, attr=A_PVTIME, needs=HAS_STEAL),
    Case(id="pvtime-misaligned", ioctl=SET, condition="IPA 0x20", arch=("arm64",),
         call=attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x20)), errno=EINVAL,
         cite=f"{PVTIME_RST} Returns: -EINVAL base address not 64 byte aligned", setup=(MEMSLOT, PLAIN_VCPU),
         device_doc=DOC, group=G_PVTIME, attr=A_PVTIME, needs=HAS_STEAL),
    Case(id="pvtime-twice-misaligned", ioctl=SET,
         condition="a second base address, misaligned: alignment is tested first", arch=("arm64",),
         call=attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x20)), errno=EINVAL, cite="pvtime.c: kvm_arm_pvtime_set_attr",
         basis="code", setup=(MEMSLOT, PLAIN_VCPU, attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x40))), device_doc=DOC,
         group=G_PVTIME, attr=A_PVTIME, needs=HAS_STEAL),
    Case(id="pvtime-outside-memslots", ioctl=SET, condition="an aligned IPA in no memslot", arch=("arm64",), call=attr(
        SET, PVTIME_CTRL, PVTIME_IPA, u64(0x20000000)), errno=EINVAL,
         cite="pvtime.c: kvm_arm_pvtime_set_attr, gfn_to_hva (3.1 requires a valid guest memory region; its "
           "Returns table names EINVAL for alignment only)", basis="code", setup=(MEMSLOT, PLAIN_VCPU), device_doc=DOC,
         group=G_PVTIME, attr=A_PVTIME, needs=HAS_STEAL),
    Case(id="pvtime-bad-pointer", ioctl=SET, condition="attr.addr unreadable", arch=("arm64",),
         call=attr(SET, PVTIME_CTRL, PVTIME_IPA, pointer=BAD_POINTER), errno=EFAULT,
         cite="pvtime.c: kvm_arm_pvtime_set_attr, get_user (3.1 names no EFAULT)", basis="code", setup=(PLAIN_VCPU,),
         device_doc=DOC, group=G_PVTIME, attr=A_PVTIME, needs=HAS_STEAL),
    Case(id="pvtime-get-bad-pointer", ioctl=GET, condition="attr.addr unwritable", arch=("arm64",), call=attr(
        GET, PVTIME_CTRL, PVTIME_IPA, pointer=BAD_POINTER), errno=EFAULT,
         cite="pvtime.c: kvm_arm_pvtime_get_attr, put_user", basis="code", setup=(PLAIN_VCPU,), device_doc=DOC,
         group=G_PVTIME, attr=A_PVTIME, needs=HAS_STEAL),
    Case(id="pvtime-unknown-attr", ioctl=SET, condition="attribute 1 of the PVTIME group", arch=("arm64",),
         call=attr(SET, PVTIME_CTRL, 1, u64(0x40)), errno=ENXIO,
         cite="pvtime.c: kvm_arm_pvtime_set_attr (the same test as 'not implemented')", basis="code",
         setup=(MEMSLOT, PLAIN_VCPU), device_doc=DOC, group=G_PVTIME, attr=A_PVTIME, needs=HAS_STEAL),
    Case(id="pvtime-has", ioctl=HAS, condition="PVTIME_IPA", arch=("arm64",), call=attr(HAS, PVTIME_CTRL, PVTIME_IPA),
         errno=0, cite="pvtime.c: kvm_arm_pvtime_has_attr", basis="code", setup=(PLAIN_VCPU,), device_doc=DOC,
         group=G_PVTIME, attr=A_PVTIME, needs=HAS_STEAL),
]

GROUP_CASES: list[Case] = [
    Case(id="vcpu-unknown-group", ioctl=SET, condition="group 0x100 on an arm64 vCPU", arch=("arm64",),
         call=attr(SET, 0x100, 0, u64(0)), errno=ENXIO,
         cite="guest.c: kvm_arm_vcpu_arch_set_attr default (api.rst 4.80: group unknown)", setup=(PLAIN_VCPU,),
         basis="code"),
    Case(id="vcpu-unknown-group-get", ioctl=GET, condition="group 0x100 on an arm64 vCPU", arch=("arm64",),
         call=attr(GET, 0x100, 0), errno=ENXIO, cite="guest.c: kvm_arm_vcpu_arch_get_attr default", setup=(PLAIN_VCPU,),
         basis="code"),
    Case(id="vcpu-unknown-group-has", ioctl=HAS, condition="group 0x100 on an arm64 vCPU", arch=("arm64",),
         call=attr(HAS, 0x100, 0), errno=ENXIO, cite="guest.c: kvm_arm_vcpu_arch_has_attr default", setup=(PLAIN_VCPU,),
         basis="code"),
    Case(id="vcpu-attr-struct-bad-pointer", ioctl=SET, condition="the struct kvm_device_attr unreadable",
         arch=("arm64",), call=attr_struct_at(SET), errno=EFAULT,
         cite="arm.c: kvm_arch_vcpu_ioctl, copy_from_user (api.rst 4.80 lists EFAULT for attr->addr only)",
         setup=(PLAIN_VCPU,), basis="code"),
]

SMCCC = f"{SMCCC_RST}"
SMCCC_C = "hypercalls.c: kvm_smccc_set_filter"
VENDOR_HYP = 0x86000000  # SMCCC fast call, owner 6 (standard hypervisor service calls), SMC32
SMCCC_CASES: list[Case] = [
    Case(id="smccc-filter", ioctl=SET, condition="deny one standard hypervisor function", arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), errno=0, cite=SMCCC, device_doc=VM_DOC,
         group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-fwd", ioctl=SET, condition="forward 16 functions to userspace", arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP + 0x10, 16, SMCCC_FWD_TO_USER), on="vm"), errno=0,
         cite=f"{SMCCC}: KVM_SMCCC_FILTER_FWD_TO_USER", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-overlap", ioctl=SET, condition="the same range twice", arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), errno=EEXIST,
         cite=f"{SMCCC} Returns: EEXIST range intersects a previously inserted range",
         setup=(attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"),), device_doc=VM_DOC,
         group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-overlap-partly", ioctl=SET, condition="a range overlapping an inserted one by one function",
         arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP + 3, 4), on="vm"), errno=EEXIST,
         cite=f"{SMCCC} Returns: EEXIST range intersects a previously inserted range",
         setup=(attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 4), on="vm"),), device_doc=VM_DOC,
         group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-reserved-smc32", ioctl=SET, condition="0x8000_0000 (Arm Architecture Calls, SMC32)",
         arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(0x80000000, 1), on="vm"), errno=EEXIST,
         cite=f"{SMCCC} Returns: EEXIST range intersects a reserved range (0x8000_0000-0x8000_FFFF)", device_doc=VM_DOC,
         group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-reserved-smc64", ioctl=SET, condition="0xC000_FFFF, the last reserved SMC64 function",
         arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(0xC000FFFF, 1, SMCCC_HANDLE), on="vm"), errno=EEXIST,
         cite=f"{SMCCC} Returns: EEXIST reserved range 0xC000_0000-0xC000_FFFF", device_doc=VM_DOC, group=G_SMCCC,
         attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-after-run", ioctl=SET, condition="after a vCPU ran", arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), errno=EBUSY,
         cite=f"{SMCCC} Returns: EBUSY a vCPU in the VM has already run", setup=(PLAIN_VCPU, run_vcpu(0)),
         device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-empty", ioctl=SET, condition="nr_functions 0", arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 0), on="vm"), errno=EINVAL,
         cite=f"{SMCCC} Returns: EINVAL invalid filter configuration", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC,
         kernels="6.4+"),
    Case(id="smccc-filter-wraps", ioctl=SET, condition="base 0xffff_ffff, 2 functions: the range wraps",
         arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(0xFFFFFFFF, 2), on="vm"), errno=EINVAL,
         cite=f"{SMCCC}: the range is not allowed to wrap; EINVAL invalid filter configuration", device_doc=VM_DOC,
         group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-bad-action", ioctl=SET, condition="action 3 (past FWD_TO_USER)", arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1, 3), on="vm"), errno=EINVAL,
         cite=f"{SMCCC} Returns: EINVAL invalid filter configuration", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC,
         kernels="6.4+"),
    Case(id="smccc-filter-pad", ioctl=SET, condition="pad not zero", arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1, pad=b"\x01" + bytes(14)), on="vm"), errno=EINVAL,
         cite=f"{SMCCC}: pad must be zero, KVM may return -EINVAL", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC,
         kernels="6.4+"),
    Case(id="smccc-filter-bad-pointer", ioctl=SET, condition="attr.addr unreadable", arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, pointer=BAD_POINTER, on="vm"), errno=EFAULT,
         cite=f"{SMCCC_C}: copy_from_user (vm.rst names no EFAULT)", basis="code", device_doc=VM_DOC, group=G_SMCCC,
         attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-unknown-attr", ioctl=SET, condition="attribute 1 of KVM_ARM_VM_SMCCC_CTRL", arch=("arm64",),
         call=attr(
        SET, SMCCC_CTRL, 1, smccc_filter(VENDOR_HYP, 1), on="vm"), errno=ENXIO,
         cite="hypercalls.c: kvm_vm_smccc_set_attr default", basis="code", device_doc=VM_DOC, group=G_SMCCC,
         attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-has", ioctl=HAS, condition="KVM_ARM_VM_SMCCC_FILTER", arch=("arm64",),
         call=attr(HAS, SMCCC_CTRL, SMCCC_FILTER, on="vm"), errno=0, cite="hypercalls.c: kvm_vm_smccc_has_attr",
         basis="code", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-get", ioctl=GET, condition="the write-only filter", arch=("arm64",),
         call=attr(GET, SMCCC_CTRL, SMCCC_FILTER, on="vm"), errno=EINVAL,
         cite="arm.c: kvm_arch_vm_ioctl has no KVM_GET_DEVICE_ATTR (vm.rst: 'w/o'); its default is EINVAL",
         basis="code", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="vm-unknown-group", ioctl=SET, condition="group 1 on an arm64 VM fd", arch=("arm64",),
         call=attr(SET, 1, 0, u64(0), on="vm"), errno=ENXIO, cite="arm.c: kvm_vm_set_attr default", basis="code",
         kernels="6.4+"),
    Case(id="vm-attr-6.1", ioctl=SET, condition="KVM_SET_DEVICE_ATTR on a 6.1 arm64 VM fd", arch=("arm64",), call=attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), errno=EINVAL,
         cite="arm.c (6.1): kvm_arch_vm_ioctl has no device attributes; its default is EINVAL", basis="code",
         kernels="6.1"),
]

# The read-back cases assert the documented round trip (vcpu.rst 4.1: userspace reads each vCPU's offset to migrate it,
# and sets it again on the destination) with no exception for any host. x86.c (6.1, 6.12, newest):
# kvm_arch_tsc_set_attr -> __kvm_synchronize_tsc -> kvm_vcpu_write_tsc_offset stores vcpu->arch.l1_tsc_offset, and
# kvm_arch_tsc_get_attr reads it back. The newest __kvm_synchronize_tsc returns early for a vCPU whose TSC is
# guest_tsc_protected: a TDX or SEV-SNP Secure TSC guest's (tdx.c / sev.c as posted; the newest vendor files were not
# read), never a vCPU of the default VM these cases create. A host whose KVM does otherwise fails them; a lab that
# knows its host does can declare that outside the spec (--known-host-issues, abi/target/known_issues.py).
TSC_CASES: list[Case] = [
    Case(id="tsc-has", ioctl=HAS, condition="KVM_VCPU_TSC_OFFSET", arch=("x86_64",), call=tsc_attr(HAS), errno=0,
         cite=f"{TSC_RST}: the attribute exists with KVM_CAP_VCPU_ATTRIBUTES", setup=(create_vcpu(0),), device_doc=DOC,
         group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
    Case(id="tsc-set", ioctl=SET, condition="offset 0x12340000", arch=("x86_64",), call=tsc_attr(SET, u64(0x12340000)),
         errno=0, cite=TSC_RST, setup=(create_vcpu(0),), device_doc=DOC, group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
    Case(id="tsc-set-reads-back", ioctl=GET, condition="after setting 0x12340000", arch=("x86_64",), call=tsc_attr(GET),
         errno=0, cite=f"{TSC_RST}: read back on migration (step 2)",
         setup=(create_vcpu(0), tsc_attr(SET, u64(0x12340000))), check=reads(0x12340000, 8), device_doc=DOC,
         group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
    Case(id="tsc-set-negative-reads-back", ioctl=GET,
         condition="after setting -0x1000 (the offset is two's complement)", arch=("x86_64",), call=tsc_attr(GET),
         errno=0, cite=f"{TSC_RST}: guest_tsc = host_tsc + offset, an offset below zero",
         setup=(create_vcpu(0), tsc_attr(SET, u64(-0x1000))), check=reads(-0x1000 & (2**64 - 1), 8), device_doc=DOC,
         group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
    Case(id="tsc-get", ioctl=GET, condition="a new vCPU's offset", arch=("x86_64",), call=tsc_attr(GET), errno=0,
         cite=f"{TSC_RST}: step 2 reads the offset of every vCPU", setup=(create_vcpu(0),), check=written(8),
         device_doc=DOC, group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
    Case(id="tsc-set-bad-pointer", ioctl=SET, condition="attr.addr unreadable", arch=("x86_64",),
         call=tsc_attr(SET, pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{TSC_RST} Returns: -EFAULT error reading the provided parameter address", setup=(create_vcpu(0),),
         device_doc=DOC, group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
    Case(id="tsc-get-bad-pointer", ioctl=GET, condition="attr.addr unwritable", arch=("x86_64",),
         call=tsc_attr(GET, pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{TSC_RST} Returns: -EFAULT error writing the provided parameter address", setup=(create_vcpu(0),),
         device_doc=DOC, group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
    Case(id="tsc-has-unknown", ioctl=HAS, condition="attribute 1 of KVM_VCPU_TSC_CTRL", arch=("x86_64",),
         call=attr(HAS, TSC_CTRL, 1), errno=ENXIO, cite=f"{TSC_RST} Returns: -ENXIO attribute not supported",
         setup=(create_vcpu(0),), device_doc=DOC, group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
    Case(id="tsc-set-unknown", ioctl=SET, condition="attribute 1 of KVM_VCPU_TSC_CTRL", arch=("x86_64",),
         call=attr(SET, TSC_CTRL, 1, u64(0)), errno=ENXIO, cite=f"{TSC_RST} Returns: -ENXIO attribute not supported",
         setup=(create_vcpu(0),), device_doc=DOC, group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
    Case(id="tsc-get-unknown", ioctl=GET, condition="attribute 1 of KVM_VCPU_TSC_CTRL", arch=("x86_64",),
         call=attr(GET, TSC_CTRL, 1), errno=ENXIO, cite=f"{TSC_RST} Returns: -ENXIO attribute not supported",
         setup=(create_vcpu(0),), device_doc=DOC, group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
    Case(id="tsc-unknown-group", ioctl=SET, condition="group 1 on an x86_64 vCPU", arch=("x86_64",),
         call=attr(SET, 1, 0, u64(0)), errno=ENXIO,
         cite="x86.c: kvm_vcpu_ioctl_device_attr (group other than KVM_VCPU_TSC_CTRL)", basis="code",
         setup=(create_vcpu(0),), device_doc=DOC, group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
    Case(id="tsc-attr-struct-bad-pointer", ioctl=SET, condition="the struct kvm_device_attr unreadable",
         arch=("x86_64",), call=attr_struct_at(SET), errno=EFAULT,
         cite="x86.c: kvm_vcpu_ioctl_device_attr, copy_from_user", basis="code", setup=(create_vcpu(0),),
         device_doc=DOC, group=G_TSC, attr=A_TSC, needs=HAS_VCPU_ATTRS),
]

CASES: list[Case] = [*PMU_CASES, *NR_CASES, *TIMER_CASES, *PVTIME_CASES, *GROUP_CASES, *SMCCC_CASES, *TSC_CASES]

UNREACHABLE = [
    Unreachable(SET, ENXIO, "stolen time is implemented on every arm64 KVM kernel: pvtime.c kvm_arm_pvtime_supported "
                "is sched_info_on(), i.e. CONFIG_SCHED_INFO, which arch/arm64/kvm/Kconfig's KVM selects (6.1, 6.12, "
                "7.2); KVM_CAP_STEAL_TIME is 1 on every guest here. The same errno for an unknown attribute is "
                "pvtime-unknown-attr", arch="arm64", device_doc=DOC, group=G_PVTIME, attr=A_PVTIME),
    Unreachable(SET, ENOMEM, "kvm_arm_pmu_v3_set_pmu allocates nothing in 6.1, 6.12 or 7.2: it looks the perf type "
                "up in the arm_pmus list and copies the PMU's cpumask into kvm->arch.supported_cpus, allocated when "
                "the VM was created (arm.c kvm_arch_init_vm); the only ENOMEM of kvm_arm_pmu_v3_set_attr is the "
                "FILTER's bitmap_alloc", arch="arm64", device_doc=DOC, group=G_PMU, attr=A_SET_PMU),
    Unreachable(SET, ENOMEM, "needs the maple tree node allocation of mtree_insert_range (GFP_KERNEL_ACCOUNT) to "
                "fail: only under a memory cgroup limit or fault injection (failslab). Debian's 6.1 and 6.12 cloud "
                "kernels are built without CONFIG_FAULT_INJECTION, and a memcg limit needs cgroup files written: "
                "the target interface only opens files and issues ioctls, and the agent runs in the root cgroup",
                arch="arm64", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC),
]
