"""The findings' stable ids, the verdict per machine and kernel, and the comparison by id, from records built here
the way the report plugin builds them from a run (no KVM needed)."""

import json
import re

from abi.report import findings, verdict
from abi.report.diff import compare
from abi.report.records import Record
from abi.spec import registry


def _record(case, place: str, outcome: str = "xfailed", observed: str = "EINVAL") -> Record:
    target, _, release = place.partition("@")
    return Record(nodeid=f"tests/conformance/test_cases.py::test_x[{place}-{case.id}]", outcome=outcome,
                  group=case.ioctl, name=f"{place}-{case.id}", target=target, kernel_release=release,
                  ioctl=case.ioctl, case=case.id, condition=case.condition, expected=case.errno_name,
                  observed=observed, basis=case.basis, cite=case.cite,
                  deviation=case.deviation.why if case.deviation else "",
                  finding_class=case.deviation.kind if case.deviation else "", extra={"arch": case.arch[0]})


def test_every_spec_case_has_its_own_finding_id():
    """18 (ioctl, case id) pairs have more than one case (the GICv2 and GICv3 specs, one case per architecture):
    every case still gets its own key, and no two keys share an id (6 hex digits of their SHA-1)."""
    by_key: dict[str, set[int]] = {}
    for c in registry.cases():
        for arch in c.arch:
            by_key.setdefault(findings.case_key(c, arch), set()).add(id(c))
    assert all(len(cases) == 1 for cases in by_key.values()), [k for k, v in by_key.items() if len(v) > 1]
    assert len({findings.finding_id(k) for k in by_key}) == len(by_key)
    assert all(re.fullmatch(r"KVM-ABI-[0-9a-f]{6}", findings.finding_id(k)) for k in by_key)


def test_a_finding_is_told_once_with_every_place_it_holds():
    case = next(c for c in registry.cases() if c.deviation and not c.deviation.follows and "arm64" in c.arch)
    records = [_record(case, "qemu-arm64-gicv3@6.1.0-57-cloud-arm64", observed="EINVAL"),
               _record(case, "qemu-arm64-mte@6.1.0-57-cloud-arm64", observed="EINVAL"),
               _record(case, "qemu-arm64-gicv3@6.12.48+deb13-cloud-arm64", observed="ENOENT")]
    found = findings.from_records(records)
    assert len(found) == 1
    f = found[0]
    assert f["id"] == findings.finding_id(findings.case_key(case, "arm64")) and f["key"].startswith(case.ioctl)
    assert f["where"] == [r.place for r in records]
    assert "EINVAL (qemu-arm64-gicv3@6.1.0-57-cloud-arm64, qemu-arm64-mte@6.1.0-57-cloud-arm64)" in f["text"]
    assert "ENOENT (qemu-arm64-gicv3@6.12.48+deb13-cloud-arm64)" in f["text"]
    assert (f["class"], f["document"]) == (case.deviation.kind, case.cite if case.basis == "doc" else "")


def test_twin_cases_of_two_specs_are_two_findings():
    twins = [c for c in registry.cases() if (c.ioctl, c.id) == ("KVM_SET_DEVICE_ATTR", "nr-irqs-1024")]
    assert len(twins) == 2
    found = findings.from_records([_record(twins[0], "qemu-arm64-gicv2@6.1"),
                                   _record(twins[1], "qemu-arm64-gicv3@6.1")])
    assert len({f["id"] for f in found}) == 2
    assert {f["key"] for f in found} == {"KVM_SET_DEVICE_ATTR/nr-irqs-1024/arm_vgic",
                                         "KVM_SET_DEVICE_ATTR/nr-irqs-1024/arm_vgic_v3"}


def test_a_header_finding_keeps_its_id_when_the_line_moves():
    a = findings.documentation("c", "UAPI header: arm64: KVM_X at /usr/include/linux/kvm.h:561: 'PAGE_SIZE' undeclared")
    b = findings.documentation("c", "UAPI header: arm64: KVM_X at /usr/include/linux/kvm.h:580: 'PAGE_SIZE' undeclared")
    assert a["id"] == b["id"] and a["text"] != b["text"]
    doc = findings.documentation("c", "documentation: api.rst 4.85 KVM_ARM_SET_DEVICE_ADDR names no errno; arm.c "
                                      "kvm_vm_ioctl_set_device_addr never reads them")
    assert (doc["document"], doc["kernel"]) == ("api.rst 4.85 KVM_ARM_SET_DEVICE_ADDR",
                                                "arm.c kvm_vm_ioctl_set_device_addr")


def test_verdict_has_a_row_per_target_and_kernel():
    case = next(c for c in registry.cases() if not c.deviation and "arm64" in c.arch)
    records = [_record(case, "qemu-arm64-gicv3@6.1", "passed"), _record(case, "qemu-arm64-gicv3@6.12", "failed"),
               _record(case, "qemu-arm64-gicv3@6.12", "xpassed"), _record(case, "qemu-arm64-mte@6.1", "skipped"),
               _record(case, "local@6.18", "xfailed")]
    rows = verdict.places(records, order=["local", "qemu-arm64-gicv3", "qemu-arm64-mte"])
    assert [(p.name, p.passed, p.failed, p.deviations, p.not_applicable, p.verdict) for p in rows] == [
        ("local@6.18", 0, 0, 1, 0, "PASS"), ("qemu-arm64-gicv3@6.1", 1, 0, 0, 0, "PASS"),
        ("qemu-arm64-gicv3@6.12", 0, 2, 0, 0, "FAIL"), ("qemu-arm64-mte@6.1", 0, 0, 0, 1, "NOTHING RAN")]
    assert verdict.overall(rows) == "FAIL"
    passing = verdict.places(records[:1] + records[3:], interrupted=True)
    assert [p.verdict for p in passing] == ["INTERRUPTED"] * 3 and verdict.overall(passing, True) == "INTERRUPTED"


def _results(tmp_path, name: str, found: list[dict], fmt: int = 3):
    path = tmp_path / name
    path.write_text(json.dumps({"format": fmt, "records": [], "findings": found}))
    return str(path)


def test_diff_matches_findings_by_id(tmp_path):
    """Reworded or seen elsewhere, a finding is the same finding; a new id is a new finding. Files without ids
    (format 2) are compared by text."""
    def finding(fid, text):
        return {"id": fid, "class": "the kernel breaks the document", "text": text}

    base = _results(tmp_path, "base.json", [finding("KVM-ABI-000001", "gives EINVAL"), finding("KVM-ABI-000002", "x")])
    new = _results(tmp_path, "new.json", [finding("KVM-ABI-000001", "gives ENOENT"), finding("KVM-ABI-000003", "y")])
    d = compare(base, new)
    assert [f.split(" ")[0] for f in d.new_findings] == ["KVM-ABI-000003"]
    assert [f.split(" ")[0] for f in d.gone_findings] == ["KVM-ABI-000002"]
    old = _results(tmp_path, "old.json", [{"class": "c", "text": "gives EINVAL"}], fmt=2)
    d = compare(old, _results(tmp_path, "old2.json", [{"class": "c", "text": "gives ENOENT"}], fmt=2))
    assert d.new_findings == ["c: gives ENOENT"] and d.gone_findings == ["c: gives EINVAL"]


def _run_file(tmp_path, name: str, outcomes: dict[str, str]) -> str:
    """A results file of one case on the places given (target@release -> outcome)."""
    records = [{"group": "KVM_CREATE_VM", "name": f"{place}-type-bad", "outcome": outcome,
                "target": place.partition("@")[0], "kernel_release": place.partition("@")[2]}
               for place, outcome in outcomes.items()]
    path = tmp_path / name
    path.write_text(json.dumps({"format": 3, "records": records, "findings": []}))
    return str(path)


def test_diff_matches_one_kernel_runs_across_releases_and_matrices_kernel_by_kernel(tmp_path):
    # Stock against patched kernel: the releases differ, the case is the same.
    d = compare(_run_file(tmp_path, "a.json", {"g@6.1.0-1": "passed"}), _run_file(tmp_path, "b.json",
                                                                                  {"g@6.1.0-1-patched": "failed"}))
    assert len(d.new_failures) == 1 and not d.new_cases
    # Two kernel matrices: each kernel meets its own; one kernel's regression is that kernel's, not a collision.
    base = _run_file(tmp_path, "m1.json", {"g@6.1.0-1": "passed", "g@7.2.0-1": "passed"})
    new = _run_file(tmp_path, "m2.json", {"g@6.1.0-1": "passed", "g@7.2.0-1": "failed"})
    d = compare(base, new)
    assert [f.split(":")[1].strip().split(" ")[0] for f in d.new_failures] == ["g@7.2.0-1-type-bad"]
    assert not d.new_cases and not d.gone_cases
