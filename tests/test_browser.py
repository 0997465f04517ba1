"""The web map end to end in a real headless browser: Debian's chromium driven by Playwright.

The app runs under uvicorn on loopback; the browser may fetch nothing else (every other request
is blocked and the test fails if one was attempted). Needs ``apt-get install chromium`` and the
``playwright`` Python package (the ``test`` extra) -- never ``playwright install``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from systemdeps import missing

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def server_url():
    uvicorn = pytest.importorskip("uvicorn", reason="needs the server extra")
    from corridor.server import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(db=":memory:"), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


@pytest.fixture
def browser_page(server_url, tmp_path):
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing(f"{CHROMIUM} is missing: the browser test needs Debian's chromium "
                "(sudo apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[test]' "
                    "(do not run `playwright install`; the system chromium is used)",
                    pytrace=False)

    blocked: list[str] = []
    errors: list[str] = []

    def local_only(route):
        url = route.request.url
        if url.startswith(server_url + "/"):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 860}, accept_downloads=False,
            service_workers="block")
        try:
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", local_only)
            page = context.pages[0] if context.pages else context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            yield page, blocked, errors
        finally:
            context.close()


def _pick(page, field: str, text: str, *, keyboard: bool) -> None:
    page.fill(f"#{field}", text)
    option = page.locator(f"#{field}-list li[role=option]", has_text=text).first
    option.wait_for()
    if keyboard:  # the first suggestion, chosen as a keyboard user would
        assert page.locator(f"#{field}-list li .opt-name").first.inner_text() == text
        page.press(f"#{field}", "ArrowDown")
        page.press(f"#{field}", "Enter")
    else:
        option.click()
    assert page.input_value(f"#{field}") == text
    assert page.locator(f"#{field}-list").is_hidden()


def test_plan_switch_compare_calendar_and_error(server_url, browser_page, tmp_path):
    page, blocked, errors = browser_page
    started = time.monotonic()
    page.goto(server_url + "/")
    assert "corridor" in page.title()
    page.wait_for_function("document.querySelectorAll('#scenario option').length > 1")

    _pick(page, "origin", "Karachi", keyboard=True)
    _pick(page, "destination", "Almaty", keyboard=False)
    page.fill("#depart", "2026-07-15")
    page.check("#alternatives")
    page.click("#submit")

    # the route: Leaflet SVG paths of the route layer, crossings marked, legs in the table
    page.wait_for_selector("#legs tbody tr")
    page.wait_for_selector(".status.ok")
    assert page.locator(".leaflet-overlay-pane svg path.route-leg").count() >= 1
    assert page.locator(".crossing-marker").count() >= 1
    legs = page.locator("#legs tbody tr")
    assert legs.count() >= 3
    assert "Karachi" in page.inner_text("#legs") and "Almaty" in page.inner_text("#legs")
    assert "days" in page.inner_text("#summary") or " h" in page.inner_text("#summary")

    # the basemap names the region's countries, and from zoom 6 the network's towns
    countries = {c.upper() for c in page.locator(".country-label").all_inner_texts()}
    assert {"PAKISTAN", "AFGHANISTAN", "KAZAKHSTAN"} <= countries, countries
    steps = 0
    while not page.locator(".city-label").count() and steps < 4:
        page.click(".leaflet-control-zoom-in")
        page.wait_for_timeout(300)
        steps += 1
    assert "Almaty" in page.locator(".city-label").all_inner_texts()
    for _ in range(steps):  # back to the route's view
        page.click(".leaflet-control-zoom-out")
        page.wait_for_timeout(300)

    # alternatives: pick another one; the summary, table and map follow
    alts = page.locator("button.alt")
    assert alts.count() >= 2
    assert page.locator("button.alt[aria-pressed=true]").count() == 1
    before = (page.inner_text("#corridor-name"), page.inner_text("#legs tbody"),
              page.inner_text("#summary"))
    other = page.locator("button.alt[aria-pressed=false]").first
    other_title = other.locator(".alt-title").inner_text()
    other.click()
    page.wait_for_function(
        "t => document.getElementById('corridor-name').textContent.startsWith(t)",
        arg=other_title)
    after = (page.inner_text("#corridor-name"), page.inner_text("#legs tbody"),
             page.inner_text("#summary"))
    assert after[0] != before[0] and after[1] != before[1]
    assert page.locator("button.alt[aria-pressed=true] .alt-title").inner_text() == other_title
    assert page.locator("path.route-alt").count() >= 1  # the others stay faint on the map

    # a scenario against the baseline
    page.select_option("#scenario", "customs-cooperation")
    assert page.inner_text("#scenario-desc").strip()
    page.click("#compare-btn")
    page.wait_for_selector("#compare table.compare")
    heads = page.locator("#compare table.compare thead th").all_inner_texts()
    assert len(heads) == 3 and heads[1] == "Baseline" and heads[2].strip(), heads
    assert page.locator("#compare table.compare tbody tr").count() >= 5

    # the year's calendar, from the keyboard
    page.focus("#calendar-btn")
    page.keyboard.press("Enter")
    page.wait_for_selector("#calendar tbody tr")
    rows = page.locator("#calendar tbody tr")
    assert rows.count() == 24  # the 1st and 15th of each month
    first = rows.first.locator("td").all_inner_texts()
    assert first[0] == "2026-01-01" and first[1].startswith("via ")
    assert float(first[2]) <= float(first[3])  # P50 <= P90, in days
    assert page.locator("#calendar svg.cal-chart polyline").count() == 2
    assert "Calendar ready" in page.inner_text("#status")

    page.evaluate("document.querySelector('.panel').scrollTop = 0")
    shot = tmp_path / "webmap.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("CORRIDOR_WEBMAP_SCREENSHOT"):  # e.g. docs/img/webmap.png for the README
        shutil.copyfile(shot, Path(os.environ["CORRIDOR_WEBMAP_SCREENSHOT"]))

    assert not errors, errors  # before the deliberate 404 below, which chromium logs

    # a misspelt place is read as the one clearly meant, and the page says so
    page.fill("#origin", "Karachx")
    page.press("#origin", "Escape")
    page.click("#submit")
    page.wait_for_function(
        "document.querySelector('#warnings').innerText.includes(\"read 'Karachx' as Karachi\")")

    # an unknown place: the API's plain-words message, not a stack trace
    page.fill("#origin", "Zzqxv")
    page.press("#origin", "Escape")
    page.click("#submit")
    page.wait_for_selector(".status.error")
    message = page.inner_text("#status")
    assert "unknown place 'Zzqxv'" in message and "did you mean" in message, message
    # the last route does not stay on the map as if it answered the new question
    assert page.locator("path.route-leg").count() == 0
    assert page.locator("#results").is_hidden()

    assert all("404" in e for e in errors), errors
    assert not blocked, f"requests to outside the local server: {blocked}"
    assert time.monotonic() - started < 60


def test_rail_only_route_and_comparison(server_url, browser_page):
    """Modes reach the route, the comparison and the calendar: asked for rail only, the
    cargo turns to a container, the route keeps to the railways, and the Trans-Afghan
    railway scenario shows the box leaving the Iran detour for Kharlachi."""
    page, blocked, errors = browser_page
    page.goto(server_url + "/")
    page.wait_for_function("document.querySelectorAll('#scenario option').length > 1")
    _pick(page, "origin", "Karachi", keyboard=False)
    _pick(page, "destination", "Tashkent", keyboard=False)
    page.fill("#depart", "2026-07-15")
    page.select_option("#modes", "rail")
    assert page.input_value("#cargo") == "teu"
    assert "a truck cannot go by rail" in page.inner_text("#status")
    page.select_option("#modes", "air")  # a container does not fly either
    assert page.input_value("#cargo") == "passenger"
    assert "a container, 20 ft cannot go by air" in page.inner_text("#status")
    page.select_option("#cargo", "teu")
    page.select_option("#modes", "rail")
    assert page.input_value("#cargo") == "teu"
    page.click("#submit")
    page.wait_for_selector("#legs tbody tr")
    page.wait_for_selector(".status.ok")
    assert "Taftan" in page.inner_text("#corridor-name")
    modes = {m.strip() for m in page.locator("#legs tbody tr.leg-link td:nth-child(4)")
             .all_inner_texts()}
    assert "road" not in modes and "rail" in modes, modes

    page.select_option("#scenario", "trans-afghan-railway")
    page.click("#compare-btn")
    page.wait_for_selector("#compare table.compare")
    corridors = page.locator("#compare table.compare tbody tr").first.locator(
        "td").all_inner_texts()
    assert "Taftan" in corridors[0] and "Kharlachi" in corridors[1], corridors

    page.click("#calendar-btn")
    page.wait_for_selector("#calendar tbody tr")
    assert all(text.endswith("(rail)") for text in
               page.locator("#calendar tbody tr td:nth-child(2)").all_inner_texts())
    assert not errors, errors
    assert not blocked, f"requests to outside the local server: {blocked}"
