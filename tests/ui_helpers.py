"""The Dagster UI of a warehouse's instance, served and looked at in headless Chromium (the UI is a
JavaScript application: the page is read after its scripts ran, `--virtual-time-budget`)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=20000", "--window-size=1400,900"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dagster_ui(home: Path, landing: Path, warehouse: Path, exports: Path) -> Iterator[str]:
    """`dagster-webserver` on the instance `home`, the code location configured for the site;
    yields its base URL."""
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "ASCW_LANDING": str(landing),
           "ASCW_WAREHOUSE": str(warehouse), "ASCW_EXPORTS": str(exports)}
    web = Path(sys.executable).with_name("dagster-webserver")
    proc = subprocess.Popen([str(web), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(180):
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("dagster-webserver exited") from None
                time.sleep(1)
        else:
            raise RuntimeError("dagster-webserver did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def page(url: str, profile: Path, screenshot: Path | None = None) -> str:
    """The page's DOM after its scripts ran (and its screenshot, when asked for)."""
    def chromium(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, url],
                              capture_output=True, text=True, timeout=180, check=False)

    dom = chromium("--dump-dom").stdout
    if screenshot is not None:
        chromium(f"--screenshot={screenshot}")
    return dom


# A script appended to a *copy* of a static page (the published pages have none) that measures its
# layout once it is drawn and writes the result into the DOM that `--dump-dom` prints.
PROBE = """<script>
window.addEventListener('load', function () {
  var out = {page: document.documentElement.scrollWidth, right: {}};
  document.querySelectorAll('[data-probe]').forEach(function (el, i) {
    out.right[el.getAttribute('data-probe') + ':' + i] = Math.round(el.getBoundingClientRect().right);
  });
  var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def layout(html: str, width: int, folder: Path, mark: dict[str, str] | None = None) -> dict:
    """How wide `html` is laid out in a `width` px window: `page` (the document's scroll width) and
    `right` (the right edge of each element whose opening tag starts with a key of `mark`, e.g.
    ``{"<td class=\\"detail\\"": "detail"}``)."""
    import json
    import re

    for tag, name in (mark or {}).items():
        html = html.replace(tag, f'{tag} data-probe="{name}"')
    page_file = folder / "probe.html"
    page_file.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    flags = [f for f in FLAGS if not f.startswith("--window-size")] + [f"--window-size={width},900"]
    dom = subprocess.run([str(CHROMIUM), *flags, f"--user-data-dir={folder / 'profile'}", "--dump-dom",
                          page_file.resolve().as_uri()], capture_output=True, text=True, timeout=120, check=False).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, f"the page was not measured: {dom[-2000:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def report_sections_seen(report: Path, folder: Path, screenshot: Path) -> list[str]:
    """A published report.html as headless Chromium draws it: its screenshot (1280 px wide, the first
    2,000 px), and the ids of the sections whose heading is in the DOM it built, in page order."""
    import re

    flags = [f for f in FLAGS if not f.startswith(("--window-size", "--virtual-time"))] + ["--window-size=1280,2000"]

    def chromium(*extra: str) -> str:
        return subprocess.run([str(CHROMIUM), *flags, f"--user-data-dir={folder / 'profile'}", *extra,
                               report.resolve().as_uri()], capture_output=True, text=True, timeout=120,
                              check=False).stdout

    chromium(f"--screenshot={screenshot}")
    dom = chromium("--dump-dom")
    return re.findall(r'<section id="([^"]+)" data-section="[^"]+"><h2>[^<]+</h2>', dom)
