"""Reports: the numbers match compare(), the HTML is one offline file, Markdown has its PNGs."""

from __future__ import annotations

import base64
import html
import re
import sys
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest

import corridor
from corridor.analysis.compare import compare
from corridor.model.scenario import parse_scenario
from corridor.reports import report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VOID = {"meta", "img", "br", "hr", "link", "input", "source", "col", "wbr", "area", "base"}
DEPART = "2026-07-15"
DRAWS = 1000


class _Page(HTMLParser):
    """Collects what the tests look at: tag balance, tables by section, links and images."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.ids: set[str] = set()
        self.section = ""
        self.tables: dict[str, list[list[list[str]]]] = {}  # section -> tables -> rows
        self._cell: list[str] | None = None
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))
            if name == "id":
                self.ids.add(value)
        if tag == "section":
            self.section = dict(attrs).get("id", "")
        if tag == "table":
            self.tables.setdefault(self.section, []).append([])
        if tag == "tr":
            self.tables[self.section][-1].append([])
        if tag in ("td", "th"):
            self._cell = []
        self._in_style = tag == "style"
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag in ("td", "th") and self._cell is not None:
            self.tables[self.section][-1][-1].append("".join(self._cell).strip())
            self._cell = None
        self._in_style = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in_style:
            self.style += data


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def _row(table: list[list[str]], first_cell_start: str) -> list[str]:
    rows = [r for r in table if r and r[0].startswith(first_cell_start)]
    assert len(rows) == 1, (first_cell_start, table)
    return rows[0]


@pytest.fixture(scope="module")
def lahore(region):
    return report("Lahore", "Almaty", ["customs-cooperation"], depart=DEPART, network=region,
                  draws=DRAWS, seed=0)


@pytest.fixture(scope="module")
def lahore_html(lahore):
    return lahore.to_html()


@pytest.fixture(scope="module")
def kashgar(region):
    return report("Islamabad", "Kashgar", ["khunjerab-year-round"], depart="2024-02-15",
                  optimize="time", network=region, draws=500, seed=3, critical=False)


# ------------------------------------------------------------------------ content


def test_the_page_asks_the_question_and_names_the_scenario(lahore, lahore_html):
    title = "Customs cooperation between Pakistan, Kazakhstan and the transit countries"
    assert lahore.question == (f"What would “{title}” change for a truckload (20 t) from "
                               "Lahore to Almaty?")
    assert html.escape(lahore.question) in lahore_html
    assert f"<h3>{title} (customs-cooperation)</h3>" in lahore_html
    for assumption in lahore.scenarios[0].assumptions:
        assert html.escape(assumption) in lahore_html
    assert f"corridor {corridor.__version__}" in lahore_html
    assert "corridor-region 2026.11" in lahore_html  # network name and version in the footer


def test_the_tables_show_the_numbers_of_compare(region, lahore, lahore_html):
    result = compare("Lahore", "Almaty", ["customs-cooperation"], depart=DEPART,
                     network=region, draws=DRAWS, seed=0)
    page = _parse(lahore_html)
    table = page.tables["comparison"][0]
    assert table[0][:6] == ["case", "corridor", "time (days)", "P50 (days)", "P90 (days)",
                            "cost (USD)"]
    for case, label in zip(result.cases, ["Today's network", "Customs cooperation"],
                           strict=True):
        r = case.route
        row = _row(table, label)
        assert row[1] == r.corridor
        assert row[3] == f"{r.reliability.p50_h / 24:.1f}"
        assert row[4] == f"{r.reliability.p90_h / 24:.1f}"
        assert row[5] == f"{r.summary.cost_usd:,.0f}"
    scenario = result.cases[1]
    # the scenario really is faster, so a wrong column would show
    assert scenario.route.reliability.p90_h < result.baseline.route.reliability.p90_h - 24
    assert f"P90 {scenario.route.reliability.p90_h / 24:.1f} days" in lahore.summary

    trade = _row(page.tables["trade"][0], "Customs cooperation")
    t = scenario.trade
    assert trade[4:7] == [f"{x:+.1f}" for x in (t.pct_change_central, t.pct_change_low,
                                                t.pct_change_high)]
    assert trade[7] == f"{t.delta_trade_usd_central / 1e6:+.1f}"
    # the baseline used and every other reporter's figure, with the same effect at each
    figures = page.tables["trade"][2]
    used = _row(figures, "used")
    assert used[1:4] == ["KAZ MFA", "2024", "53.7"]
    reporters = {row[1]: row for row in figures[1:]}
    assert set(reporters) == {"KAZ MFA", *(o.reporter for o in t.baseline.others)}
    pak = reporters["PAK data via KAZ ambassador"]
    assert pak[3] == "197.0" and pak[4] == f"{197e6 * t.pct_change_central / 100 / 1e6:+.1f}"
    assert "reported by KAZ MFA" in lahore.summary and "USD 197.0 m" in lahore.summary


def test_reliability_and_critical_links(lahore, lahore_html):
    page = _parse(lahore_html)
    rows = page.tables["reliability"][0]
    base, scenario = (case.route.reliability for case in lahore.comparison.cases)
    today = _row(rows, "Today's network")
    assert today[1:4] == [f"{h / 24:.1f}" for h in (base.p10_h, base.p50_h, base.p90_h)]
    assert today[5] == "90"  # on time by today's own P90 arrival
    assert int(_row(rows, "Customs cooperation")[5]) > 90
    assert "Torkham" in today[7]  # the crossing that drives the spread

    crit = lahore.criticality
    assert crit is not None and len(crit.items) == 5
    assert {(p.origin, p.destination) for p in crit.pairs} >= {("Lahore", "Almaty"),
                                                              ("Karachi", "Almaty")}
    assert all({"PAK", "KAZ"} <= set(corridor.plan_route(p.origin, p.destination,
                                                         depart=DEPART, draws=0).countries)
               for p in crit.pairs[:2])
    table = page.tables["critical"][0]
    assert [row[1] for row in table[1:]] == [item.name for item in crit.items]
    assert any("→" in row[7] for row in table[1:])  # detours are listed


def test_kashgar_in_january_shows_the_khunjerab_switch(kashgar):
    page = _parse(kashgar.to_html())
    rows = page.tables["comparison"][0]
    assert "Irkeshtam" in _row(rows, "Today's network")[1]
    assert _row(rows, "Khunjerab open")[1] == "direct: Khunjerab (road)"
    assert "critical" not in page.tables  # critical=False
    assert [f.name for f in kashgar.figures] == ["map", "calendar-baseline",
                                                  "calendar-khunjerab-year-round"]
    assert [label for label, _ in kashgar.calendars] == ["today's network",
                                                         "Khunjerab open to trade all year"]
    winter = {e.depart.month: e.crossings for e in kashgar.calendars[1][1].entries}
    assert "khunjerab" in winter[1]  # open in January under the scenario


# ------------------------------------------------------------------------ self-contained


def test_the_html_is_one_offline_file(lahore, lahore_html):
    page = _parse(lahore_html)
    assert not page.errors and not page.stack  # every tag closed, in order
    assert page.tags.count("h1") == 1 and page.tags[0] == "html"
    assert not {"script", "link", "iframe", "object", "embed", "base"} & set(page.tags)
    assert "url(" not in page.style and "@import" not in page.style
    sources = {s.url for s in lahore.sources if s.url}
    images = [value for tag, name, value in page.attrs if name == "src"]
    assert len(images) == 3  # the map and two calendar charts
    for value in images:
        assert value.startswith("data:image/png;base64,")
        assert base64.b64decode(value.split(",", 1)[1]).startswith(PNG_SIGNATURE)
    for tag, name, value in page.attrs:
        if name == "href":
            assert tag == "a"
            assert value in sources or (value.startswith("#") and value[1:] in page.ids)
        else:
            assert name == "src" or "http" not in value, (tag, name, value)
    text = lahore_html
    for url in sorted(sources, key=len, reverse=True):
        text = text.replace(html.escape(url), "")
    assert "http" not in text  # no address other than the sources' own links


def test_every_source_is_listed_once_and_numbered(lahore, lahore_html):
    page = _parse(lahore_html)
    numbers = [s.number for s in lahore.sources]
    assert numbers == list(range(1, len(numbers) + 1))
    assert {f"src-{n}" for n in numbers} <= page.ids
    ids = [s.source_id for s in lahore.sources]
    assert len(ids) == len(set(ids))
    route_ids = {s["id"] for case in lahore.comparison.cases for s in case.route.sources}
    impact = lahore.comparison.cases[1].trade
    assert set(lahore.scenarios[0].sources) | route_ids | set(impact.sources) | {
        impact.baseline.source_id, *(o.source_id for o in impact.baseline.others)} <= set(ids)
    for source in lahore.sources:
        if source.url:
            assert f'href="{html.escape(source.url)}"' in lahore_html
        assert html.escape(source.title) in lahore_html
    assert ids[0] == "cpmm_pak_2022"  # the scenario's own source comes first


def test_user_text_is_escaped(region):
    scenario = parse_scenario({
        "name": "evil",
        "title": "<script>alert('x')</script> & <b>bold</b>",
        "description": "a | pipe and *stars*",
        "assumptions": ["<img src=http://example.invalid/x.png>"],
        "sources": ["bad_link"],
        "new_sources": [{"source_id": "bad_link", "title": "Bad <i>link</i>",
                         "url": "javascript:alert(1)"}],
        "modifications": [{"type": "crossing_time", "crossings": ["Khunjerab"],
                           "dwell_factor": 0.9}],
    })
    # no pictures and no criticality: also checks that the report degrades gracefully
    modules = {"corridor.plot": None, "corridor.analysis.criticality": None}
    with pytest.MonkeyPatch.context() as patch:
        for name, module in modules.items():
            patch.setitem(sys.modules, name, module)
        result = report("Islamabad", "Kashgar", [scenario], depart=DEPART, network=region,
                        draws=200)
    assert result.figures == () and result.criticality is None
    assert any("Map and charts left out" in n for n in result.notes)
    assert any("Critical links left out" in n for n in result.notes)
    text = result.to_html()
    page = _parse(text)
    assert not page.errors and not page.stack
    assert "<script" not in text and "<b>" not in text and "<i>" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" \
        in text
    assert "javascript:" not in [v[:11] for _, name, v in page.attrs if name == "href"]
    assert "Critical links left out" in text
    assert not [v for _, name, v in page.attrs if name == "src"]


# ------------------------------------------------------------------------ files


def test_markdown_refers_to_pngs_that_exist(lahore, tmp_path):
    path = lahore.write_markdown(tmp_path / "my report.md")
    assert path == tmp_path / "my report.md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Lahore → Almaty")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 3
    for link in links:
        assert unquote(link).startswith("my report_files/")
        png = tmp_path / unquote(link)
        assert png.read_bytes().startswith(PNG_SIGNATURE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my report.md", "my report_files"]
    assert "| case | corridor | time (days) |" in text
    for source in lahore.sources:
        if source.url:
            assert source.url in text
    p90 = lahore.comparison.cases[1].route.reliability.p90_h
    assert f"P90 {p90 / 24:.1f} days" in text


def test_write_html_is_atomic_and_needs_its_folder(lahore, lahore_html, tmp_path):
    out = lahore.write_html(tmp_path / "report.html")
    assert out.read_text(encoding="utf-8") == lahore_html
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    with pytest.raises(FileNotFoundError):
        lahore.write_html(tmp_path / "missing" / "report.html")
    with pytest.raises(FileNotFoundError):
        lahore.write_markdown(tmp_path / "missing" / "report.md")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


# ------------------------------------------------------------------------ errors


def test_unknown_scenario_is_the_corridor_error(region):
    with pytest.raises(corridor.UnknownPlaceError, match="did you mean 'customs-cooperation'"):
        report("Lahore", "Almaty", ["customs-cooperaton"], network=region)


def test_unknown_place_no_scenario_and_a_bad_file(region, tmp_path):
    with pytest.raises(corridor.UnknownPlaceError, match="Qwxzabad"):
        report("Qwxzabad", "Almaty", ["customs-cooperation"], network=region, draws=0)
    with pytest.raises(corridor.InvalidOptionError, match="at least one scenario"):
        report("Lahore", "Almaty", [], network=region)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bad Name\ntitle: x\nmodifications: []\n", encoding="utf-8")
    with pytest.raises(corridor.ScenarioError) as error:
        report("Lahore", "Almaty", [str(bad)], network=region)
    assert len(error.value.problems) == 2  # the name and the empty modifications
