"""Regenerate ``docs/site-landing-page.png``: the README's picture of an article landing page.

Publishes the sample seeds into a temporary directory and has Debian's headless Chromium
(driven by Selenium, as ``tests/test_site_browser.py`` does) photograph one landing page from
``file://``. Run it after a change to the site's templates or stylesheet and commit the PNG:

    make site-screenshot
    .venv/bin/python scripts/site_screenshot.py [--article tjh/anadolu-demiryollari] [--output docs/site-landing-page.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from pipeline.publishing import publish

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
VIEWPORT = (1200, 1000)
# a fixed publication time: the picture changes only when the pages do
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def screenshot(page: Path, target: Path) -> None:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=en-US"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": VIEWPORT[0], "height": VIEWPORT[1], "deviceScaleFactor": 1, "mobile": False})
        driver.get(page.as_uri())
        target.write_bytes(driver.get_screenshot_as_png())
    finally:
        driver.quit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=REPO / "seeds")
    parser.add_argument("--article", default="tjh/anadolu-demiryollari", help="JOURNAL/ARTICLE to photograph")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "site-landing-page.png")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="site-screenshot-") as work:
        out = Path(work) / "out"
        publish(args.seeds, out, jobs=1, now=NOW)
        page = out / "site" / args.article / "index.html"
        if not page.is_file():
            print(f"{args.article}: no landing page in the published site", file=sys.stderr)
            return 1
        screenshot(page, args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
