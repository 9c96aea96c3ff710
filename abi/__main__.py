"""python -m abi COMMAND: the same commands as the `kvm-abi` console script (abi/cli.py)."""

import sys

from abi.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m abi"))
