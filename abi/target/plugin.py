"""pytest wiring for targets: --target/--guest-kernel/--guest-modules, the `target`, `kvm`, `vm` fixtures, and
the report hooks that put the target, its kernel release and (after a crash) the guest's console in reports.

Each pytest process (each pytest-xdist worker) has its own `Pool`: guests are booted lazily on first use,
reused for the whole session, and stopped at its end; nothing is shared between workers. A target that
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
    guest_arch = provision.SYSTEM.arch
    group.addoption("--guest-kernel", default=DEFAULT_KERNEL, metavar="NAME|PATH",
                    help=f"guest kernel: {'|'.join(provision.KERNELS)} (Debian's cloud kernels, each guest's "
                         f"architecture's) or the path of an {guest_arch} Image with KVM built in, for the "
                         f"{guest_arch} guests (default: {DEFAULT_KERNEL})")
    group.addoption("--guest-modules", default=None, metavar="DIR",
                    help="modules for a --guest-kernel PATH whose virtio console driver is a module")


@pytest.hookimpl(trylast=True)  # after the terminal reporter exists: a usage error is then printed cleanly
def pytest_configure(config):
    config.addinivalue_line("markers", "guest: needs a QEMU guest; skipped with one line when there is none")
    kernel, modules = config.getoption("guest_kernel"), config.getoption("guest_modules")
    try:
        provision.check_kernel_option(kernel, modules)
    except TargetUnavailable as e:
        raise pytest.UsageError(str(e)) from None
    config.stash[_POOL] = Pool(selected(config), kernel, modules, config, explicit(config))
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


class Pool:
    """This process's targets, made on first use; a target that failed to start stays failed (one line)."""

    def __init__(self, names: list[str], kernel: str, modules: str | None, config=None, named: set | None = None):
        self.names, self.kernel, self.modules, self.config = names, kernel, modules, config
        self.named = set(named or ())
        self.targets: dict[str, Target] = {}
        self.unavailable: dict[str, TargetUnavailable] = {}
        self.told: set[str] = set()  # targets whose console tail was shown already (with the first error)
        # Per QEMU system (architecture): its kernel's release, or why it cannot be provisioned.
        self._guest_release: dict[str, str] = {}
        self._guest_error: dict[str, TargetUnavailable] = {}
        self._probed: dict[str, frozenset[str]] = {}

    def make(self, name: str) -> Target:
        if name == LOCAL:
            from abi.target.local import LocalTarget

            return LocalTarget()
        return QemuTarget(machines.named(name).label, self.kernel, self.modules)

    def get(self, name: str) -> Target:
        """The running target, or TargetUnavailable with the reason it cannot run here."""
        if name in self.unavailable:
            raise self.unavailable[name]
        arch = machines.named(name).arch
        if name != LOCAL and arch in self._guest_error:  # provisioning already failed: don't retry per profile
            raise self._guest_error[arch]
        try:
            target = self.targets.get(name) or self.make(name)
            self.targets[name] = target
            if machines.named(name).is_guest and not target.running:
                with uncaptured(self.config):
                    target.start()
                self._check_features(name, target)
        except TargetUnavailable as e:
            self.unavailable[name] = type(e)(str(e).splitlines()[0], e.console_tail)
            raise self.unavailable[name] from None
        return target

    def _check_features(self, name: str, target: Target) -> None:
        """A guest's tests were chosen by its declared features: the kernel it booted must offer exactly those."""
        try:
            machines.check(machines.named(name), machines.probe(target), target.info().kernel_release)
        except machines.FeatureMismatch as e:
            target.stop()
            raise TargetUnavailable(f"{name}: {e}") from None

    def machine(self, name: str) -> tuple[str, frozenset[str]]:
        """The architecture and features a target's cases are selected by: a guest's as its record declares them
        (its tests are chosen before it boots; `get` checks them once it runs), the host's as probed now."""
        record = machines.named(name)
        if record.features is not None:
            return machines.arch_of(record), record.features
        if name not in self._probed:
            try:
                self._probed[name] = machines.probe(self.get(name))
            except TargetUnavailable:
                self._probed[name] = frozenset()  # its tests are refused with the reason when they run
        return machines.arch_of(record), self._probed[name]

    def running(self, name: str) -> Target:
        """The running target for a test; if it cannot run here, the test is skipped or errors (`refusal`)."""
        try:
            return self.get(name)
        except TargetUnavailable as e:
            refused = e
        self.refusal(name, refused)  # outside the except: the one line, not a chained traceback

    def refusal(self, name: str, e: TargetUnavailable) -> None:
        """Skip (a target from `all` whose host lacks something) or error every test on the target, in one line."""
        if isinstance(e, HostMissing) and name not in self.named:
            pytest.skip(str(e))
        line = f"kvm-abi: {name} {COME_UP}: {str(e).removeprefix(name + ': ')}"
        if e.console_tail and name not in self.told:
            self.told.add(name)
            lines = e.console_tail.rstrip().splitlines()[-CONSOLE_LINES:]
            line += "\nguest console (last lines):\n" + "\n".join(f"  {x}" for x in lines)
        pytest.fail(line, pytrace=False)

    def release(self, name: str) -> str:
        """The kernel release a target runs, known before booting it (for test ids); '' if unknown yet."""
        if name == LOCAL:
            return os.uname().release
        system = machines.named(name).boot.system
        if system.arch not in self._guest_release:
            try:
                with uncaptured(self.config):
                    provision.ensure_host_tools(system)  # what the host lacks first: that alone is a skip
                    self._guest_release[system.arch] = provision.kernel_release(self.kernel, self.modules, system)
            except TargetUnavailable as e:
                self._guest_release[system.arch] = ""
                # every guest test of this architecture is refused with this line
                self._guest_error[system.arch] = type(e)(str(e).splitlines()[0])
        return self._guest_release[system.arch]

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
    """Under pytest-xdist, provision once in the controller, where progress is visible; workers then find
    everything cached. A failure is left for the workers to report (as errors, or skips for what the host lacks)."""
    config = session.config
    p = pool(config)
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        for system in dict.fromkeys(machines.named(n).boot.system for n in p.names if n != LOCAL):
            try:
                provision.assets(p.kernel, p.modules, system)
            except TargetUnavailable:
                pass


def pool(config) -> Pool:
    return config.stash[_POOL]


def pytest_generate_tests(metafunc):
    if "target" in metafunc.fixturenames:
        p = pool(metafunc.config)
        ids = [f"{n}@{p.release(n)}" if p.release(n) else n for n in p.names]
        metafunc.parametrize("target", p.names, ids=ids, indirect=True, scope="session")


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    """One line per target that could not come up (from the controller: the errors come from any worker)."""
    if hasattr(terminalreporter.config, "workerinput"):
        return
    said: dict[str, tuple[str, int]] = {}
    for rep in terminalreporter.stats.get("error", []) + terminalreporter.stats.get("failed", []):
        text = getattr(rep, "longreprtext", "") or ""
        first = text.splitlines()[0] if text else ""
        m = re.match(rf"kvm-abi: (\S+) {COME_UP}: ", first)
        if m:
            line, n = said.get(m.group(1), (first, 0))
            said[m.group(1)] = (line, n + 1)
    for line, n in said.values():
        terminalreporter.write_line(f"{line} ({n} test{'s' if n != 1 else ''} could not run)")


def pytest_report_header(config):
    p = pool(config)
    return [f"targets: {', '.join(p.names)}; guest kernel: {p.kernel}"
            + (f" (modules {p.modules})" if p.modules else "")]


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
    elif "spec_target" in request.fixturenames:
        t = request.getfixturevalue("spec_target")
    else:
        return
    if t.name in machines.NAMES:
        request.node.user_properties.append(("features", features_line(pool(request.config).machine(t.name)[1])))


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
    guest = QemuTarget(profile, config.getoption("guest_kernel"), config.getoption("guest_modules"))
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
