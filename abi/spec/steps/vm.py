"""Steps on a VM fd: vCPUs, memory slots, irqchips, devices, capabilities enabled, eventfds and device addresses."""

from __future__ import annotations

from abi import arm64, kvm
from abi.spec.case import Scene, Step, Val, val
from abi.spec.steps.base import step
from abi.target.base import Result


def create_vcpu(vcpu_id: int) -> Step:
    def run(s: Scene) -> Result:
        got = s.ioctl(s.vm, kvm.KVM_CREATE_VCPU, vcpu_id)
        if got.ok:
            s.vcpus.append(got.ret)
        return got

    return step(f"KVM_CREATE_VCPU({vcpu_id})", run)


def create_vcpus(n: int) -> Step:
    def run(s: Scene) -> Result:
        got = Result(0)
        for i in range(n):
            got = create_vcpu(i)(s)
            if not got.ok:
                return got
        return got

    return step(f"KVM_CREATE_VCPU(0..{n - 1})", run)


IRQCHIP = step("KVM_CREATE_IRQCHIP", lambda s: s.ioctl(s.vm, kvm.KVM_CREATE_IRQCHIP, 0))


def enable_cap(cap: int | str, arg0: Val | int = 0, flags: int = 0, ok_errno: int = 0, shown: str = "") -> Step:
    """KVM_ENABLE_CAP on the VM fd: capability `cap` (a number, or its KVM_CAP_ name), args[0] = arg0."""
    name = cap if isinstance(cap, str) else ""
    number = getattr(kvm, cap) if isinstance(cap, str) else cap
    arg0 = val(arg0)
    text = shown or name.removeprefix("KVM_CAP_") or f"{number}"
    extra = f", args[0]={arg0}" if str(arg0) != "0" else ""
    extra += f", flags={flags:#x}" if flags else ""
    return step(f"KVM_ENABLE_CAP({text}{extra})",
                lambda s: s.ioctl(s.vm, kvm.KVM_ENABLE_CAP,
                                  kvm.kvm_enable_cap(cap=number, flags=flags, args=(arg0(s), 0, 0, 0))), ok_errno)


# x86: 32-bit x2APIC IDs in KVM_SET_LAPIC and MSI routing (api.rst 7.x KVM_CAP_X2APIC_API).
X2APIC_32BIT = step("KVM_ENABLE_CAP(KVM_CAP_X2APIC_API, USE_32BIT_IDS)",
                    lambda s: s.ioctl(s.vm, kvm.KVM_ENABLE_CAP, kvm.kvm_enable_cap(
                        cap=kvm.KVM_CAP_X2APIC_API, args=(kvm.KVM_X2APIC_API_USE_32BIT_IDS, 0, 0, 0))))


def memory_region(slot: int, gpa: int, size: int, flags: int = 0, data: bytes = b"", at: int = 0,
                  name: str = "") -> Step:
    """KVM_SET_USER_MEMORY_REGION of `size` bytes of fresh target memory at `gpa`, holding `data` at offset `at`;
    the host address is known to later steps as `name` (default "slot<N>")."""
    def run(s: Scene) -> Result:
        host = s.target.alloc(size)
        if data:
            s.target.write(host + at, data)
        s.memory[name or f"slot{slot}"] = host
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, kvm.kvm_userspace_memory_region(
            slot=slot, flags=flags, guest_phys_addr=gpa, memory_size=size, userspace_addr=host))

    what = f", {len(data)} bytes of code at {gpa + at:#x}" if data else ""
    more = f", flags {flags:#x}" if flags else ""
    return step(f"KVM_SET_USER_MEMORY_REGION(slot {slot} at {gpa:#x}, {size:#x} bytes{more}{what})", run)


def eventfd(name: str = "efd", initval: int = 0) -> Step:
    """An eventfd in the target's process, known to the scene as `name` and closed with it; `initval` non-zero: an
    event already pending, which KVM_IRQFD delivers as soon as it is assigned (eventfd.c kvm_irqfd_assign)."""
    def run(s: Scene) -> Result:
        return Result(s.keep(s.target.eventfd(initval), name))

    return step(f"eventfd({initval}) as {name}", run)


def efd(name: str = "efd") -> Val:
    """The fd of the scene's eventfd `name`."""
    return Val(name, lambda s: s.named[name])


def close_eventfd(name: str = "efd") -> Step:
    """Close the eventfd `name` now: later steps no longer know it."""
    def run(s: Scene) -> Result:
        fd = s.named.pop(name)
        s.others.remove(fd)
        err = s.target.close(fd)
        return Result(-1, err) if err else Result(0)

    return step(f"close({name})", run)


# --- devices and the addresses of arm64's vGIC ---------------------------------------------------------------

DEVICE_NAMES = {kvm.KVM_DEV_TYPE_ARM_VGIC_V2: "VGIC_V2", kvm.KVM_DEV_TYPE_ARM_VGIC_V3: "VGIC_V3",
                kvm.KVM_DEV_TYPE_ARM_VGIC_ITS: "VGIC_ITS", kvm.KVM_DEV_TYPE_VFIO: "VFIO"}


def create_device(dev_type: int = kvm.KVM_DEV_TYPE_ARM_VGIC_V2, flags: int = 0, name: str = "") -> Step:
    """KVM_CREATE_DEVICE; the device fd (not with KVM_CREATE_DEVICE_TEST) becomes the scene's device, known to later
    steps as `name` when given."""
    def run(s: Scene) -> Result:
        got = s.ioctl(s.vm, kvm.KVM_CREATE_DEVICE, kvm.kvm_create_device(type=dev_type, flags=flags))
        if got.ok and not flags & kvm.KVM_CREATE_DEVICE_TEST:
            s.add_device(got.struct(kvm.kvm_create_device).fd, dev_type, name)
        return got

    test = " TEST" if flags & kvm.KVM_CREATE_DEVICE_TEST else ""
    what = DEVICE_NAMES.get(dev_type, f"type {dev_type}")
    return step(f"KVM_CREATE_DEVICE({what}{test})" + (f" as {name}" if name else ""), run)


def _host_vgic(s: Scene) -> Result:
    """The host's vGIC as a device: VGIC_V3 where the kernel emulates one, else VGIC_V2 (asked of the kernel)."""
    got = Result(-1, errno=19)
    for dev_type in (kvm.KVM_DEV_TYPE_ARM_VGIC_V3, kvm.KVM_DEV_TYPE_ARM_VGIC_V2):
        got = create_device(dev_type)(s)
        if got.ok:
            return got
    return got


HOST_VGIC = step("KVM_CREATE_DEVICE(VGIC_V3, or VGIC_V2 where the host has no GICv3 emulation)", _host_vgic)

ADDR_NAMES = {arm64.KVM_VGIC_V2_ADDR_TYPE_DIST: "DIST", arm64.KVM_VGIC_V2_ADDR_TYPE_CPU: "CPU"}


def device_id(addr_type: int, device: int = arm64.KVM_ARM_DEVICE_VGIC_V2, high: int = 0) -> int:
    return (high << 32) | (device << arm64.KVM_ARM_DEVICE_ID_SHIFT) | (addr_type << arm64.KVM_ARM_DEVICE_TYPE_SHIFT)


def set_addr(addr_type: int, addr, device: int = arm64.KVM_ARM_DEVICE_VGIC_V2, high: int = 0,
             ok_errno: int = 0) -> Step:
    """KVM_ARM_SET_DEVICE_ADDR with id = (device << 16) | type, plus `high` in bits 63:32."""
    addr = val(addr)
    ident = device_id(addr_type, device, high)
    what = ADDR_NAMES.get(addr_type, f"type {addr_type:#x}") if device == arm64.KVM_ARM_DEVICE_VGIC_V2 \
        else f"id {ident:#x}"
    if high:
        what = f"id {ident:#x}"
    return step(f"SET_DEVICE_ADDR({what}, {addr})",
                lambda s: s.ioctl(s.vm, kvm.KVM_ARM_SET_DEVICE_ADDR,
                                  kvm.kvm_arm_device_addr(id=ident, addr=addr(s))), ok_errno)


def set_addr_at(pointer: Val) -> Step:
    """KVM_ARM_SET_DEVICE_ADDR whose argument pointer is `pointer` (a guard page: nothing readable)."""
    return step(f"SET_DEVICE_ADDR(arg={pointer})",
                lambda s: s.ioctl(s.vm, kvm.KVM_ARM_SET_DEVICE_ADDR, pointer(s)))


# --- values that depend on the VM ----------------------------------------------------------------------

def ipa_bits(s: Scene) -> int:
    """The VM's IPA size: KVM_VM_TYPE_ARM_IPA_SIZE(type), 40 when the type leaves it 0 (api.rst 4.2)."""
    return kvm.KVM_VM_TYPE_ARM_IPA_SIZE(s.vm_type) or 40


def ipa_limit(s: Scene) -> int:
    return s.cap(kvm.KVM_CAP_ARM_VM_IPA_SIZE)


def ipa_end(minus: int = 0, plus: int = 0) -> Val:
    text = "2^n" + (f" - {minus:#x}" if minus else "") + (f" + {plus:#x}" if plus else "")
    return Val(text, lambda s: (1 << ipa_bits(s)) - minus + plus)


# x86: the local APICs in the kernel, the IOAPIC and PIC in userspace, with routes for 24 IOAPIC pins reserved (api.rst
# 7.x KVM_CAP_SPLIT_IRQCHIP); like KVM_CREATE_IRQCHIP it must precede the first vCPU.
SPLIT_IRQCHIP = enable_cap("KVM_CAP_SPLIT_IRQCHIP", 24)

VCPU0 = create_vcpu(0)


def signal_msi(address: int, data: int = 0, devid: int | None = None, flags: int | None = None) -> Step:
    """KVM_SIGNAL_MSI of a message written to the 64-bit `address` with `data`, from device `devid` when given (flag
    KVM_MSI_VALID_DEVID: an ITS needs it, api.rst 4.71); `flags` replaces the flags that follow from that."""
    flags = flags if flags is not None else kvm.KVM_MSI_VALID_DEVID if devid is not None else 0
    msi = kvm.kvm_msi(address_lo=address & 0xFFFFFFFF, address_hi=address >> 32, data=data, flags=flags,
                      devid=devid or 0)
    shown = f", devid {devid}" if devid is not None else ""
    return step(f"KVM_SIGNAL_MSI(address {address:#x}, data {data:#x}{shown}, flags {flags:#x})",
                lambda s: s.ioctl(s.vm, kvm.KVM_SIGNAL_MSI, msi))
