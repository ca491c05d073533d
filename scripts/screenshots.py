"""Screenshots for the README, taken with headless Debian Chromium against a running portal.

Usage: start `make run`, then `.venv/bin/python scripts/screenshots.py [BASE_URL]`.
"""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE_URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SHOTS = [
    ("lead", "/teams/fraud-detection/", "team.png"),
    ("manager", "/org/", "dashboard.png"),
    ("lead", "/projects/chargeback-prediction/", "project.png"),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        for username, path, filename in SHOTS:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{BASE_URL}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", "demo")
            page.click("button[type=submit]")
            response = page.goto(f"{BASE_URL}{path}")
            if response is None or response.status != 200:
                print(f"skipped {path}: status {response and response.status}")
                continue
            page.wait_for_timeout(1500)  # let charts draw
            page.screenshot(path=OUT / filename, full_page=False)
            print(f"wrote {OUT / filename}")
        browser.close()


if __name__ == "__main__":
    main()
