"""Dirty logging, memory slots (REGION2, attributes) and the remaining generic ioctls, on every target a case
applies to.

The cases, their conditions and citations are data in abi/spec/memory_dirty.py.
"""

import pytest

from abi.spec.memory_dirty import CASES
from abi.spec.plugin import replay


@pytest.mark.spec(CASES)
def test_memory_dirty(request, spec_target, case):
    replay(request, case, spec_target)
