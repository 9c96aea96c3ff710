"""--known-host-issues: a lab's declared host quirks are strict expected failures, held to the failure text they
declare, and reported; without the option nothing changes. No KVM needed: the tests are stand-ins."""

from pathlib import Path

import pytest

from abi.target.known_issues import load

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def this_tree(monkeypatch):
    """The pytest subprocesses import abi from this tree, whatever an editable install elsewhere points at."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))

TESTS = """
def test_reads_back():
    assert 0 == 0x1234, "read back 0x0, expected 0x1234"

def test_fixed():
    pass

def test_other():
    assert False, "expected EINVAL, got success"
"""


def issues(*entries) -> str:
    return "\n".join(f'[[issue]]\ntest = "{t}"\nfails_with = "{f}"\nwhy = "{w}"\n' for t, f, w in entries)


def run(pytester, *entries, extra=()):
    pytester.makepyfile(test_lab=TESTS)
    args = ["-p", "abi.target.known_issues", "-p", "no:cacheprovider", "-rA", *extra]
    if entries:
        f = pytester.makefile(".toml", lab=issues(*entries))
        args += ["--known-host-issues", str(f)]
    return pytester.runpytest_subprocess(*args)


def test_without_the_option_nothing_is_declared(pytester):
    run(pytester).assert_outcomes(passed=1, failed=2)


def test_a_declared_failure_is_an_expected_failure_with_its_reason(pytester):
    r = run(pytester, ("test_lab.py::test_reads_back", "read back 0x0", "the lab host reads 0"))
    r.assert_outcomes(passed=1, failed=1, xfailed=1)
    r.stdout.fnmatch_lines(["*known host issues (--known-host-issues)*",
                            "*fails as declared: test_lab.py::test_reads_back",
                            "*XFAIL*test_reads_back*known host issue (*lab.toml): the lab host reads 0*"])


def test_a_failure_other_than_declared_fails(pytester):
    r = run(pytester, ("test_lab.py::test_other", "read back 0x0", "declared for another failure"))
    r.assert_outcomes(passed=1, failed=2)
    r.stdout.fnmatch_lines(["*declared to fail with 'read back 0x0', but it failed otherwise*",
                            "*FAILED (not as declared*test_other"])


def test_a_host_that_no_longer_fails_turns_the_run_red(pytester):
    r = run(pytester, ("test_lab.py::test_fixe?", "anything", "fixed since"))
    r.assert_outcomes(failed=3)
    r.stdout.fnmatch_lines(["*XPASS(strict)*", "*PASSED (XPASS strict: the host no longer has this issue*test_fixed"])


def test_patterns_and_an_entry_matching_nothing(pytester):
    r = run(pytester, ("test_lab.py::test_read*", "read back", "any reads"), ("test_lab.py::test_gone", "x", "gone"))
    r.assert_outcomes(passed=1, failed=1, xfailed=1)
    r.stdout.fnmatch_lines(["test_lab.py::test_gone: gone *", "  matched no test of this run"])


def test_brackets_are_the_test_ids_own(tmp_path):
    f = tmp_path / "i.toml"
    f.write_text(issues(("t.py::t[local@6.18.*-tsc]", "x", "y")))
    issue = load(f)[0]
    assert issue.matches("t.py::t[local@6.18.44-fc-v1-tsc]")
    assert not issue.matches("t.py::t[local@6.19.1-tsc]") and not issue.matches("t.py::tl")


@pytest.mark.parametrize("text, message", [
    ('[[issue]]\ntest = "a"\nwhy = "b"\n', "issue 1: missing fails_with"),
    ('[[issue]]\ntest = "a"\nfails_with = "x"\nwhy = "b"\nseverity = 1\n', "unknown key severity"),
    ('[other]\n', "expected only [[issue]] tables"),
    ('[[issue]\n', "lab.toml"),
])
def test_a_malformed_file_is_a_usage_error(pytester, text, message):
    pytester.makepyfile(test_lab=TESTS)
    f = pytester.makefile(".toml", lab=text)
    r = pytester.runpytest_subprocess("-p", "abi.target.known_issues", "--known-host-issues", str(f))
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    assert "--known-host-issues: " in r.stderr.str() and message in r.stderr.str(), r.stderr.str()
