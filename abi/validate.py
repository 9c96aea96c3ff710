"""`python -m abi validate --kernel-tree DIR`: does a patched kernel keep the KVM ABI and its documented behaviour?

One command for a kernel developer: build a guest kernel for each guest architecture from the tree (an arm64 Image,
an x86_64 bzImage and a riscv64 Image, abi/target/kernel_build.py, cached), check the model against the tree's own
UAPI headers, boot each kernel once to see it come up with KVM, run the conformance suite on each architecture's
guests on it and on each baseline kernel (Debian's 6.1 by default, 6.12 for riscv64, which Debian 12 does not have;
another tree or an image), and compare the runs (abi/report/diff.py). Exit status: 0 no regression, 1 regressed (a
new failure against a baseline, or an ABI change to a modelled symbol), 2 the patch could not be validated (not a
kernel tree, build failure, a kernel that does not boot or has no KVM, no architecture that can be built and run
here), with one line saying why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from abi import machines
from abi.report.diff import Diff, compare
from abi.spec import docdiff
from abi.target import kernel_build, provision
from abi.target.base import HostMissing, TargetUnavailable
from abi.target.qemu import QemuTarget

ROOT = Path(__file__).resolve().parent.parent  # the repository: tests/ live here
# The architectures validate builds a kernel for: every guest architecture kernel_build knows.
ARCHES = tuple(a for a in machines.ARCHES if a in kernel_build.ARCHES and any(m.arch == a for m in machines.GUESTS))
TARGETS = tuple(m.name for m in machines.GUESTS if m.arch in ARCHES)
DEFAULT_BASELINE = "debian-6.1"
OK, REGRESSED, INVALID = 0, 1, 2


def guests(arch: str, names=TARGETS) -> list[str]:
    return [n for n in names if machines.named(n).arch == arch]


def boot_machine(arch: str) -> machines.Machine:
    """Whether a kernel boots to the agent with /dev/kvm, the architecture's first guest machine says."""
    return next(m for m in machines.GUESTS if m.arch == arch)


class Invalid(Exception):
    """The patch cannot be validated: one line (str), and what to show below it."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail


def say(msg: str = "") -> None:
    print(msg, flush=True)


# ---- the kernels ----------------------------------------------------------------------------------------

@dataclass
class Kernel:
    label: str        # what the user named: the tree, debian-6.1, an image path
    spec: str         # --guest-kernel value: a Debian name or an image path
    release: str = ""
    headers: dict[str, Path] = field(default_factory=dict)  # arch -> INSTALL_HDR_PATH; {} = Debian's
    tree: Path | None = None
    arch: str | None = None  # the image's; None: a Debian name, which every architecture has
    modules: str | None = None  # --guest-modules: the build's modules (x86_64's KVM), None: all built in
    config: Path | None = None  # a built kernel's .config


def unavailable(arch: str) -> str:
    """Why this host cannot build or boot the architecture's guest kernel ('' if it can)."""
    try:
        kernel_build.check_tools(kernel_build.ARCHES[arch])
        provision.ensure_host_tools(machines.qemu_system(arch))
    except (kernel_build.BuildError, HostMissing, TargetUnavailable) as e:
        return str(e)
    return ""


def build_tree(tree: str, what: str, arch: str = "arm64") -> Kernel:
    try:
        b = kernel_build.build(tree, arch=arch)
        say(f"{what}: {b.tree}: {b.release}, {arch} {b.image.name} {b.image.stat().st_size / 1e6:.1f} MB "
            + (f"built in {b.seconds:.0f} s" if b.rebuilt else f"unchanged since the last build ({b.seconds:.1f} s)"))
    except kernel_build.BuildError as e:
        raise Invalid(str(e) if what == "patched" else f"{what}: {e}", e.detail) from None
    return Kernel(str(b.tree), str(b.image), b.release, {}, b.tree, arch, str(b.modules) if b.modules else None,
                  b.config)


def runs_on_build(target: str, k: Kernel) -> bool:
    """Whether the built kernel has what the target machine's features need; if not, says so in one line (a guest
    machine the kernel configuration leaves out is not a regression of the patch)."""
    lacking = machines.config_lacking(machines.named(target), kernel_build.parse_config(k.config.read_text()))
    if lacking:
        say(f"{target}: not run: the built {k.arch} kernel lacks {', '.join(lacking)} (its features "
            f"{', '.join(sorted(machines.named(target).features))}; the tree predates them or "
            f"{kernel_build.ARCHES[k.arch].fragment.name} leaves them out)")
    return not lacking


def tree_headers(tree: str, what: str) -> dict[str, Path]:
    try:
        return kernel_build.headers(tree)
    except kernel_build.BuildError as e:
        raise Invalid(str(e) if what == "patched" else f"{what}: {e}", e.detail) from None


def baseline_kernels(spec: str, arches: list[str]) -> dict[str, Kernel]:
    """One baseline: its kernel for each architecture it has one for (a Debian name: each whose Debian has a kernel of
    that name; an image: its own; a tree: each one built)."""
    if spec in provision.KERNELS:
        return {arch: Kernel(spec, spec) for arch in arches if spec in machines.qemu_system(arch).kernels}
    path = Path(spec).expanduser()
    if path.is_dir():
        hdrs = tree_headers(spec, "baseline")
        built = {arch: build_tree(spec, "baseline", arch) for arch in arches}
        for k in built.values():
            k.headers = hdrs
        return built
    try:
        arch = provision.kernel_arch(spec)
    except TargetUnavailable as e:
        raise Invalid(f"--baseline {spec}: {e}") from None
    if arch not in arches:
        raise Invalid(f"--baseline {spec} is a kernel for {arch}: no baseline for {', '.join(arches)}")
    others = [a for a in arches if a != arch]
    if others:
        say(f"--baseline {spec} is a kernel for {arch}: {', '.join(others)} compared with the other baselines only")
    return {arch: Kernel(spec, str(path.resolve()), arch=arch)}


def baselines(specs: list[str], arches: list[str]) -> list[dict[str, Kernel]]:
    """Each --baseline's kernels, and for an architecture that a Debian name asked for but Debian has no kernel of
    that name for (riscv64's debian-6.1), and no other baseline covers, its oldest Debian kernel: a baseline of its
    own, since one conformance run boots one Debian name on every guest of the run."""
    out = [b for b in (baseline_kernels(spec, arches) for spec in specs) if b]
    covered = {arch for b in out for arch in b}
    stand_ins: dict[str, dict[str, Kernel]] = {}
    for spec in specs:
        for arch in arches:
            if spec in provision.KERNELS and arch not in covered:
                oldest = next(iter(machines.qemu_system(arch).kernels))
                say(f"--baseline {spec}: Debian has no {arch} kernel of that name: {arch} is compared with {oldest}")
                stand_ins.setdefault(oldest, {})[arch] = Kernel(oldest, oldest)
                covered.add(arch)
    return out + list(stand_ins.values())


class _BootCheck(QemuTarget):
    """A QemuTarget that keeps the console of a guest that failed to come up (stop() deletes it)."""

    console = ""

    def stop(self) -> None:
        tail = self.console_tail()
        if tail:
            self.console = tail
        super().stop()


def boot_check(k: Kernel, arch: str) -> float:
    """Boot the kernel once (on the architecture's first guest): it must reach the agent with /dev/kvm. Returns the
    boot time."""
    target = _BootCheck(boot_machine(arch).label, k.spec, k.modules)
    try:
        target.start()
        info = target.info()
        k.release = info.kernel_release or k.release
        return target.boots[-1]
    except TargetUnavailable as e:
        tail = "\n".join(target.console.rstrip().splitlines()[-20:])
        raise Invalid(f"{k.label}: {e}", f"guest console (last lines):\n{tail}" if tail else "") from None
    finally:
        target.stop()


# ---- pytest runs ----------------------------------------------------------------------------------------

RUN_LIMIT = 3600  # s: one conformance run of the guest profiles takes about a minute on 2 cores


def _pytest(args: list[str], log_path: Path, what: str) -> int:
    """python -m pytest ARGS in the repository, output to a log, a progress line every 15 s; its status."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    started = last = time.monotonic()
    with open(log_path, "wb") as logf:
        logf.write(f"$ {' '.join(cmd)}\n".encode())
        logf.flush()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            while proc.poll() is None:
                time.sleep(0.5)
                if time.monotonic() - last >= 15:
                    last = time.monotonic()
                    provision.log(f"{what}: {last - started:.0f} s")
                if time.monotonic() - started > RUN_LIMIT:
                    # SIGTERM: the run writes what it gathered, marked interrupted, and the comparison says so
                    provision.log(f"{what}: still running after {RUN_LIMIT} s: stopping it")
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=60)
        finally:
            if proc.poll() is None:  # interrupted: pytest and the guests it started go with it
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    return proc.returncode


def header_failures(headers: dict[str, Path], out: Path, label: str) -> tuple[set[str], int]:
    """Run the header check (tests/abi) against these headers ({} = Debian 12's): the failing test ids and
    how many ran."""
    xml = out / f"headers-{label}.xml"
    args = ["tests/abi", "-q", f"--junitxml={xml}"]
    for arch, d in headers.items():
        args.append(f"--uapi-headers={arch}={d}")
    if not headers:  # Debian 12's alone: 13's and sid's test ids (prefixed) could never match the tree's
        args.append("--uapi-headers=debian-12")
    _pytest(args, out / f"headers-{label}.log", f"header check ({label})")
    if not xml.is_file():
        raise Invalid(f"the header check against the {label} headers did not run (log: {out / f'headers-{label}.log'})")
    failed, total = set(), 0
    for case in ET.parse(xml).iter("testcase"):
        total += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add(case.get("name", "?"))
    return failed, total


def conformance(ks: dict[str, Kernel], targets: dict[str, list[str]], rdir: Path, label: str) -> Path:
    """The conformance suite in one run: each architecture's guests on its kernel (one --guest-kernel each: a Debian
    name once, for all of them); the results JSON it wrote (into rdir)."""
    rdir.mkdir(parents=True, exist_ok=True)
    for old in rdir.glob("conformance-*"):
        old.unlink()
    specs = list(dict.fromkeys(k.spec for k in ks.values()))
    args = ["tests/conformance", "-q", "-n", "2", f"--report-dir={rdir}", *(f"--guest-kernel={s}" for s in specs),
            *(f"--target={t}" for arch in ks for t in targets[arch])]
    modules = [k.modules for k in ks.values() if k.modules]
    if modules:  # one --guest-modules for the run: the PATH kernels' modules, all in one directory
        args.append(f"--guest-modules={modules[0] if len(modules) == 1 else merged_modules(modules, rdir)}")
    names = " + ".join(dict.fromkeys(k.label for k in ks.values()))
    say(f"{label}: conformance suite on {names} ({', '.join(t for arch in ks for t in targets[arch])})")
    started = time.monotonic()
    status = _pytest(args, rdir / "pytest.log", f"conformance ({label})")
    results = sorted(rdir.glob("conformance-*.json"))
    if not results:
        raise Invalid(f"the conformance run on {names} wrote no results (exit status {status}; log: "
                      f"{rdir / 'pytest.log'})", kernel_build.tail((rdir / "pytest.log").read_text(errors="replace")))
    summary = [line for line in (rdir / "pytest.log").read_text(errors="replace").splitlines()
               if re.match(r"^=* ?\d+ \w+.* in [\d.]+s", line)]
    say(f"{label}: {summary[-1].strip('= ') if summary else f'exit status {status}'} "
        f"({time.monotonic() - started:.0f} s); reports in {rdir}")
    return results[-1]


def merged_modules(dirs: list[str], rdir: Path) -> Path:
    """One directory with every kernel's modules (--guest-modules is one directory for the run)."""
    out = rdir / "modules"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    for d in dirs:
        for ko in Path(d).iterdir():
            shutil.copy2(ko, out / ko.name)
    return out


def unavailable_targets(results: Path) -> list[str]:
    """Targets on which no case ran: every one was skipped, or errored because the target could not come up (the
    target plugin's line): the suite could not run there, a failure of the kernel."""
    from abi.target.plugin import COME_UP

    recs = json.loads(results.read_text())["records"]
    by_target: dict[str, list[dict]] = {}
    for r in recs:
        if r.get("target"):
            by_target.setdefault(r["target"], []).append(r)
    return [f"{t}: {rs[0].get('message', '')}" for t, rs in by_target.items()
            if all(r["outcome"] == "skipped" or COME_UP in r.get("message", "") for r in rs)]


def api_doc_changes(patched: Kernel, base: Kernel) -> tuple[list[docdiff.SectionChange], str]:
    """The sections of api.rst whose documented errors the patch changed, and what was compared."""
    new = patched.tree / "Documentation/virt/kvm/api.rst"
    if not new.is_file():
        return [], f"no {new}"
    if base.tree is not None:
        old = base.tree / "Documentation/virt/kvm/api.rst"
    elif base.spec in provision.KERNELS:
        from abi.spec.docs import DocsUnavailable, kvm_docs

        try:
            old = kvm_docs(base.spec) / "api.rst"
        except DocsUnavailable as e:
            return [], f"the baseline's documentation is unavailable: {e}"
    else:
        return [], "the baseline is an Image: no documentation to compare with"
    if not old.is_file():
        return [], f"no {old}"
    return docdiff.changes(old.read_text(errors="replace"), new.read_text(errors="replace")), f"{old} -> {new}"


def skipped_only_in_new(base_json: Path, new_json: Path) -> dict[str, int]:
    """Cases that ran on the baseline but were skipped on the patched kernel, counted by skip reason: not a
    regression, but coverage the comparison lacks (a capability the patched kernel's configuration lacks)."""
    def key(r: dict) -> str:
        # by test and parameters (target and case), not group: a case skipped early has no ioctl to group it by;
        # the test is in the node id: a smoke test's name is its target alone, the same for each of them
        name = r.get("nodeid") or r["name"]
        return name.replace("@" + r["kernel_release"], "") if r.get("kernel_release") else name

    base = {key(r): r for r in json.loads(base_json.read_text())["records"]}
    out: dict[str, int] = {}
    for r in json.loads(new_json.read_text())["records"]:
        was = base.get(key(r))
        if r["outcome"] == "skipped" and was is not None and was["outcome"] != "skipped":
            reason = r.get("message", "") or "?"
            out[reason] = out.get(reason, 0) + 1
    return out


def run_release(results: Path, arch: str | None = None) -> str:
    """The kernel release(s) a run's targets had (of one architecture's guests, when given)."""
    targets = json.loads(results.read_text()).get("targets", {})
    return ", ".join(sorted({t.get("kernel_release", "") for t in targets.values()
                             if arch is None or t.get("arch") == arch} - {""}))


# ---- the command ----------------------------------------------------------------------------------------

def slug(label: str) -> str:
    """A baseline's name as a file name (of its reports' directory and its comparison)."""
    return re.sub(r"[^\w.+-]", "_", label.strip("/"))[-60:]


def run(args) -> int:
    out = Path(args.report_dir or ROOT / "reports" / "validate").resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        kernel_build.check_tree(args.kernel_tree)
    except kernel_build.BuildError as e:
        raise Invalid(str(e)) from None
    wanted = list(dict.fromkeys(args.arch or ARCHES))
    targets = {arch: guests(arch, args.targets) for arch in wanted}
    arches = []
    for arch in wanted:
        why = unavailable(arch) if targets[arch] else f"none of --targets {' '.join(args.targets)} is a guest of {arch}"
        if why:
            say(f"{arch}: not validated: {why}")
        else:
            arches.append(arch)
    if not arches:
        raise Invalid(f"no architecture can be validated here ({', '.join(wanted)}: see above)")

    patched = {arch: build_tree(args.kernel_tree, "patched", arch) for arch in arches}
    for arch, k in list(patched.items()):
        targets[arch] = [t for t in targets[arch] if runs_on_build(t, k)]
        if not targets[arch]:  # no --target at all would run every machine
            say(f"{arch}: not validated: its built kernel can run none of --targets {' '.join(args.targets)}")
            del patched[arch]
    if not patched:
        raise Invalid("no architecture can be validated: its built kernel runs none of the targets (see above)")
    hdrs = tree_headers(args.kernel_tree, "patched")
    compared = baselines(list(dict.fromkeys(args.baseline or [DEFAULT_BASELINE])), list(patched))
    for arch, k in patched.items():
        k.headers = hdrs
        boot = boot_check(k, arch)
        say(f"patched: {arch}: boots to the agent with /dev/kvm in {boot:.1f} s ({k.release})")

    # The header check against the first baseline's headers (Debian's for a Debian name or an image)
    first = next(iter(compared[0].values()))
    new_hdr, n_hdr = header_failures(hdrs, out, "patched")
    old_hdr, _ = header_failures(first.headers, out, "baseline")
    abi_changes = sorted(new_hdr - old_hdr)
    say(f"header check: {n_hdr} checks against the tree's headers, {len(new_hdr)} failing "
        f"({len(abi_changes)} not failing against the baseline's "
        f"{'tree' if first.headers else 'Debian linux-libc-dev'} headers)")

    new_json = conformance(patched, targets, out / "patched", "patched")
    gone = unavailable_targets(new_json)
    if gone:
        raise Invalid(f"the patched kernel could not run the suite on {len(gone)} target(s)", "\n".join(gone))
    verdicts, blocks = [], []
    for baseline in compared:
        base = next(iter(baseline.values()))
        # several baselines: a directory and a comparison each, named after it
        where = out / "baseline" / (slug(base.label) if len(compared) > 1 else "")
        base_json = conformance(baseline, targets, where, f"baseline {base.label}")
        for k in baseline.values():
            k.release = k.release or run_release(base_json, k.arch)
        diff = compare(str(base_json), str(new_json))
        uncompared = [t for arch in patched if arch not in baseline for t in targets[arch]]
        if uncompared:  # a baseline of some architectures: the others' guests ran on the patched kernel only
            diff.new_cases = [c for c in diff.new_cases
                              if not any(c.split(": ", 1)[-1].startswith(t) for t in uncompared)]
            diff.targets = [c for c in diff.targets if not any(c.startswith(t) for t in uncompared)]
        name = "diff.html" if len(compared) == 1 else f"diff-{slug(base.label)}.html"
        (out / name).write_text(diff.html())
        doc_changes, doc_what = api_doc_changes(next(iter(patched.values())), base)
        verdicts.append(diff.regressed)
        blocks.append(summary(diff, abi_changes, patched, baseline, doc_changes, doc_what,
                              skipped_only_in_new(base_json, new_json)))

    regressed = any(verdicts) or bool(abi_changes)
    for block in blocks:
        say("")
        say(block)
    say(f"reports: {out}/{{patched,baseline}}/conformance-*.html, comparison {out}/diff*.html "
        f"({time.monotonic() - started:.0f} s in all)")
    return REGRESSED if regressed else OK


def _kernels(ks: dict[str, Kernel]) -> str:
    """What the summary's title says of one side: its label and the releases it ran, per architecture."""
    labels = list(dict.fromkeys(k.label for k in ks.values()))
    releases = ", ".join(f"{k.release or '?'} {arch}" for arch, k in ks.items())
    return f"{' + '.join(labels)} ({releases})"


def summary(diff: Diff, abi_changes: list[str], patched: dict[str, Kernel], base: dict[str, Kernel],
            doc_changes: list[docdiff.SectionChange] = (), doc_what: str = "",
            not_run: dict[str, int] | None = None) -> str:
    lines = [f"== kvm-abi validate: {_kernels(patched)} against {_kernels(base)}"]
    lines.append(f"ABI changes (header check failing against the tree's headers only): {len(abi_changes)}")
    lines += [f"  {n}" for n in abi_changes]
    for title, items in diff.sections():
        if title in ("Targets", "New cases", "Gone cases") and not items:
            continue
        lines.append(f"{title}: {len(items)}")
        lines += [f"  {i}" for i in items]
    if not_run:
        lines.append(f"Skipped on the patched kernel, run on the baseline: {sum(not_run.values())}")
        lines += [f"  {n} x {reason}" for reason, n in sorted(not_run.items(), key=lambda kv: -kv[1])]
    lines.append(f"Documented errors changed (api.rst): {len(doc_changes)} section(s)"
                 + (f" ({doc_what})" if doc_what and not doc_changes and "->" not in doc_what else ""))
    for ch in doc_changes:
        lines += [f"  {line}" for line in ch.lines()]
    verdict = "REGRESSED" if diff.regressed or abi_changes else "no regression"
    lines.append(f"== {verdict}")
    return "\n".join(lines)


def add_parser(sub) -> None:
    p = sub.add_parser("validate", help="build a kernel tree, boot it, run the suite, compare with a baseline",
                       description=__doc__.split("\n\n")[1])
    p.add_argument("--kernel-tree", required=True, metavar="DIR", help="the (patched) kernel source tree")
    p.add_argument("--arch", action="append", choices=ARCHES,
                   help=f"build and run only this architecture's guests (repeatable; default: {', '.join(ARCHES)})")
    p.add_argument("--baseline", action="append", metavar="NAME|IMAGE|DIR",
                   help=f"{'|'.join(provision.KERNELS)} (an architecture without Debian's kernel of that name is "
                        f"compared with its oldest), a kernel image of one guest architecture "
                        f"({', '.join(f'{s.arch} {s.image_file}' for s in machines.SYSTEMS)}; compared on it), or "
                        f"another kernel tree; repeatable, each compared on its own (default: {DEFAULT_BASELINE})")
    p.add_argument("--report-dir", metavar="DIR", help="where the reports go (default: reports/validate)")
    p.add_argument("--targets", nargs="+", default=list(TARGETS), choices=TARGETS, metavar="TARGET",
                   help=f"targets to run on (default: all of {', '.join(TARGETS)})")
    p.set_defaults(func=main)


def main(args) -> int:
    try:
        return run(args)
    except Invalid as e:
        print(f"kvm-abi validate: error: {e}", file=sys.stderr)
        if e.detail:
            print(e.detail, file=sys.stderr)
        return INVALID
    except KeyboardInterrupt:
        print("kvm-abi validate: interrupted", file=sys.stderr)
        return 130
