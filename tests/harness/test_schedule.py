"""Distribution by target (abi/target/schedule.py): which target a test id runs on."""

from abi.target.schedule import scope_of

TARGETS = ["local@6.18.44", "qemu-riscv64@7.2.13", "qemu-riscv64-aia@7.2.13", "qemu-arm64-gicv3"]


def test_a_test_is_scoped_by_the_longest_target_id_its_parameters_start_with():
    assert scope_of("t.py::test_one_reg[qemu-riscv64-aia@7.2.13-riscv-get-pc]", TARGETS) == "qemu-riscv64-aia@7.2.13"
    assert scope_of("t.py::test_one_reg[qemu-riscv64@7.2.13-riscv-get-pc]", TARGETS) == "qemu-riscv64@7.2.13"
    assert scope_of("t.py::test_nop[qemu-arm64-gicv3]", TARGETS) == "qemu-arm64-gicv3"


def test_a_test_on_no_target_of_the_run_is_a_scope_of_its_own():
    for nodeid in ("t.py::test_plain", "t.py::test_x[other-case]", "t.py::test_x[qemu-arm64-gicv3x-case]"):
        assert scope_of(nodeid, TARGETS) == nodeid
