"""`kvm-abi run [pytest options]`: the conformance run with the README's defaults, from any directory.

The tests are not part of the installed package (only `abi/` is): they are found in the source tree the imported
`abi` belongs to, the checkout an editable install (`pip install -e .`, as .ci/setup does) points to. Without
one, one line says so. pytest then replaces this process (signals and the exit status are pytest's own), with that
tree first on the import path and the working directory left as it is, so relative paths in the options mean
what they say.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import abi

TESTS = Path("tests") / "conformance"
WORKERS = "2"  # the README's -n 2: the 2-core figures it gives were measured so

HELP = f"""usage: {{prog}} [pytest options]

The conformance suite ({TESTS}) with the README's defaults: -n {WORKERS} when pytest-xdist is installed (unless
the options choose -n or -p no:xdist), every available target (--target), reports in the checkout's reports/
(--report-dir DIR). Options are pytest's and the suite's; e.g. {{prog}} --target local -k KVM_CREATE_VM."""


def checkout(package: Path | None = None) -> Path | None:
    """The source tree holding the `abi` package imported now, if it has the conformance tests and their
    conftest.py (an editable install or a checkout on sys.path); None for an installed wheel."""
    root = (package or Path(abi.__file__)).resolve().parent.parent
    return root if (root / TESTS).is_dir() and (root / "conftest.py").is_file() else None


def missing(package: Path | None = None) -> str:
    where = (package or Path(abi.__file__)).resolve().parent
    return (f"the conformance tests are not installed with the package ({where} has abi/ only): run it from a "
            f"kvm-abi source checkout installed with `pip install -e .` (bash .ci/setup does)")


def chooses_workers(args: list[str]) -> bool:
    """Whether the options already say how many pytest-xdist workers (or none)."""
    for i, a in enumerate(args):
        if (a.startswith("-n") and not a.startswith("--")) or a.startswith(("--numprocesses", "--dist")):
            return True
        if (a == "no:xdist" and i and args[i - 1] == "-p") or a == "-pno:xdist":
            return True
    return False


def command(root: Path, args: list[str]) -> list[str]:
    """The pytest command line: this interpreter with a safe path (-P: no working directory on sys.path, so the
    checkout's abi is the one imported), the checkout's tests, the default workers, then the user's options."""
    cmd = [sys.executable, "-P", "-m", "pytest", str(root / TESTS)]
    if importlib.util.find_spec("xdist") and not chooses_workers(args):
        cmd += ["-n", WORKERS]
    return cmd + args


def main(argv: list[str], prog: str = "kvm-abi run") -> int:
    root = checkout()
    if argv[:1] in (["-h"], ["--help"]):
        print(HELP.format(prog=prog))
        if root is None:
            print(f"\n{prog}: {missing()}")
            return 0
        print("\npytest's and the suite's options follow.\n", flush=True)
    if root is None:
        print(f"{prog}: {missing()}", file=sys.stderr)
        return 2
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root), *filter(None, [env.get("PYTHONPATH")])])
    cmd = command(root, argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(cmd[0], cmd, env)
    return 127  # not reached: execve returns only by raising
