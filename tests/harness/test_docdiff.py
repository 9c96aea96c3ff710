"""abi.spec.docdiff: the sections of api.rst whose documented errors a patch changed, with their cases."""

from abi.spec import docdiff
from abi.spec.case import Case, Step

DOC = """\
4.84 KVM_OTHER
--------------

Errors:

  ======  ==================
  EINVAL  Something is wrong
  ======  ==================

4.85 KVM_ARM_SET_DEVICE_ADDR (deprecated)
-----------------------------------------

:Type: vm ioctl

Errors:

  ======  ============================================
  ENODEV  The device id is unknown
  EEXIST  Address already set
  EBUSY   Address overlaps with other device range
  ======  ============================================
"""


def case(id_, errno):
    return Case(id=id_, ioctl="KVM_ARM_SET_DEVICE_ADDR", condition=id_, arch=("arm64",), features=("vgic-v2",),
                call=Step("call", lambda s: None), errno=errno, cite="api.rst")


CASES = [case("dist-already-set", 17), case("cpu-already-set", 17), case("unknown-device-id", 19),
         case("set-dist", 0)]


def test_unchanged_documentation_has_no_changes():
    assert docdiff.changes(DOC, DOC, CASES) == []


def test_a_changed_errno_lists_its_section_cases_and_uncovered_errors():
    new = DOC.replace("EEXIST  Address already set", "ENXIO   Address already set")
    (ch,) = docdiff.changes(DOC, new, CASES)
    assert (ch.number, ch.names) == ("4.85", ["KVM_ARM_SET_DEVICE_ADDR"])
    assert ch.removed == [("EEXIST", "Address already set")]
    assert ch.added == [("ENXIO", "Address already set")]
    assert ch.uncovered == [("ENXIO", "Address already set"), ("EBUSY", "Address overlaps with other device range")]
    assert ch.lines() == [
        "4.85 KVM_ARM_SET_DEVICE_ADDR (deprecated)",
        "  - EEXIST   Address already set",
        "  + ENXIO    Address already set",
        "  cases for EEXIST: dist-already-set, cpu-already-set",
        "  cases for ENXIO: none",
        "  cases for its other outcomes: ENODEV (1), success (1)",
        "  no case tests: ENXIO Address already set",
        "  no case tests: EBUSY Address overlaps with other device range",
    ]


def test_a_removed_section_is_shown_as_the_base_had_it():
    new = DOC[:DOC.index("4.85")]
    (ch,) = docdiff.changes(DOC, new, CASES)
    assert ch.number == "4.85" and len(ch.removed) == 3 and ch.added == [] and ch.uncovered == []
