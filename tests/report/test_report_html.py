from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from meshgov.report import render

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_is_self_contained_and_escaped(rich_report):
    html = render(rich_report, "html")
    assert not re.search(r"https?://", html)
    p = _Collect()
    p.feed(html)
    tags = [t for t, _ in p.tags]
    assert tags.count("script") == 1  # ours, inline; the finding's <script> is escaped
    assert all("src" not in a and "href" not in a for t, a in p.tags if t in ("script", "link", "img"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for section in ("summary", "trend", "heatmap", "scorecards", "waivers", "policies"):
        assert f'id="{section}"' in html
    rows = [a for t, a in p.tags if t == "tr" and "data-kind" in a]
    assert len(rows) == len(rich_report.findings)
    assert {r["data-domain"] for r in rows} == {"hr", "sales"}
    assert "expired" in html and "2027-03-31" in html


def test_html_heatmap_has_domain_rows_and_policy_columns(rich_report):
    html = render(rich_report, "html")
    heat = html.split('id="heatmap"')[1].split("</section>")[0]
    assert re.findall(r"<tr><th>([^<]+)</th><td", heat) == ["hr", "sales"]
    assert 'class="c error" title="hr / MG-C-002: 2 open finding(s), worst error"' in heat
    assert 'title="sales / MG-C-002: no finding"' in heat
    assert 'class="c waived" title="hr / MG-D-002: 1 waived"' in heat


def test_html_deterministic(rich_report):
    assert render(rich_report, "html") == render(rich_report, "html")


# -- headless Chromium ----------------------------------------------------------------------


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """A tiny PNG decoder (8-bit RGB/RGBA, non-interlaced): (width, height, rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if ctype == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0
            bpp = 3 if color == 2 else 4
        elif ctype == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, [bytes(r[i:i + 3]) for r in rows[::8] for i in range(0, stride, bpp * 8)]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make system-deps)")
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.chromium
def test_html_renders_in_headless_chromium(tmp_path, rich_report):
    page = tmp_path / "report.html"
    page.write_text(render(rich_report, "html"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    proc = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    assert shot.is_file(), proc.stderr[-2000:]
    width, height, sample = png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 2000)
    colours = set(sample)
    assert len(colours) > 20, "screenshot looks blank"
    # the heatmap's and badges' colours are on screen: red (errors) and green (compliant)
    assert any(r > 180 and g < 90 and b < 90 for r, g, b in colours)
    assert any(g > 130 and r < 90 and b < 120 for r, g, b in colours)

    # the inline JavaScript filters the findings (a link preselects: #severity=...)
    proc = _chromium(tmp_path, "--dump-dom", page.as_uri() + "#severity=warning&domain=sales")
    dom = proc.stdout
    assert '<span id="shown">1</span>' in dom, proc.stderr[-2000:]
    hidden = re.findall(r'<tr data-kind="[^"]+" data-severity="([^"]+)" data-domain="([^"]+)"[^>]*'
                        r'style="display: none;"', dom)
    assert len(hidden) == len(rich_report.findings) - 1
    assert ("warning", "sales") not in hidden


def test_audit_workspaces_section_names_hosts_without_links(rich_report):
    from dataclasses import replace

    from meshgov.core.sections import WorkspaceStatus

    workspaces = [
        {"name": "sales-prod", "host": "https://adb-1.azuredatabricks.net", "status": "ok",
         "objects": 120, "findings": 4, "error": None, "crawl_seconds": 1.5},
        {"name": "hr-prod", "host": "https://adb-2.azuredatabricks.net/", "status": "error",
         "objects": 0, "error": {"type": "PermissionDenied", "message": "403 from the workspace"}},
    ]
    report = replace(rich_report,
                     workspaces=tuple(WorkspaceStatus.from_dict(w) for w in workspaces))
    html = render(report, "html")
    assert 'id="workspaces"' in html and not re.search(r"https?://", html)
    assert "adb-2.azuredatabricks.net" in html and "PermissionDenied 403 from the workspace" in html
    md = render(report, "markdown")
    assert "### Workspaces" in md and "| hr-prod | adb-2.azuredatabricks.net | error |" in md
