"""python -m abi COMMAND: the project's commands (today: validate). See `python -m abi validate --help`."""

import argparse
import sys

from abi import validate


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m abi")
    sub = parser.add_subparsers(dest="cmd", required=True)
    validate.add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
