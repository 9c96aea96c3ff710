"""The part of the HTML report this project writes, above pytest-html's: the verdict per machine and kernel with
its picture, the failures, the findings once each, the ioctl x errno matrix (with filters: a few lines of plain
script, no framework, working from file://), the coverage of the documented errors and the machines.

Everything fits a 1400-px-wide window: tables have a fixed layout at the page's width and break long words."""

from __future__ import annotations

from html import escape

from abi.report import svg
from abi.report.matrix import Row
from abi.report.records import Record

CSS = """
<style>
#kvm-abi { color: #111; max-width: 1360px; }
#kvm-abi h2 { font-size: 22px; margin: 0.3em 0; }
#kvm-abi h3 { margin: 1.2em 0 0.4em; font-size: 16px; }
#kvm-abi table { border-collapse: collapse; font-size: 12px; margin-bottom: 1em; width: 100%;
  table-layout: fixed; }
#kvm-abi th, #kvm-abi td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
#kvm-abi th { background: #f0f0f0; }
#kvm-abi .pass, #kvm-abi .PASS { background: #c8efc8; } #kvm-abi .fail, #kvm-abi .FAIL { background: #f6b6b6; }
#kvm-abi .xfail, #kvm-abi .INTERRUPTED { background: #fde4a8; } #kvm-abi .skip { background: #e4e4e4; }
#kvm-abi .gap { background: #fff3f3; color: #a00; }
#kvm-abi .cite { color: #555; }
#kvm-abi .num { text-align: right; }
#kvm-abi #kvm-verdict-head span { padding: 2px 10px; border-radius: 4px; }
#kvm-abi #kvm-interrupted { padding: 6px 10px; border: 2px solid #c00; }
#kvm-abi table#kvm-verdict { width: auto; min-width: 60%; }
#kvm-abi .kvm-chart { width: 100%; max-width: 1000px; display: block; margin: 0.5em 0; }
#kvm-abi #kvm-matrix thead th { position: sticky; top: 0; z-index: 1; }
#kvm-abi #kvm-matrix details summary { cursor: pointer; }
#kvm-abi #kvm-matrix details ul { margin: 2px 0; padding-left: 14px; }
#kvm-abi #kvm-filters { padding: 4px 0; }
#kvm-abi #kvm-filters input, #kvm-abi #kvm-filters select { margin-right: 10px; font-size: 12px; }
#kvm-abi .finding-id { font-family: monospace; white-space: nowrap; } #kvm-abi .finding-id a { color: #036; }
#results-table { table-layout: fixed; }
#results-table .col-testId, .logwrapper .log, #environment td { overflow-wrap: anywhere; }
</style>
"""

_CELL = (("failed", "fail"), ("error", "fail"), ("xpassed", "fail"), ("xfailed", "xfail"), ("passed", "pass"),
         ("skipped", "skip"))
OUTCOME_ORDER = tuple(o for o, _ in _CELL)


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[o]} {o}" for o in OUTCOME_ORDER if counts.get(o))


def _css(counts: dict[str, int]) -> str:
    return next((c for o, c in _CELL if counts.get(o)), "none")


def _outcome_cell(row: Row) -> str:
    """The places' outcomes in one cell: their sum, and per place in a tooltip and an expandable list."""
    total: dict[str, int] = {}
    for counts in row.outcomes.values():
        for o, n in counts.items():
            total[o] = total.get(o, 0) + n
    if not any(total.values()):
        return '<td class="none">-</td>'
    per = [(p, c) for p, c in row.outcomes.items() if any(c.values())]
    detail = "; ".join(f"{p}: {_counts_text(c)}" for p, c in per)
    data = " ".join(f'data-{o}="{n}"' for o, n in total.items())
    items = "".join(f'<li class="{_css(c)}">{escape(p)}: {escape(_counts_text(c))}</li>' for p, c in per)
    return (f'<td class="{_css(total)}" {data} title="{escape(detail)}"><details><summary>'
            f"{escape(_counts_text(total))}</summary><ul>{items}</ul></details></td>")


FILTER_JS = """
<script>
(function () {
  var rows = document.querySelectorAll('#kvm-matrix tr.matrix-row');
  var get = function (id) { return document.getElementById(id); };
  function apply() {
    var ioctl = get('kvm-f-ioctl').value.trim().toUpperCase(), errno = get('kvm-f-errno').value,
        outcome = get('kvm-f-outcome').value, place = get('kvm-f-place').value, shown = 0;
    rows.forEach(function (r) {
      var seen = (r.dataset.seen || '').split(' ').filter(Boolean).map(function (s) { return s.split('|'); });
      var ok = (!ioctl || r.dataset.ioctl.toUpperCase().indexOf(ioctl) >= 0) && (!errno || r.dataset.errno === errno);
      if (ok && outcome === 'none') ok = !seen.length;
      else if (ok && (outcome || place)) ok = seen.some(function (s) {
        return (!place || s[0] === place) && (!outcome || s[1] === outcome); });
      r.style.display = ok ? '' : 'none';
      shown += ok;
    });
    get('kvm-f-count').textContent = shown + ' of ' + rows.length + ' rows';
  }
  ['kvm-f-ioctl', 'kvm-f-errno', 'kvm-f-outcome', 'kvm-f-place'].forEach(function (id) {
    get(id).addEventListener('input', apply); });
  apply();
})();
</script>
"""


def _select(element_id: str, label: str, options) -> str:
    opts = "".join(f'<option value="{escape(v)}">{escape(t)}</option>' for v, t in options)
    return f'<label>{label} <select id="{element_id}"><option value="">any</option>{opts}</select></label>'


def filters(rows: list[Row], places: list[str]) -> str:
    errnos = sorted({r.errno for r in rows})
    outcomes = [(o, o) for o in OUTCOME_ORDER] + [("none", "not run here")]
    return ('<div id="kvm-filters"><label>ioctl <input id="kvm-f-ioctl" type="search" size="22" '
            'placeholder="KVM_..."></label>' + _select("kvm-f-errno", "errno", [(e, e) for e in errnos])
            + _select("kvm-f-outcome", "outcome", outcomes)
            + _select("kvm-f-place", "machine", [(p, p) for p in places])
            + '<span id="kvm-f-count"></span></div>')


def matrix_table(rows: list[Row], places: list[str]) -> str:
    """One row per (ioctl, errno); failures first, then held deviations (the order of matrix.build)."""
    out = [filters(rows, places),
           '<table id="kvm-matrix"><colgroup><col style="width:18%"><col style="width:6%"><col style="width:24%">'
           '<col style="width:16%"><col style="width:15%"><col style="width:5%"><col style="width:16%"></colgroup>'
           '<thead><tr><th>ioctl</th><th>errno</th><th>condition</th><th>documented</th><th>implemented</th>'
           '<th>cases</th><th>outcome (per machine: click)</th></tr></thead><tbody>']
    for r in rows:
        gap = " gap" if r.documented and not r.cases else ""
        seen = " ".join(f"{p}|{o}" for p, c in r.outcomes.items() for o, n in c.items() if n)
        out.append(f'<tr class="matrix-row{gap}" data-ioctl="{escape(r.ioctl)}" data-errno="{escape(r.errno)}" '
                   f'data-seen="{escape(seen)}"><td>{escape(r.ioctl)}</td><td>{escape(r.errno)}</td>'
                   f'<td>{escape(r.condition)}</td><td class="cite">{escape(r.documented or "no")}</td>'
                   f'<td class="cite">{escape(r.implemented or "?")}</td><td>{r.cases or "untested"}</td>'
                   f"{_outcome_cell(r)}</tr>")
    out.append("</tbody></table>" + FILTER_JS)
    return "\n".join(out)


def verdict_table(places) -> str:
    """abi.report.verdict.Place rows: the first thing the report says."""
    out = ['<table id="kvm-verdict"><thead><tr><th>machine</th><th>kernel</th><th>passed</th><th>failed</th>'
           "<th>deviations (findings held)</th><th>not applicable (skipped)</th><th>verdict</th></tr></thead><tbody>"]
    for p in places:
        out.append(f'<tr class="verdict-row" data-place="{escape(p.name)}" data-passed="{p.passed}" '
                   f'data-failed="{p.failed}" data-deviations="{p.deviations}" '
                   f'data-not-applicable="{p.not_applicable}" data-verdict="{p.verdict}">'
                   f"<td>{escape(p.target)}</td><td>{escape(p.kernel_release or '-')}</td>"
                   f'<td class="num">{p.passed}</td><td class="num{" fail" if p.failed else ""}">{p.failed}</td>'
                   f'<td class="num">{p.deviations}</td><td class="num">{p.not_applicable}</td>'
                   f'<td class="{p.verdict}"><strong>{p.verdict}</strong></td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def failures_table(failed: list[Record]) -> str:
    if not failed:
        return ""
    out = [f'<h3>Failures ({len(failed)})</h3><table id="kvm-failures"><colgroup><col style="width:22%">'
           '<col style="width:28%"><col style="width:7%"><col></colgroup><thead><tr><th>machine and kernel</th>'
           "<th>test</th><th>outcome</th><th>why</th></tr></thead><tbody>"]
    for r in failed:
        why = r.message.splitlines()[0] if r.message else ""
        out.append(f'<tr class="failure fail"><td>{escape(r.place or "-")}</td><td>{escape(r.group)}: '
                   f"{escape(r.name)}</td><td>{escape(r.outcome)}</td><td>{escape(why)}</td></tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def targets_table(targets: dict[str, dict]) -> str:
    """Each place's machine: `targets` maps a place to its target's properties (kernel release included)."""
    cols = ("kernel_release", "arch", "profile", "features", "qemu_version", "cpu_model", "ipa_limit")
    out = ['<table id="kvm-targets"><colgroup><col style="width:18%"><col style="width:14%"><col style="width:6%">'
           '<col style="width:6%"><col style="width:12%"><col style="width:6%"><col><col style="width:5%"></colgroup>'
           "<thead><tr><th>target</th>" + "".join(f"<th>{c.replace('_', ' ')}</th>" for c in cols)
           + "</tr></thead><tbody>"]
    for name, info in targets.items():
        out.append(f"<tr><td>{escape(name)}</td>" + "".join(f"<td>{escape(str(info.get(c, '')))}</td>" for c in cols)
                   + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _where(places: list[str]) -> str:
    """"on 6.1.0-57-cloud-arm64: qemu-arm64-gicv2, qemu-arm64-gicv3; on 6.12...: ...": places by kernel."""
    by_kernel: dict[str, list[str]] = {}
    for p in places:
        target, _, release = p.partition("@")
        by_kernel.setdefault(release, []).append(target)
    return "; ".join(f"on {k}: {', '.join(t)}" if k else ", ".join(t) for k, t in by_kernel.items())


def findings_list(findings: list[dict]) -> str:
    """The findings under their class, once each: id, what, the document's sentence, the kernel function, where it
    holds (abi/report/findings.py)."""
    if not findings:
        return '<p id="kvm-findings">none</p>'
    from abi.spec.case import FINDING_CLASSES

    by_class: dict[str, list[dict]] = {kind: [] for kind in FINDING_CLASSES}
    for f in findings:
        by_class.setdefault(f["class"], []).append(f)
    out = ['<div id="kvm-findings">']
    for kind, items in ((k, v) for k, v in by_class.items() if v):
        out.append(f'<h4 class="finding-class" data-count="{len(items)}">{escape(kind)}: {len(items)}</h4>'
                   '<table class="kvm-findings"><colgroup><col style="width:9%"><col style="width:45%">'
                   '<col style="width:16%"><col style="width:12%"><col></colgroup><thead><tr><th>id</th>'
                   "<th>finding</th><th>document</th><th>kernel function</th><th>holds on</th></tr></thead><tbody>")
        for f in items:
            key = f"<strong>{escape(f['key'])}</strong><br>" if f["case"] else ""
            where = _where(f["where"]) or "no machine: the text itself"
            out.append(f'<tr class="finding" id="{escape(f["id"])}" data-id="{escape(f["id"])}">'
                       f'<td class="finding-id"><a href="#{escape(f["id"])}">{escape(f["id"])}</a></td>'
                       f'<td>{key}{escape(f["text"])}</td><td class="cite">{escape(f["document"])}</td>'
                       f'<td class="cite">{escape(f["kernel"])}</td><td class="cite">{escape(where)}</td></tr>')
        out.append("</tbody></table>")
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
           '<table id="kvm-coverage"><colgroup><col style="width:18%"><col style="width:7%"><col style="width:35%">'
           '<col style="width:16%"><col><col></colgroup><thead><tr><th>ioctl or device group</th><th>errno</th>'
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


def summary(*, overall: str, places, failed: list[Record], rows: list[Row], targets: dict[str, dict],
            findings: list[dict], records: list[Record], figures=(), coverage: str = "", interrupted: str = "") -> str:
    """The whole section, verdict first. `places`: abi.report.verdict.Place rows; `targets`: place -> its
    machine's properties; `figures`: abi.spec.coverage.Figure per architecture (the coverage picture)."""
    names = [p.name for p in places]
    return (f'{CSS}<section id="kvm-abi"><h2 id="kvm-verdict-head" data-verdict="{overall}">KVM ABI conformance: '
            f'<span class="{overall}">{overall}</span></h2>{interrupted_banner(interrupted)}'
            f"{totals(records)}{verdict_table(places)}"
            f"{svg.outcomes(places)}{svg.coverage(figures)}"
            f"{failures_table(failed)}"
            f"<h3>Findings ({len(findings)})</h3>{findings_list(findings)}"
            f"<h3>ioctl &times; errno</h3>{matrix_table(rows, names)}"
            f"<h3>Documented errors and their coverage</h3>{coverage}"
            f"<h3>Machines</h3>{targets_table(targets)}</section>")
