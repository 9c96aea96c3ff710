"""`python -m abi validate --kernel-tree DIR`: does a patched kernel keep the KVM ABI and its documented behaviour?

One command for a kernel developer: build an arm64 guest kernel from the tree (abi/target/kernel_build.py,
cached), check the model against the tree's own UAPI headers, boot the kernel once to see it come up with
KVM at EL2, run the conformance suite on it and on a baseline kernel (Debian's 6.1 by default, another tree
or an Image), and compare the two runs (abi/report/diff.py). Exit status: 0 no regression, 1 regressed
(a new failure, or an ABI change to a modelled symbol), 2 the patch could not be validated (not a kernel
tree, build failure, a kernel that does not boot or has no KVM), with one line saying why.
"""

from __future__ import annotations

import json
import os
import re
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
from abi.target.base import TargetUnavailable
from abi.target.qemu import QemuTarget

ROOT = Path(__file__).resolve().parent.parent  # the repository: tests/ live here
# The tree's kernel is built for the arm64 guests' architecture (kernel_build), so every arm64 guest can boot it; the
# x86_64 guest cannot (validating an x86 tree is issue 13's).
TARGETS = tuple(m.name for m in machines.GUESTS if m.boot.system == provision.SYSTEM)
# Whether the kernel boots to the agent with /dev/kvm, any guest machine says: the first.
BOOT_CHECK = machines.GUESTS[0]
DEFAULT_BASELINE = "debian-6.1"
OK, REGRESSED, INVALID = 0, 1, 2


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
    label: str        # what the user named: the tree, debian-6.1, an Image path
    spec: str         # --guest-kernel value: a Debian name or an Image path
    release: str = ""
    headers: dict[str, Path] = field(default_factory=dict)  # arch -> INSTALL_HDR_PATH; {} = Debian's
    tree: Path | None = None


def build_tree(tree: str, what: str) -> Kernel:
    try:
        b = kernel_build.build(tree)
        say(f"{what}: {b.tree}: {b.release}, Image {b.image.stat().st_size / 1e6:.1f} MB "
            + (f"built in {b.seconds:.0f} s" if b.rebuilt else f"unchanged since the last build ({b.seconds:.1f} s)"))
        hdrs = kernel_build.headers(tree)
    except kernel_build.BuildError as e:
        raise Invalid(str(e) if what == "patched" else f"{what}: {e}", e.detail) from None
    return Kernel(str(b.tree), str(b.image), b.release, hdrs, b.tree)


def baseline_kernel(spec: str) -> Kernel:
    if spec in provision.KERNELS:
        return Kernel(spec, spec)
    path = Path(spec).expanduser()
    if path.is_dir():
        return build_tree(spec, "baseline")
    try:
        provision.check_kernel_option(spec)
    except TargetUnavailable as e:
        raise Invalid(f"--baseline {spec}: {e}") from None
    return Kernel(spec, str(path.resolve()))


class _BootCheck(QemuTarget):
    """A QemuTarget that keeps the console of a guest that failed to come up (stop() deletes it)."""

    console = ""

    def stop(self) -> None:
        tail = self.console_tail()
        if tail:
            self.console = tail
        super().stop()


def boot_check(k: Kernel) -> float:
    """Boot the kernel once (on BOOT_CHECK): it must reach the agent with /dev/kvm. Returns the boot time."""
    target = _BootCheck(BOOT_CHECK.label, k.spec)
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
    """Run the header check (tests/abi) against these headers ({} = Debian's): the failing test ids and
    how many ran."""
    xml = out / f"headers-{label}.xml"
    args = ["tests/abi", "-q", f"--junitxml={xml}"]
    for arch, d in headers.items():
        args.append(f"--uapi-headers={arch}={d}")
    _pytest(args, out / f"headers-{label}.log", f"header check ({label})")
    if not xml.is_file():
        raise Invalid(f"the header check against the {label} headers did not run (log: {out / f'headers-{label}.log'})")
    failed, total = set(), 0
    for case in ET.parse(xml).iter("testcase"):
        total += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add(case.get("name", "?"))
    return failed, total


def conformance(k: Kernel, targets: list[str], out: Path, label: str) -> Path:
    """The conformance suite on one kernel; the results JSON it wrote."""
    rdir = out / label
    rdir.mkdir(parents=True, exist_ok=True)
    for old in rdir.glob("conformance-*"):
        old.unlink()
    args = ["tests/conformance", "-q", "-n", "2", f"--report-dir={rdir}", f"--guest-kernel={k.spec}",
            *(f"--target={t}" for t in targets)]
    say(f"{label}: conformance suite on {k.label} ({', '.join(targets)})")
    started = time.monotonic()
    status = _pytest(args, rdir / "pytest.log", f"conformance ({label})")
    results = sorted(rdir.glob("conformance-*.json"))
    if not results:
        raise Invalid(f"the conformance run on {k.label} wrote no results (exit status {status}; log: "
                      f"{rdir / 'pytest.log'})", kernel_build.tail((rdir / "pytest.log").read_text(errors="replace")))
    summary = [line for line in (rdir / "pytest.log").read_text(errors="replace").splitlines()
               if re.match(r"^=* ?\d+ \w+.* in [\d.]+s", line)]
    say(f"{label}: {summary[-1].strip('= ') if summary else f'exit status {status}'} "
        f"({time.monotonic() - started:.0f} s); reports in {rdir}")
    return results[-1]


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
    def key(r: dict) -> str:  # by target and case: a case skipped early has no ioctl to group it by
        return r["name"].replace("@" + r["kernel_release"], "") if r.get("kernel_release") else r["name"]

    base = {key(r): r for r in json.loads(base_json.read_text())["records"]}
    out: dict[str, int] = {}
    for r in json.loads(new_json.read_text())["records"]:
        was = base.get(key(r))
        if r["outcome"] == "skipped" and was is not None and was["outcome"] != "skipped":
            reason = r.get("message", "") or "?"
            out[reason] = out.get(reason, 0) + 1
    return out


def run_release(results: Path) -> str:
    targets = json.loads(results.read_text()).get("targets", {})
    return ", ".join(sorted({t.get("kernel_release", "") for t in targets.values()} - {""}))


# ---- the command ----------------------------------------------------------------------------------------

def run(args) -> int:
    out = Path(args.report_dir or ROOT / "reports" / "validate").resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    patched = build_tree(args.kernel_tree, "patched")
    base = baseline_kernel(args.baseline)
    boot = boot_check(patched)
    say(f"patched: boots to the agent with /dev/kvm in {boot:.1f} s ({patched.release})")

    new_hdr, n_hdr = header_failures(patched.headers, out, "patched")
    old_hdr, _ = header_failures(base.headers, out, "baseline")
    abi_changes = sorted(new_hdr - old_hdr)
    say(f"header check: {n_hdr} checks against the tree's headers, {len(new_hdr)} failing "
        f"({len(abi_changes)} not failing against the baseline's "
        f"{'tree' if base.headers else 'Debian linux-libc-dev'} headers)")

    new_json = conformance(patched, args.targets, out, "patched")
    gone = unavailable_targets(new_json)
    if gone:
        raise Invalid(f"the patched kernel could not run the suite on {len(gone)} target(s)", "\n".join(gone))
    base_json = conformance(base, args.targets, out, "baseline")
    base.release = base.release or run_release(base_json)
    diff = compare(str(base_json), str(new_json))
    (out / "diff.html").write_text(diff.html())
    doc_changes, doc_what = api_doc_changes(patched, base)
    not_run = skipped_only_in_new(base_json, new_json)

    regressed = diff.regressed or bool(abi_changes)
    say("")
    say(summary(diff, abi_changes, patched, base, doc_changes, doc_what, not_run))
    say(f"reports: {out}/{{patched,baseline}}/conformance-*.html, comparison {out / 'diff.html'} "
        f"({time.monotonic() - started:.0f} s in all)")
    return REGRESSED if regressed else OK


def summary(diff: Diff, abi_changes: list[str], patched: Kernel, base: Kernel,
            doc_changes: list[docdiff.SectionChange] = (), doc_what: str = "",
            not_run: dict[str, int] | None = None) -> str:
    lines = [f"== kvm-abi validate: {patched.label} ({patched.release}) against {base.label} "
             f"({base.release or '?'})"]
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
    p.add_argument("--baseline", default=DEFAULT_BASELINE, metavar="NAME|IMAGE|DIR",
                   help=f"{'|'.join(provision.KERNELS)}, an arm64 Image, or another kernel tree "
                        f"(default: {DEFAULT_BASELINE})")
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
