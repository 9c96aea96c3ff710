"""KVM_ENABLE_CAP: the documented errors and ordering rules of api.rst's capability chapters, on every target a
case applies to.

The cases, their conditions and citations are data in abi/spec/enable_cap.py.
"""

import pytest

from abi.spec.enable_cap import CASES
from abi.spec.plugin import replay


@pytest.mark.spec(CASES)
def test_enable_cap(request, spec_target, case):
    replay(request, case, spec_target)
