"""A kernel matrix in one run: `--guest-kernel` repeated (or `all`) runs each guest machine once per kernel of its
architecture, each (machine, kernel) a slot of its own with its own test ids, and one report holding them all."""

from __future__ import annotations

import contextlib
import json
import re
import types

import pytest
from test_report_robustness import Run

from abi import debian, machines
from abi.spec.coverage import documentation_kernel
from abi.target import plugin, provision
from abi.target.base import HostMissing
from abi.target.plugin import Pool, Slot

ARM = machines.offering("vgic-v3")
X86 = next(g for g in machines.GUESTS if g.arch == "x86_64")
LOCAL = machines.LOCAL.name


def options(**given):
    return types.SimpleNamespace(getoption=lambda name, default=None: given.get(name, default))


def test_guest_kernels_keep_the_order_given_expand_all_and_say_each_once():
    assert plugin.guest_kernels(options()) == [plugin.DEFAULT_KERNEL]
    assert plugin.guest_kernels(options(guest_kernels=["debian-sid", "debian-6.1", "debian-sid"])) == [
        "debian-sid", "debian-6.1"]
    assert plugin.guest_kernels(options(guest_kernels=["debian-6.12", "all"])) == [
        "debian-6.12", *(k for k in debian.KERNELS if k != "debian-6.12")]


@pytest.fixture
def image_arches(monkeypatch):
    """PATH kernels of a made-up architecture each, without files: the pairing is what is tested."""
    arches = {"/k/Image": "arm64", "/k/bzImage": "x86_64"}
    real = provision.kernel_arch
    monkeypatch.setattr(provision, "kernel_arch", lambda name: arches[name] if name in arches else real(name))
    return arches


def test_each_guest_machine_runs_once_per_kernel_and_the_host_once(image_arches):
    pool = Pool([LOCAL, ARM.name, X86.name], ["debian-6.1", "debian-sid"], None)
    assert pool.slots == [Slot(LOCAL), Slot(ARM.name, "debian-6.1"), Slot(ARM.name, "debian-sid"),
                          Slot(X86.name, "debian-6.1"), Slot(X86.name, "debian-sid")]
    with pytest.raises(ValueError, match="2 kernels"):
        pool.slot(ARM.name)  # ambiguous: a slot must be named
    assert pool.slot(LOCAL) == Slot(LOCAL)


def test_a_kernel_path_goes_to_the_guests_of_its_architecture_only(image_arches):
    pool = Pool([ARM.name, X86.name], ["debian-6.1", "/k/Image", "/k/bzImage"], "/k/modules")
    assert pool.slots == [Slot(ARM.name, "debian-6.1"), Slot(ARM.name, "/k/Image"),
                          Slot(X86.name, "debian-6.1"), Slot(X86.name, "/k/bzImage")]
    # --guest-modules belong to the PATH kernels: a Debian kernel brings its own.
    assert (pool.modules_for("debian-6.1"), pool.modules_for("/k/Image")) == (None, "/k/modules")


def test_a_machine_no_kernel_fits_keeps_one_slot_refused_in_one_line(image_arches, monkeypatch):
    monkeypatch.setattr(provision, "ensure_host_tools", lambda system: None)
    monkeypatch.setattr(provision, "check_kernel_option", lambda name, modules=None: ARM.boot.system)
    pool = Pool([ARM.name, X86.name], ["/k/Image"], None, named=set())
    assert pool.slots == [Slot(ARM.name, "/k/Image"), Slot(X86.name, "/k/Image")]
    assert pool.release(Slot(X86.name, "/k/Image")) == ""
    with pytest.raises(HostMissing, match="is a kernel for arm64 .*: no x86_64 guest kernel"):
        pool.get(Slot(X86.name, "/k/Image"))


def test_two_kernels_of_one_machine_have_test_ids_apart(monkeypatch):
    monkeypatch.setattr(provision, "ensure_host_tools", lambda system: None)
    monkeypatch.setattr(provision, "kernel_release", lambda kernel, modules, system: f"{kernel}-{system.arch}")
    pool = Pool([ARM.name], ["debian-6.1", "debian-sid"], None)
    assert [pool.test_id(s) for s in pool.slots] == [f"{ARM.name}@debian-6.1-arm64", f"{ARM.name}@debian-sid-arm64"]


def test_tests_come_target_by_target_in_the_order_of_the_slots(image_arches):
    """pytest orders spec cases module by module, every target in each; the run takes each target's tests in turn
    (the slots' order), tests without a target first, the order within a target kept."""
    pool = Pool([ARM.name, X86.name], ["debian-6.1", "debian-sid"], None)
    config = types.SimpleNamespace(stash={plugin._POOL: pool})

    def item(name, **params):
        return types.SimpleNamespace(name=name, callspec=types.SimpleNamespace(params=params))

    slots = pool.slots
    items = [item(f"{module}-{n}", spec_target=slot, case=module) for module in ("a", "b")
             for n, slot in enumerate(slots)]
    items += [types.SimpleNamespace(name="plain"), item("harness", target=slots[1])]
    plugin.pytest_collection_modifyitems(config, items)
    assert [i.name for i in items] == ["plain", "a-0", "b-0", "a-1", "b-1", "harness", "a-2", "b-2", "a-3", "b-3"]


class Guest:
    """A stand-in target: running until stopped, started again on request."""

    def __init__(self):
        self.running, self.starts, self.stops = False, 0, 0

    def start(self):
        self.running, self.starts = True, self.starts + 1

    def stop(self):
        self.running, self.stops = False, self.stops + 1


def test_a_guest_whose_tests_are_done_is_stopped_and_one_tests_come_back_to_keeps_all(image_arches, monkeypatch):
    pool = Pool([LOCAL, ARM.name, X86.name], ["debian-6.1"], None)
    local, arm, x86 = pool.slots
    guests = {arm: Guest(), x86: Guest()}
    monkeypatch.setattr(pool, "make", lambda slot: guests.get(slot) or Guest())
    monkeypatch.setattr(pool, "_check_features", lambda slot, target: None)
    monkeypatch.setattr(plugin, "uncaptured", lambda config: contextlib.nullcontext())
    for slot in (arm, arm, local, arm):
        pool.get(slot)
    assert (guests[arm].running, guests[arm].starts) == (True, 1), "the host's tests between leave the guest be"
    pool.get(x86)
    assert (guests[arm].running, guests[x86].running) == (False, True), "arm's tests are done: stopped"
    # Back to arm (tests in another order): it boots again, and from now on no guest is stopped.
    pool.get(arm)
    pool.get(x86)
    assert (guests[arm].starts, guests[arm].running, guests[x86].running, guests[x86].stops) == (2, True, True, 0)


def test_coverage_is_measured_against_the_newest_debian_documentation_of_the_run():
    assert documentation_kernel(["debian-6.1", "debian-sid", "/k/Image"]) == "debian-sid"
    assert documentation_kernel(["debian-6.12", "debian-6.1"]) == "debian-6.12"
    assert documentation_kernel(["/k/Image"]) == documentation_kernel(None) == "debian-6.1"
    assert documentation_kernel(["all"]) == list(debian.KERNELS)[-1]


GUEST_TEST = """
def test_release(target):
    assert target.info().kernel_release
"""


@pytest.mark.guest
def test_a_two_kernel_run_is_one_report_naming_both_kernels(tmp_path):
    """One guest machine on Debian 6.1 and sid, with two workers: a test per kernel, both releases in the JSON
    report, and the controller saying each kernel it provisioned and each boot, with times."""
    for kernel in ("debian-6.1", "debian-sid"):
        try:
            provision.assets(kernel, None, ARM.boot.system)
        except provision.TargetUnavailable as e:
            pytest.skip(str(e))
    (tmp_path / "test_t.py").write_text(GUEST_TEST)
    run = Run(tmp_path, ["test_t.py", "--target", ARM.name, "--guest-kernel", "debian-6.1", "--guest-kernel",
                         "debian-sid", "-n", "2", "--report-dir", str(tmp_path / "rep")])
    assert run.wait() == 0, run.output[-3000:]
    releases = {}
    for kernel in ("debian-6.1", "debian-sid"):
        releases[kernel] = provision.kernel_release(kernel, None, ARM.boot.system)
        assert f"arm64 guest kernel {kernel}: {releases[kernel]} (" in run.output
    assert "2 guests (1 machine x 2 kernels)" in run.output
    boots = next(line for line in run.output.splitlines() if line.startswith("guest boots"))
    # each kernel's guest came up once (its one test ran on one worker): one time each, not one per report phase
    assert all(re.search(rf"{re.escape(ARM.name)}@{re.escape(r)} \d+\.\d s(;|$)", boots)
               for r in releases.values()), boots
    (report,) = (tmp_path / "rep").glob("*.json")
    records = json.loads(report.read_text())["records"]
    assert sorted((r["target"], r["kernel_release"], r["outcome"]) for r in records) == sorted(
        (ARM.name, r, "passed") for r in releases.values())


# ---- riscv64: Debian has no riscv64 kernel of 6.1 -----------------------------------------------------------

RISCV = next(g for g in machines.GUESTS if g.arch == "riscv64")


def test_a_debian_kernel_an_architecture_lacks_is_no_slot_of_its_machine():
    """Debian 12 has no riscv64 port: `all` gives the riscv64 guest its two kernels, the others three each."""
    pool = Pool([ARM.name, RISCV.name], list(debian.KERNELS), None)
    assert [s.kernel for s in pool.slots if s.machine == ARM.name] == list(debian.KERNELS)
    assert [s.kernel for s in pool.slots if s.machine == RISCV.name] == ["debian-6.12", "debian-sid"]


@pytest.mark.parametrize("named", [False, True], ids=["under-all", "named"])
def test_a_machine_with_no_such_debian_kernel_says_so_in_one_line_skipped_under_all(named, monkeypatch):
    """--guest-kernel debian-6.1 alone: the riscv64 guest keeps one slot, refused without installing or fetching
    anything; a skip under `all`, an error when named, never a traceback."""
    def nothing(*args):
        raise AssertionError("a kernel that does not apply must not be provisioned")

    monkeypatch.setattr(provision, "ensure_host_tools", nothing)
    monkeypatch.setattr(provision, "debian_kernel", nothing)
    pool = Pool([RISCV.name], ["debian-6.1"], None, named={RISCV.name} if named else set())
    (slot,) = pool.slots
    assert slot == Slot(RISCV.name, "debian-6.1") and pool.release(slot) == ""
    line = ("--guest-kernel debian-6.1 does not apply to the riscv64 guests: Debian has no riscv64 kernel of that "
            "name (theirs: debian-6.12, debian-sid)")
    refusal = pytest.fail.Exception if named else pytest.skip.Exception
    with pytest.raises(refusal) as e:
        pool.running(slot)
    said = str(e.value)
    assert "\n" not in said and said.endswith(line)
    assert said.startswith(f"kvm-abi: {RISCV.name} cannot come up: ") if named else said == line
