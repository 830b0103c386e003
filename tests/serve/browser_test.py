#!/usr/bin/python3
"""The web page of `mgc serve` in headless Chromium: upload a clip through the file input, wait for the genre
bars, check the top genre and that the spectrogram picture loaded, and save a screenshot.

Run by tests/serve/test_server.cpp (BrowserUploadShowsTheResults) against a server it started. Needs Debian's
chromium, chromium-driver and python3-selenium. Exit code 0 on success; a message on stderr otherwise.
"""
import argparse
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--audio", required=True)
    ap.add_argument("--expect", required=True, help="expected top genre")
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--min-blocks", type=int, default=1, help="timeline blocks (genre runs) expected at least")
    ap.add_argument("--timeout", type=float, default=60.0)
    a = ap.parse_args()

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-dev-shm-usage", "--window-size=1100,1500"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        driver.set_page_load_timeout(a.timeout)
        driver.get(a.url)
        wait = WebDriverWait(driver, a.timeout)
        # The model line is filled from /v1/models.
        wait.until(lambda d: "genres" in d.find_element(By.ID, "model").text)
        driver.find_element(By.ID, "file").send_keys(a.audio)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#bars .bar")) > 0
                   or "error" in d.find_element(By.ID, "status").get_attribute("class"))
        status = driver.find_element(By.ID, "status").text
        bars = driver.find_elements(By.CSS_SELECTOR, "#bars .bar")
        if not bars:
            print(f"no bars; status: {status}", file=sys.stderr)
            return 1
        top = driver.find_element(By.ID, "top-genre").text.strip().lower()
        first_bar = bars[0].find_element(By.CSS_SELECTOR, ".genre").text.strip().lower()
        print(f"top genre shown: {top}; bars: {[b.text.replace(chr(10), ' ') for b in bars]}")
        if top != a.expect or first_bar != a.expect:
            print(f"expected top genre {a.expect!r}, page shows {top!r} / first bar {first_bar!r}", file=sys.stderr)
            return 1
        wait.until(lambda d: d.execute_script(
            "const i = document.getElementById('spectrogram'); return i.complete && i.naturalWidth > 0;"))
        size = driver.execute_script(
            "const i = document.getElementById('spectrogram'); return [i.naturalWidth, i.naturalHeight];")
        segs = driver.find_elements(By.CSS_SELECTOR, "#timeline .seg")
        print(f"spectrogram {size[0]}x{size[1]} px, {len(segs)} timeline block(s), status: {status}")
        if len(segs) < a.min_blocks:
            print(f"the timeline shows {len(segs)} block(s), expected at least {a.min_blocks}", file=sys.stderr)
            return 1
        # Let the bar animation finish, then check that the top bar is drawn in proportion to its probability.
        driver.execute_script("return new Promise(r => setTimeout(r, 700));")
        fill, track = driver.execute_script(
            "const b = document.querySelector('#bars .bar');"
            "return [b.querySelector('.fill').getBoundingClientRect().width,"
            "        b.querySelector('.track').getBoundingClientRect().width];")
        shown = float(bars[0].find_element(By.CSS_SELECTOR, ".pct").text.rstrip("%")) / 100
        if track <= 0 or abs(fill / track - shown) > 0.03:
            print(f"top bar drawn {fill:.0f} of {track:.0f} px for {shown:.3f}", file=sys.stderr)
            return 1
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1100, max(900, int(height) + 40))
        driver.save_screenshot(a.screenshot)
        problems = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        if problems:
            print(f"console errors: {problems}", file=sys.stderr)
            return 1
        return 0
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
