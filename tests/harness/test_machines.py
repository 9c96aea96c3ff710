"""The machine registry: a declared profile is checked against what the kernel offers, the local machine is
selected by its probe, and each QEMU guest, probed once it runs, offers exactly what its record declares, so that a
machine known only by its probe (an arm64 host's own /dev/kvm) runs exactly the cases of the guest it equals.

The guest tests boot each guest machine once, privately; they skip with one line where QEMU or the guest kernel
cannot be had. The rest needs no guest: the local one needs this host's /dev/kvm, the others a fake kernel.
"""

import dataclasses
import errno
import fcntl
import itertools
import os

import pytest

from abi import kvm, machines
from abi.target.base import HostMissing, Result, TargetInfo, TargetUnavailable
from abi.target.plugin import COME_UP, Pool, private_guest
from abi.target.plugin import pool as plugin_pool

# How each feature is asked of a kernel, written out here independently of abi.machines' probes, so a test can ask
# /dev/kvm directly and a fake kernel can answer: a capability (KVM_CHECK_EXTENSION non-zero) or a device type
# (KVM_CREATE_DEVICE with KVM_CREATE_DEVICE_TEST succeeds in a new VM).
ASKED = {
    "irqchip": ("cap", kvm.KVM_CAP_IRQCHIP),
    "vgic-v2": ("device", kvm.KVM_DEV_TYPE_ARM_VGIC_V2),
    "vgic-v3": ("device", kvm.KVM_DEV_TYPE_ARM_VGIC_V3),
    "vgic-its": ("device", kvm.KVM_DEV_TYPE_ARM_VGIC_ITS),
    "mte": ("cap", kvm.KVM_CAP_ARM_MTE),
    "aia": ("device", kvm.KVM_DEV_TYPE_RISCV_AIA),
}
GUESTS = pytest.mark.parametrize("machine", machines.GUESTS, ids=lambda m: m.name)


def test_every_feature_is_asked_here():
    assert set(ASKED) == set(machines.FEATURES)


# ---- check: a declaration against an offer -----------------------------------------------------------------

@GUESTS
def test_check_accepts_the_declared_features(machine):
    machines.check(machine, frozenset(machine.features), "6.1.0-56-cloud-arm64")


def test_check_accepts_anything_for_a_machine_known_only_by_its_probe():
    machines.check(machines.LOCAL, frozenset(machines.FEATURES))
    machines.check(machines.LOCAL, frozenset())


def test_a_mismatch_is_one_line_naming_the_machine_both_lists_and_the_difference():
    m = machines.offering("vgic-v3", "vgic-its")
    offered = (m.features - {"vgic-its"}) | {"vgic-v2"}
    with pytest.raises(machines.FeatureMismatch) as e:
        machines.check(m, offered, "6.1.0-56-cloud-arm64")
    line = str(e.value)
    assert "\n" not in line
    assert line.startswith(f"{m.name} declares features {', '.join(sorted(m.features))}, "
                           f"but its kernel on 6.1.0-56-cloud-arm64 offers {', '.join(sorted(offered))} "
                           "(lacks vgic-its; also offers vgic-v2)"), line


def test_a_mismatch_says_none_for_an_empty_list():
    m = next(g for g in machines.GUESTS if not g.features)
    with pytest.raises(machines.FeatureMismatch, match=rf"^{m.name} declares features none, but its kernel offers "
                                                       r"irqchip \(also offers irqchip\)"):
        machines.check(m, frozenset({"irqchip"}))
    declared = machines.GUESTS[0]
    with pytest.raises(machines.FeatureMismatch, match=r"its kernel offers none \(lacks "):
        machines.check(declared, frozenset())


def test_the_x86_machine_is_an_amd_guest_whose_kvm_is_loaded_as_modules():
    """TCG emulates SVM, not VMX: the x86_64 guest's KVM is kvm_amd, a module of Debian's amd64 kernel, and an x86 KVM
    offers an in-kernel irqchip and no arm64 device."""
    (m,) = [g for g in machines.GUESTS if g.arch == "x86_64"]
    assert m.features == frozenset({"irqchip"})
    system = m.boot.system
    assert system is machines.qemu_system("x86_64") and system.kvm_modules == ("kvm_amd",)
    assert system.debian_arch == "amd64" and system.binary == "qemu-system-x86_64" and m.boot.cpu == "max"
    # The same --guest-kernel names as arm64's, each an amd64 package of the same channel.
    arm64 = machines.qemu_system("arm64").kernels
    assert system.kernels == {name: (channel, meta.replace("arm64", "amd64"))
                              for name, (channel, meta) in arm64.items()}
    assert all(not g.boot.system.kvm_modules for g in machines.GUESTS if g.arch == "arm64")  # built in


def test_a_pool_knows_each_architectures_guest_release_apart(monkeypatch):
    """Test ids carry the release: an arm64 and an x86_64 guest of the same --guest-kernel run different kernels."""
    from abi.target import provision

    monkeypatch.setattr(provision, "ensure_host_tools", lambda system: None)
    monkeypatch.setattr(provision, "kernel_release", lambda kernel, modules, system: f"6.1.0-cloud-{system.arch}")
    arm, x86 = machines.offering("vgic-v3"), next(g for g in machines.GUESTS if g.arch == "x86_64")
    pool = Pool([arm.name, x86.name], "debian-6.1", None)
    assert (pool.release(arm.name), pool.release(x86.name)) == ("6.1.0-cloud-arm64", "6.1.0-cloud-x86_64")


# ---- the local machine: its architecture and its probe ------------------------------------------------------

def asked_directly() -> frozenset[str]:
    """This host's features from /dev/kvm itself, with fcntl.ioctl: no target interface in between."""
    try:
        system = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        pytest.skip(f"/dev/kvm: {e.strerror}")
    try:
        offered = {n for n, (kind, cap) in ASKED.items()
                   if kind == "cap" and fcntl.ioctl(system, kvm.KVM_CHECK_EXTENSION, cap) > 0}
        vm = fcntl.ioctl(system, kvm.KVM_CREATE_VM, 0)
        try:
            for name, (kind, dev_type) in ASKED.items():
                if kind != "device":
                    continue
                try:
                    fcntl.ioctl(vm, kvm.KVM_CREATE_DEVICE,
                                kvm.kvm_create_device(type=dev_type, flags=kvm.KVM_CREATE_DEVICE_TEST))
                    offered.add(name)
                except OSError:
                    pass
        finally:
            os.close(vm)
    finally:
        os.close(system)
    return frozenset(offered)


def test_local_machine_is_the_hosts_architecture_and_its_probed_features():
    expected = asked_directly()
    pool = Pool([machines.LOCAL.name], "debian-6.1", None)
    try:
        arch, features = pool.machine(machines.LOCAL.name)
    finally:
        pool.stop()
    uname = os.uname().machine
    assert arch == {"aarch64": "arm64"}.get(uname, uname)
    assert features == expected


def test_a_guests_features_are_its_records_without_booting(monkeypatch):
    def boot(self, name):
        raise AssertionError(f"{name} was made (booted) to learn its features")

    monkeypatch.setattr(Pool, "make", boot)
    pool = Pool([m.name for m in machines.GUESTS], "debian-6.1", None)
    assert {m.name: pool.machine(m.name) for m in machines.GUESTS} == {
        m.name: (m.arch, m.features) for m in machines.GUESTS}
    assert pool.targets == {}


# ---- a guest whose kernel disagrees with its record ---------------------------------------------------------

class FakeGuest:
    """A guest machine's ioctl interface over a fake kernel that offers `offered` (as ASKED asks it)."""

    def __init__(self, name: str, offered: frozenset[str]):
        self.name, self.offered = name, offered
        self.running = False
        self.stops = 0
        self._fds = itertools.count(3)

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False
        self.stops += 1

    def info(self) -> TargetInfo:
        return TargetInfo(self.name, machines.named(self.name).arch, "6.1.0-fake")

    def open_kvm(self) -> int:
        return next(self._fds)

    def close(self, fd: int) -> int:
        return 0

    def capability(self, cap: int) -> int:  # Target.capability, uncached
        return self.ioctl(self.open_kvm(), kvm.KVM_CHECK_EXTENSION, cap).ret

    def ioctl(self, fd: int, request: int, arg=0) -> Result:
        if request == kvm.KVM_CHECK_EXTENSION:
            return Result(int(any(ASKED[n] == ("cap", arg) for n in self.offered)))
        if request == kvm.KVM_CREATE_VM:
            return Result(next(self._fds))
        if request == kvm.KVM_CREATE_DEVICE:
            offered = any(ASKED[n] == ("device", arg.type) for n in self.offered)
            return Result(0) if offered else Result(-1, errno.ENODEV)
        return Result(-1, errno.ENOTTY)


class FakePool(Pool):
    def __init__(self, fake: FakeGuest):
        super().__init__([fake.name], "debian-6.1", None)
        self.fake = fake

    def make(self, name):
        return self.fake


def test_the_fake_kernel_is_probed_as_it_is_told():
    for m in machines.GUESTS:
        assert machines.probe(FakeGuest(m.name, m.features)) == m.features
    assert machines.probe(FakeGuest(machines.GUESTS[0].name, frozenset(ASKED))) == frozenset(ASKED)


@GUESTS
def test_a_guest_offering_what_its_record_declares_comes_up(machine):
    pool = FakePool(FakeGuest(machine.name, machine.features))
    assert pool.get(machine.name) is pool.fake and pool.fake.running


@GUESTS
def test_a_guest_whose_kernel_disagrees_with_its_record_is_an_error_saying_both(machine):
    """Its tests were chosen by the record: the run must not go on with it, and it is never a skip."""
    other = frozenset(ASKED) - machine.features  # what the record leaves out, and none of what it declares
    pool = FakePool(FakeGuest(machine.name, other))
    with pytest.raises(machines.FeatureMismatch) as mismatch:
        machines.check(machine, other, "6.1.0-fake")
    with pytest.raises(TargetUnavailable) as e:
        pool.get(machine.name)
    assert not isinstance(e.value, HostMissing)
    assert str(e.value) == f"{machine.name}: {mismatch.value}"
    assert pool.fake.stops == 1 and not pool.fake.running
    with pytest.raises(TargetUnavailable) as again:  # remembered: not booted and probed once per test
        pool.get(machine.name)
    assert str(again.value) == str(e.value) and pool.fake.stops == 1
    with pytest.raises(pytest.fail.Exception) as refused:  # under `all` as when named: an error
        pool.running(machine.name)
    assert str(refused.value) == f"kvm-abi: {machine.name} {COME_UP}: {mismatch.value}"


# ---- each QEMU guest, probed --------------------------------------------------------------------------------

def selected(arch: str, features) -> set[tuple[str, str]]:
    """The (ioctl, case id) of every spec case a machine of `arch` offering `features` runs."""
    from abi.spec import registry

    return {(c.ioctl, c.id) for c in registry.cases() if c.runs_on(arch, features)}


@pytest.mark.guest
@GUESTS
def test_a_booted_guest_offers_its_declared_features_and_selects_as_a_probed_only_machine(
        request, machine, monkeypatch):
    """The probe of the running guest equals its record; and the same machine known only by its probe, as the local
    machine of an arm64 host is, selects exactly the cases its record selects."""
    guest = private_guest(request.config, machine.label)
    try:
        probed = machines.probe(guest)
        release = guest.info().kernel_release
        assert probed == machine.features, (
            f"{machine.name} on {release}: declares {', '.join(sorted(machine.features)) or 'none'}, the probe "
            f"finds {', '.join(sorted(probed)) or 'none'}")
        probed_only = dataclasses.replace(machine, features=None)
        monkeypatch.setattr(machines, "MACHINES",
                            tuple(probed_only if m is machine else m for m in machines.MACHINES))
        run = plugin_pool(request.config)
        kernel = run.kernels_for(machine.arch)[0]
        pool = Pool([machine.name], kernel, run.modules_for(kernel))
        pool.targets[pool.slot(machine.name)] = guest  # running: used as it is, not booted again
        arch, features = pool.machine(machine.name)
        assert (arch, features) == (machine.arch, probed)
        by_probe, by_record = selected(arch, features), selected(machine.arch, machine.features)
        assert by_probe, f"{machine.name} selects no case"
        assert by_probe == by_record, (f"only by the probe: {sorted(by_probe - by_record)[:5]}; only by the record: "
                                       f"{sorted(by_record - by_probe)[:5]}")
    finally:
        guest.stop()


def test_the_riscv64_machines_boot_debians_trixie_and_sid_kernels_their_kvm_a_module():
    """Debian 12 has no riscv64 port: the kernels and the userspace come from trixie (sid's kernel too), and without
    an in-kernel AIA a riscv64 KVM offers none of the features."""
    plain, aia = [g for g in machines.GUESTS if g.arch == "riscv64"]
    assert plain.features == frozenset()
    system = plain.boot.system
    assert system is machines.qemu_system("riscv64") is aia.boot.system and system.kvm_modules == ("kvm",)
    assert system.kernels == {"debian-6.12": ("trixie", "linux-image-riscv64"),
                              "debian-sid": ("sid", "linux-image-riscv64")}
    assert system.userspace == machines.Userspace("trixie", "python3.13")
    assert "python3.13-minimal" in system.userspace.packages
    assert all(g.boot.system.userspace == machines.BOOKWORM for g in machines.GUESTS if g.arch != "riscv64")
    for m in (plain, aia):
        assert m.boot.cpu == "rv64,h=true" and ("-bios", "default") == m.boot.extra
    assert plain.boot.machine == "virt" and not plain.boot.edits_device_tree


def test_the_riscv64_aia_machine_has_imsic_guest_files_and_no_goldfish_rtc():
    """KVM's AIA device needs Ssaia, which QEMU's virt machine gives with an IMSIC (aia=aplic-imsic; aia=aplic alone
    leaves the guest without it), and guest interrupt files to offer; KVM_CAP_IRQCHIP follows the device."""
    (m,) = [g for g in machines.GUESTS if "aia" in g.features]
    assert m.arch == "riscv64" and m.features == frozenset({"irqchip", "aia"})
    options = dict(o.partition("=")[::2] for o in m.boot.machine.split(",")[1:])
    assert m.boot.machine.startswith("virt,") and options["aia"] == "aplic-imsic" and int(options["aia-guests"]) > 0
    assert m.boot.dt_disabled == ("google,goldfish-rtc",) and m.boot.edits_device_tree


def test_a_built_kernel_without_a_features_options_leaves_its_machine_out():
    """validate skips a machine whose features its built kernel cannot have (a 6.1 riscv64 tree has no IMSIC)."""
    aia, plain = machines.named("qemu-riscv64-aia"), machines.named("qemu-riscv64")
    assert machines.config_lacking(aia, {}) == ["CONFIG_RISCV_IMSIC", "CONFIG_RISCV_APLIC_MSI"]
    assert machines.config_lacking(aia, {"CONFIG_RISCV_IMSIC": "y", "CONFIG_RISCV_APLIC_MSI": "n"}) == [
        "CONFIG_RISCV_APLIC_MSI"]
    assert machines.config_lacking(aia, {"CONFIG_RISCV_IMSIC": "y", "CONFIG_RISCV_APLIC_MSI": "y"}) == []
    assert machines.config_lacking(plain, {}) == []
    assert machines.config_lacking(machines.named("qemu-arm64-mte"), {"CONFIG_ARM64_MTE": "m"}) == []
