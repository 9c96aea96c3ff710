"""vCPU attributes (devices/vcpu.rst) and the arm64 VM attribute group (devices/vm.rst KVM_ARM_VM_SMCCC_CTRL)
through KVM_{SET,GET,HAS}_DEVICE_ATTR, on every target a case applies to.

The cases, their conditions and citations are data in abi/spec/vcpu_attrs.py.
"""

import pytest

from abi.spec.plugin import replay
from abi.spec.vcpu_attrs import CASES


@pytest.mark.spec(CASES)
def test_vcpu_attrs(request, spec_target, case):
    replay(request, case, spec_target)
