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
from abi.spec.steps import BAD_POINTER, create_device, create_vcpu, step
from abi.target.base import Result

ARM = ("gicv2", "gicv3", "novgic")
VGIC = ("gicv2", "gicv3")
X86 = ("x86_64",)

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


def _vgic(s: Scene) -> Result:
    dev = kvm.KVM_DEV_TYPE_ARM_VGIC_V3 if s.target.info().profile == "gicv3" else kvm.KVM_DEV_TYPE_ARM_VGIC_V2
    return create_device(dev)(s)


VGIC_DEVICE = step("KVM_CREATE_DEVICE(the host's vGIC: VGIC_V2 on gicv2, VGIC_V3 on gicv3)", _vgic)
VGIC_INIT = step("SET_DEVICE_ATTR(KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT) on the vGIC",
                 lambda s: s.ioctl(s.devices[-1], kvm.KVM_SET_DEVICE_ATTR,
                                   kvm.kvm_device_attr(flags=0, group=arm64.KVM_DEV_ARM_VGIC_GRP_CTRL,
                                                       attr=arm64.KVM_DEV_ARM_VGIC_CTRL_INIT, addr=0)))
# QEMU virt's frames: GICv2 distributor and CPU interface, GICv3 distributor and redistributor region.
FRAMES = {"gicv2": ((arm64.KVM_VGIC_V2_ADDR_TYPE_DIST, D), (arm64.KVM_VGIC_V2_ADDR_TYPE_CPU, C)),
          "gicv3": ((arm64.KVM_VGIC_V3_ADDR_TYPE_DIST, D), (arm64.KVM_VGIC_V3_ADDR_TYPE_REDIST, 0x080A0000))}


def _vgic_addrs(s: Scene) -> Result:
    got = Result(0)
    for addr_type, addr in FRAMES[s.target.info().profile]:
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

def case(id, ioctl, condition, on, call, errno, cite, **kw) -> Case:
    return Case(id=id, ioctl=ioctl, condition=condition, on=on, call=call, errno=errno, cite=cite, **kw)


def pmu(id, ioctl, condition, call, errno, cite, *, attr: str, on=ARM, needs=HAS_PMU, **kw) -> Case:
    return case(id, ioctl, condition, on, call, errno, cite, device_doc=DOC, group=G_PMU, attr=attr, needs=needs,
                **kw)


def timer(id, ioctl, condition, call, errno, cite, *, attr: str = A_VTIMER, on=VGIC, **kw) -> Case:
    return case(id, ioctl, condition, on, call, errno, cite, device_doc=DOC, group=G_TIMER, attr=attr, **kw)


def pvtime(id, ioctl, condition, call, errno, cite, *, needs=HAS_STEAL, **kw) -> Case:
    return case(id, ioctl, condition, ARM, call, errno, cite, device_doc=DOC, group=G_PVTIME, attr=A_PVTIME,
                needs=needs, **kw)


def smccc(id, ioctl, condition, call, errno, cite, *, kernels="6.4+", **kw) -> Case:
    return case(id, ioctl, condition, ARM, call, errno, cite, device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC,
                kernels=kernels, **kw)


def tsc(id, ioctl, condition, call, errno, cite, **kw) -> Case:
    return case(id, ioctl, condition, X86, call, errno, cite, device_doc=DOC, group=G_TSC, attr=A_TSC,
                needs=HAS_VCPU_ATTRS, **kw)


GOOD_FILTER = pmu_filter(0x8, 0x8)  # events [8, 16): inside even PMUv3.0's 10-bit event space
NOT_INIT_GIC = "GIC not initialized"

PMU_CASES: list[Case] = [
    # --- 1.1 KVM_ARM_VCPU_PMU_V3_IRQ ----------------------------------------------------------------------
    pmu("pmu-irq-set-ppi", SET, "PPI 23 with an in-kernel vGIC", pmu_set(IRQ, i32(PMU_IRQ_PPI)), 0,
        f"{PMU_RST} 1.1: the overflow interrupt may be a PPI", attr=A_IRQ, on=VGIC, setup=(VGIC_DEVICE, PMU_VCPU)),
    pmu("pmu-irq-get", GET, "after setting PPI 23", attr(GET, PMU_CTRL, IRQ), 0,
        f"{PMU_RST} 1.1: the attribute holds the overflow interrupt", attr=A_IRQ, on=VGIC,
        setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI))), check=reads(PMU_IRQ_PPI)),
    pmu("pmu-irq-set-spi", SET, "SPI 40 with an in-kernel vGIC", pmu_set(IRQ, i32(SPI)), 0,
        f"{PMU_RST} 1.1: the overflow interrupt may be an SPI", attr=A_IRQ, on=VGIC, setup=(VGIC_DEVICE, PMU_VCPU)),
    pmu("pmu-irq-twice", SET, "the same PPI again", pmu_set(IRQ, i32(PMU_IRQ_PPI)), EBUSY,
        f"{PMU_RST} 1.1 Returns: -EBUSY the overflow interrupt is already set", attr=A_IRQ, on=VGIC,
        setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)))),
    pmu("pmu-irq-twice-other-ppi", SET, "another PPI when one is set: the consistency test comes first",
        pmu_set(IRQ, i32(22)), EINVAL,
        "pmu-emul.c: pmu_irq_is_valid compares a PPI with every vCPU's, this one included, before the "
        "already-set test (vcpu.rst names both EBUSY and EINVAL for it)", attr=A_IRQ, on=VGIC, basis="code",
        setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)))),
    pmu("pmu-irq-bad-pointer", SET, "attr.addr unreadable", pmu_set(IRQ, pointer=BAD_POINTER), EFAULT,
        f"{PMU_RST} 1.1 Returns: -EFAULT error reading interrupt number", attr=A_IRQ, on=VGIC,
        setup=(VGIC_DEVICE, PMU_VCPU)),
    pmu("pmu-irq-get-bad-pointer", GET, "attr.addr unwritable", attr(GET, PMU_CTRL, IRQ, pointer=BAD_POINTER),
        EFAULT, "pmu-emul.c: kvm_arm_pmu_v3_get_attr, put_user", attr=A_IRQ, on=VGIC, basis="code",
        setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)))),
    pmu("pmu-irq-get-unset", GET, "no overflow interrupt set yet", attr(GET, PMU_CTRL, IRQ), ENXIO,
        f"{PMU_RST} 1.1 Returns: -ENXIO the overflow interrupt not set when attempting to get it", attr=A_IRQ,
        on=VGIC, setup=(VGIC_DEVICE, PMU_VCPU)),
    pmu("pmu-irq-has-no-pmu-host", HAS, "on a host without PMUv3 (the vCPU cannot have the feature)",
        attr(HAS, PMU_CTRL, IRQ), ENXIO, f"{PMU_RST} 1.1 Returns: -ENXIO PMUv3 not supported", attr=A_IRQ,
        needs=NO_PMU, setup=(PLAIN_VCPU,)),
    pmu("pmu-irq-set-no-feature", SET, "vCPU initialised without KVM_ARM_VCPU_PMU_V3", pmu_set(IRQ, i32(PMU_IRQ_PPI)),
        ENODEV, f"{PMU_RST} 1.1 Returns: -ENODEV KVM_ARM_VCPU_PMU_V3 feature missing from VCPU", attr=A_IRQ,
        on=VGIC, needs=(), setup=(VGIC_DEVICE, PLAIN_VCPU)),
    pmu("pmu-irq-get-no-feature", GET, "vCPU without the PMU feature, with a vGIC", attr(GET, PMU_CTRL, IRQ), ENODEV,
        f"{PMU_RST} 1.1 Returns: -ENODEV feature missing from VCPU", attr=A_IRQ, on=VGIC, needs=(),
        setup=(VGIC_DEVICE, PLAIN_VCPU)),
    pmu("pmu-irq-has-no-feature", HAS, "vCPU without the PMU feature", attr(HAS, PMU_CTRL, IRQ), ENXIO,
        "pmu-emul.c: kvm_arm_pmu_v3_has_attr answers ENXIO, HAS_DEVICE_ATTR's 'not supported' (api.rst 4.81)",
        attr=A_IRQ, needs=(), basis="code", setup=(PLAIN_VCPU,)),
    pmu("pmu-irq-sgi", SET, "interrupt 8 (an SGI)", pmu_set(IRQ, i32(8)), EINVAL,
        f"{PMU_RST} 1.1 Returns: -EINVAL invalid PMU overflow interrupt number", attr=A_IRQ, on=VGIC,
        setup=(VGIC_DEVICE, PMU_VCPU)),
    pmu("pmu-irq-beyond-spis", SET, "interrupt 1020 (past the last SPI)", pmu_set(IRQ, i32(1020)), EINVAL,
        f"{PMU_RST} 1.1 Returns: -EINVAL invalid number", attr=A_IRQ, on=VGIC, setup=(VGIC_DEVICE, PMU_VCPU)),
    pmu("pmu-irq-no-irqchip", SET, "no in-kernel irqchip", pmu_set(IRQ, i32(PMU_IRQ_PPI)), EINVAL,
        f"{PMU_RST} 1.1 Returns: -EINVAL setting the IRQ number without an in-kernel irqchip", attr=A_IRQ,
        setup=(PMU_VCPU,)),
    pmu("pmu-irq-get-no-irqchip", GET, "no in-kernel irqchip", attr(GET, PMU_CTRL, IRQ), EINVAL,
        "pmu-emul.c: kvm_arm_pmu_v3_get_attr tests irqchip_in_kernel first", attr=A_IRQ, basis="code",
        setup=(PMU_VCPU,)),
    pmu("pmu-irq-ppi-differs", SET, "vCPU 1 a PPI other than vCPU 0's", pmu_set(IRQ, i32(22)), EINVAL,
        f"{PMU_RST} 1.1: as a PPI the number is the same for all vCPUs; -EINVAL invalid number", attr=A_IRQ,
        on=VGIC, setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)), PMU_VCPU)),
    pmu("pmu-irq-ppi-same", SET, "vCPU 1 the same PPI as vCPU 0", pmu_set(IRQ, i32(PMU_IRQ_PPI)), 0,
        f"{PMU_RST} 1.1: as a PPI the number is the same for all vCPUs", attr=A_IRQ, on=VGIC,
        setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)), PMU_VCPU)),
    pmu("pmu-irq-spi-shared", SET, "vCPU 1 the SPI vCPU 0 has", pmu_set(IRQ, i32(SPI)), EINVAL,
        f"{PMU_RST} 1.1: as an SPI it must be a separate number per vCPU; -EINVAL invalid number", attr=A_IRQ,
        on=VGIC, setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(SPI)), PMU_VCPU)),
    pmu("pmu-irq-ppi-after-spi", SET, "vCPU 1 a PPI when vCPU 0 has an SPI", pmu_set(IRQ, i32(PMU_IRQ_PPI)), EINVAL,
        f"{PMU_RST} 1.1: the interrupt type must be the same for each vCPU; -EINVAL", attr=A_IRQ, on=VGIC,
        setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(SPI)), PMU_VCPU)),
    # 1.1's "the same type for each vCPU" is addressed to userspace; its EINVAL row is for an invalid number.
    pmu("pmu-irq-spi-after-ppi", SET, "vCPU 1 an SPI when vCPU 0 has a PPI", pmu_set(IRQ, i32(SPI)), 0,
        f"{PMU_C}: pmu_irq_is_valid only compares an SPI with the other vCPUs' numbers for equality", attr=A_IRQ,
        on=VGIC, setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)), PMU_VCPU), basis="code"),
    pmu("pmu-irq-after-init", SET, "after KVM_ARM_VCPU_PMU_V3_INIT", pmu_set(IRQ, i32(PMU_IRQ_PPI)), EBUSY,
        f"{PMU_C}: vcpu->arch.pmu.created -> EBUSY for every attribute (1.1 documents EBUSY when already set)",
        attr=A_IRQ, on=VGIC, setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)), VGIC_INIT,
                                   pmu_set(INIT))),
    pmu("pmu-has-unknown-attr", HAS, "attribute 5 of the PMU group", attr(HAS, PMU_CTRL, 5), ENXIO,
        "pmu-emul.c: kvm_arm_pmu_v3_has_attr default", attr=A_IRQ, basis="code", setup=(PMU_VCPU,)),
    pmu("pmu-set-unknown-attr", SET, "attribute 5 of the PMU group", pmu_set(5), ENXIO,
        f"{PMU_C}: the switch's default", attr=A_IRQ, basis="code", setup=(PMU_VCPU,)),
    pmu("pmu-get-init", GET, "KVM_ARM_VCPU_PMU_V3_INIT (nothing to read)", attr(GET, PMU_CTRL, INIT), ENXIO,
        "pmu-emul.c: kvm_arm_pmu_v3_get_attr knows only the IRQ", attr=A_INIT, basis="code", setup=(PMU_VCPU,)),
    *(pmu(f"pmu-has-{NAMES[PMU_CTRL, a][7:].lower().replace('_', '-')}", HAS, "on a PMU vCPU",
          attr(HAS, PMU_CTRL, a), 0, "pmu-emul.c: kvm_arm_pmu_v3_has_attr", attr=name, basis="code",
          setup=(PMU_VCPU,)) for a, name in ((IRQ, A_IRQ), (INIT, A_INIT), (FILTER, A_FILTER), (SET_PMU, A_SET_PMU))),

    # --- 1.2 KVM_ARM_VCPU_PMU_V3_INIT ---------------------------------------------------------------------
    pmu("pmu-init-no-irqchip", SET, "without an in-kernel irqchip", pmu_set(INIT), 0,
        f"{PMU_RST} 1.2: only with an in-kernel vGIC must the irqchip be initialised first", attr=A_INIT,
        setup=(PMU_VCPU,)),
    pmu("pmu-init-vgic", SET, "PPI set, vGIC initialised (KVM_DEV_ARM_VGIC_CTRL_INIT)", pmu_set(INIT), 0,
        f"{PMU_RST} 1.2: after initializing the in-kernel irqchip", attr=A_INIT, on=VGIC,
        setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI)), VGIC_INIT)),
    pmu("pmu-init-gic-not-initialized", SET, "PPI set, vGIC created but not initialised", pmu_set(INIT), ENODEV,
        f"{PMU_RST} 1.2 Returns: -ENODEV GIC not initialized", attr=A_INIT, on=VGIC,
        setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(PMU_IRQ_PPI))), order_row=1),
    pmu("pmu-init-irq-unset", SET, "vGIC initialised, no overflow interrupt set", pmu_set(INIT), ENXIO,
        f"{PMU_RST} 1.2 Returns: -ENXIO interrupt number not set", attr=A_INIT, on=VGIC,
        setup=(VGIC_DEVICE, PMU_VCPU, VGIC_INIT)),
    pmu("pmu-init-no-feature", SET, "vCPU without KVM_ARM_VCPU_PMU_V3", pmu_set(INIT), ENXIO,
        f"{PMU_RST} 1.2 Returns: -ENXIO missing VCPU feature", attr=A_INIT, needs=(), setup=(PLAIN_VCPU,),
        deviation=Deviation("vcpu.rst 1.2 gives -ENXIO for a missing vCPU feature and -ENODEV for 'PMUv3 not "
                            "supported': both describe this vCPU; pmu-emul.c kvm_arm_pmu_v3_set_attr answers every "
                            "attribute of a vCPU without the feature with -ENODEV first", ENODEV,
                            kind=DOCUMENT_CONTRADICTS_ITSELF)),
    pmu("pmu-init-twice", SET, "a second time", pmu_set(INIT), EBUSY,
        f"{PMU_RST} 1.2 Returns: -EBUSY PMUv3 already initialized", attr=A_INIT, setup=(PMU_VCPU, pmu_set(INIT))),
    pmu("pmu-init-irq-owned", SET, "the interrupt is the vCPU's virtual timer PPI (27), claimed by a first KVM_RUN",
        pmu_set(INIT), EEXIST, f"{PMU_RST} 1.2 Returns: -EEXIST interrupt number already used", attr=A_INIT,
        on=VGIC, setup=(*runnable(PMU_VCPU), run_vcpu(0, ok_errno=EINVAL), pmu_set(IRQ, i32(27)))),
    pmu("pmu-run-before-init", "KVM_RUN", "a PMU vCPU before KVM_ARM_VCPU_PMU_V3_INIT", run_vcpu(0), EINVAL,
        "pmu-emul.c: kvm_arm_pmu_v3_enable (!pmu.created); the first run claims the timer PPIs before it "
        "(arm.c kvm_arch_vcpu_run_pid_change), which pmu-init-irq-owned uses", attr=A_INIT, on=VGIC,
        basis="code", setup=(*runnable(PMU_VCPU),)),
    pmu("pmu-init-spi-beyond-vgic", SET, "SPI 1000: a valid SPI number the vGIC (224 SPIs) does not have",
        pmu_set(INIT), EINVAL, "vgic.c: kvm_vgic_set_owner, vgic_valid_spi (not among 1.2's errors)", attr=A_INIT,
        on=VGIC, basis="code", setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(IRQ, i32(1000)), VGIC_INIT)),

    # --- 1.3 KVM_ARM_VCPU_PMU_V3_FILTER -------------------------------------------------------------------
    pmu("pmu-filter", SET, "allow events [8, 16)", pmu_set(FILTER, GOOD_FILTER), 0, f"{PMU_RST} 1.3", attr=A_FILTER,
        setup=(PMU_VCPU,)),
    pmu("pmu-filter-deny-then-allow", SET, "a second range of the other action", pmu_set(FILTER, pmu_filter(
        0x20, 4, arm64.KVM_PMU_EVENT_DENY)), 0, f"{PMU_RST} 1.3: multiple ranges can be programmed", attr=A_FILTER,
        setup=(PMU_VCPU, pmu_set(FILTER, GOOD_FILTER))),
    pmu("pmu-filter-range-beyond", SET, "base 0xffff, 2 events: past the 16-bit event space", pmu_set(
        FILTER, pmu_filter(0xFFFF, 2)), EINVAL, f"{PMU_RST} 1.3 Returns: -EINVAL invalid filter range",
        attr=A_FILTER, setup=(PMU_VCPU,)),
    pmu("pmu-filter-bad-action", SET, "action 2", pmu_set(FILTER, pmu_filter(0, 1, 2)), EINVAL,
        f"{PMU_C}: the action is neither ALLOW nor DENY", attr=A_FILTER, basis="code", setup=(PMU_VCPU,)),
    pmu("pmu-filter-bad-pointer", SET, "attr.addr unreadable", pmu_set(FILTER, pointer=BAD_POINTER), EFAULT,
        f"{PMU_C}: copy_from_user (1.3 names no EFAULT)", attr=A_FILTER, basis="code", setup=(PMU_VCPU,)),
    pmu("pmu-filter-no-feature", SET, "vCPU without KVM_ARM_VCPU_PMU_V3 (no PMUv3 for it)",
        pmu_set(FILTER, GOOD_FILTER), ENODEV, f"{PMU_RST} 1.3 Returns: -ENODEV PMUv3 not supported", attr=A_FILTER,
        needs=(), setup=(PLAIN_VCPU,)),
    pmu("pmu-filter-gic-not-initialized", SET, "vGIC created, not initialised", pmu_set(FILTER, GOOD_FILTER),
        ENODEV, f"{PMU_RST} 1.3 Returns: -ENODEV {NOT_INIT_GIC}", attr=A_FILTER, on=VGIC,
        setup=(VGIC_DEVICE, PMU_VCPU),
        deviation=Deviation("vcpu.rst 1.3 gives -ENODEV when the GIC is not initialized; pmu-emul.c "
                            "kvm_arm_pmu_v3_set_attr tests the vGIC only for KVM_ARM_VCPU_PMU_V3_INIT and installs "
                            "the filter", SUCCEEDS)),
    pmu("pmu-filter-has-no-feature", HAS, "vCPU without KVM_ARM_VCPU_PMU_V3 (PMUv3 not configured)",
        attr(HAS, PMU_CTRL, FILTER), ENXIO, f"{PMU_RST} 1.3 Returns: -ENXIO PMUv3 not properly configured",
        attr=A_FILTER, needs=(), setup=(PLAIN_VCPU,)),
    pmu("pmu-filter-after-init", SET, "after KVM_ARM_VCPU_PMU_V3_INIT", pmu_set(FILTER, GOOD_FILTER), EBUSY,
        f"{PMU_RST} 1.3 Returns: -EBUSY PMUv3 already initialized", attr=A_FILTER, setup=(PMU_VCPU, pmu_set(INIT))),
    pmu("pmu-filter-after-run", SET, "on vCPU 1 after vCPU 0 ran", pmu_set(FILTER, GOOD_FILTER), EBUSY,
        f"{PMU_RST} 1.3 Returns: -EBUSY a VCPU has already run", attr=A_FILTER,
        setup=(PMU_VCPU, PMU_VCPU, pmu_set(INIT, vcpu=0), run_vcpu(0))),

    # --- 1.4 KVM_ARM_VCPU_PMU_V3_SET_PMU ------------------------------------------------------------------
    pmu("set-pmu", SET, "the host PMU's perf type", pmu_set(SET_PMU, PMU_TYPE), 0,
        f"{PMU_RST} 1.4: the PMU identifier is the perf 'type' of a host PMU", attr=A_SET_PMU, setup=(PMU_VCPU,)),
    pmu("set-pmu-unknown", SET, "perf type 0 (PERF_TYPE_HARDWARE, never a PMU instance's)",
        pmu_set(SET_PMU, i32(0)), ENXIO, f"{PMU_RST} 1.4 Returns: -ENXIO PMU not found", attr=A_SET_PMU,
        setup=(PMU_VCPU,)),
    pmu("set-pmu-bad-pointer", SET, "attr.addr unreadable", pmu_set(SET_PMU, pointer=BAD_POINTER), EFAULT,
        f"{PMU_RST} 1.4 Returns: -EFAULT error accessing the PMU identifier", attr=A_SET_PMU, setup=(PMU_VCPU,)),
    pmu("set-pmu-no-feature", SET, "vCPU without KVM_ARM_VCPU_PMU_V3 (no PMUv3 for it)", pmu_set(SET_PMU, i32(6)),
        ENODEV, f"{PMU_RST} 1.4 Returns: -ENODEV PMUv3 not supported", attr=A_SET_PMU, needs=(),
        setup=(PLAIN_VCPU,)),
    pmu("set-pmu-gic-not-initialized", SET, "vGIC created, not initialised", pmu_set(SET_PMU, PMU_TYPE), ENODEV,
        f"{PMU_RST} 1.4 Returns: -ENODEV {NOT_INIT_GIC}", attr=A_SET_PMU, on=VGIC, setup=(VGIC_DEVICE, PMU_VCPU),
        deviation=Deviation("vcpu.rst 1.4 gives -ENODEV when the GIC is not initialized; pmu-emul.c "
                            "kvm_arm_pmu_v3_set_pmu never looks at the vGIC and selects the PMU", SUCCEEDS)),
    pmu("set-pmu-after-init", SET, "after KVM_ARM_VCPU_PMU_V3_INIT", pmu_set(SET_PMU, PMU_TYPE), EBUSY,
        f"{PMU_RST} 1.4 Returns: -EBUSY PMUv3 already initialized", attr=A_SET_PMU, setup=(PMU_VCPU, pmu_set(INIT))),
    pmu("set-pmu-after-run", SET, "on vCPU 1 after vCPU 0 ran", pmu_set(SET_PMU, PMU_TYPE), EBUSY,
        f"{PMU_RST} 1.4 Returns: -EBUSY a VCPU has already run", attr=A_SET_PMU,
        setup=(PMU_VCPU, PMU_VCPU, pmu_set(INIT, vcpu=0), run_vcpu(0))),
    pmu("set-pmu-after-filter", SET, "the host's only PMU after an event filter", pmu_set(SET_PMU, PMU_TYPE), EBUSY,
        f"{PMU_RST} 1.4 Returns: -EBUSY an event filter has already been set; 'It isn't possible to set a PMU if "
        "a PMU event filter is already present'", attr=A_SET_PMU, setup=(PMU_VCPU, pmu_set(FILTER, GOOD_FILTER)),
        order_row=1,
        deviation=Deviation("vcpu.rst 1.4 refuses any PMU once an event filter is present (-EBUSY); pmu-emul.c "
                            "kvm_arm_pmu_v3_set_pmu refuses only a PMU other than the VM's current one, and the "
                            "filter already made the host's only PMU the current one", SUCCEEDS)),
]

NR_CITE = f"{PMU_RST} 1.5 KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS"
NR_KERNELS = "6.16+"
NR_CASES: list[Case] = [
    pmu("set-nr-counters", SET, "N = 1 after SET_PMU", pmu_set(SET_NR_COUNTERS, u32(1)), 0,
        f"{NR_CITE}: the maximum value PMCR_EL0.N takes", attr=A_NR, kernels=NR_KERNELS,
        setup=(PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE)), check=pmcr_n(1)),
    pmu("set-nr-counters-out-of-range", SET, "N = 32 (PMUv3 has at most 31 event counters)",
        pmu_set(SET_NR_COUNTERS, u32(32)), EINVAL, f"{NR_CITE} Returns: -EINVAL value of N out of range", attr=A_NR,
        kernels=NR_KERNELS, setup=(PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE))),
    pmu("set-nr-counters-no-pmu-selected", SET, "no SET_PMU before", pmu_set(SET_NR_COUNTERS, u32(1)), EINVAL,
        f"{NR_CITE} Returns: -EINVAL no PMUv3 explicitly selected", attr=A_NR, kernels=NR_KERNELS,
        setup=(PMU_VCPU,), order_row=1,
        deviation=Deviation("vcpu.rst 1.5 fails the attribute when no PMU was explicitly selected (-EINVAL); arm.c "
                            "kvm_setup_vcpu already gave the VM the default PMU at KVM_ARM_VCPU_INIT, so "
                            "pmu-emul.c kvm_arm_pmu_v3_set_nr_counters finds one and accepts N", SUCCEEDS)),
    pmu("set-nr-counters-default-pmu", SET, "no SET_PMU before: what the kernel does",
        pmu_set(SET_NR_COUNTERS, u32(1)), 0, "arm.c: kvm_setup_vcpu -> kvm_arm_set_default_pmu", attr=A_NR,
        kernels=NR_KERNELS, basis="code", setup=(PMU_VCPU,)),
    pmu("set-nr-counters-bad-pointer", SET, "attr.addr unreadable", pmu_set(SET_NR_COUNTERS, pointer=BAD_POINTER),
        EFAULT, f"{NR_CITE} Returns: -EFAULT", attr=A_NR, kernels=NR_KERNELS, setup=(PMU_VCPU,)),
    pmu("set-nr-counters-no-feature", SET, "vCPU without KVM_ARM_VCPU_PMU_V3", pmu_set(SET_NR_COUNTERS, u32(1)),
        ENODEV, f"{NR_CITE} Returns: -ENODEV PMUv3 not supported", attr=A_NR, kernels=NR_KERNELS, needs=(),
        setup=(PLAIN_VCPU,)),
    pmu("set-nr-counters-gic-not-initialized", SET, "vGIC created, not initialised", pmu_set(
        SET_NR_COUNTERS, u32(1)), ENODEV, f"{NR_CITE} Returns: -ENODEV {NOT_INIT_GIC}", attr=A_NR, on=VGIC,
        kernels=NR_KERNELS, setup=(VGIC_DEVICE, PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE)),
        deviation=Deviation("vcpu.rst 1.5 gives -ENODEV when the GIC is not initialized; pmu-emul.c "
                            "kvm_arm_pmu_v3_set_nr_counters never looks at the vGIC", SUCCEEDS)),
    pmu("set-nr-counters-after-init", SET, "after KVM_ARM_VCPU_PMU_V3_INIT", pmu_set(SET_NR_COUNTERS, u32(1)), EBUSY,
        f"{NR_CITE} Returns: -EBUSY PMUv3 already initialized", attr=A_NR, kernels=NR_KERNELS,
        setup=(PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE), pmu_set(INIT))),
    pmu("set-nr-counters-after-run", SET, "on vCPU 1 after vCPU 0 ran", pmu_set(SET_NR_COUNTERS, u32(1)), EBUSY,
        f"{NR_CITE} Returns: -EBUSY a VCPU has already run", attr=A_NR, kernels=NR_KERNELS,
        setup=(PMU_VCPU, PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE), pmu_set(INIT, vcpu=0), run_vcpu(0)),
        deviation=Deviation("vcpu.rst 1.5 refuses the attribute once a vCPU has run (-EBUSY); pmu-emul.c tests "
                            "only this vCPU's pmu.created, and kvm_arm_pmu_v3_set_nr_counters has no has-run test",
                            SUCCEEDS)),
    pmu("set-nr-counters-after-filter", SET, "after an event filter", pmu_set(SET_NR_COUNTERS, u32(1)), EBUSY,
        f"{NR_CITE} Returns: -EBUSY an event filter has already been set", attr=A_NR, kernels=NR_KERNELS,
        setup=(PMU_VCPU, pmu_set(SET_PMU, PMU_TYPE), pmu_set(FILTER, GOOD_FILTER)),
        deviation=Deviation("vcpu.rst 1.5 refuses the attribute once an event filter is set (-EBUSY); pmu-emul.c "
                            "kvm_arm_pmu_v3_set_nr_counters does not look at the filter", SUCCEEDS)),
    pmu("pmu-has-set-nr-counters", HAS, "on a PMU vCPU", attr(HAS, PMU_CTRL, SET_NR_COUNTERS), 0,
        "pmu-emul.c: kvm_arm_pmu_v3_has_attr", attr=A_NR, kernels=NR_KERNELS, basis="code", setup=(PMU_VCPU,)),
    pmu("set-nr-counters-unknown", SET, "attribute 4 before the kernel had SET_NR_COUNTERS",
        pmu_set(SET_NR_COUNTERS, u32(1)), ENXIO, f"{PMU_C}: the switch's default", attr=A_NR, kernels="6.1, 6.12",
        basis="code", setup=(PMU_VCPU,)),
]

TIMER_CASES: list[Case] = [
    timer("timer-get-vtimer-default", GET, "VTIMER before any set", attr(GET, TIMER_CTRL, VTIMER), 0,
          f"{TIMER_RST} 2.1: default 27", on=ARM, setup=(PLAIN_VCPU,), check=reads(27)),
    timer("timer-get-ptimer-default", GET, "PTIMER before any set", attr(GET, TIMER_CTRL, PTIMER), 0,
          f"{TIMER_RST} 2.1: default 30", attr=A_PTIMER, on=ARM, setup=(PLAIN_VCPU,), check=reads(30)),
    timer("timer-get-hvtimer-default", GET, "HVTIMER before any set", attr(GET, TIMER_CTRL, HVTIMER), 0,
          f"{TIMER_RST} 2.1 (7.2): default 28 (implemented, undocumented, in 6.12)", attr=A_HVTIMER, on=ARM,
          kernels="6.12+", setup=(PLAIN_VCPU,), check=reads(28)),
    timer("timer-get-hptimer-default", GET, "HPTIMER before any set", attr(GET, TIMER_CTRL, HPTIMER), 0,
          f"{TIMER_RST} 2.1 (7.2): default 26 (implemented, undocumented, in 6.12)", attr=A_HPTIMER, on=ARM,
          kernels="6.12+", setup=(PLAIN_VCPU,), check=reads(26)),
    timer("timer-set-vtimer", SET, "VTIMER to PPI 20", timer_set(VTIMER, 20), 0, f"{TIMER_RST} 2.1: a PPI",
          setup=(VGIC_DEVICE, PLAIN_VCPU)),
    timer("timer-set-reads-back", GET, "VTIMER after setting PPI 20", attr(GET, TIMER_CTRL, VTIMER), 0,
          f"{TIMER_RST} 2.1: setting overrides the default", setup=(VGIC_DEVICE, PLAIN_VCPU, timer_set(VTIMER, 20)),
          check=reads(20)),
    timer("timer-set-all-vcpus", GET, "vCPU 0's PTIMER after setting it through vCPU 1", attr(
        GET, TIMER_CTRL, PTIMER, vcpu=0), 0, f"{TIMER_RST} 2.1: configures all VCPUs created at that time",
          attr=A_PTIMER, setup=(VGIC_DEVICE, PLAIN_VCPU, PLAIN_VCPU, timer_set(PTIMER, 21)), check=reads(21)),
    timer("timer-set-hvtimer", SET, "HVTIMER to PPI 20", timer_set(HVTIMER, 20), 0, f"{TIMER_RST} 2.1 (7.2)",
          attr=A_HVTIMER, kernels="6.12+", setup=(VGIC_DEVICE, PLAIN_VCPU)),
    timer("timer-set-hptimer", SET, "HPTIMER to PPI 20", timer_set(HPTIMER, 20), 0, f"{TIMER_RST} 2.1 (7.2)",
          attr=A_HPTIMER, kernels="6.12+", setup=(VGIC_DEVICE, PLAIN_VCPU)),
    timer("timer-set-hvtimer-unknown", SET, "attribute 2 before the kernel had HVTIMER", timer_set(HVTIMER, 20),
          ENXIO, "arch_timer.c: kvm_arm_timer_set_attr default", attr=A_HVTIMER, kernels="6.1", basis="code",
          setup=(VGIC_DEVICE, PLAIN_VCPU)),
    timer("timer-spi", SET, "VTIMER to interrupt 32 (an SPI)", timer_set(VTIMER, 32), EINVAL,
          f"{TIMER_RST} 2.1 Returns: -EINVAL invalid timer interrupt number (must be a PPI)",
          setup=(VGIC_DEVICE, PLAIN_VCPU)),
    timer("timer-sgi", SET, "PTIMER to interrupt 15 (an SGI)", timer_set(PTIMER, 15), EINVAL,
          f"{TIMER_RST} 2.1 Returns: -EINVAL (16 <= intid < 32)", attr=A_PTIMER, setup=(VGIC_DEVICE, PLAIN_VCPU)),
    timer("timer-hptimer-spi", SET, "HPTIMER to interrupt 32", timer_set(HPTIMER, 32), EINVAL,
          f"{TIMER_RST} 2.1 Returns: -EINVAL", attr=A_HPTIMER, kernels="6.12+", setup=(VGIC_DEVICE, PLAIN_VCPU)),
    timer("timer-no-irqchip", SET, "no in-kernel irqchip", timer_set(VTIMER, 20), EINVAL,
          "arch_timer.c: kvm_arm_timer_set_attr tests irqchip_in_kernel first (2.1: 'when connected to an "
          "in-kernel virtual GIC')", on=ARM, basis="code", setup=(PLAIN_VCPU,)),
    timer("timer-bad-pointer", SET, "attr.addr unreadable", attr(SET, TIMER_CTRL, VTIMER, pointer=BAD_POINTER),
          EFAULT, "arch_timer.c: kvm_arm_timer_set_attr, get_user (2.1 names no EFAULT)", basis="code",
          setup=(VGIC_DEVICE, PLAIN_VCPU)),
    timer("timer-get-bad-pointer", GET, "attr.addr unwritable", attr(GET, TIMER_CTRL, VTIMER, pointer=BAD_POINTER),
          EFAULT, "arch_timer.c: kvm_arm_timer_get_attr, put_user", on=ARM, basis="code", setup=(PLAIN_VCPU,)),
    timer("timer-unknown-attr", SET, "attribute 4 with a valid PPI", attr(SET, TIMER_CTRL, 4, i32(20)), ENXIO,
          "arch_timer.c: kvm_arm_timer_set_attr default (after the PPI test)", basis="code",
          setup=(VGIC_DEVICE, PLAIN_VCPU)),
    timer("timer-unknown-attr-bad-irq", SET, "attribute 4 with interrupt 32: the number is tested first",
          attr(SET, TIMER_CTRL, 4, i32(32)), EINVAL, "arch_timer.c: kvm_arm_timer_set_attr", basis="code",
          setup=(VGIC_DEVICE, PLAIN_VCPU)),
    timer("timer-has", HAS, "VTIMER", attr(HAS, TIMER_CTRL, VTIMER), 0, "arch_timer.c: kvm_arm_timer_has_attr",
          on=ARM, basis="code", setup=(PLAIN_VCPU,)),
    timer("timer-has-unknown", HAS, "attribute 4", attr(HAS, TIMER_CTRL, 4), ENXIO,
          "arch_timer.c: kvm_arm_timer_has_attr", on=ARM, basis="code", setup=(PLAIN_VCPU,)),
    timer("timer-after-run", SET, "on the vCPU that ran", timer_set(VTIMER, 20), EBUSY,
          f"{TIMER_RST} 2.1 Returns: -EBUSY one or more VCPUs has already run", on=VGIC,
          setup=(*runnable(PLAIN_VCPU), run_vcpu(0)), order_row=1),
    # 2.1's "configure the interrupt numbers ... after creating all VCPUs": a rule for userspace, no errno. Set
    # before the last vCPU exists, the number reaches it from 6.12 (a VM-wide table), not in 6.1.
    timer("timer-before-last-vcpu", GET, "vCPU 1's PTIMER, set through vCPU 0 before vCPU 1 was created",
          attr(GET, TIMER_CTRL, PTIMER), 0,
          "arch_timer.c (6.12, 7.2): kvm_arm_timer_set_attr stores the PPI in kvm->arch.timer_data.ppi, which "
          "kvm_arm_timer_get_attr reads for every vCPU (timer_irq)", attr=A_PTIMER, basis="code", kernels="6.12+",
          setup=(VGIC_DEVICE, PLAIN_VCPU, timer_set(PTIMER, 21), PLAIN_VCPU), check=reads(21), order_row=1),
    timer("timer-before-last-vcpu-6.1", GET, "vCPU 1's PTIMER, set through vCPU 0 before vCPU 1 was created (6.1)",
          attr(GET, TIMER_CTRL, PTIMER), 0,
          "arch_timer.c (6.1): set_timer_irqs writes the vCPUs that exist; kvm_timer_vcpu_init gives a later vCPU "
          "the default PTIMER PPI (30)", attr=A_PTIMER, basis="code", kernels="6.1",
          setup=(VGIC_DEVICE, PLAIN_VCPU, timer_set(PTIMER, 21), PLAIN_VCPU), check=reads(30), order_row=1),
    timer("timer-after-other-vcpu-ran", SET, "on vCPU 1 after vCPU 0 ran", timer_set(PTIMER, 21), EBUSY,
          f"{TIMER_RST} 2.1 Returns: -EBUSY one or more VCPUs has already run", attr=A_PTIMER, on=VGIC,
          kernels="6.12+", setup=(*runnable(PLAIN_VCPU, PLAIN_VCPU), run_vcpu(0))),
    timer("timer-after-other-vcpu-ran-6.1", SET, "on vCPU 1 after vCPU 0 ran (6.1)", timer_set(PTIMER, 21), EBUSY,
          f"{TIMER_RST} 2.1 Returns: -EBUSY one or more VCPUs has already run", attr=A_PTIMER, on=VGIC,
          kernels="6.1", setup=(*runnable(PLAIN_VCPU, PLAIN_VCPU), run_vcpu(0)),
          deviation=Deviation("vcpu.rst 2.1 refuses the timer interrupts once any vCPU has run (-EBUSY); 6.1's "
                              "arch_timer.c kvm_arm_timer_set_attr tests only the calling vCPU's "
                              "timer_cpu.enabled, and rewrites every vCPU's interrupt, the one that ran included "
                              "(6.12 made it a VM-wide flag)", SUCCEEDS)),
    timer("timer-same-ppi-run", "KVM_RUN", "VTIMER and PTIMER on the same PPI", run_vcpu(0), EINVAL,
          f"{TIMER_RST} 2.1: the same PPI for different timers prevents the VCPUs from running; arch_timer.c "
          "kvm_timer_enable (timer_irqs_are_valid) returns EINVAL", on=VGIC, basis="code",
          setup=(*runnable(PLAIN_VCPU), timer_set(VTIMER, 27), timer_set(PTIMER, 27))),
]

PVTIME_CASES: list[Case] = [
    pvtime("pvtime-set", SET, "IPA 0x40 inside a memslot", attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x40)), 0,
           f"{PVTIME_RST}: 64-byte aligned, inside a guest memory region", setup=(MEMSLOT, PLAIN_VCPU)),
    pvtime("pvtime-get", GET, "after setting 0x40", attr(GET, PVTIME_CTRL, PVTIME_IPA), 0, f"{PVTIME_RST}",
           setup=(MEMSLOT, PLAIN_VCPU, attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x40))), check=reads(0x40, 8)),
    pvtime("pvtime-get-unset", GET, "before any set", attr(GET, PVTIME_CTRL, PVTIME_IPA), 0,
           "pvtime.c: kvm_arm_pvtime_get_attr returns the base, INVALID_GPA (all ones) until set", basis="code",
           setup=(PLAIN_VCPU,), check=reads(-1 & 0xFFFFFFFFFFFFFFFF, 8)),
    pvtime("pvtime-twice", SET, "a second base address", attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x80)), EEXIST,
           f"{PVTIME_RST} Returns: -EEXIST base address already set for this VCPU",
           setup=(MEMSLOT, PLAIN_VCPU, attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x40)))),
    pvtime("pvtime-other-vcpu", SET, "vCPU 1's base when vCPU 0 has one", attr(
        SET, PVTIME_CTRL, PVTIME_IPA, u64(0x80)), 0, f"{PVTIME_RST}: 'for this VCPU': one base per vCPU",
           setup=(MEMSLOT, PLAIN_VCPU, attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x40)), PLAIN_VCPU)),
    pvtime("pvtime-misaligned", SET, "IPA 0x20", attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x20)), EINVAL,
           f"{PVTIME_RST} Returns: -EINVAL base address not 64 byte aligned", setup=(MEMSLOT, PLAIN_VCPU)),
    pvtime("pvtime-twice-misaligned", SET, "a second base address, misaligned: alignment is tested first",
           attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x20)), EINVAL, "pvtime.c: kvm_arm_pvtime_set_attr", basis="code",
           setup=(MEMSLOT, PLAIN_VCPU, attr(SET, PVTIME_CTRL, PVTIME_IPA, u64(0x40)))),
    pvtime("pvtime-outside-memslots", SET, "an aligned IPA in no memslot", attr(
        SET, PVTIME_CTRL, PVTIME_IPA, u64(0x20000000)), EINVAL,
           "pvtime.c: kvm_arm_pvtime_set_attr, gfn_to_hva (3.1 requires a valid guest memory region; its "
           "Returns table names EINVAL for alignment only)", basis="code", setup=(MEMSLOT, PLAIN_VCPU)),
    pvtime("pvtime-bad-pointer", SET, "attr.addr unreadable", attr(SET, PVTIME_CTRL, PVTIME_IPA, pointer=BAD_POINTER),
           EFAULT, "pvtime.c: kvm_arm_pvtime_set_attr, get_user (3.1 names no EFAULT)", basis="code",
           setup=(PLAIN_VCPU,)),
    pvtime("pvtime-get-bad-pointer", GET, "attr.addr unwritable", attr(
        GET, PVTIME_CTRL, PVTIME_IPA, pointer=BAD_POINTER), EFAULT, "pvtime.c: kvm_arm_pvtime_get_attr, put_user",
           basis="code", setup=(PLAIN_VCPU,)),
    pvtime("pvtime-unknown-attr", SET, "attribute 1 of the PVTIME group", attr(SET, PVTIME_CTRL, 1, u64(0x40)), ENXIO,
           "pvtime.c: kvm_arm_pvtime_set_attr (the same test as 'not implemented')", basis="code",
           setup=(MEMSLOT, PLAIN_VCPU)),
    pvtime("pvtime-has", HAS, "PVTIME_IPA", attr(HAS, PVTIME_CTRL, PVTIME_IPA), 0,
           "pvtime.c: kvm_arm_pvtime_has_attr", basis="code", setup=(PLAIN_VCPU,)),
]

GROUP_CASES: list[Case] = [
    case("vcpu-unknown-group", SET, "group 0x100 on an arm64 vCPU", ARM, attr(SET, 0x100, 0, u64(0)), ENXIO,
         "guest.c: kvm_arm_vcpu_arch_set_attr default (api.rst 4.80: group unknown)", setup=(PLAIN_VCPU,),
         basis="code"),
    case("vcpu-unknown-group-get", GET, "group 0x100 on an arm64 vCPU", ARM, attr(GET, 0x100, 0), ENXIO,
         "guest.c: kvm_arm_vcpu_arch_get_attr default", setup=(PLAIN_VCPU,), basis="code"),
    case("vcpu-unknown-group-has", HAS, "group 0x100 on an arm64 vCPU", ARM, attr(HAS, 0x100, 0), ENXIO,
         "guest.c: kvm_arm_vcpu_arch_has_attr default", setup=(PLAIN_VCPU,), basis="code"),
    case("vcpu-attr-struct-bad-pointer", SET, "the struct kvm_device_attr unreadable", ARM, attr_struct_at(SET),
         EFAULT, "arm.c: kvm_arch_vcpu_ioctl, copy_from_user (api.rst 4.80 lists EFAULT for attr->addr only)",
         setup=(PLAIN_VCPU,), basis="code"),
]

SMCCC = f"{SMCCC_RST}"
SMCCC_C = "hypercalls.c: kvm_smccc_set_filter"
VENDOR_HYP = 0x86000000  # SMCCC fast call, owner 6 (standard hypervisor service calls), SMC32
SMCCC_CASES: list[Case] = [
    smccc("smccc-filter", SET, "deny one standard hypervisor function", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), 0, SMCCC),
    smccc("smccc-filter-fwd", SET, "forward 16 functions to userspace", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP + 0x10, 16, SMCCC_FWD_TO_USER), on="vm"), 0,
          f"{SMCCC}: KVM_SMCCC_FILTER_FWD_TO_USER"),
    smccc("smccc-filter-overlap", SET, "the same range twice", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), EEXIST,
          f"{SMCCC} Returns: EEXIST range intersects a previously inserted range",
          setup=(attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"),)),
    smccc("smccc-filter-overlap-partly", SET, "a range overlapping an inserted one by one function", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP + 3, 4), on="vm"), EEXIST,
          f"{SMCCC} Returns: EEXIST range intersects a previously inserted range",
          setup=(attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 4), on="vm"),)),
    smccc("smccc-filter-reserved-smc32", SET, "0x8000_0000 (Arm Architecture Calls, SMC32)", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(0x80000000, 1), on="vm"), EEXIST,
          f"{SMCCC} Returns: EEXIST range intersects a reserved range (0x8000_0000-0x8000_FFFF)"),
    smccc("smccc-filter-reserved-smc64", SET, "0xC000_FFFF, the last reserved SMC64 function", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(0xC000FFFF, 1, SMCCC_HANDLE), on="vm"), EEXIST,
          f"{SMCCC} Returns: EEXIST reserved range 0xC000_0000-0xC000_FFFF"),
    smccc("smccc-filter-after-run", SET, "after a vCPU ran", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), EBUSY,
          f"{SMCCC} Returns: EBUSY a vCPU in the VM has already run", setup=(PLAIN_VCPU, run_vcpu(0))),
    smccc("smccc-filter-empty", SET, "nr_functions 0", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 0), on="vm"), EINVAL,
          f"{SMCCC} Returns: EINVAL invalid filter configuration"),
    smccc("smccc-filter-wraps", SET, "base 0xffff_ffff, 2 functions: the range wraps", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(0xFFFFFFFF, 2), on="vm"), EINVAL,
          f"{SMCCC}: the range is not allowed to wrap; EINVAL invalid filter configuration"),
    smccc("smccc-filter-bad-action", SET, "action 3 (past FWD_TO_USER)", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1, 3), on="vm"), EINVAL,
          f"{SMCCC} Returns: EINVAL invalid filter configuration"),
    smccc("smccc-filter-pad", SET, "pad not zero", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1, pad=b"\x01" + bytes(14)), on="vm"), EINVAL,
          f"{SMCCC}: pad must be zero, KVM may return -EINVAL"),
    smccc("smccc-filter-bad-pointer", SET, "attr.addr unreadable", attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, pointer=BAD_POINTER, on="vm"), EFAULT,
          f"{SMCCC_C}: copy_from_user (vm.rst names no EFAULT)", basis="code"),
    smccc("smccc-unknown-attr", SET, "attribute 1 of KVM_ARM_VM_SMCCC_CTRL", attr(
        SET, SMCCC_CTRL, 1, smccc_filter(VENDOR_HYP, 1), on="vm"), ENXIO,
          "hypercalls.c: kvm_vm_smccc_set_attr default", basis="code"),
    smccc("smccc-has", HAS, "KVM_ARM_VM_SMCCC_FILTER", attr(HAS, SMCCC_CTRL, SMCCC_FILTER, on="vm"), 0,
          "hypercalls.c: kvm_vm_smccc_has_attr", basis="code"),
    smccc("smccc-get", GET, "the write-only filter", attr(GET, SMCCC_CTRL, SMCCC_FILTER, on="vm"), EINVAL,
          "arm.c: kvm_arch_vm_ioctl has no KVM_GET_DEVICE_ATTR (vm.rst: 'w/o'); its default is EINVAL",
          basis="code"),
    case("vm-unknown-group", SET, "group 1 on an arm64 VM fd", ARM, attr(SET, 1, 0, u64(0), on="vm"), ENXIO,
         "arm.c: kvm_vm_set_attr default", kernels="6.4+", basis="code"),
    case("vm-attr-6.1", SET, "KVM_SET_DEVICE_ATTR on a 6.1 arm64 VM fd", ARM, attr(
        SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), EINVAL,
         "arm.c (6.1): kvm_arch_vm_ioctl has no device attributes; its default is EINVAL", kernels="6.1",
         basis="code"),
]

# The read-back cases assert the documented round trip (vcpu.rst 4.1: userspace reads each vCPU's offset to migrate it,
# and sets it again on the destination) with no exception for any host. x86.c (6.1, 6.12, newest):
# kvm_arch_tsc_set_attr -> __kvm_synchronize_tsc -> kvm_vcpu_write_tsc_offset stores vcpu->arch.l1_tsc_offset, and
# kvm_arch_tsc_get_attr reads it back. The newest __kvm_synchronize_tsc returns early for a vCPU whose TSC is
# guest_tsc_protected: a TDX or SEV-SNP Secure TSC guest's (tdx.c / sev.c as posted; the newest vendor files were not
# read), never a vCPU of the default VM these cases create. A host whose KVM does otherwise fails them; a lab that
# knows its host does can declare that outside the spec (--known-host-issues, abi/target/known_issues.py).
TSC_CASES: list[Case] = [
    tsc("tsc-has", HAS, "KVM_VCPU_TSC_OFFSET", tsc_attr(HAS), 0,
        f"{TSC_RST}: the attribute exists with KVM_CAP_VCPU_ATTRIBUTES", setup=(create_vcpu(0),)),
    tsc("tsc-set", SET, "offset 0x12340000", tsc_attr(SET, u64(0x12340000)), 0, TSC_RST,
        setup=(create_vcpu(0),)),
    tsc("tsc-set-reads-back", GET, "after setting 0x12340000", tsc_attr(GET), 0,
        f"{TSC_RST}: read back on migration (step 2)",
        setup=(create_vcpu(0), tsc_attr(SET, u64(0x12340000))), check=reads(0x12340000, 8)),
    tsc("tsc-set-negative-reads-back", GET, "after setting -0x1000 (the offset is two's complement)",
        tsc_attr(GET), 0, f"{TSC_RST}: guest_tsc = host_tsc + offset, an offset below zero",
        setup=(create_vcpu(0), tsc_attr(SET, u64(-0x1000))), check=reads(-0x1000 & (2**64 - 1), 8)),
    tsc("tsc-get", GET, "a new vCPU's offset", tsc_attr(GET), 0,
        f"{TSC_RST}: step 2 reads the offset of every vCPU", setup=(create_vcpu(0),), check=written(8)),
    tsc("tsc-set-bad-pointer", SET, "attr.addr unreadable", tsc_attr(SET, pointer=BAD_POINTER),
        EFAULT, f"{TSC_RST} Returns: -EFAULT error reading the provided parameter address", setup=(create_vcpu(0),)),
    tsc("tsc-get-bad-pointer", GET, "attr.addr unwritable", tsc_attr(GET, pointer=BAD_POINTER),
        EFAULT, f"{TSC_RST} Returns: -EFAULT error writing the provided parameter address", setup=(create_vcpu(0),)),
    tsc("tsc-has-unknown", HAS, "attribute 1 of KVM_VCPU_TSC_CTRL", attr(HAS, TSC_CTRL, 1), ENXIO,
        f"{TSC_RST} Returns: -ENXIO attribute not supported", setup=(create_vcpu(0),)),
    tsc("tsc-set-unknown", SET, "attribute 1 of KVM_VCPU_TSC_CTRL", attr(SET, TSC_CTRL, 1, u64(0)), ENXIO,
        f"{TSC_RST} Returns: -ENXIO attribute not supported", setup=(create_vcpu(0),)),
    tsc("tsc-get-unknown", GET, "attribute 1 of KVM_VCPU_TSC_CTRL", attr(GET, TSC_CTRL, 1), ENXIO,
        f"{TSC_RST} Returns: -ENXIO attribute not supported", setup=(create_vcpu(0),)),
    tsc("tsc-unknown-group", SET, "group 1 on an x86_64 vCPU", attr(SET, 1, 0, u64(0)), ENXIO,
        "x86.c: kvm_vcpu_ioctl_device_attr (group other than KVM_VCPU_TSC_CTRL)", basis="code",
        setup=(create_vcpu(0),)),
    tsc("tsc-attr-struct-bad-pointer", SET, "the struct kvm_device_attr unreadable", attr_struct_at(SET), EFAULT,
        "x86.c: kvm_vcpu_ioctl_device_attr, copy_from_user", basis="code", setup=(create_vcpu(0),)),
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
