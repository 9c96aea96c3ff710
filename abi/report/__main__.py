"""python -m abi.report diff BASE.json NEW.json [--html OUT]: what changed between two conformance runs.

Exit status 1 when the new run regressed (a case that passed, or failed as a documented deviation, now fails).
"""

import argparse
import sys
from pathlib import Path

from abi.report.diff import compare


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m abi.report")
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("diff", help="compare two results JSON files (base first)")
    d.add_argument("base")
    d.add_argument("new")
    d.add_argument("--html", metavar="OUT", help="also write the comparison as an HTML page")
    args = parser.parse_args(argv)
    for p in (args.base, args.new):
        if not Path(p).is_file():
            parser.error(f"{p}: no such results file (a conformance run writes reports/conformance-*.json)")
    try:
        result = compare(args.base, args.new)
    except (ValueError, KeyError) as e:
        parser.error(f"not a kvm-abi results file: {e}")
    print(result.text())
    if args.html:
        Path(args.html).write_text(result.html())
        print(f"html: {args.html}")
    return 1 if result.regressed else 0


if __name__ == "__main__":
    sys.exit(main())
