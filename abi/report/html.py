"""The HTML summary that opens the report: the matrix, the targets, the findings (self-contained, no JS)."""

from __future__ import annotations

from html import escape

from abi.report.matrix import Row
from abi.report.records import Record

CSS = """
<style>
#kvm-abi h3 { margin: 1.2em 0 0.4em; }
#kvm-abi table { border-collapse: collapse; font-size: 12px; margin-bottom: 1em; }
#kvm-abi th, #kvm-abi td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
#kvm-abi th { background: #f0f0f0; }
#kvm-abi .pass { background: #c8efc8; } #kvm-abi .fail { background: #f6b6b6; }
#kvm-abi .xfail { background: #fde4a8; } #kvm-abi .skip { background: #e4e4e4; }
#kvm-abi .gap { background: #fff3f3; color: #a00; }
#kvm-abi .cite { color: #555; max-width: 28em; }
#kvm-abi #kvm-interrupted { padding: 6px 10px; border: 2px solid #c00; }
</style>
"""

_CELL = (("failed", "fail"), ("error", "fail"), ("xpassed", "fail"), ("xfailed", "xfail"), ("passed", "pass"),
         ("skipped", "skip"))


def _cell(counts: dict[str, int]) -> str:
    if not counts:
        return '<td class="none">-</td>'
    css = next(c for o, c in _CELL if counts.get(o)) if any(counts.get(o) for o, _ in _CELL) else "none"
    text = ", ".join(f"{n} {o}" for o, n in sorted(counts.items()) if n)
    data = " ".join(f'data-{o}="{n}"' for o, n in counts.items())
    return f'<td class="{css}" {data}>{escape(text)}</td>'


def matrix_table(rows: list[Row], targets: list[str]) -> str:
    head = "".join(f"<th>{escape(t)}</th>" for t in targets)
    out = ['<table id="kvm-matrix"><thead><tr><th>ioctl</th><th>errno</th><th>condition</th><th>documented</th>'
           f'<th>implemented</th><th>cases</th>{head}</tr></thead><tbody>']
    for r in rows:
        gap = ' class="gap"' if r.documented and not r.cases else ""
        cells = "".join(_cell(r.outcomes.get(t, {})) for t in targets)
        out.append(f'<tr class="matrix-row"{gap}><td>{escape(r.ioctl)}</td><td>{escape(r.errno)}</td>'
                   f'<td>{escape(r.condition)}</td><td class="cite">{escape(r.documented or "no")}</td>'
                   f'<td class="cite">{escape(r.implemented or "?")}</td><td>{r.cases or "untested"}</td>{cells}</tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def targets_table(targets: dict[str, dict]) -> str:
    cols = ("kernel_release", "arch", "profile", "features", "qemu_version", "cpu_model", "ipa_limit")
    out = ['<table id="kvm-targets"><thead><tr><th>target</th>'
           + "".join(f"<th>{c.replace('_', ' ')}</th>" for c in cols) + "</tr></thead><tbody>"]
    for name, info in targets.items():
        out.append(f"<tr><td>{escape(name)}</td>" + "".join(f"<td>{escape(str(info.get(c, '')))}</td>" for c in cols)
                   + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def findings_list(findings: list[dict]) -> str:
    """The findings under their class ({"class", "text"} each), with the count of each class."""
    if not findings:
        return '<p id="kvm-findings">none</p>'
    by_class: dict[str, list[str]] = {}
    for f in findings:
        by_class.setdefault(f["class"], []).append(f["text"])
    out = ['<div id="kvm-findings">']
    for kind, texts in by_class.items():
        out.append(f'<h4 class="finding-class" data-count="{len(texts)}">{escape(kind)}: {len(texts)}</h4><ul>'
                   + "".join(f"<li>{escape(t)}</li>" for t in texts) + "</ul>")
    return "".join(out) + "</div>"


def totals(records: list[Record]) -> str:
    counts = {o: sum(1 for r in records if r.outcome == o) for o in
              ("passed", "failed", "skipped", "xfailed", "xpassed", "error")}
    data = " ".join(f'data-{o}="{n}"' for o, n in counts.items())
    text = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
    return f'<p id="kvm-totals" data-tests="{len(records)}" {data}>{len(records)} tests: {escape(text)}</p>'


def coverage_table(statuses, figures, source: str) -> str:
    """Every documented (ioctl, errno, condition) and, per architecture, the cases testing it or why none can."""
    if statuses is None:
        return f'<p id="kvm-coverage">{escape(source)}</p>'
    lines = "".join(f"<li>{escape(f.line())}</li>" for f in figures)
    out = [f'<p>Against {escape(source)}:</p><ul id="kvm-coverage-figures">{lines}</ul>',
           '<table id="kvm-coverage"><thead><tr><th>ioctl or device group</th><th>errno</th>'
           "<th>documented condition</th><th>section</th><th>x86_64</th><th>arm64</th></tr></thead><tbody>"]
    for st in statuses:
        p = st.pair
        cells = []
        for arch in ("x86_64", "arm64"):
            if arch not in p.arches:
                cells.append('<td class="none">n/a</td>')
            elif st.state(arch) == "covered":
                cells.append(f'<td class="pass">{len(st.cases[arch])} case(s)</td>')
            elif st.state(arch) == "unreachable":
                cells.append(f'<td class="skip">unreachable: {escape(st.unreachable[arch])}</td>')
            else:
                cells.append('<td class="gap">not tested</td>')
        what = " / ".join(p.names) if p.document == "api.rst" and not p.caps else p.label
        errno = p.errno or f"ordering rule {p.row}"
        out.append(f'<tr><td>{escape(what)}</td><td>{escape(errno)}</td>'
                   f'<td class="cite">{escape(p.condition)}</td><td class="cite">{escape(p.section)}</td>'
                   + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def undocumented_table(found) -> str:
    """Errnos the kernel returned that the documentation does not name for that ioctl or device group."""
    if not found:
        return '<p id="kvm-undocumented">No implemented errno outside the documentation was seen in this run.</p>'
    out = ['<h4>Implemented, not documented</h4><table id="kvm-undocumented"><thead><tr><th>ioctl or device group'
           '</th><th>errno</th><th>kind</th><th>conditions</th><th>implementation</th></tr></thead><tbody>']
    for u in found:
        kind = "general (api.rst does not detail it)" if u.general else "specific: a finding"
        out.append(f'<tr class="{"skip" if u.general else "gap"}"><td>{escape(u.label)}</td><td>{escape(u.errno)}'
                   f'</td><td>{kind}</td><td class="cite">{escape("; ".join(u.conditions))}</td>'
                   f'<td class="cite">{escape("; ".join(u.cites))}</td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def interrupted_banner(interrupted: str) -> str:
    if not interrupted:
        return ""
    return (f'<p id="kvm-interrupted" class="fail"><strong>Partial results: {escape(interrupted)}.</strong> '
            "Every outcome below is real; the tests not run have none.</p>")


def summary(rows: list[Row], targets: dict[str, dict], findings: list[dict], records: list[Record],
            coverage: str = "", interrupted: str = "") -> str:
    names = list(targets)
    return (f'{CSS}<section id="kvm-abi"><h3>KVM ABI conformance</h3>{interrupted_banner(interrupted)}'
            f"{totals(records)}"
            f"<h3>Targets</h3>{targets_table(targets)}"
            f"<h3>ioctl &times; errno</h3>{matrix_table(rows, names)}"
            f"<h3>Findings</h3>{findings_list(findings)}"
            f"<h3>Documented errors and their coverage</h3>{coverage}</section>")
