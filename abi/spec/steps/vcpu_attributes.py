"""A vCPU fd's device attributes (devices/vcpu.rst: PMU, timer, PV time, x86 TSC) and the arm64 VM's SMCCC filter
(devices/vm.rst)."""

from __future__ import annotations

import struct
from errno import EINTR

from abi import arm64, kvm, layout, x86
from abi.spec.case import (
    Scene,
    Step,
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

GOOD_FILTER = pmu_filter(0x8, 0x8)  # events [8, 16): inside even PMUv3.0's 10-bit event space

NOT_INIT_GIC = "GIC not initialized"

NR_CITE = f"{PMU_RST} 1.5 KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS"

NR_KERNELS = "6.16+"

SMCCC = f"{SMCCC_RST}"

SMCCC_C = "hypercalls.c: kvm_smccc_set_filter"

VENDOR_HYP = 0x86000000  # SMCCC fast call, owner 6 (standard hypervisor service calls), SMC32
