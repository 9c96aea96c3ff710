"""Benchmarks that print figures (never asserted in tests): `python -m abi.bench {headers,targets} [...]`.

Each subcommand is one function taking the parsed arguments; add one by adding to SUBCOMMANDS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time


def bench_headers(args) -> int:
    """Cold (empty cache) and warm (cached) wall time of the header check, per architecture and together."""
    from abi import abicheck, model
    from abi.headers import HeaderError, HeaderSet, dump

    arches = args.arch or list(model.ARCH_MODULES)
    cold_total, warm_total = [], []
    for run in range(args.repeat):
        cache = tempfile.mkdtemp(prefix="kvm-abi-bench-")
        old = os.environ.get("XDG_CACHE_HOME")
        os.environ["XDG_CACHE_HOME"] = cache
        try:
            cold = warm = 0.0
            for arch in arches:
                try:
                    t0 = time.perf_counter()
                    d = dump(HeaderSet(arch))
                    abi = model.for_arch(arch)
                    for name in abi.symbols:
                        abicheck.check(abi, d, name)
                    t1 = time.perf_counter()
                    d = dump(HeaderSet(arch))
                    for name in abi.symbols:
                        abicheck.check(abi, d, name)
                    t2 = time.perf_counter()
                except HeaderError as e:
                    print(f"{arch}: skipped: {e}")
                    continue
                cold += t1 - t0
                warm += t2 - t1
                if run == 0:
                    print(f"{arch:7} cold {t1 - t0:6.3f} s   warm {t2 - t1:6.3f} s   ({len(abi.symbols)} symbols)")
            cold_total.append(cold)
            warm_total.append(warm)
        finally:
            if old is None:
                os.environ.pop("XDG_CACHE_HOME", None)
            else:
                os.environ["XDG_CACHE_HOME"] = old
            shutil.rmtree(cache, ignore_errors=True)
    print(f"all     cold {statistics.median(cold_total):6.3f} s   warm {statistics.median(warm_total):6.3f} s   "
          f"(median of {args.repeat}; goals: cold < 5 s, warm < 0.5 s)")
    return 0


SUBCOMMANDS = {"headers": (bench_headers, "cold and warm time of the UAPI header check")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m abi.bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("headers", help=SUBCOMMANDS["headers"][1])
    h.add_argument("--arch", action="append", help="architecture (repeatable; default: all modelled)")
    h.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    return SUBCOMMANDS[args.cmd][0](args)


if __name__ == "__main__":
    sys.exit(main())
