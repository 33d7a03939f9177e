"""``--format html``: one self-contained static page for the governance council.

Summary, trend against a baseline (when the report has one), a domain x policy heatmap of
compliance, the data-product scorecards, the findings (filterable by kind, severity, domain
and status with a few lines of inline JavaScript), waivers with their expiry, and the policies.
No CDN, no web font, no network: inline CSS and JS only, so the file can be archived or mailed.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from meshgov.core.model import SEVERITY_RANK, Finding, Report, sort_findings
from meshgov.core.sections import Scorecard
from meshgov.report.scorecard import CHARACTERISTICS
from meshgov.report.sections import waiver_rows, where, workspace_rows

NO_DOMAIN = "(none)"

CSS = """
:root{--ok:#2e9d57;--err:#d23c3c;--warn:#e69a1c;--info:#3f7fd0;--waived:#9aa3ad;--bg:#f6f7f9;
--fg:#1d2430;--muted:#5d6878;--card:#fff;--line:#dde1e7}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
sans-serif;background:var(--bg);color:var(--fg)}header{background:#1d2430;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px}header .meta{color:#c4cbd6;margin-top:4px}
.badge{display:inline-block;padding:3px 10px;border-radius:12px;font-weight:600;margin-left:10px;
font-size:14px;vertical-align:middle}.pass{background:var(--ok);color:#fff}.failb{background:var(--err);color:#fff}
main{padding:18px 28px}section{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:14px 18px;margin-bottom:18px}h2{font-size:17px;margin:0 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{flex:1 1 110px;background:var(--bg);border-radius:6px;
padding:10px 12px;border-left:5px solid var(--muted)}.card b{display:block;font-size:24px}
.card.e{border-color:var(--err)}.card.w{border-color:var(--warn)}.card.i{border-color:var(--info)}
.card.o{border-color:var(--ok)}.card.g{border-color:var(--waived)}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:5px 8px;
text-align:left;vertical-align:top}th{background:var(--bg);font-weight:600}
.scroll{overflow-x:auto}.heat td.c{text-align:center;min-width:42px;font-weight:600;color:#fff}
.heat th.p{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-size:12px;
height:120px;vertical-align:bottom}
.c.ok{background:var(--ok)}.c.error{background:var(--err)}.c.warning{background:var(--warn)}
.c.info{background:var(--info)}.c.waived{background:var(--waived)}
.sev{font-weight:600;text-transform:uppercase;font-size:12px}.sev.error{color:var(--err)}
.sev.warning{color:var(--warn)}.sev.info{color:var(--info)}
.st{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px}
.st.pass{background:var(--ok)}.st.fail{background:var(--err)}.st.unknown{background:var(--waived)}
.filters{display:flex;gap:10px;flex-wrap:wrap;margin-bottom:10px}.filters label{color:var(--muted)}
select,input{font:inherit;padding:3px 6px}.muted{color:var(--muted)}.expired{color:var(--err);font-weight:600}
.soon{color:var(--warn);font-weight:600}code{background:var(--bg);padding:0 3px;border-radius:3px}
.bar{height:16px;display:inline-block;vertical-align:middle}.legend span{margin-right:14px}
.new{color:var(--err);font-weight:600}
"""

JS = """
(function(){
  var sel=document.querySelectorAll('[data-filter]');
  var rows=document.querySelectorAll('#findings tbody tr');
  var count=document.getElementById('shown');
  function apply(){
    var want={};sel.forEach(function(s){want[s.getAttribute('data-filter')]=s.value.toLowerCase();});
    var n=0;
    rows.forEach(function(r){
      var ok=true;
      for(var k in want){
        if(!want[k]){continue;}
        if(k==='text'){if(r.textContent.toLowerCase().indexOf(want[k])<0){ok=false;}}
        else if((r.getAttribute('data-'+k)||'')!==want[k]){ok=false;}
      }
      r.style.display=ok?'':'none'; if(ok){n++;}
    });
    if(count){count.textContent=n;}
  }
  sel.forEach(function(s){s.addEventListener('input',apply);s.addEventListener('change',apply);});
  /* a link can preselect filters: report.html#severity=error&domain=hr */
  (location.hash||'').replace(/^#/,'').split('&').forEach(function(kv){
    var p=kv.split('='),el=document.querySelector('[data-filter="'+p[0]+'"]');
    if(el&&p.length===2){el.value=decodeURIComponent(p[1]).toLowerCase();}
  });
  apply();
})();
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _domain(f: Finding, report: Report) -> str:
    return f.subject.domain or report.run.domain or NO_DOMAIN


def _reference_date(report: Report) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(report.run.started_at[:10])
    except ValueError:
        return None


def render(report: Report, *, color: bool = False) -> str:
    s = report.summary()
    title = f"meshgov compliance report — {report.run.domain or 'mesh'}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        _header(report, s),
        "<main>",
        _summary(report, s),
    ]
    if report.baseline is not None or report.fixed or any(
        f.baseline_status for f in report.findings
    ):
        parts.append(_trend(report))
    workspaces = _workspaces(report)
    if workspaces:
        parts.append(workspaces)
    parts.append(_heatmap(report))
    if report.scorecards:
        parts.append(_scorecards(report.scorecards))
    parts.append(_findings(report))
    parts.append(_waivers(report))
    if report.notes:
        parts.append("<section><h2>Notes</h2><ul>"
                     + "".join(f"<li>{_e(n)}</li>" for n in report.notes) + "</ul></section>")
    parts.append(_policies(report))
    parts.append(f'</main><script>{JS}</script></body></html>')
    return "\n".join(parts) + "\n"


def _header(report: Report, s: Mapping[str, Any]) -> str:
    badge = '<span class="badge pass">COMPLIANT</span>' if s["passed"] else \
        '<span class="badge failb">BLOCKING FINDINGS</span>'
    run = report.run
    meta = [f"mode {_e(run.mode)}"]
    if run.domain:
        meta.append(f"domain {_e(run.domain)}")
    if run.started_at:
        meta.append(f"started {_e(run.started_at)}")
    if run.engine:
        meta.append(f"engine {_e(run.engine)}")
    meta.append(f"meshgov {_e(report.tool_version)}")
    meta.append(f"fail on {_e(report.fail_on)}")
    return (f"<header><h1>meshgov compliance report{badge}</h1>"
            f'<div class="meta">{" · ".join(meta)}</div></header>')


def _summary(report: Report, s: Mapping[str, Any]) -> str:
    sev = s["by_severity"]
    kinds = s["by_kind"]
    cards = [
        ("e" if s["blocking"] else "o", s["blocking"], "blocking"),
        ("", s["findings"], "open findings"),
        ("e", sev["error"], "errors"),
        ("w", sev["warning"], "warnings"),
        ("i", sev["info"], "info"),
        ("g", s["waived"], "waived"),
        ("", report.run.inputs, "inputs"),
        ("", len(report.policies), "policies"),
    ]
    html = "".join(f'<div class="card {c}"><b>{_e(n)}</b>{_e(label)}</div>' for c, n, label in cards)
    by_kind = ", ".join(f"{k} {v}" for k, v in kinds.items())
    return (f'<section id="summary"><h2>Summary</h2><div class="cards">{html}</div>'
            f'<p class="muted">open findings by kind: {_e(by_kind)}</p></section>')


def _bar(n: int, top: int, css: str) -> str:
    width = 0 if top <= 0 else max(2 if n else 0, round(300 * n / top))
    return f'<span class="bar" style="width:{width}px;background:var({css})"></span> {n}'


def _trend(report: Report) -> str:
    b = report.baseline
    open_f = [f for f in report.findings if not f.waived]
    new = sum(1 for f in open_f if f.baseline_status == "new")
    unchanged = sum(1 for f in open_f if f.baseline_status == "unchanged")
    fixed = len(report.fixed)
    before = b.before.get("findings") if b is not None else None
    now = len(open_f)
    top = max(now, before or 0, new, fixed, 1)
    rows = []
    if isinstance(before, int):
        rows.append(("baseline", _bar(before, top, "--waived")))
    rows += [("now", _bar(now, top, "--info")), ("new", _bar(new, top, "--err")),
             ("unchanged", _bar(unchanged, top, "--warn")), ("fixed", _bar(fixed, top, "--ok"))]
    delta = "" if not isinstance(before, int) else \
        f" ({'+' if now - before >= 0 else ''}{now - before} since the baseline)"
    src = " ".join(x for x in (b.path, b.started_at) if x) if b is not None else ""
    html = [f'<section id="trend"><h2>Trend against the baseline</h2>'
            f'<p class="muted">baseline {_e(src or "(given)")}: {now} open finding(s){_e(delta)}</p>',
            "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"]
    if report.fixed:
        html.append("<h3>Fixed since the baseline</h3><table><thead><tr><th>Policy</th><th>Where</th>"
                    "<th>Message</th></tr></thead><tbody>")
        for d in report.fixed:
            loc = d.get("location") or {}
            subject = d.get("subject") or {}
            html.append(f"<tr><td>{_e(d.get('policy_id'))}</td>"
                        f"<td>{_e(loc.get('path') or subject.get('ref'))}</td>"
                        f"<td>{_e(d.get('message'))}</td></tr>")
        html.append("</tbody></table>")
    html.append("</section>")
    return "".join(html)


def _workspaces(report: Report) -> str:
    rows = workspace_rows(report)
    if not rows:
        return ""
    trs = "".join(
        f"<tr><td>{_e(r['name'])}</td><td>{_e(r['host'])}</td>"
        f'<td><span class="st {"pass" if r["status"] == "ok" else "fail"}">{_e(r["status"])}</span></td>'
        f"<td>{_e(r['objects'])}</td><td>{_e(r['findings'])}</td><td>{_e(r['error'])}</td></tr>"
        for r in rows)
    return ('<section id="workspaces"><h2>Workspaces</h2><table><thead><tr><th>workspace</th>'
            "<th>host</th><th>status</th><th>objects</th><th>findings</th><th>error</th></tr>"
            f"</thead><tbody>{trs}</tbody></table></section>")


def _heatmap(report: Report) -> str:
    policies = sorted({p.id for p in report.policies} | {f.policy_id for f in report.findings})
    cells: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    domains = {report.run.domain or NO_DOMAIN}
    for f in report.findings:
        d = _domain(f, report)
        domains.add(d)
        cells[(d, f.policy_id)].append(f)
    domains.update(c.domain for c in report.scorecards if c.domain)
    if len(domains) > 1:
        domains.discard(NO_DOMAIN)
    if not policies:
        return '<section id="heatmap"><h2>Compliance by domain and policy</h2><p>No policies.</p></section>'
    head = "".join(f'<th class="p" title="{_e(p)}">{_e(p)}</th>' for p in policies)
    rows = []
    for d in sorted(domains):
        tds = []
        for p in policies:
            fs = cells.get((d, p), [])
            open_fs = [f for f in fs if not f.waived]
            if open_fs:
                worst = max(open_fs, key=lambda f: SEVERITY_RANK[f.severity]).severity
                label, css = str(len(open_fs)), worst
                tip = f"{d} / {p}: {len(open_fs)} open finding(s), worst {worst}"
            elif fs:
                label, css, tip = "w", "waived", f"{d} / {p}: {len(fs)} waived"
            else:
                label, css, tip = "✓", "ok", f"{d} / {p}: no finding"
            tds.append(f'<td class="c {css}" title="{_e(tip)}">{_e(label)}</td>')
        rows.append(f"<tr><th>{_e(d)}</th>{''.join(tds)}</tr>")
    legend = ('<p class="legend muted"><span>✓ no finding</span><span>n open findings '
              '(colour: worst severity)</span><span>w only waived findings</span></p>')
    return (f'<section id="heatmap"><h2>Compliance by domain and policy</h2>{legend}'
            f'<div class="scroll"><table class="heat"><thead><tr><th>domain</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div></section>")


def _scorecards(cards: Sequence[Scorecard]) -> str:
    head = "".join(f"<th>{_e(n)}</th>" for n in CHARACTERISTICS)
    rows = []
    for c in cards:
        tds = []
        for n in CHARACTERISTICS:
            ch = c.characteristic(n)
            tds.append(f'<td><span class="st {_e(ch.status)}" title="{_e(ch.detail)}">'
                       f"{_e(ch.status)}</span></td>")
        rows.append(f"<tr><th>{_e(c.domain)}.{_e(c.product)}"
                    f'<div class="muted">{_e(", ".join(c.tables))}</div></th>'
                    f"{''.join(tds)}<td>{_e(c.score)}</td></tr>")
    return (f'<section id="scorecards"><h2>Data-product scorecards</h2>'
            f'<div class="scroll"><table><thead><tr><th>product</th>{head}<th>score</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>"
            '<p class="muted">unknown: nothing evaluated it in this run (never counted as a pass); '
            "hover a status for why.</p></section>")


def _options(name: str, values: Sequence[str]) -> str:
    opts = "".join(f'<option value="{_e(v.lower())}">{_e(v)}</option>' for v in values)
    return (f'<label>{_e(name)} <select data-filter="{_e(name)}">'
            f'<option value="">all</option>{opts}</select></label>')


def _findings(report: Report) -> str:
    fs = sort_findings(report.findings)
    domains = sorted({_domain(f, report) for f in fs})
    filters = (
        '<div class="filters">'
        + _options("kind", ["code", "infra", "data"])
        + _options("severity", ["error", "warning", "info"])
        + _options("domain", domains)
        + _options("status", ["open", "waived"])
        + '<label>text <input data-filter="text" type="search" placeholder="filter"></label>'
        + f'<span class="muted"><span id="shown">{len(fs)}</span> of {len(fs)} shown</span></div>'
    )
    rows = []
    for f in fs:
        status = "waived" if f.waived else "open"
        extra = ""
        if f.baseline_status == "new":
            extra = ' <span class="new">new</span>'
        if f.waiver is not None:
            extra += f'<div class="muted">waived: {_e(f.waiver.reason)} (expires {_e(f.waiver.expires or "never")})</div>'
        subject = f.subject.ref if f.location.path and f.subject.ref != f.location.path else ""
        rows.append(
            f'<tr data-kind="{_e(f.kind)}" data-severity="{_e(f.severity)}" '
            f'data-domain="{_e(_domain(f, report).lower())}" data-status="{status}">'
            f'<td class="sev {_e(f.severity)}">{_e(f.severity)}</td><td><code>{_e(f.policy_id)}</code></td>'
            f"<td>{_e(f.kind)}</td><td>{_e(_domain(f, report))}</td><td>{_e(where(f))}"
            f'<div class="muted">{_e(subject)}</div></td>'
            f"<td>{_e(f.message)}{extra}"
            + (f'<div class="muted">fix: {_e(f.remediation)}</div>' if f.remediation else "")
            + "</td></tr>"
        )
    body = "".join(rows) or '<tr><td colspan="6">No findings.</td></tr>'
    return (f'<section><h2>Findings</h2>{filters}<div class="scroll"><table id="findings"><thead><tr>'
            "<th>severity</th><th>policy</th><th>kind</th><th>domain</th><th>where</th><th>message</th>"
            f"</tr></thead><tbody>{body}</tbody></table></div></section>")


def _waivers(report: Report) -> str:
    rows = waiver_rows(report)
    if not rows:
        return '<section id="waivers"><h2>Waivers</h2><p class="muted">No waivers.</p></section>'
    ref = _reference_date(report)
    trs = []
    for r in rows:
        exp = r["expires"]
        css, left = "", ""
        if exp and ref is not None:
            try:
                days = (_dt.date.fromisoformat(str(exp)) - ref).days
            except ValueError:
                days = None
            if days is not None:
                css = "expired" if days < 0 else "soon" if days <= 30 else ""
                left = f"expired {-days} day(s) ago" if days < 0 else f"in {days} day(s)"
        trs.append(f"<tr><td><code>{_e(r['policy'])}</code></td><td>{_e(r['subject'])}</td>"
                   f"<td>{_e(r['status'])}</td><td class=\"{css}\">{_e(exp or 'never')}"
                   f'<div class="muted">{_e(left)}</div></td><td>{_e(r["owner"])}</td>'
                   f"<td>{_e(r['source'])}</td><td>{_e(r['reason'])}</td><td>{_e(r['findings'])}</td></tr>")
    return ('<section id="waivers"><h2>Waivers</h2><table><thead><tr><th>policy</th><th>subject</th>'
            "<th>status</th><th>expires</th><th>owner</th><th>source</th><th>reason</th>"
            f"<th>findings waived</th></tr></thead><tbody>{''.join(trs)}</tbody></table></section>")


def _policies(report: Report) -> str:
    rows = "".join(
        f"<tr><td><code>{_e(p.id)}</code></td><td>{_e(p.kind)}</td><td>{_e(p.severity)}</td>"
        f"<td>{_e(p.source)}{' (enforced)' if p.enforced else ''}</td><td>{_e(p.title)}"
        + (f'<div class="muted">{_e(p.remediation)}</div>' if p.remediation else "")
        + "</td></tr>"
        for p in sorted(report.policies, key=lambda p: p.id)
    )
    return (f'<section id="policies"><details><summary><b>Policies in force ({len(report.policies)})</b>'
            "</summary><table><thead><tr><th>id</th><th>kind</th><th>severity</th><th>source</th>"
            f"<th>title</th></tr></thead><tbody>{rows}</tbody></table></details></section>")
