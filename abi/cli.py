"""The project's commands, one dispatcher for `kvm-abi COMMAND` (the console script) and `python -m abi COMMAND`.

Each command is a module that adds its own subparser (`add_parser(sub)`); `run` hands its whole command line to
pytest (abi/suite.py), so argparse only lists it.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from abi import suite

# In the order `--help` lists them; imported only to parse a command line (`run` goes to pytest without them).
COMMANDS = ("abi.validate", "abi.spec.coverage", "abi.report.__main__", "abi.bench", "abi.target.cache")
PASSED_ON = {"run": (suite.main, "the conformance suite with the README's defaults (pytest options follow)")}


def parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="A conformance suite for the Linux KVM userspace ABI. "
                                                       f"`{prog} COMMAND --help` says more.")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    for name, (_, text) in PASSED_ON.items():
        sub.add_parser(name, help=text, add_help=False)
    for name in COMMANDS:
        importlib.import_module(name).add_parser(sub)
    return p


def main(argv: list[str] | None = None, prog: str = "kvm-abi") -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in PASSED_ON:
        return PASSED_ON[argv[0]][0](argv[1:], prog=f"{prog} {argv[0]}")
    args = parser(prog).parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
