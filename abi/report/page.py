"""The final HTML page: pytest-html's self-contained report with this project's section on top and the per-test
detail packed.

pytest-html (4.x) writes every test's row, log and links as one JSON document, HTML-escaped into an attribute,
and draws its results table from it with JavaScript; for a run of ~3000 tests that attribute was 10.7 of the
page's 11.1 MB. Packed, it is gzip in base64 (about 1/30 of that), unpacked by the browser's own
DecompressionStream before pytest-html's script runs: the page stays one file that opens from file://.

A page this module does not recognise (another pytest-html layout) keeps its detail as it is; the section
still goes on top."""

from __future__ import annotations

import base64
import gzip
import html
import re

# pytest-html's page ends: the data holder, then its script, then </footer>.
_FOOTER = re.compile(r'(<div id="data-container" data-jsonblob=")([^"]*)("></div>\s*)'
                     r"<script>(.*?)</script>(\s*</footer>)", re.S)
_TOP = '<div id="environment-header">'  # the first thing pytest-html shows after its title

UNPACK_JS = """<script>
(async function () {
  var note = document.getElementById('kvm-abi-unpack');
  try {
    var packed = atob(document.getElementById('kvm-abi-tests').textContent.trim());
    var bytes = new Uint8Array(packed.length);
    for (var i = 0; i < packed.length; i++) bytes[i] = packed.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    document.getElementById('data-container').dataset.jsonblob = await new Response(stream).text();
  } catch (e) {
    note.textContent = 'This browser cannot unpack the per-test table (it needs DecompressionStream: Chromium 80, '
      + 'Firefox 113, Safari 16.4 or later): ' + e + '. The summary above is complete; the results JSON written '
      + 'next to this page has every test.';
    return;
  }
  var app = document.createElement('script');
  app.textContent = document.getElementById('pytest-html-app').textContent;
  document.body.appendChild(app);
  note.remove();
})();
</script>"""


def pack(page: str) -> str:
    """pytest-html's per-test JSON gzipped in a data script, its own script run once that is unpacked."""
    m = _FOOTER.search(page)
    if not m:
        return page
    data = html.unescape(m.group(2)).encode()
    packed = base64.b64encode(gzip.compress(data, 9, mtime=0)).decode()
    footer = (f'{m.group(1)}{m.group(3)}<p id="kvm-abi-unpack">Unpacking the per-test table ...</p>'
              f'<script id="kvm-abi-tests" type="application/gzip+base64">{packed}</script>'
              f'<script id="pytest-html-app" type="text/x-pytest-html">{m.group(4)}</script>{UNPACK_JS}{m.group(5)}')
    return page[:m.start()] + footer + page[m.end():]


def compose(page: str, section: str) -> str:
    """`section` above pytest-html's environment table, and the per-test detail packed."""
    top = page.find(_TOP)
    if top < 0:
        top = page.find("<body>") + len("<body>") if "<body>" in page else 0
    return pack(page[:top] + section + page[top:])
