"""Documented behaviour as data: a Case is one condition of one ioctl, replayed on a target.

A case names its condition, the machines it applies to, the set-up steps (each must succeed), the call under
test and what must come back, with the sentence of the documentation or the kernel function that says so.
A case whose documented contract the kernel is known to break carries a `Deviation`: what the kernel does
instead (an errno, a return value or success, per kernel version where it differs), read from its source. The
case still asserts the documented contract; it is an expected failure only while the kernel does exactly the
recorded thing. The documented outcome fails the run as fixed, and a third outcome fails it as a change.

Steps and values are small named callables over a `Scene` (the fds one case owns), so the report can print
what was done ("KVM_CREATE_IRQCHIP; SET_DEVICE_ADDR(DIST, 0x8000000)") and a failure says it too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from abi.target.base import Result, TargetLost, errno_name


@dataclass(frozen=True)
class Val:
    """A number that may depend on the scene (the VM's IPA size, the host's limit), shown as `text`."""

    text: str
    fn: Callable[[Scene], int]

    def __call__(self, scene: Scene) -> int:
        return self.fn(scene)

    def __str__(self) -> str:
        return self.text


def val(x) -> Val:
    if isinstance(x, Val):
        return x
    return Val(f"{x:#x}" if isinstance(x, int) and x > 9 else str(x), lambda s, x=x: x)


@dataclass(frozen=True)
class Step:
    text: str
    fn: Callable[[Scene], Result]
    ok_errno: int = 0  # as a set-up step it must end so: 0 is success, EINTR a KVM_RUN told to exit at once

    def __call__(self, scene: Scene) -> Result:
        return self.fn(scene)

    def __str__(self) -> str:
        return self.text


# What a finding is, as the report counts them: a deviation is the first two (or the third, where the document
# states a rule for userspace and the kernel enforces another); the documentation and header findings the rest.
KERNEL_BREAKS_DOCUMENT = "the kernel breaks the document"
DOCUMENT_CONTRADICTS_ITSELF = "the document contradicts itself"
DOCUMENT_SILENT = "the document is silent where the kernel has a rule"
DOCUMENT_NAMES_WHAT_HEADERS_LACK = "the document names something the headers lack"
HEADER_NOT_COMPILABLE = "a UAPI header userspace cannot compile"
FINDING_CLASSES = (KERNEL_BREAKS_DOCUMENT, DOCUMENT_CONTRADICTS_ITSELF, DOCUMENT_SILENT,
                   DOCUMENT_NAMES_WHAT_HEADERS_LACK, HEADER_NOT_COMPILABLE)


@dataclass(frozen=True)
class Finding:
    """Something the documentation or the headers get wrong that needs no kernel to show (DOC_FINDINGS)."""

    text: str
    kind: str = DOCUMENT_SILENT

    def __post_init__(self):
        if self.kind not in FINDING_CLASSES:
            raise ValueError(f"finding class {self.kind!r} is not one of {FINDING_CLASSES}")

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Observed:
    """One thing a kernel does: success (errno 0, with `ret` when the value matters) or an errno. `timed_out`:
    the call does not return by itself, the target's time limit interrupts it (EINTR); a call interrupted that
    way matches nothing else, so a stuck call is never taken for a recorded errno."""

    errno: int = 0
    ret: int | None = None
    kernels: str = "all"
    timed_out: bool = False
    # Where the kernel answers the documented errno but not the documented content (a value that does not read
    # back): the check the content passes instead, and how to say it ("success, the offset reads back as 0").
    check: Callable[[Scene, Result], str | None] | None = None
    text: str = ""

    def matches(self, scene: Scene, got: Result) -> bool:
        if got.timed_out != self.timed_out:
            return False
        if self.errno == 0:
            answered = got.ok and (self.ret is None or got.ret == self.ret)
        else:
            answered = not got.ok and got.errno == self.errno
        return answered and (self.check is None or self.check(scene, got) is None)

    def __str__(self) -> str:
        if self.text:
            return self.text
        if self.timed_out:
            return "runs until a signal interrupts it (EINTR)"
        if self.errno:
            return errno_name(self.errno)
        return "success" if self.ret is None else f"success (ret {self.ret})"


SUCCEEDS = Observed()


@dataclass(frozen=True)
class Deviation:
    """The kernel breaks the case's documented contract: why (quoting both sides), and what it does instead.

    `does` is an errno, `SUCCEEDS`, an `Observed`, or a dict from kernel versions ("6.1", "6.12+", "6.1-6.15")
    to either, where versions differ. Every entry is read from the kernel source and cited in `why`."""

    why: str
    does: object
    kind: str = KERNEL_BREAKS_DOCUMENT
    follows: str = ""  # the case id of the finding this one is a consequence of: reported with it, not again
    recorded: tuple[Observed, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.kind not in FINDING_CLASSES[:3]:
            raise ValueError(f"a deviation's class is one of {FINDING_CLASSES[:3]}, not {self.kind!r}")
        items = self.does.items() if isinstance(self.does, dict) else [("all", self.does)]
        recorded = []
        for kernels, what in items:
            o = what if isinstance(what, Observed) else Observed(errno=int(what))
            kernel_applies(kernels, "")  # refuses a malformed version now, not when a case runs
            recorded.append(dataclasses.replace(o, kernels=kernels))
        object.__setattr__(self, "recorded", tuple(recorded))

    def expected_on(self, release: str) -> tuple[Observed, ...]:
        """What the kernel is recorded to do on this release (every entry, for a release without a version)."""
        return tuple(o for o in self.recorded if kernel_applies(o.kernels, release))

    def describe(self, release: str = "") -> str:
        here = self.expected_on(release) if release else self.recorded
        if len(self.recorded) == 1 and self.recorded[0].kernels == "all":
            return str(self.recorded[0])
        return " or ".join(f"{o} ({o.kernels})" for o in here) or "nothing recorded for this kernel"

    def __str__(self) -> str:
        return self.why


@dataclass(frozen=True, kw_only=True)
class Case:
    """One condition of one ioctl. Every precondition is written on the case: the machines it runs on (`arch`,
    and machine `features` it needs or `lacks`, matched against abi.machines when a run collects its tests), the
    kernel versions its expectation holds for (`kernels`) and the capabilities the running kernel must answer
    (`needs`, checked when the case runs: a kernel without them skips it, saying so)."""

    id: str  # the condition as a test id: "dist-already-set"
    ioctl: str
    condition: str
    arch: tuple[str, ...]  # the architectures ("x86_64", "arm64") whose machines run the case
    features: tuple[str, ...] = ()  # machine features it needs, all of them (abi.machines.FEATURES)
    lacks: tuple[str, ...] = ()  # machine features whose absence is the condition ("irqchip": a host without vGIC)
    call: Step
    errno: int  # 0: the call succeeds
    cite: str  # where the expectation comes from: "api.rst 4.85 Errors: EEXIST" or "vgic-kvm-device.c: ..."
    setup: tuple[Step, ...] = ()
    basis: str = "doc"  # "doc": the documentation says so; "code": only the implementation does
    ret: int | None = None  # the exact return value, when the contract names one
    check: Callable[[Scene, Result], str | None] | None = None  # a further check of what came back
    deviation: Deviation | None = None  # the kernel breaks this documented contract, and what it does instead
    vm_type: Val | int = 0
    needs_vm: bool = True
    kernels: str = "all"  # the kernel versions the expectation holds for, as the research established
    doc_row: int = 1  # which documented row of (ioctl, errno) a doc-basis case covers, when api.rst has several
    # A case for a row of a device document (devices/*.rst) names it: the document ("arm-vgic-v3.rst"), the group
    # as the document writes it, and the attribute where the document lists errors attribute by attribute.
    device_doc: str = ""
    group: str = ""
    attr: str = ""
    # Capabilities the case's precondition is: (capability, its name, must be non-zero). A kernel built without
    # a feature (SVE, RAS) cannot run the case, and that is a skip saying so, not a failure.
    needs: tuple[tuple[int, str, bool], ...] = ()
    # A case for a row of api.rst's capability chapters (6 to 8: what KVM_ENABLE_CAP enables) names the capability
    # whose section it is ("KVM_CAP_X86_DISABLE_EXITS"), whatever ioctl the case calls.
    cap: str = ""
    # A case testing an ordering rule (abi.spec.coverage, kind "ordering": "must be called before ...") names it
    # by its number among the rules of the same ioctl, capability or device group (1 is the first); 0: none.
    order_row: int = 0

    def __post_init__(self):
        if not self.arch or isinstance(self.arch, str):
            raise ValueError(f"case {self.id!r}: arch is a tuple of architecture names, not {self.arch!r}")
        if set(self.features) & set(self.lacks):
            raise ValueError(f"case {self.id!r} both needs and lacks {sorted(set(self.features) & set(self.lacks))}")

    def runs_on(self, arch: str, features) -> bool:
        """Whether a machine of architecture `arch` offering `features` runs this case."""
        return arch in self.arch and set(self.features) <= set(features) and not set(self.lacks) & set(features)

    @property
    def errno_name(self) -> str:
        return "success" if self.errno == 0 else errno_name(self.errno)

    def describe(self) -> str:
        steps = "; ".join(str(s) for s in self.setup)
        return f"{steps + '; ' if steps else ''}{self.call}"

    def verdict(self, scene: Scene, got: Result) -> str | None:
        """None when `got` is what the case expects, else a sentence saying what differs and who says so."""
        want = self.errno_name
        problem = None
        if self.errno == 0 and not got.ok:
            problem = f"expected success, got {got!r}"
        elif self.errno != 0 and (got.ok or got.errno != self.errno):
            problem = f"expected {want} ({self.errno}), got {got!r}"
        elif self.ret is not None and got.ret != self.ret:
            problem = f"expected the value {self.ret}, got {got.ret}"
        elif self.check is not None:
            problem = self.check(scene, got)
        if problem is None:
            return None
        return f"{self.ioctl}, {self.condition}: {problem}\n  did: {self.describe()}\n  per: {self.cite}"


@dataclass(frozen=True)
class Unreachable:
    """A documented (ioctl, errno) that no target here can provoke, and why (s390 only, needs hardware...)."""

    ioctl: str
    errno: int
    reason: str
    arch: str = ""  # "x86_64" or "arm64" when only one architecture cannot reach it; "" for both
    doc_row: int = 1
    device_doc: str = ""  # a device document's row, named as Case names it
    group: str = ""
    attr: str = ""
    cap: str = ""  # a capability section's row (api.rst chapters 6 to 8), named as Case names it
    order_row: int = 0  # an ordering rule (errno 0 then, or the errno the rule's violation gives), as Case

    @property
    def errno_name(self) -> str:
        return "success" if self.errno == 0 else errno_name(self.errno)


@dataclass(frozen=True)
class DocumentedError:
    """One row of an ioctl's Errors table in the documentation: the matrix shows it tested or not."""

    ioctl: str
    errno: int
    condition: str
    section: str

    @property
    def errno_name(self) -> str:
        return errno_name(self.errno)


@dataclass
class Scene:
    """The fds and memory one case owns on a target; closed after the case, whatever happened.

    Every fd has its kind: the system fd, the VM, the vCPUs, the devices (KVM_CREATE_DEVICE's fds only: "the
    device" of a step is the last of them, or one by name), and any other fd a step opened (an eventfd, a stats fd,
    a second VM), which only closes with the scene. What a step keeps for a later one is named: fds in `named`,
    target memory in `memory`, values it read in `remembered`."""

    target: object
    vm_type: int = 0
    kvm: int = -1
    vm: int = -1
    vcpus: list[int] = field(default_factory=list)
    devices: list[int] = field(default_factory=list)
    device_types: dict[int, int] = field(default_factory=dict)  # device fd -> KVM_DEV_TYPE_*
    others: list[int] = field(default_factory=list)
    named: dict[str, int] = field(default_factory=dict)
    memory: dict[str, int] = field(default_factory=dict)  # target addresses by name ("slot0", "ring", "bitmap")
    run_maps: dict[int, int] = field(default_factory=dict)  # vCPU fd -> its mapped kvm_run
    remembered: dict[str, object] = field(default_factory=dict)
    caps: dict[tuple[int, int], int] = field(default_factory=dict)
    maps: list[tuple[int, int]] = field(default_factory=list)
    calls: list[tuple[int, int, object, Result]] = field(default_factory=list)  # (fd, request, arg, result)
    # Run by close() before any fd closes, last registered first: a vCPU kept busy in KVM_RUN on a second thread
    # (target.run_in_background) is stopped while its fds are still open.
    cleanups: list[Callable[[], object]] = field(default_factory=list)
    generation: int = 0  # the target's, when the scene opened

    @property
    def abi(self):
        return self.target.abi

    def open(self, needs_vm: bool = True, vm_type: Val | int = 0) -> Scene:
        self.generation = getattr(self.target, "generation", 0)
        self.kvm = self.target.open_kvm()
        self.vm_type = val(vm_type)(self)
        if needs_vm:
            self.vm = self.target.ioctl(self.kvm, self.abi.KVM_CREATE_VM, self.vm_type).value()
        return self

    def close(self) -> None:
        if getattr(self.target, "generation", 0) != self.generation:
            return  # the target restarted: these fds are gone with it
        failed = None
        while self.cleanups:
            try:
                self.cleanups.pop()()
            except Exception as e:  # the fds still close; the first failure is raised after that
                failed = failed or e
        if isinstance(failed, TargetLost):
            raise failed  # e.g. a thread that would not stop: the target is gone, and these fds with it
        for addr, size in self.maps:
            try:
                self.target.munmap(addr, size)
            except OSError:
                pass
        for fd in [*self.others, *self.devices, *self.vcpus, self.vm, self.kvm]:
            if fd >= 0:
                self.target.close(fd)
        if failed is not None:
            raise failed

    def ioctl(self, fd: int, request: int, arg=0) -> Result:
        got = self.target.ioctl(fd, request, arg)
        self.calls.append((fd, request, arg, got))
        return got

    def scratch(self, data: bytes = b"") -> int:
        """A page of target memory for pointer arguments, one per target (and per restart of it)."""
        page = self.target.scratch_page()
        if data:
            self.target.write(page, data)
        return page

    def cap(self, cap: int, fd: int | None = None) -> int:
        """KVM_CHECK_EXTENSION on the system fd (or `fd`), for values the expectations derive from."""
        key = (cap, self.kvm if fd is None else fd)
        if key not in self.caps:
            self.caps[key] = self.ioctl(key[1], self.abi.KVM_CHECK_EXTENSION, cap).value()
        return self.caps[key]

    def keep(self, fd: int, name: str = "") -> int:
        """An fd that is not the VM's, a vCPU's or a device's (an eventfd, a stats fd, a second VM): closed with the
        scene, and known by `name` to later steps when given."""
        self.others.append(fd)
        if name:
            self.named[name] = fd
        return fd

    def add_device(self, fd: int, dev_type: int, name: str = "") -> int:
        self.devices.append(fd)
        self.device_types[fd] = dev_type
        if name:
            self.named[name] = fd
        return fd


def need(name: str, present: bool = True) -> tuple[tuple[int, str, bool], ...]:
    """A case's `needs=`: capability `name` (KVM_CAP_...) answered non-zero, or 0 when `present` is False."""
    from abi import kvm

    return ((getattr(kvm, name), name, present),)


def kernel_applies(kernels: str, release: str) -> bool:
    """Whether `kernels` ("all", "6.1", "6.12+", "6.1-6.15", "6.1, 7.2") covers a kernel release
    ("6.12.57+deb12-..."). An unparsable release (a user's own kernel) runs every case."""
    from abi import versions

    ranges = versions.spec(kernels)  # refuses a malformed spec whatever the release
    have = versions.release_of(release)
    return have is None or versions.covers(ranges, have)
