"""The virtual ITS device (arm-vgic-its.rst) on every target a case applies to.

The cases, their conditions and citations are data in abi/spec/arm_vgic_its.py.
"""

import pytest

from abi.spec.arm_vgic_its import CASES
from abi.spec.plugin import replay


@pytest.mark.spec(CASES)
def test_arm_vgic_its(request, spec_target, case):
    replay(request, case, spec_target)
