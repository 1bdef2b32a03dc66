"""Screenshots of a running demo's pages as a coordinator sees them, at desktop and phone width.

    .venv/bin/python scripts/demo_screenshots.py --password <the coordinator's password from make demo> \
        [--url http://127.0.0.1:5000] [--out docs/screenshots] [--email coordinator@demo.example.cn]

The browser tests take their screenshots on small fixtures; these show the demo data set (its
events, projects, registries and postings), as in docs/screenshots/*-demo-*.png. Drives Debian's
Chromium with Playwright (no browser download).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {
    "dashboard-demo": "/coordinator/dashboard",
    "targets-demo": "/coordinator/targets",
    "library-demo": "/library",
    "projects-demo": "/projects",
}
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--email", default="coordinator@demo.example.cn")
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width_name, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(args.url + "/login")
            page.fill("input[name=email]", args.email)
            page.fill("input[name=password]", args.password)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/login" not in url)
            for name, path in PAGES.items():
                page.goto(args.url + path)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1000)  # ECharts animates its first drawing
                target = args.out / f"{name}-{width_name}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
