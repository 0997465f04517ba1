"""The command line, run as `corridor` and as `python -m corridor`, on a tiny network."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from netbuilder import tiny

CORRIDOR = str(Path(sys.executable).parent / "corridor")
COMMANDS = [[CORRIDOR], [sys.executable, "-m", "corridor"]]


def run(args, command=COMMANDS[0]):
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    return tiny(tmp_path_factory.mktemp("cli") / "tiny")


@pytest.mark.parametrize("command", COMMANDS, ids=["corridor", "python -m corridor"])
def test_route_json(net, command):
    out = run(["route", "Alpha", "Gamma", "--depart", "2026-07-15", "--optimize", "time",
               "--json", "--network", net], command)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["summary"]["duration_h"] == 4.0
    assert data["summary"]["border_crossings"] == 1
    assert data["countries"] == ["AAA", "CCC"]
    assert [leg["kind"] for leg in data["legs"]] == ["link", "border", "link"]


def test_both_commands_agree(net):
    args = ["route", "Alpha", "Gamma", "--depart", "2026-01-15", "--json", "--network", net]
    a, b = (run(args, c) for c in COMMANDS)
    assert a.returncode == b.returncode == 0
    assert json.loads(a.stdout) == json.loads(b.stdout)


def test_route_table(net):
    out = run(["route", "Alpha", "Gamma", "--depart", "2026-01-15", "--optimize", "time",
               "--avoid", "BBB", "--network", net])
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Alpha (AAA) → Gamma (CCC)" in text
    assert "wait" in text and "closed Dec–Mar" in text
    assert "Pass: dwell 1.0 h, fees $10" in text
    assert "warnings:" in text and "waits 76 days" in text


def test_via_and_comma_lists(net):
    out = run(["route", "Alpha", "Gamma", "--depart", "2026-07-15", "--via", "Beta",
               "--avoid", "Pass", "--modes", "road,ferry", "--json", "--network", net])
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["countries"] == ["AAA", "BBB", "CCC"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["route", "Alpah", "Gamma"], 2, "did you mean 'Alpha'"),
        (["route", "Alpha", "Gamma", "--optimize", "fast"], 2, "unknown objective"),
        (["route", "Alpha", "Gamma", "--cargo", "pallet"], 2, "unknown cargo"),
        (["route", "Alpha", "Gamma", "--depart", "tomorrow"], 2, "YYYY-MM-DD"),
        (["route", "Alpha", "Gamma", "--avoid", "BBB", "--avoid", "Pass"], 3, "avoid"),
        (["route", "Alpha", "Gamma", "--modes", "rail", "--cargo", "truck"], 2,
         "for rail use cargo 'teu'"),
        (["places", "zzzzqqq"], 2, "no place matches"),
    ],
)
def test_errors_are_messages_not_tracebacks(net, args, code, message):
    out = run([*args, "--network", net])
    assert out.returncode == code, (out.stdout, out.stderr)
    assert message in out.stderr + out.stdout
    assert "Traceback" not in out.stderr


def test_invalid_network_folder(tmp_path):
    folder = tiny(tmp_path / "bad")
    text = (folder / "links.csv").read_text().replace("c_pass,gamma", "c_pass,nowhere")
    (folder / "links.csv").write_text(text)
    out = run(["validate", folder])
    assert out.returncode == 1
    assert "unknown place id 'nowhere'" in out.stderr
    out = run(["route", "Alpha", "Gamma", "--network", folder])
    assert out.returncode == 4
    assert "unknown place id 'nowhere'" in out.stderr
    assert "Traceback" not in out.stderr


def test_validate_ok(net):
    out = run(["validate", net])
    assert out.returncode == 0
    assert out.stdout.startswith("ok: tiny test: 9 places, 6 links, 3 crossings")


def test_places_search(net):
    out = run(["places", "alf", "--network", net, "--json"])
    assert out.returncode == 0
    hits = json.loads(out.stdout)
    assert hits[0]["id"] == "alpha"


def test_cli_via_unknown_and_many_problems(net, tmp_path):
    out = run(["route", "Alpha", "Gamma", "--via", "Bxta", "--network", net])
    assert out.returncode == 2 and "did you mean 'Beta'" in out.stderr
    # one wrong letter in a longer name: read as the place, and the answer says so
    out = run(["route", "Alpha", "Gamma", "--via", "Betta", "--network", net])
    assert out.returncode == 0 and "read 'Betta' as Beta (BBB)" in out.stdout
    folder = tiny(tmp_path / "bad2")
    text = (folder / "links.csv").read_text()
    text = text.replace("c_pass,gamma", "c_pass,nowhere").replace(",100,", ",far,", 1)
    (folder / "links.csv").write_text(text)
    out = run(["validate", folder])
    assert out.returncode == 1
    assert "2 problem(s)" in out.stderr
    assert "'far'" in out.stderr and "'nowhere'" in out.stderr


def test_alternatives_and_reliability_cli(net, tmp_path):
    from netbuilder import crossing

    crossings = [
        crossing("pass", "a_pass", "c_pass", 1, 1, ab_cost_usd=1000, ba_cost_usd=1000,
                 ab_dwell_p90_h=3, ba_dwell_p90_h=3),
        crossing("west", "a_west", "b_west", 5, 5, ab_cost_usd=20, ba_cost_usd=20),
        crossing("east", "b_east", "c_east", 3, 3, ab_cost_usd=30, ba_cost_usd=30),
    ]
    folder = tiny(tmp_path / "alt", crossings=crossings, calendars=[])
    out = run(["route", "Alpha", "Gamma", "--depart", "2026-07-15", "--alternatives",
               "--deadline", "2026-07-15T20:00", "--seed", "3", "--draws", "2000", "--json",
               "--network", folder])
    assert out.returncode == 0, out.stderr
    options = json.loads(out.stdout)["alternatives"]
    assert [o["crossings"] for o in options] == [["pass"], ["west", "east"]]
    assert options[0]["best_for"] == ["time", "risk"] and options[1]["best_for"] == ["cost"]
    reliability = options[0]["reliability"]
    assert reliability["draws"] == 2000 and reliability["seed"] == 3
    assert reliability["p10_h"] <= reliability["p50_h"] <= reliability["p90_h"]
    # 3 h of links + a dwell of median 1 h, P90 3 h, against a 12 h deadline: P(dwell > 9 h)
    # = P(Z > ln 9 / (ln 3 / 1.2816)) = 0.5 %
    assert reliability["on_time_probability"] == pytest.approx(0.995, abs=0.004)
    text = run(["route", "Alpha", "Gamma", "--depart", "2026-07-15", "--alternatives",
                "--network", folder]).stdout
    assert "2 alternative(s)" in text and "best for" in text and "time, risk" in text


def test_route_exports(net, tmp_path):
    geojson, table = tmp_path / "r.geojson", tmp_path / "r.csv"
    out = run(["route", "Alpha", "Gamma", "--depart", "2026-07-15", "--geojson", geojson,
               "--csv", table, "--network", net])
    assert out.returncode == 0, out.stderr
    assert f"wrote {geojson}" in out.stdout
    features = json.loads(geojson.read_text())["features"]
    assert [f["properties"]["kind"] for f in features] == ["link", "border", "link"]
    assert table.read_text(encoding="utf-8-sig").splitlines()[0].startswith("route,")
    out = run(["route", "Alpha", "Gamma", "--csv", tmp_path / "no" / "x.csv", "--network", net])
    assert out.returncode == 2 and "the folder does not exist" in out.stderr
    assert "Traceback" not in out.stderr


def test_calendar_cli(net, tmp_path):
    table = tmp_path / "cal.csv"
    out = run(["calendar", "Alpha", "Gamma", "--year", "2026", "--optimize", "time",
               "--draws", "100", "--csv", table, "--network", net])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    january = next(line for line in lines if line.startswith("Thu 01 Jan"))
    july = next(line for line in lines if line.startswith("Wed 01 Jul"))
    assert "West, East" in january and "direct: Pass" in july
    rows = table.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 25 and rows[0].startswith("origin,destination,cargo,depart")
    out = run(["calendar", "Alpha", "Gamma", "--step", "fortnight", "--network", net])
    assert out.returncode == 2 and "month, week" in out.stderr


def test_calendar_with_modes_picks_their_cargo():
    """As `route` does, `calendar --modes rail` without --cargo plans a container (it
    stopped at "cargo 'truck' may use road, ferry"); a truck asked for by name still
    gets that error."""
    out = run(["calendar", "Karachi", "Tashkent", "--modes", "rail", "--year", "2026",
               "--draws", "0", "--json"])
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["cargo"] == "teu" and len(data["departures"]) == 24
    assert all(d["corridor"].endswith("(rail)") for d in data["departures"])
    truck = run(["calendar", "Karachi", "Tashkent", "--modes", "rail", "--cargo", "truck",
                 "--year", "2026", "--draws", "0"])
    assert truck.returncode != 0 and "for rail use cargo 'teu'" in truck.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=["corridor", "python -m corridor"])
def test_critical_cli(net, tmp_path, command):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("origin,destination,weight\nAlpha,Gamma,2\nGamma,Alpha,1\n")
    out = run(["critical", "--pairs", pairs, "--depart", "2026-07-15", "--optimize", "time",
               "--json", "--network", net], command)
    assert out.returncode == 0, out.stderr
    items = json.loads(out.stdout)["items"]
    assert items[0]["name"] == "Pass"  # the only crossing both routes use
    text = run(["critical", "--pairs", pairs, "--depart", "2026-07-15", "--network", net],
               command).stdout
    assert "critical crossings and links" in text and "Pass" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("origin,destination,wieght\nAlpha,Gamma,2\n")
    out = run(["critical", "--pairs", bad, "--network", net], command)
    assert out.returncode == 2 and "Traceback" not in out.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["route", "Alpha", "Gamma", "--depart", "9999-12-31"], "out of range"),
        (["route", "Alpha", "Gamma", "--seed", "-1", "--draws", "10"], "seed -1 is out of range"),
        (["route", "Alpha", "Gamma", "--risk-aversion", "1e308"], "risk_aversion"),
        (["route", "Alpha", "Gamma", "--map", "x.jpg"], "must end in .png"),
    ],
)
def test_out_of_range_inputs(net, args, message):
    out = run([*args, "--network", net])
    assert out.returncode == 2 and message in out.stderr
    assert "Traceback" not in out.stderr


def test_serve_without_the_extra_names_it(tmp_path):
    code = ("import sys; sys.modules['uvicorn'] = None; "
            "from corridor.cli import main; sys.argv = ['corridor', 'serve']; main()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2
    assert "pip install 'corridor[server]'" in out.stderr


def test_first_search_says_it_compiles(tmp_path):
    """With an empty numba cache the searching commands say they compile first (the
    command here fails on its place name before any search, so nothing is compiled)."""
    import os

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    done = subprocess.run([CORRIDOR, "route", "Nowhereabad", "Kabul"], capture_output=True,
                          text=True, timeout=120, env=env)
    assert "compiling the route searches" in done.stderr
    done = subprocess.run([CORRIDOR, "places", "Kabul"], capture_output=True, text=True,
                          timeout=120, env=env)
    assert "compiling" not in done.stderr  # no search, no notice
    done = subprocess.run([CORRIDOR, "route", "Nowhereabad", "Kabul"], capture_output=True,
                          text=True, timeout=120)
    assert "compiling" not in done.stderr  # this install's cache is warm


def test_places_json_is_the_apis(tmp_path):
    """`corridor places --json` and the API's /places give the same objects (Match.to_dict)."""
    import corridor

    done = subprocess.run([CORRIDOR, "places", "Torkham", "--json"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    net = corridor.load_network()
    expected = [m.to_dict(net) for m in corridor.find_places("Torkham", net)]
    assert json.loads(done.stdout) == expected
    assert all(hit["lat"] is not None for hit in expected)  # crossings too
