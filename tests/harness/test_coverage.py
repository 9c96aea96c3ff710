"""abi.spec.coverage: which documented (ioctl, errno) pairs a case tests, per architecture."""

from errno import EFAULT, EINVAL, ENOEXEC

from abi.spec import apidoc, coverage
from abi.spec.case import Case, Step, Unreachable

DOC = """\
4.10 KVM_RUN
------------

:Architectures: all
:Type: vcpu ioctl

Errors:

  =======    ===========================================
  EINTR      an unmasked signal is pending
  ENOEXEC    the vcpu hasn't been initialized (arm64)
  EINVAL     first reason
  EINVAL     second reason
  =======    ===========================================

4.16 KVM_INTERRUPT
------------------

:Architectures: x86, ppc

Returns -EFAULT if the pointer is invalid.
"""


def case(ioctl, errno, on, basis="doc", row=1):
    return Case(id=f"{ioctl}-{errno}-{row}", ioctl=ioctl, condition="c", on=on, call=Step("s", None), errno=errno,
                cite="x", basis=basis, doc_row=row)


def test_pairs_rows_and_architectures():
    pairs = coverage.documented_pairs(apidoc.parse(DOC))
    got = {(p.ioctl, p.errno, p.row, p.source, tuple(sorted(p.arches))) for p in pairs}
    assert ("KVM_RUN", "ENOEXEC", 1, "table", ("arm64",)) in got  # "(arm64)" restricts an "all" row
    assert ("KVM_RUN", "EINVAL", 2, "table", ("arm64", "x86_64")) in got
    assert ("KVM_INTERRUPT", "EFAULT", 1, "prose", ("x86_64",)) in got


def test_a_case_covers_its_row_on_its_architecture_only():
    pairs = coverage.documented_pairs(apidoc.parse(DOC))
    cases = [case("KVM_RUN", EINVAL, ("gicv2",), row=2), case("KVM_RUN", ENOEXEC, ("x86_64",)),
             case("KVM_INTERRUPT", EFAULT, ("x86_64",), basis="code")]
    unreachable = [Unreachable("KVM_INTERRUPT", EFAULT, "needs a broken pointer we cannot make", arch="x86_64")]
    st = {(s.pair.ioctl, s.pair.errno, s.pair.row): s for s in coverage.statuses(pairs, cases, unreachable)}
    assert st[("KVM_RUN", "EINVAL", 2)].state("arm64") == "covered"
    assert st[("KVM_RUN", "EINVAL", 2)].state("x86_64") == "gap"
    assert st[("KVM_RUN", "EINVAL", 1)].state("arm64") == "gap"  # another row of the same errno
    assert st[("KVM_RUN", "ENOEXEC", 1)].state("arm64") == "gap"  # an x86 case does not cover an arm64 row
    assert st[("KVM_INTERRUPT", "EFAULT", 1)].state("x86_64") == "unreachable"  # a code-basis case is no cover
    figs = {f.arch: f for f in coverage.figures(list(st.values()))}
    assert (figs["arm64"].total, figs["arm64"].covered) == (4, 1)
    assert figs["x86_64"].unreachable == 1 and "KVM_RUN EINVAL#2" in figs["x86_64"].gaps
