"""python -m abi.report diff BASE.json NEW.json [--html OUT]: what changed between two conformance runs.

Exit status (abi/report/diff.py says what each covers): 0 no regression, 1 regressed, 3 coverage lost, 2 the
comparison could not be made (a file that is not a results JSON, an --html path that cannot be written).
"""

import argparse
import sys
from pathlib import Path

from abi.report.diff import ResultsError, compare


def add_parser(sub) -> None:
    d = sub.add_parser("diff", help="compare two conformance runs' results JSON files (base first)",
                       description=__doc__.split("\n\n")[1])
    d.add_argument("base", type=_results_file)
    d.add_argument("new", type=_results_file)
    d.add_argument("--html", metavar="OUT", help="also write the comparison as an HTML page")
    d.set_defaults(func=diff)


def _results_file(p: str) -> str:
    if not Path(p).is_file():
        raise argparse.ArgumentTypeError(f"{p}: no such results file (a conformance run writes "
                                         "reports/conformance-*.json)")
    return p


def diff(args) -> int:
    try:
        result = compare(args.base, args.new)
    except ResultsError as e:
        print(f"kvm-abi diff: {e}", file=sys.stderr)
        return 2
    print(result.text())
    if args.html:
        try:
            Path(args.html).write_text(result.html())
        except OSError as e:
            print(f"kvm-abi diff: cannot write --html {args.html}: {e.strerror}", file=sys.stderr)
            return 2
        print(f"html: {args.html}")
    return result.status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m abi.report")
    add_parser(parser.add_subparsers(dest="cmd", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
