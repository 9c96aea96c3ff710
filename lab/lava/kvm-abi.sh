#!/bin/sh
# LAVA (lab/lava/kvm-abi.yaml): run kvm-abi on this board's own KVM and report each case with lava-test-case.
# Outside LAVA the results are printed as the lava-test-* commands would be given; -n prints every command
# instead of running it, and -k FILE reports an existing KTAP file instead of running the suite.
set -eu

usage() {
    cat <<USAGE
usage: $0 [-s true|false] [-t TARGET] [-a 'PYTEST OPTIONS'] [-k KTAP] [-o DIR] [-n]
  -s  skip the install (kvm-abi already installed in the image); default false: a venv in DIR/venv
  -t  kvm-abi's --target (default local: the board's /dev/kvm)
  -a  more options for kvm-abi run, shell-quoted (e.g. "-k 'KVM_CREATE_VM or KVM_RUN'")
  -k  report this KTAP file instead of installing and running the suite
  -o  where the venv and the reports go (default ./output)
  -n  dry run: print the commands instead of running them
USAGE
}

SKIP_INSTALL=false TARGET=local ARGS="" KTAP="" OUT=./output DRY=""
while getopts "s:t:a:k:o:nh" opt; do
    case "$opt" in
        s) SKIP_INSTALL=$OPTARG ;;
        t) TARGET=$OPTARG ;;
        a) ARGS=$OPTARG ;;
        k) KTAP=$OPTARG ;;
        o) OUT=$OPTARG ;;
        n) DRY=1 ;;
        h) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

run() {  # a command, or in a dry run its line
    if [ -n "$DRY" ]; then echo "+ $*"; else "$@"; fi
}

report() {  # NAME RESULT: one LAVA test case of this script's own
    if [ -z "$DRY" ] && command -v lava-test-case >/dev/null 2>&1; then
        lava-test-case "$1" --result "$2"
    else
        echo "lava-test-case $1 --result $2"
    fi
}

give_up() {  # WHY: the run could not happen; LAVA gets that as a failed kvm-abi-run, the log gets why
    echo "kvm-abi.sh: $1" >&2
    report kvm-abi-run fail
    exit 0
}

if [ -z "$KTAP" ]; then
    KVM_ABI=kvm-abi
    if [ "$SKIP_INSTALL" != true ]; then
        # A venv: Debian's python3 refuses pip installs outside one (PEP 668). --target local needs only the
        # Python packages, none of .ci/setup's compilers and QEMU.
        run python3 -m venv "$OUT/venv" || give_up "cannot create a venv in $OUT/venv (Debian: apt-get install python3-venv)"
        run "$OUT/venv/bin/python" -m pip install -q -e "$ROOT" || give_up "pip cannot install kvm-abi from $ROOT"
        KVM_ABI="$OUT/venv/bin/kvm-abi"
    elif [ -z "$DRY" ] && ! command -v kvm-abi >/dev/null 2>&1; then
        give_up "SKIP_INSTALL=true but no kvm-abi on PATH (install it: pip install -e $ROOT)"
    fi
    run mkdir -p "$OUT/reports"
    # The run's own exit status (1 when a case failed) is in the results reported below, case by case.
    eval "set -- $ARGS"  # the options as a shell would split them, quotes and all
    run "$KVM_ABI" run --target "$TARGET" --report-dir "$OUT/reports" -p no:cacheprovider "$@" || true
    if [ -n "$DRY" ]; then
        echo "+ python3 $HERE/ktap_to_lava.py $OUT/reports/conformance-*.ktap"
        exit 0
    fi
    KTAP=$(ls -t "$OUT"/reports/conformance-*.ktap 2>/dev/null | head -n 1)
    [ -n "$KTAP" ] || give_up "the run wrote no KTAP report in $OUT/reports (its output above says why)"
fi

echo "kvm-abi.sh: reporting $KTAP"
status=0
python3 "$HERE/ktap_to_lava.py" ${DRY:+--dry-run} "$KTAP" || status=$?
# kvm-abi-run passes when every case was reported from a complete run (no early stop, valid KTAP).
if [ "$status" -eq 0 ]; then report kvm-abi-run pass; else report kvm-abi-run fail; fi
