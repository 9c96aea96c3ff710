"""pytest wiring for targets: --target/--guest-kernel/--guest-modules, the `target`, `kvm`, `vm` fixtures, and
the report hooks that put the target, its kernel release and (after a crash) the guest's console in reports.

Each pytest process (each pytest-xdist worker) has its own `Pool`: guests are booted lazily on first use, reused
while the tests are theirs (tests come target by target), stopped when the tests move on to another guest or the
session ends; nothing is shared between workers. A target that
cannot run here is remembered with its one-line reason. Every test on it is skipped with that line only when the
target came from `--target all` and what is missing is the host's (no QEMU, no /dev/kvm: HostMissing); a target
named with `--target`, or a broken kernel or cache, errors every test on it with that line (the first error carries
the guest console's last lines), and the terminal summary says it once: the run does not end green.

SIGTERM (a CI timeout), SIGHUP and SIGINT (Ctrl-C) stop a run alike, in the controller and in every worker
(`Stopper`): the test in flight is interrupted, no test and no guest starts any more, fixtures are torn down,
guests stopped and their temp dirs removed, and the controller writes the reports of what ran, marked interrupted.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass

import pytest

from abi import machines, scratch
from abi.target import provision, qemu
from abi.target.base import HostMissing, Stopping, Target, TargetLost, TargetUnavailable
from abi.target.qemu import CONSOLE_LINES, QemuTarget

LOCAL = machines.LOCAL.name
# `all` (the default) is every machine of the registry whose record does not opt out (default=False), mte included:
# on 2 cores with debian-6.1 it took the whole conformance suite from 32 s (local and three guests) to 38.5 s, for
# 125 more test runs, MTE_COPY_TAGS' documented errors among them (a later pair, with more specs and other guests
# running: 41 s without, 39 s with, i.e. within the noise).
ALL = machines.NAMES
DEFAULT = tuple(m.name for m in machines.MACHINES if m.default)  # what `all` selects
DEFAULT_KERNEL = "debian-6.1"


def pytest_addoption(parser):
    group = parser.getgroup("kvm-abi targets")
    group.addoption("--target", action="append", dest="targets", metavar="NAME",
                    choices=[*ALL, "all"],
                    help="where the ioctls run (repeatable): "
                         + "; ".join(f"{m.name} ({m.summary})" for m in machines.MACHINES)
                         + "; or all = every target available on this machine"
                         + "".join(f" except {m.name}" for m in machines.MACHINES if not m.default)
                         + " (default: all)")
    arches = " or ".join(s.arch for s in machines.SYSTEMS)
    group.addoption("--guest-kernel", action="append", dest="guest_kernels", metavar="NAME|PATH",
                    help=f"guest kernel (repeatable: every guest machine runs once per kernel, one report): "
                         f"{'|'.join(provision.KERNELS)} (Debian's cloud kernels, each guest's architecture's), "
                         f"all (those three), or the path of a kernel image ({arches}) with KVM built in, for the "
                         f"guests of its architecture (default: {DEFAULT_KERNEL})")
    group.addoption("--guest-modules", default=None, metavar="DIR",
                    help="modules for a --guest-kernel PATH whose virtio console driver is a module")


def guest_kernels(config) -> list[str]:
    """The --guest-kernel values in the order given, `all` expanded, each once (the default when none)."""
    out: list[str] = []
    for given in config.getoption("guest_kernels", None) or [DEFAULT_KERNEL]:
        for name in provision.KERNELS if given == "all" else (given,):
            if name not in out:
                out.append(name)
    return out


@pytest.hookimpl(trylast=True)  # after the terminal reporter exists: a usage error is then printed cleanly
def pytest_configure(config):
    config.addinivalue_line("markers", "guest: needs a QEMU guest; skipped with one line when there is none")
    kernels, modules = guest_kernels(config), config.getoption("guest_modules")
    try:
        for kernel in kernels:
            provision.check_kernel_option(kernel, modules if kernel not in provision.KERNELS else None)
        if modules and all(k in provision.KERNELS for k in kernels):
            provision.check_kernel_option(kernels[0], modules)  # says that --guest-modules needs a PATH
    except TargetUnavailable as e:
        raise pytest.UsageError(str(e)) from None
    config.stash[_POOL] = Pool(selected(config), kernels, modules, config, explicit(config))
    stopper = config.stash[_STOPPER] = Stopper(not hasattr(config, "workerinput"))
    stopper.install()
    config.add_cleanup(stopper.uninstall)  # after every pytest_unconfigure: the reports are written by then


def pytest_unconfigure(config):
    pool = config.stash.get(_POOL, None)
    if pool:
        pool.stop()
    if not hasattr(config, "workerinput"):
        scratch.sweep("qemu")  # the temp dirs of workers that were killed (a crash, or too slow to come down)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class Stopper:
    """The first stop signal raises Stopping where it finds the main thread (pytest then ends the session as after
    Ctrl-C), and from then on no guest starts; the controller passes the signal on to its pytest-xdist workers,
    which would otherwise finish their test first and be killed after xdist's timeout, leaving their temp dirs.
    A repeat while stopping is ignored, said in one line: the shutdown is bounded (no new guest, xdist's 10 s for
    its workers) and must not be cut short while it writes the reports. So is a signal once the session finishes
    (every test has ended): raising there would skip the hooks that write the JUnit XML and the HTML report."""

    def __init__(self, controller: bool):
        self.controller = controller
        self.signal = ""  # the name of the signal that stopped the run
        self.finishing = False  # pytest_sessionfinish has begun
        self.workers: dict[str, int] = {}  # pytest-xdist gateway id -> pid
        self._previous: dict[int, object] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in STOP_SIGNALS:
            # Only where no one else handles it (SIG_IGN stays: a background job ignores Ctrl-C).
            if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler, qemu._on_signal):
                self._previous[sig] = signal.signal(sig, self.handle)

    def uninstall(self) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def handle(self, signum, frame) -> None:
        name = signal.Signals(signum).name
        if self.signal or self.finishing:
            if self.controller:
                os.write(2, f"\nkvm-abi: {name} while the run ends: ignored (writing the reports)\n".encode())
            if not self.signal:  # the workers still come down at once
                self.signal = name
                qemu.stop_starting(name)
                self._forward(signum)
            return
        self.signal = name
        qemu.stop_starting(name)
        self._forward(signum)
        raise Stopping(name)  # said in one line by pytest_keyboard_interrupt, once pytest's capture is off

    def _forward(self, signum: int) -> None:
        for pid in self.workers.values():
            with contextlib.suppress(OSError):
                os.kill(pid, signum)


_STOPPER = pytest.StashKey[Stopper]()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    stopper = session.config.stash.get(_STOPPER, None)
    if stopper is not None:
        stopper.finishing = True


def stop_signal(config) -> str:
    """The name of the signal that stopped this run ('' when none did)."""
    stopper = config.stash.get(_STOPPER, None)
    return stopper.signal if stopper else ""


@pytest.hookimpl(trylast=True)  # after the capture manager's: stderr is the terminal again
def pytest_keyboard_interrupt(excinfo):
    # Whatever ended the session early (a signal, or pytest-xdist after a worker's): start no guest from now on.
    why = str(excinfo.value) if isinstance(excinfo.value, Stopping) else excinfo.typename
    qemu.stop_starting(why)
    if isinstance(excinfo.value, Stopping) and not _in_worker():
        sys.stderr.write(f"\nkvm-abi: {why}: stopping: no new test or guest starts; the tests that ran are "
                         "reported\n")
        sys.stderr.flush()


def _in_worker() -> bool:
    return bool(os.environ.get("PYTEST_XDIST_WORKER"))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodeready(node):
    stopper = node.config.stash.get(_STOPPER, None)
    with contextlib.suppress(Exception):  # the pid execnet cached when it set the worker up
        if stopper is not None:
            stopper.workers[node.gateway.id] = node.gateway._rinfo().pid


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    stopper = node.config.stash.get(_STOPPER, None)
    if stopper is not None:
        stopper.workers.pop(node.gateway.id, None)


def selected(config) -> list[str]:
    names = config.getoption("targets") or ["all"]
    out: list[str] = []
    for name in names:
        for n in DEFAULT if name == "all" else (name,):
            if n not in out:
                out.append(n)
    return out


def explicit(config) -> set[str]:
    """The targets the user named (not through `all`): one that cannot come up is an error, never a skip."""
    return {n for n in (config.getoption("targets") or []) if n != "all"}


COME_UP = "cannot come up"  # in the error of every test on a target that could not be started


@dataclass(frozen=True)
class Slot:
    """One column of a run: a machine booting one of the run's kernels (the host's own: no kernel to choose)."""

    machine: str
    kernel: str | None = None  # the --guest-kernel value it boots

    def __str__(self) -> str:
        return self.machine if self.kernel is None else f"{self.machine} on {self.kernel}"


class Pool:
    """This process's targets, made on first use; a target that failed to start stays failed (one line).

    Each guest machine has a slot per kernel of the run whose architecture it is (a Debian name is every
    architecture's; a PATH only its image's); a machine no kernel fits keeps one slot, refused with the reason."""

    def __init__(self, names: list[str], kernels: list[str] | str, modules: str | None, config=None,
                 named: set | None = None):
        self.names, self.modules, self.config = names, modules, config
        self.kernels = [kernels] if isinstance(kernels, str) else list(kernels)
        self.named = set(named or ())
        self.targets: dict[Slot, Target] = {}
        self.unavailable: dict[Slot, TargetUnavailable] = {}
        self.told: set[Slot] = set()  # targets whose console tail was shown already (with the first error)
        # Per (QEMU system's architecture, kernel): its release, or why it cannot be provisioned.
        self._guest_release: dict[tuple[str, str], str] = {}
        self._guest_error: dict[tuple[str, str], TargetUnavailable] = {}
        self._probed: dict[Slot, frozenset[str]] = {}
        self._slots: list[Slot] | None = None
        self._kernel_arch: dict[str, str | None] | None = None  # each kernel's architecture (None: Debian's, any)
        self.boot_times: dict[Slot, float] = {}  # the boot not yet reported (see boot_property)
        self._last_guest: Slot | None = None  # the guest slot the last test ran on (see _moving_to)
        self._left: set[Slot] = set()  # guests stopped because their tests were done
        self._keep_guests = False  # tests came back to a stopped guest: this run's order is not target by target

    @property
    def slots(self) -> list[Slot]:
        """Every (machine, kernel) this run tests, machines in the order selected, kernels in the order given."""
        if self._slots is None:
            out = []
            for name in self.names:
                record = machines.named(name)
                out += [Slot(name, k) for k in self.kernels_for(record.arch)] if record.is_guest else [Slot(name)]
            self._slots = out
        return self._slots

    def kernels_for(self, arch: str) -> list[str]:
        """The run's kernels a guest of this architecture boots (a Debian name only where Debian has that kernel for
        it); with none, the first (its guests then say why they cannot boot it)."""
        if self._kernel_arch is None:
            self._kernel_arch = {}
            for k in self.kernels:
                try:
                    self._kernel_arch[k] = provision.kernel_arch(k)
                except (TargetUnavailable, OSError):  # refused by pytest_configure's check already
                    self._kernel_arch[k] = "?"  # no guest's: never booted on a machine it may not be for
        debian = machines.qemu_system(arch).kernels

        def fits(k: str) -> bool:
            return self._kernel_arch[k] == arch or (self._kernel_arch[k] is None and
                                                    (k not in provision.KERNELS or k in debian))

        return [k for k in self.kernels if fits(k)] or self.kernels[:1]

    def slot(self, which: Slot | str) -> Slot:
        """A slot, or a machine's name where the run has one slot for it."""
        if isinstance(which, Slot):
            return which
        mine = [s for s in self.slots if s.machine == which] or [Slot(which, None if which == LOCAL else
                                                                           self.kernels[0])]
        if len(mine) > 1:
            raise ValueError(f"{which} runs on {len(mine)} kernels here: name the slot")
        return mine[0]

    def make(self, slot: Slot) -> Target:
        if slot.machine == LOCAL:
            from abi.target.local import LocalTarget

            return LocalTarget()
        return QemuTarget(machines.named(slot.machine).label, slot.kernel, self.modules_for(slot.kernel))

    def get(self, which: Slot | str) -> Target:
        """The running target, or TargetUnavailable with the reason it cannot run here."""
        slot = self.slot(which)
        if slot in self.unavailable:
            raise self.unavailable[slot]
        record = machines.named(slot.machine)
        if record.is_guest and (record.arch, slot.kernel) in self._guest_error:
            raise self._guest_error[(record.arch, slot.kernel)]  # provisioning already failed: no retry per machine
        if record.is_guest:
            self._moving_to(slot)
        try:
            target = self.targets.get(slot) or self.make(slot)
            self.targets[slot] = target
            if record.is_guest and not target.running:
                with uncaptured(self.config):
                    target.start()
                self.boot_times[slot] = target.boots[-1] if getattr(target, "boots", None) else 0.0
                self._check_features(slot, target)
        except TargetUnavailable as e:
            self.unavailable[slot] = type(e)(str(e).splitlines()[0], e.console_tail)
            raise self.unavailable[slot] from None
        return target

    def _moving_to(self, slot: Slot) -> None:
        """A test on guest `slot` begins: stop the guest the tests before it ran on. Tests come target by target
        (pytest_collection_modifyitems) and a worker is handed them in that order, so that guest has had its last
        test here. Left running, each idle guest costs 1-3 % of a core and ~300 MB (measured), and a kernel matrix
        has 19 guests per worker.
        Should tests come back to a stopped guest (another order: a plugin's, a crashed worker's tests handed out
        again), it boots again and no guest is stopped from then on."""
        last, self._last_guest = self._last_guest, slot
        if last is None or last == slot or self._keep_guests:
            return
        if slot in self._left:
            self._keep_guests = True
            return
        done = self.targets.get(last)
        if done is not None and done.running:
            done.stop()
            self._left.add(last)

    def _check_features(self, slot: Slot, target: Target) -> None:
        """A guest's tests were chosen by its declared features: the kernel it booted must offer exactly those."""
        try:
            machines.check(machines.named(slot.machine), machines.probe(target), target.info().kernel_release)
        except machines.FeatureMismatch as e:
            target.stop()
            raise TargetUnavailable(f"{slot.machine}: {e}") from None

    def machine(self, which: Slot | str) -> tuple[str, frozenset[str]]:
        """The architecture and features a target's cases are selected by: a guest's as its record declares them
        (its tests are chosen before it boots; `get` checks them once it runs), the host's as probed now."""
        slot = self.slot(which)
        record = machines.named(slot.machine)
        if record.features is not None:
            return machines.arch_of(record), record.features
        if slot not in self._probed:
            try:
                self._probed[slot] = machines.probe(self.get(slot))
            except TargetUnavailable:
                self._probed[slot] = frozenset()  # its tests are refused with the reason when they run
        return machines.arch_of(record), self._probed[slot]

    def running(self, which: Slot | str) -> Target:
        """The running target for a test; if it cannot run here, the test is skipped or errors (`refusal`)."""
        slot = self.slot(which)
        try:
            return self.get(slot)
        except TargetUnavailable as e:
            refused = e
        self.refusal(slot, refused)  # outside the except: the one line, not a chained traceback

    def refusal(self, which: Slot | str, e: TargetUnavailable) -> None:
        """Skip (a target from `all` whose host lacks something) or error every test on the target, in one line."""
        slot = self.slot(which)
        name = slot.machine
        if isinstance(e, HostMissing) and name not in self.named:
            pytest.skip(str(e))
        said = name if len(self.kernels) == 1 else str(slot)
        line = f"kvm-abi: {said} {COME_UP}: {str(e).removeprefix(name + ': ')}"
        if e.console_tail and slot not in self.told:
            self.told.add(slot)
            lines = e.console_tail.rstrip().splitlines()[-CONSOLE_LINES:]
            line += "\nguest console (last lines):\n" + "\n".join(f"  {x}" for x in lines)
        pytest.fail(line, pytrace=False)

    def release(self, which: Slot | str) -> str:
        """The kernel release a target runs, known before booting it (for test ids); '' if unknown yet."""
        slot = self.slot(which)
        if slot.machine == LOCAL:
            return os.uname().release
        system = machines.named(slot.machine).boot.system
        key = (system.arch, slot.kernel)
        if key not in self._guest_release:
            try:
                with uncaptured(self.config):
                    provision.check_applicable(slot.kernel, system)  # nothing to install for a kernel that isn't
                    provision.ensure_host_tools(system)  # what the host lacks first: that alone is a skip
                    self._guest_release[key] = provision.kernel_release(slot.kernel, self.modules_for(slot.kernel),
                                                                        system)
            except TargetUnavailable as e:
                self._guest_release[key] = ""
                self._guest_error[key] = type(e)(str(e).splitlines()[0])  # every such guest's test says this line
        return self._guest_release[key]

    def boot_property(self, target: Target) -> list[tuple[str, object]]:
        """The first test after a guest booted carries its boot time, so the controller can say it."""
        seconds = self.boot_times.pop(self.slot_of(target), None)
        return [("boot_seconds", round(seconds, 2))] if seconds else []

    def slot_of(self, target: Target) -> Slot:
        """The slot a running target was made for (the host's own when it is not one of this pool's guests)."""
        return next((s for s, t in self.targets.items() if t is target), Slot(target.name))

    def test_id(self, slot: Slot) -> str:
        """`machine@release` in test ids: two kernels of one machine differ by their release."""
        release = self.release(slot)
        return f"{slot.machine}@{release}" if release else slot.machine

    def modules_for(self, kernel: str | None) -> str | None:
        """--guest-modules go with the PATH kernels only (a Debian kernel brings its own)."""
        return None if kernel is None or kernel in provision.KERNELS else self.modules

    def stop(self) -> None:
        for target in self.targets.values():
            target.stop()
        self.targets.clear()


_POOL = pytest.StashKey[Pool]()


@contextlib.contextmanager
def uncaptured(config):
    """Let provisioning's progress lines reach the terminal (downloads and builds take seconds)."""
    capman = config.pluginmanager.getplugin("capturemanager") if config else None
    if capman is None:
        yield
        return
    with capman.global_and_fixture_disabled():
        yield


def pytest_sessionstart(session):
    """Under pytest-xdist, provision once in the controller, where progress is visible, saying each kernel and its
    time; workers then find everything cached. A failure is left for the workers to report (as errors, or skips for
    what the host lacks)."""
    config = session.config
    p = pool(config)
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    say = _sayer(config)
    guests = [s for s in p.slots if s.kernel is not None]
    if guests:
        say(f"kvm-abi: {_count(len(guests), 'guest')} "
            f"({_count(len({s.machine for s in guests}), 'machine')} x {_count(len(p.kernels), 'kernel')}), "
            "each booted by the worker its tests go to")
    for system, kernel in dict.fromkeys((machines.named(s.machine).boot.system, s.kernel) for s in guests):
        started = time.monotonic()
        try:
            k, _ = provision.assets(kernel, p.modules_for(kernel), system)
            what = k.release or "release known once booted"
        except TargetUnavailable as e:
            what = f"not available: {str(e).splitlines()[0]}"
        say(f"kvm-abi: {system.arch} guest kernel {kernel}: {what} ({time.monotonic() - started:.1f} s)")


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def _sayer(config):
    """A line on the terminal now (before the tests), or nowhere when there is no terminal reporter."""
    tr = config.pluginmanager.get_plugin("terminalreporter")
    return tr.write_line if tr else (lambda line: None)


def pool(config) -> Pool:
    return config.stash[_POOL]


@pytest.hookimpl(optionalhook=True, tryfirst=True)  # before pytest-xdist's own, which takes `load` otherwise
def pytest_xdist_make_scheduler(config, log):
    """`-n N` with xdist's default distribution (`load`) on a run with guests: a target's tests go to one worker
    together (abi/target/schedule.py), so each guest boots once. Another `--dist` is left to xdist."""
    if config.getvalue("dist") != "load":
        return None
    p = pool(config)
    if not any(s.kernel is not None for s in p.slots):
        return None
    from abi.target.schedule import TargetScheduling

    return TargetScheduling(config, log, [p.test_id(s) for s in p.slots])


@pytest.hookimpl(trylast=True)  # after pytest's own reordering by session-scoped parameters
def pytest_collection_modifyitems(config, items):
    """Each target's tests one after another, in the order of the run's slots: pytest would order the spec cases
    module by module, every target within each module, so each worker would keep every guest busy (and booted) to
    the end. Tests without a target come first; within a target the order is kept."""
    def slot_of(item) -> Slot | None:
        params = item.callspec.params if hasattr(item, "callspec") else {}
        found = params.get("spec_target", params.get("target"))
        return found if isinstance(found, Slot) else None

    if not any(slot_of(item) for item in items):
        return
    rank = {slot: n for n, slot in enumerate(pool(config).slots)}
    items.sort(key=lambda item: rank.get(slot_of(item), -1))


def pytest_generate_tests(metafunc):
    if "target" in metafunc.fixturenames:
        p = pool(metafunc.config)
        metafunc.parametrize("target", p.slots, ids=[p.test_id(s) for s in p.slots], indirect=True,
                             scope="session")


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    """One line per target that could not come up (from the controller: the errors come from any worker)."""
    if hasattr(terminalreporter.config, "workerinput"):
        return
    said: dict[str, tuple[str, int]] = {}
    for rep in terminalreporter.stats.get("error", []) + terminalreporter.stats.get("failed", []):
        text = getattr(rep, "longreprtext", "") or ""
        first = text.splitlines()[0] if text else ""
        m = re.match(rf"kvm-abi: (.+?) {COME_UP}: ", first)
        if m:
            line, n = said.get(m.group(1), (first, 0))
            said[m.group(1)] = (line, n + 1)
    for line, n in said.values():
        terminalreporter.write_line(f"{line} ({n} test{'s' if n != 1 else ''} could not run)")
    boots: dict[str, list[float]] = {}
    seen: set[str] = set()
    for reports in terminalreporter.stats.values():
        for rep in reports:
            props = dict(getattr(rep, "user_properties", ()) or ())
            # setup, call and teardown reports of one test carry the same properties: one boot, said once
            if props.get("boot_seconds") and rep.nodeid not in seen:
                seen.add(rep.nodeid)
                boots.setdefault(f"{props.get('target')}@{props.get('kernel_release')}", []).append(
                    float(props["boot_seconds"]))
    if boots:
        terminalreporter.write_line("guest boots (to a ready agent, per worker): " + "; ".join(
            f"{name} {', '.join(f'{t:.1f}' for t in sorted(times))} s" for name, times in sorted(boots.items())))


def pytest_report_header(config):
    p = pool(config)
    kernels = f"guest kernel{'s' if len(p.kernels) > 1 else ''}: {', '.join(p.kernels)}"
    return [f"targets: {', '.join(p.names)}; {kernels}" + (f" (modules {p.modules})" if p.modules else "")]


@pytest.fixture(scope="session")
def target(request) -> Target:
    """A running target, per worker and per name, shared by every test of the session."""
    return pool(request.config).running(request.param)


@pytest.fixture(autouse=True)
def _target_properties(request):
    """Target name, kernel release and profile on each test's report (JUnit properties, HTML); and for it and a spec
    case's target (whose description abi.spec.plugin adds) the features its cases were selected by."""
    if "target" in request.fixturenames:
        t = request.getfixturevalue("target")
        info = t.info()
        request.node.user_properties += [("target", info.name), ("kernel_release", info.kernel_release),
                                         ("profile", info.profile)]
        request.node.user_properties += pool(request.config).boot_property(t)
    elif "spec_target" in request.fixturenames:
        t = request.getfixturevalue("spec_target")
    else:
        return
    if t.name in machines.NAMES:
        p = pool(request.config)
        request.node.user_properties.append(("features", features_line(p.machine(p.slot_of(t))[1])))


def features_line(features) -> str:
    """How reports show a machine's features: sorted, comma-separated; 'none' for a KVM without any."""
    return ", ".join(sorted(features)) or "none"


@pytest.fixture
def kvm(target):
    """A /dev/kvm fd in the target, closed after the test (unless the target restarted meanwhile)."""
    generation = target.generation
    fd = target.open_kvm()
    yield fd
    if target.generation == generation:
        target.close(fd)


@pytest.fixture
def vm(target, kvm):
    """A fresh VM fd per test: a failed KVM_RUN can leave a VM unusable (EIO since 6.12)."""
    from abi.kvm import KVM_CREATE_VM

    generation = target.generation
    fd = target.ioctl(kvm, KVM_CREATE_VM, 0).value()
    yield fd
    if target.generation == generation:
        target.close(fd)


def private_guest(config, profile: str):
    """A guest of this test module's own (booted now, stopped by the caller), so the shared targets are left
    alone; skips with the one-line reason when it cannot run here."""
    p = pool(config)
    system = qemu.record(profile).boot.system
    kernel = p.kernels_for(system.arch)[0]
    if kernel in provision.KERNELS and kernel not in system.kernels:
        kernel = next(iter(system.kernels))  # no such Debian kernel there (riscv64's 6.1): the oldest it has
    guest = QemuTarget(profile, kernel, p.modules_for(kernel))
    try:
        guest.start()
    except TargetUnavailable as e:
        pytest.skip(str(e))
    return guest


@pytest.fixture(scope="module")
def own_guest(request):
    """A private guest with a vGICv3 for tests that crash or kill it."""
    guest = private_guest(request.config, machines.offering("vgic-v3").label)
    yield guest
    guest.stop()


@pytest.fixture(scope="module")
def own_gicv2_guest(request):
    """A private guest with a vGICv2, for tests that wrap or disturb a guest that has the legacy vGIC API."""
    guest = private_guest(request.config, machines.offering("vgic-v2").label)
    yield guest
    guest.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and isinstance(call.excinfo.value, TargetLost):
        tail = call.excinfo.value.console_tail
        report.sections.append(("guest console (tail)", tail or "(empty)"))
