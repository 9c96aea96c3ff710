"""python -m abi COMMAND: the project's commands (validate, coverage, cache). See `python -m abi COMMAND --help`."""

import argparse
import sys

from abi import validate
from abi.spec import coverage
from abi.target import cache


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m abi")
    sub = parser.add_subparsers(dest="cmd", required=True)
    validate.add_parser(sub)
    coverage.add_parser(sub)
    cache.add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
