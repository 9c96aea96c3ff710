"""The guest profiles: one list, named the same by the target, the plugin, the spec machines and the coverage,
and a QEMU command line this QEMU accepts for each (no guest is booted)."""

import os
import shutil
import subprocess
import tempfile

import pytest

from abi import machines
from abi.spec import coverage
from abi.target import plugin, provision
from abi.target.qemu import machine_args

PROFILES = [m.label for m in machines.GUESTS]


def test_every_guest_machine_is_a_target_and_its_architecture_counted():
    assert plugin.ALL == machines.NAMES  # every machine can be named with --target
    # `all`, the default, runs every machine whose record does not opt out
    assert plugin.DEFAULT == tuple(m.name for m in machines.MACHINES if m.default)
    assert len(set(machines.NAMES)) == len(machines.NAMES) and len({m.label for m in machines.MACHINES}) == len(
        machines.MACHINES)
    assert {machines.arch_of(m) for m in machines.GUESTS} <= set(machines.ARCHES)
    assert set(coverage.DOC_ARCH) == set(machines.ARCHES)  # coverage counts every architecture
    # A guest boots with its own architecture's QEMU and kernels.
    assert all(m.boot.system.arch == m.arch for m in machines.GUESTS)


def _machine(profile: str) -> str:
    args = machine_args(profile)
    return args[args.index("-M") + 1]


def test_mte_profile_is_gicv3_with_mte():
    assert _machine("mte") == "virt,virtualization=on,gic-version=3,mte=on"
    assert _machine("gicv3") == "virt,virtualization=on,gic-version=3"
    assert all("mte" not in _machine(p) for p in PROFILES if p != "mte")


@pytest.mark.parametrize("profile", [m.label for m in machines.GUESTS if m.arch == "arm64"])
def test_qemu_accepts_the_machine(profile):
    """QEMU builds each arm64 machine (mte=on together with virtualization=on included): dumping its device tree is
    enough, and takes a fraction of a second."""
    if not shutil.which(provision.QEMU):
        pytest.skip(f"{provision.QEMU} not installed (Debian package {provision.SYSTEM.package})")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "virt.dtb")
        args = machine_args(profile)
        args[args.index("-M") + 1] += f",dumpdtb={out}"
        done = subprocess.run([provision.QEMU, *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and os.path.getsize(out) > 0, done.stderr


@pytest.mark.parametrize("machine", [m for m in machines.GUESTS if m.arch != "arm64"], ids=lambda m: m.name)
def test_qemu_accepts_a_machine_without_a_device_tree(machine):
    """A machine with no device tree to dump (q35): QEMU, stopped before the first instruction (-S), still running
    after a second has accepted every option; a refused one ends it at once."""
    binary = machine.boot.system.binary
    if not shutil.which(binary):
        pytest.skip(f"{binary} not installed (Debian package {machine.boot.system.package})")
    args = [binary, *machine_args(machine.label), "-S", "-device", machine.boot.system.serial_device]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        out, _ = proc.communicate(timeout=1.0)
        pytest.fail(f"{binary} refused {machine.name}'s options (status {proc.returncode}): {out.strip()}")
    except subprocess.TimeoutExpired:
        pass
    finally:
        proc.kill()
        proc.communicate()


class _Options:
    def __init__(self, targets):
        self.targets = targets

    def getoption(self, name):
        return getattr(self, name)


def test_all_leaves_out_an_opt_in_machine_which_can_still_be_named(monkeypatch):
    # Every machine is in `all` today: one made opt-in (as its record's default=False would) shows the rule.
    opt_in = [machines.GUESTS[-1].name]
    monkeypatch.setattr(plugin, "DEFAULT", tuple(n for n in plugin.DEFAULT if n not in opt_in))
    assert plugin.selected(_Options(None)) == list(plugin.DEFAULT) == plugin.selected(_Options(["all"]))
    assert not set(opt_in) & set(plugin.selected(_Options(None)))
    assert plugin.selected(_Options(["all", opt_in[0]])) == [*plugin.DEFAULT, opt_in[0]]
