"""The web map served at ``/``: the page, its local assets, no internet, vendored licences."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="needs the server extra: pip install -e '.[server]'")

from fastapi.testclient import TestClient  # noqa: E402

from corridor.server import create_app  # noqa: E402
from corridor.server.app import STATIC_DIR  # noqa: E402

VENDOR = STATIC_DIR / "vendor"

# Files that are licence or notice text: URLs in them are citations, never fetched.
NOTICE_NAMES = {"LICENSE", "README.txt"}

# URLs that are not fetched and stay in vendored code copied unchanged from npm:
# the SVG namespace is an XML identifier; Leaflet's attribution prefix is a link the page
# switches off (``attributionControl.setPrefix(false)`` in app.js).
ALLOWED_URLS = {
    "vendor/leaflet/leaflet.js": {"http://www.w3.org/2000/svg", "https://leafletjs.com"},
}

URL = re.compile(r"https?://[^\s\"'()<>\\]*")


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(db=":memory:")) as c:
        yield c


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.label_for: list[str] = []
        self.forms: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "script" and a.get("src"):
            self.refs.append((tag, a["src"]))
        if tag == "link" and a.get("href"):
            self.refs.append((tag, a["href"]))
        if tag == "img" and a.get("src"):
            self.refs.append((tag, a["src"]))
        if tag == "label" and a.get("for"):
            self.label_for.append(a["for"])
        if tag == "form":
            self.forms.append(a.get("id") or "")


def _page(client) -> tuple[str, _Assets]:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    parser = _Assets()
    parser.feed(response.text)
    return response.text, parser


def _strip_comments(text: str, suffix: str) -> str:
    if suffix in {".js", ".css"}:
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    if suffix == ".js":
        text = re.sub(r"(?m)^\s*//.*$", "", text)
    if suffix == ".html":
        text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return text


def _static_files() -> list[Path]:
    return sorted(p for p in STATIC_DIR.rglob("*") if p.is_file())


def test_page_has_the_route_form(client):
    html, page = _page(client)
    assert "route-form" in page.forms and "compare-form" in page.forms
    for field in ("origin", "destination", "depart", "cargo", "optimize", "alternatives",
                  "scenario", "submit", "map", "legs", "summary", "status"):
        assert field in page.ids, field
    for cargo in ("truck", "teu", "feu", "bulk", "passenger"):
        assert f'value="{cargo}"' in html
    assert 'aria-live="polite"' in html
    # every label names a control on the page (keyboard and screen-reader use)
    assert page.label_for and all(target in page.ids for target in page.label_for)


def test_page_assets_are_local_and_served(client):
    _, page = _page(client)
    assert {tag for tag, _ in page.refs} >= {"script", "link"}
    for _tag, ref in page.refs:
        if ref.startswith("data:"):
            continue
        assert ref.startswith("/") and not ref.startswith("//"), ref
        assert client.get(ref).status_code == 200, ref


def test_paths_fetched_by_the_script_are_served(client):
    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    paths = set(re.findall(r"""["'](/static/[^"']+)["']""", script))
    assert "/static/vendor/world-atlas/countries-50m.json" in paths
    for path in paths:
        assert client.get(path).status_code == 200, path
    # the API endpoints the page calls exist
    for path in ("/scenarios", "/network.geojson", "/places?q=karachi"):
        assert client.get(path).status_code == 200, path


def test_leaflet_css_images_are_served(client):
    css = (VENDOR / "leaflet" / "leaflet.css").read_text(encoding="utf-8")
    images = set(re.findall(r"url\((images/[^)]+)\)", css))
    assert images
    for image in images:
        assert client.get(f"/static/vendor/leaflet/{image}").status_code == 200, image


def test_no_internet_urls_in_served_files(client):
    files = _static_files()
    assert len(files) >= 8
    for path in files:
        rel = path.relative_to(STATIC_DIR).as_posix()
        served = client.get(f"/static/{rel}")
        assert served.status_code == 200, rel
        if path.name in NOTICE_NAMES or path.suffix == ".png":
            continue
        text = _strip_comments(served.text, path.suffix)
        found = set(URL.findall(text)) - ALLOWED_URLS.get(rel, set())
        assert not found, f"{rel}: {sorted(found)}"
    assert "setPrefix(false)" in (STATIC_DIR / "app.js").read_text(encoding="utf-8")


def test_vendored_files_and_licences():
    expected = {
        "leaflet": ["leaflet.js", "leaflet.css", "images/marker-icon.png",
                    "images/layers.png"],
        "topojson-client": ["topojson-client.min.js"],
        "world-atlas": ["countries-50m.json"],
    }
    for package, names in expected.items():
        for name in names:
            assert (VENDOR / package / name).stat().st_size > 0, (package, name)
        licence = (VENDOR / package / "LICENSE").read_text(encoding="utf-8")
        assert "Copyright" in licence or "copyright" in licence
    assert "BSD" in (VENDOR / "leaflet" / "LICENSE").read_text(encoding="utf-8") or \
        "Redistribution and use" in (VENDOR / "leaflet" / "LICENSE").read_text(encoding="utf-8")
    assert "Leaflet 1.9.4" in (VENDOR / "leaflet" / "leaflet.js").read_text(encoding="utf-8")[:200]
    assert '"countries"' in (VENDOR / "world-atlas" / "countries-50m.json").read_text(
        encoding="utf-8")[:2000]
    notice = (VENDOR / "README.txt").read_text(encoding="utf-8")
    for package in ("leaflet 1.9.4", "topojson-client 3.1.0", "world-atlas 2.0.2",
                    "Natural Earth"):
        assert package in notice


def test_unknown_static_file_is_404_and_page_not_in_schema(client):
    missing = client.get("/static/nope.js")
    assert missing.status_code == 404
    assert "/" not in client.get("/openapi.json").json()["paths"]
