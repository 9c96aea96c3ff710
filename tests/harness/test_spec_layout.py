"""The layout answers "where does this go": every ioctl's cases are in one module of abi/spec/cases (a device's
ioctls in the device's module), test ids are unique per module, and no spec guesses an architecture with an if/else."""

import re
from collections import defaultdict
from pathlib import Path

from abi.spec import registry

SPEC = Path(__file__).resolve().parents[2] / "abi" / "spec"
DEVICE_IOCTLS = {"KVM_CREATE_DEVICE", "KVM_SET_DEVICE_ATTR", "KVM_GET_DEVICE_ATTR", "KVM_HAS_DEVICE_ATTR"}


def _name(module) -> str:
    return module.__name__.rsplit(".", 1)[-1]


def test_every_ioctl_is_owned_by_one_module():
    owners = defaultdict(set)
    for module in registry.SPECS:
        for c in module.CASES:
            if c.ioctl not in DEVICE_IOCTLS:
                owners[c.ioctl].add(_name(module))
    shared = {ioctl: sorted(mods) for ioctl, mods in owners.items() if len(mods) > 1}
    assert not shared, f"ioctls whose cases are in several modules: {shared}"


def test_a_device_documents_rows_are_in_one_module():
    owners = defaultdict(set)
    for module in registry.SPECS:
        for c in module.CASES:
            if c.ioctl in DEVICE_IOCTLS and c.device_doc:
                owners[c.device_doc].add(_name(module))
    shared = {doc: sorted(mods) for doc, mods in owners.items() if len(mods) > 1}
    assert not shared, f"device documents whose attribute cases are in several modules: {shared}"


def test_a_case_id_names_one_case_per_module_and_architecture():
    # The test id is target@release-<case id>; one module is one test function.
    for module in registry.SPECS:
        seen = set()
        for c in module.CASES:
            for arch in c.arch:
                assert (arch, c.id) not in seen, f"{_name(module)}: {c.id} twice on {arch}"
                seen.add((arch, c.id))


def test_no_spec_guesses_the_architecture():
    """A step that differs by architecture looks the machine's up (steps.base.per_arch / for_arch): an if/else on
    the architecture would send a third one down the other's path."""
    guess = re.compile(r"\.arch\s*(==|!=|in\b|not in\b)|(==|!=)\s*[\"'](x86_64|arm64|riscv64)[\"']")
    found = [f"{p.relative_to(SPEC)}:{n}: {line.strip()}"
             for p in sorted([*SPEC.glob("steps/*.py"), *SPEC.glob("cases/*.py"), SPEC / "run.py", SPEC / "plugin.py"])
             for n, line in enumerate(p.read_text().splitlines(), 1)
             if guess.search(line) and not line.lstrip().startswith("#")]
    assert not found, "\n".join(found)
