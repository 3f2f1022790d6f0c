"""The journal website in a real browser: Debian's headless Chromium driven by Selenium.

Every page of the sample site is loaded from ``pipeline serve`` and from ``file://``; the
browser's own logs say whether anything went wrong: the console (``browser`` log: script
errors, and Chromium's "Failed to load resource" lines) and the DevTools Network events
(``performance`` log: ``Network.loadingFailed``, HTTP statuses of 400 and above). Screenshots
of a Turkish and a right-to-left landing page are saved for a person to look at, and the
right-to-left layout is checked from the computed style and the laid-out text. axe-core (the
accessibility engine, from tools/site-checks' npm lockfile) runs in the same browser.

Nothing here downloads a browser: the paths are Debian's chromium and chromium-driver.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from .test_site import REPO, make_seeds, pages, published, server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = REPO / "tools" / "site-checks" / "node_modules" / "axe-core" / "axe.min.js"
WINDOW = (1200, 900)
# The bar: no serious or critical violation.
AXE_FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.is_file() and CHROMEDRIVER.is_file(), "Debian's chromium and chromium-driver are needed (.ci/run installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={WINDOW[0]},{WINDOW[1]}", "--hide-scrollbars", "--force-device-scale-factor=1",
                     "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    # the viewport itself at WINDOW (the window size would include the window's frame)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WINDOW[0], "height": WINDOW[1], "deviceScaleFactor": 1, "mobile": False})
    yield driver
    driver.quit()


def problems_loading(driver, url: str) -> list[str]:
    """Load ``url`` and return what the browser reported wrong: console messages of level
    warning or worse, failed requests and HTTP error statuses."""
    driver.get_log("browser")  # drop what an earlier page left
    driver.get_log("performance")
    driver.get(url)
    driver.execute_script("return document.readyState")
    found = []
    for entry in driver.get_log("browser"):
        if entry["level"] in ("SEVERE", "WARNING"):
            found.append(f"console {entry['level']}: {entry['message']}")
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.loadingFailed" and not params.get("canceled"):
            found.append(f"request failed: {params.get('errorText')} ({params.get('type')})")
        elif message["method"] == "Network.responseReceived":
            response = params["response"]
            if response["url"].startswith("http") and response["status"] >= 400:
                found.append(f"HTTP {response['status']}: {response['url']}")
    return found


def _page_urls(out: Path, base: str) -> list[str]:
    root = out / "site"
    urls = []
    for page in pages(out):
        relative = page.relative_to(root).as_posix()
        urls.append(base + relative.removesuffix("index.html"))
    return urls


def test_the_checker_sees_console_errors_and_failed_requests(browser, tmp_path):
    """The collector itself: a page with a script error and a missing image is caught."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html lang="en"><title>x</title><img src="missing.png" alt="">'
                    '<script>console.error("deliberate")</script></html>', encoding="utf-8")
    found = problems_loading(browser, page.as_uri())
    assert any("deliberate" in p for p in found), found
    assert any("ERR_FILE_NOT_FOUND" in p for p in found), found


def test_every_page_loads_cleanly_from_pipeline_serve(published, server, browser):
    _seeds, out = published
    urls = _page_urls(out, server)
    assert len(urls) >= 10
    report = {url: problems for url in urls if (problems := problems_loading(browser, url))}
    assert report == {}, json.dumps(report, indent=1, ensure_ascii=False)
    # the stylesheet did apply (a page without it would still load cleanly)
    browser.get(server + "tjh/anadolu-demiryollari/")
    assert browser.execute_script("return getComputedStyle(document.body).maxWidth") == "800px"


def test_every_page_loads_cleanly_from_file_urls(published, browser):
    _seeds, out = published
    urls = [page.as_uri() for page in pages(out)]
    assert len(urls) >= 10
    report = {url: problems for url in urls if (problems := problems_loading(browser, url))}
    assert report == {}, json.dumps(report, indent=1, ensure_ascii=False)
    # relative links work from file://, where a directory is a listing, not its index.html
    directories = {}
    for url in urls:
        browser.get(url)
        links = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href], link[href]'), a => a.href).filter(h => h.startsWith('file:'))")
        if bad := [link for link in links if link.split("#")[0].endswith("/")]:
            directories[url] = bad
    assert directories == {}, json.dumps(directories, indent=1)
    # follow the breadcrumb from an article to its issue: the page, styled
    browser.get((out / "site" / "tjh" / "anadolu-demiryollari" / "index.html").as_uri())
    browser.find_element("css selector", "header nav a[href*='issue/']").click()
    assert browser.current_url == (out / "site" / "tjh" / "issue" / "12-1" / "index.html").as_uri()
    assert browser.execute_script("return getComputedStyle(document.body).maxWidth") == "800px"


def _screenshot(driver, target: Path) -> Image.Image:
    target.write_bytes(driver.get_screenshot_as_png())
    return Image.open(io.BytesIO(target.read_bytes())).convert("RGB")


def _assert_not_blank(image: Image.Image) -> None:
    assert image.size == WINDOW
    colours = image.getcolors(maxcolors=1 << 16)
    # text is rendered: many colours (anti-aliasing), and the page is mostly paper
    assert colours is None or len(colours) > 50, len(colours or ())
    extrema = image.convert("L").getextrema()
    assert extrema[0] < 80 and extrema[1] > 240, extrema


def _first_line_box(driver, selector: str) -> dict:
    return driver.execute_script(
        """const element = document.querySelector(arguments[0]);
        const range = document.createRange(); range.selectNodeContents(element);
        const line = range.getClientRects()[0], box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        return {line_left: line.left, line_right: line.right, box_left: box.left, box_right: box.right,
                direction: style.direction, text_align: style.textAlign};""",
        selector,
    )


def test_screenshots_turkish_and_right_to_left(published, server, browser, tmp_path_factory):
    _seeds, out = published
    shots = tmp_path_factory.mktemp("screenshots")
    browser.get(server + "tjh/anadolu-demiryollari/")
    assert browser.find_element("css selector", "html").get_attribute("lang") == "tr"
    turkish = _screenshot(browser, shots / "tjh-anadolu-demiryollari.png")
    _assert_not_blank(turkish)
    ltr = _first_line_box(browser, "h1")
    assert ltr["direction"] == "ltr"
    assert abs(ltr["line_left"] - ltr["box_left"]) < 2  # the title starts at the left edge

    browser.get(server + "mjs/arabic-ports/")
    rtl_image = _screenshot(browser, shots / "mjs-arabic-ports.png")
    _assert_not_blank(rtl_image)
    rtl = _first_line_box(browser, "h1")
    assert rtl["direction"] == "rtl" and rtl["text_align"] in ("right", "start")
    assert abs(rtl["line_right"] - rtl["box_right"]) < 2  # the title starts at the right edge
    assert rtl["line_left"] - rtl["box_left"] > 20, rtl  # and does not fill the line from the left
    # the English translated title on the same page runs left to right
    english = _first_line_box(browser, "p.translated-title[lang='en']")
    assert english["direction"] == "ltr" and abs(english["line_left"] - english["box_left"]) < 2
    # the two pages do look different (not the same blank or error page twice)
    assert turkish.tobytes() != rtl_image.tobytes()
    print(f"screenshots: {shots}")


# --- accessibility: axe-core in the same browser -------------------------------------------


def axe_violations(driver, url: str) -> list[dict]:
    assert AXE.is_file(), "axe-core is missing: run 'npm ci --ignore-scripts' in tools/site-checks (.ci/run does)"
    driver.get(url)
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done({error: String(e)}));"
    )
    assert isinstance(result, list), result
    return result


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def test_axe_finds_what_is_wrong(browser, tmp_path):
    """The engine runs and reports: an image without alt text and an unlabeled field fail."""
    page = tmp_path / "inaccessible.html"
    page.write_text('<!DOCTYPE html><html lang="en"><title>x</title><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                    '<input type="text"></main></html>', encoding="utf-8")
    found = {v["id"] for v in axe_violations(browser, page.as_uri()) if v["impact"] in AXE_FAILING_IMPACTS}
    assert {"image-alt", "label"} <= found, found


@pytest.mark.parametrize("path", [
    "tjh/anadolu-demiryollari/", "mjs/arabic-ports/", "tjh/issue/12-1/", "mjs/issue/3-2/", "tjh/", "mjs/", "",
])
def test_no_serious_or_critical_accessibility_violations(published, server, browser, path):
    violations = axe_violations(browser, server + path)
    failing = [v for v in violations if v["impact"] in AXE_FAILING_IMPACTS]
    assert failing == [], _describe(failing)
