"""The ``corridor`` command line: a thin shell over the public functions.

Exit codes: 0 success; 1 ``validate`` found problems; 2 bad input (unknown place, bad
option); 3 no route; 4 the network folder is invalid.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

import click

from corridor.exceptions import (
    CorridorError,
    InvalidOptionError,
    NetworkValidationError,
    NoRouteError,
    ScenarioError,
    UnknownPlaceError,
)

EXIT_PROBLEMS, EXIT_INPUT, EXIT_NO_ROUTE, EXIT_NETWORK = 1, 2, 3, 4


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn corridor errors into a one-paragraph message and an exit code, no traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UnknownPlaceError as error:
            fail(str(error), EXIT_INPUT)
        except InvalidOptionError as error:
            fail(str(error), EXIT_INPUT)
        except NoRouteError as error:
            fail(str(error), EXIT_NO_ROUTE)
        except (NetworkValidationError, ScenarioError) as error:
            fail(str(error), EXIT_NETWORK)
        except CorridorError as error:  # pragma: no cover - future subclasses
            fail(str(error), EXIT_INPUT)
        except ImportError as error:  # an optional extra is not installed
            fail(str(error), EXIT_INPUT)
        except OverflowError:
            fail("a date or number is out of range", EXIT_INPUT)
        except OSError as error:  # an output file cannot be written, a host not reached
            reason = (error.strerror or str(error) or type(error).__name__).lower()
            what = f"cannot write {error.filename}" if error.filename else "cannot connect"
            fail(f"{what}: {reason}", EXIT_INPUT)

    return wrapper


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def split_values(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def network_from(path: str | None):
    from corridor.io.folder import load_network

    return load_network(path)


_SEARCHING = frozenset({"route", "calendar", "compare", "critical", "report", "matrix",
                        "serve", "alternatives"})
"""Commands that run the compiled searches (told when those are compiled first)."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="corridor")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Plan freight and travel routes between Pakistan and Central Asia."""
    if ctx.invoked_subcommand in _SEARCHING and "--help" not in sys.argv \
            and "-h" not in sys.argv:
        from corridor.routing.kernel import compiled

        if compiled() is False:
            click.echo("corridor: compiling the route searches for this machine (once per "
                       "install; a minute or two)...", err=True)


network_option = click.option(
    "--network", "network_path", type=click.Path(file_okay=False), default=None,
    help="Network folder to use instead of the bundled regional network.",
)

# Options several commands share, defined once so that their names, defaults and help agree.
depart_option = click.option(
    "--depart", default=None, metavar="DATE",
    help="Departure date or datetime, YYYY-MM-DD[THH:MM]; default today 08:00.")
cargo_option = click.option(
    "--cargo", default="truck", show_default=True,
    help="truck (20 t), teu, feu, bulk (per tonne) or passenger.")
mode_cargo_option = click.option(  # for the commands that take --modes
    "--cargo", default=None,
    help="truck (20 t; the default), teu, feu, bulk (per tonne) or passenger; with --modes a "
         "truck cannot use, the cargo those modes carry.")
optimize_option = click.option(
    "--optimize", default="generalized", show_default=True,
    help="time, cost, distance, generalized (money + value of time + risk) or risk.")
via_option = click.option("--via", multiple=True, metavar="PLACE",
                          help="Place or crossing to pass; repeat or separate with commas.")
avoid_option = click.option(
    "--avoid", multiple=True, metavar="WHAT",
    help="Country (ISO3 or name), place or crossing to avoid; repeat or use commas.")
modes_option = click.option("--modes", default=None, metavar="M1,M2",
                            help="Allowed modes: road, rail, sea, ferry, air.")
seed_option = click.option("--seed", default=0, show_default=True, type=int,
                           help="Seed of the Monte Carlo draws (results are reproducible).")
scenarios_option = click.option(
    "--scenario", "scenario_names", multiple=True, required=True, metavar="NAME|FILE",
    help="Library scenario or YAML/JSON file; repeat.")


def draws_option(default: int):
    """``--draws`` with a command's own default."""
    return click.option("--draws", default=default, show_default=True,
                        type=click.IntRange(min=0),
                        help="Monte Carlo draws for P10/P50/P90 (0: skip).")


def json_option(what: str = "one JSON object"):
    return click.option("--json", "as_json", is_flag=True, help=f"Print {what}.")


@main.command()
@click.argument("origin")
@click.argument("destination")
@click.option("--depart", default=None, metavar="DATE",
              help="Departure date or datetime, YYYY-MM-DD[THH:MM]; default today 08:00.")
@mode_cargo_option
@click.option("--optimize", default="generalized", show_default=True,
              help="time, cost, distance, generalized (money + value of time + risk), risk "
                   "(exposure), or p90/reliable (best 90th percentile of the alternatives).")
@click.option("--via", multiple=True, metavar="PLACE",
              help="Place or crossing to pass; repeat or separate with commas.")
@click.option("--avoid", multiple=True, metavar="WHAT",
              help="Country (ISO3 or name), place or crossing to avoid; repeat or use commas.")
@click.option("--modes", default=None, metavar="M1,M2",
              help="Allowed modes: road, rail, sea, ferry, air.")
@click.option("--risk-aversion", default=1.0, show_default=True, type=float,
              help="Weight of country risk in generalized cost.")
@click.option("--alternatives", "show_alternatives", is_flag=True,
              help="Pareto-optimal options on time, money and risk, one per corridor.")
@click.option("--deadline", default=None, metavar="DATE",
              help="Arrive by this date (end of day) or datetime: report the on-time chance.")
@click.option("--draws", default=10_000, show_default=True, type=click.IntRange(min=0),
              help="Monte Carlo draws for P10/P50/P90 (0: skip).")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seed of the Monte Carlo draws (results are reproducible).")
@json_option()
@click.option("--geojson", "geojson_path", default=None, type=click.Path(dir_okay=False),
              help="Write the legs as GeoJSON (one feature per leg).")
@click.option("--map", "map_path", default=None, type=click.Path(dir_okay=False),
              help="Write a PNG map of the route(s) (needs corridor[maps]).")
@click.option("--csv", "csv_path", default=None, type=click.Path(dir_okay=False),
              help="Write the legs as CSV.")
@network_option
@friendly
def route(origin: str, destination: str, depart: str | None, cargo: str | None,
          optimize: str,
          via: tuple[str, ...], avoid: tuple[str, ...], modes: str | None,
          risk_aversion: float, show_alternatives: bool, deadline: str | None, draws: int,
          seed: int, as_json: bool, geojson_path: str | None, map_path: str | None,
          csv_path: str | None, network_path: str | None) -> None:
    """Best route from ORIGIN to DESTINATION for a shipment leaving on --depart."""
    import json

    from corridor.routing.plan import plan_route
    from corridor.routing.request import parse_deadline

    net = network_from(network_path)
    options = dict(depart=depart, cargo=cargo, via=split_values(via), avoid=split_values(avoid),
                   modes=split_values([modes]) if modes else None, risk_aversion=risk_aversion,
                   network=net, draws=draws, seed=seed)
    if show_alternatives:
        from corridor.routing.pareto import alternatives

        routes = alternatives(origin, destination, deadline=parse_deadline(deadline),
                              **options)
    else:
        routes = [plan_route(origin, destination, optimize=optimize, deadline=deadline,
                             **options)]
    written = _write_outputs(routes, net, geojson_path, map_path, csv_path)
    if as_json:
        data = ({"alternatives": [r.to_dict() for r in routes]} if show_alternatives
                else routes[0].to_dict())
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        from corridor._format import format_alternatives, format_route

        click.echo(format_alternatives(routes) if show_alternatives
                   else format_route(routes[0]))
        for path in written:
            click.echo(f"wrote {path}")


def check_suffix(path: str | None, suffixes: tuple[str, ...], what: str) -> None:
    if path and not path.lower().endswith(suffixes):
        raise InvalidOptionError(f"{what} {path!r} must end in {' or '.join(suffixes)}")


def _write_outputs(routes, net, geojson_path, map_path, csv_path) -> list[str]:
    check_suffix(map_path, (".png",), "--map")
    check_suffix(csv_path, (".csv",), "--csv")
    check_suffix(geojson_path, (".geojson", ".json"), "--geojson")
    written = []
    if geojson_path:
        from corridor.io.export import write_geojson

        written.append(str(write_geojson(routes, geojson_path, network=net)))
    if csv_path:
        from corridor.io.export import write_legs_csv

        written.append(str(write_legs_csv(routes, csv_path)))
    if map_path:
        from corridor.plot import route_map

        written.append(str(route_map(routes, map_path, network=net)))
    return written


@main.command(name="calendar")
@click.argument("origin")
@click.argument("destination")
@click.option("--year", default=None, type=int,
              help="A calendar year [default: the twelve months from today].")
@click.option("--step", default="month", show_default=True,
              help="month (departures on the 1st and 15th) or week (every Monday).")
@mode_cargo_option
@optimize_option
@via_option
@avoid_option
@modes_option
@draws_option(2000)
@seed_option
@click.option("--plot", "plot_path", default=None, type=click.Path(dir_okay=False),
              help="Write a PNG plot of P50/P90 days and cost through the year.")
@click.option("--csv", "csv_path", default=None, type=click.Path(dir_okay=False),
              help="Write one row per departure as CSV.")
@json_option("a JSON object")
@network_option
@friendly
def calendar_command(origin: str, destination: str, year: int | None, step: str,
                     cargo: str | None, optimize: str, via: tuple[str, ...],
                     avoid: tuple[str, ...], modes: str | None, draws: int, seed: int,
                     plot_path: str | None, csv_path: str | None, as_json: bool,
                     network_path: str | None) -> None:
    """Month-by-month (or weekly) best route from ORIGIN to DESTINATION through a year
    (by default the twelve months from today)."""
    import json

    from corridor.analysis.seasons import calendar

    check_suffix(plot_path, (".png",), "--plot")
    check_suffix(csv_path, (".csv",), "--csv")
    result = calendar(origin, destination, year=year, step=step, cargo=cargo,
                      optimize=optimize, via=split_values(via), avoid=split_values(avoid),
                      modes=split_values([modes]) if modes else None,
                      network=network_from(network_path), draws=draws, seed=seed)
    if csv_path:
        from corridor.io.export import write_rows_csv

        write_rows_csv(result.to_rows(), csv_path)
    if plot_path:
        from corridor.plot_calendar import calendar_plot

        calendar_plot(result, plot_path)
    if as_json:
        click.echo(json.dumps({"origin": origin, "destination": destination,
                               "cargo": result.cargo, "objective": optimize, "year": year,
                               "step": step,
                               "departures": [e.to_dict() for e in result.entries]},
                              ensure_ascii=False, indent=2))
        return
    from corridor._format import format_calendar

    click.echo(format_calendar(result))
    for path in (csv_path, plot_path):
        if path:
            click.echo(f"wrote {path}")


@main.command()
@json_option("a JSON list")
@friendly
def scenarios(as_json: bool) -> None:
    """List the scenarios that ship with corridor (use them by name in `compare`)."""
    import json

    from corridor.io.scenarios import list_scenarios

    items = list_scenarios()
    if as_json:
        click.echo(json.dumps([{"name": s.name, "title": s.title, "description": s.description,
                                "path": str(s.path)} for s in items], indent=2,
                              ensure_ascii=False))
        return
    for s in items:
        click.echo(f"{s.name:<28} {s.title}")


@main.command(name="compare")
@click.argument("origin", required=False)
@click.argument("destination", required=False)
@scenarios_option
@click.option("--pairs", "pairs_path", default=None, type=click.Path(dir_okay=False),
              help="CSV of origin,destination,weight pairs instead of ORIGIN DESTINATION.")
@click.option("--combined", is_flag=True, help="Also apply all scenarios together.")
@depart_option
@mode_cargo_option
@optimize_option
@modes_option
@draws_option(10_000)
@seed_option
@json_option()
@network_option
@friendly
def compare_command(origin: str | None, destination: str | None,
                    scenario_names: tuple[str, ...], pairs_path: str | None, combined: bool,
                    depart: str | None, cargo: str | None, optimize: str, modes: str | None,
                    draws: int, seed: int, as_json: bool, network_path: str | None) -> None:
    """Baseline against scenarios for ORIGIN → DESTINATION (or --pairs): corridor, P50/P90,
    cost, risk, and the trade impact when the pair spans two countries."""
    import json

    from corridor.analysis.compare import compare, compare_pairs, read_pairs

    options = dict(depart=depart, cargo=cargo, optimize=optimize, combined=combined,
                   modes=split_values([modes]) if modes else None,
                   network=network_from(network_path), draws=draws, seed=seed)
    if pairs_path:
        results, summary = compare_pairs(read_pairs(pairs_path), split_values(scenario_names),
                                         **options)
        if as_json:
            click.echo(json.dumps({"pairs": [{"weight": w, **c.to_dict()} for w, c in results],
                                   "weighted": summary}, ensure_ascii=False, indent=2))
            return
        from corridor._format import format_comparison

        for weight, comparison in results:
            click.echo(format_comparison(comparison))
            click.echo(f"(weight {weight:,.0f})\n")
        click.echo("weighted over the pairs:")
        for name, acc in summary.items():
            click.echo(f"  {name}: median time {acc['delta_days']:+.1f} days, cost "
                       f"{acc['delta_cost_usd']:+,.0f} USD, trade {acc['trade_pct']:+.1f} %")
        return
    if not origin or not destination:
        raise InvalidOptionError("give ORIGIN and DESTINATION, or --pairs FILE")
    result = compare(origin, destination, split_values(scenario_names), **options)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    from corridor._format import format_comparison

    click.echo(format_comparison(result))


@main.command(name="critical")
@click.option("--pairs", "pairs_path", default=None, type=click.Path(dir_okay=False),
              help="CSV of origin,destination,weight pairs (default: the bundled set).")
@depart_option
@cargo_option
@optimize_option
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1))
@json_option()
@network_option
@friendly
def critical_command(pairs_path: str | None, depart: str | None, cargo: str, optimize: str,
                     top: int, as_json: bool, network_path: str | None) -> None:
    """Rank crossings and links by how much closing each one hurts the weighted pairs."""
    import json

    from corridor.analysis.criticality import criticality

    result = criticality(pairs_path, depart=depart, cargo=cargo, optimize=optimize, top=top,
                         network=network_from(network_path))
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    from corridor._format import format_criticality

    click.echo(format_criticality(result))


@main.command(name="report")
@click.argument("origin")
@click.argument("destination")
@scenarios_option
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="report.html (one self-contained file) or report.md (with a _files folder).")
@depart_option
@cargo_option
@optimize_option
@draws_option(2000)
@seed_option
@click.option("--title", default=None)
@click.option("--deadline", default=None, metavar="DATE")
@click.option("--calendar-year", default=None, type=int)
@click.option("--no-critical", is_flag=True, help="Leave out the critical links.")
@network_option
@friendly
def report_command(origin: str, destination: str, scenario_names: tuple[str, ...],
                   out_path: str, depart: str | None, cargo: str, optimize: str, draws: int,
                   seed: int, title: str | None, deadline: str | None,
                   calendar_year: int | None, no_critical: bool,
                   network_path: str | None) -> None:
    """Write a report (HTML or Markdown) of baseline against scenarios for a pair."""
    from corridor.reports import report

    check_suffix(out_path, (".html", ".htm", ".md"), "--out")
    result = report(origin, destination, split_values(scenario_names), depart=depart, cargo=cargo,
                    optimize=optimize, network=network_from(network_path), draws=draws,
                    seed=seed, title=title, critical=not no_critical,
                    calendar_year=calendar_year, deadline=deadline)
    path = (result.write_markdown(out_path) if out_path.lower().endswith(".md")
            else result.write_html(out_path))
    click.echo(result.summary if isinstance(result.summary, str) else "")
    click.echo(f"wrote {path}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--db", default=None, metavar="PATH",
              help="Saved scenarios: a SQLite file (':memory:' keeps nothing) or a "
                   "postgresql://user@host/dbname URL [default: corridor.sqlite3 in the "
                   "user's data folder, e.g. ~/.local/share/corridor].")
@click.option("--token", default=None, envvar="CORRIDOR_TOKEN", metavar="TOKEN",
              help="Bearer token required to save or delete scenarios (or $CORRIDOR_TOKEN).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Without --token, a host name (besides localhost, 127.0.0.1, ::1 and "
                   "--host) that writes may be addressed to; repeat for several.")
@click.option("--cache-mb", default=None, type=click.FloatRange(min=1), metavar="MB",
              help="Memory for compiled networks (one per scenario in use), least recently "
                   "used dropped first [default: 512, or $CORRIDOR_CACHE_MB].")
@network_option
@friendly
def serve(host: str, port: int, db: str | None, token: str | None,
          allow_hosts: tuple[str, ...],
          cache_mb: float | None, network_path: str | None) -> None:
    """Serve corridor over HTTP: a JSON API (schema at /openapi.json) and a web map at /.

    Needs the server extra: pip install 'corridor[server]'.
    """
    try:
        import uvicorn

        from corridor.server import create_app
    except ImportError as error:
        raise ImportError(f"`corridor serve` needs the server extra: pip install "
                          f"'corridor[server]' ({error.name} is not installed)") from None
    if db is None:  # the user's data folder, not wherever the command was run
        import platformdirs

        folder = platformdirs.user_data_path("corridor")
        folder.mkdir(parents=True, exist_ok=True)
        db = str(folder / "corridor.sqlite3")
    click.echo(f"scenario store: {db}", err=True)
    if cache_mb is not None:
        from corridor.routing.compile import cache_limit

        cache_limit(cache_mb)
    try:
        app = create_app(network_dir=network_path, db=db, token=token or None,
                         write_hosts=("localhost", "127.0.0.1", "::1", host, *allow_hosts))
    except ValueError as error:  # an unsupported or unreachable database
        if isinstance(error, CorridorError):
            raise
        raise InvalidOptionError(str(error)) from None
    if not token and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo("warning: no --token; anyone who can reach the server may save and "
                   "delete scenarios", err=True)
    from corridor.server.protocol import header_timeout_protocol

    # a client has 5 s to send its headers and 5 s between parts of its body
    uvicorn.run(app, host=host, port=port, http=header_timeout_protocol(),
                timeout_keep_alive=5)


@main.command(name="matrix")
@click.option("--origins", "origins_path", required=True, type=click.Path(dir_okay=False),
              help="Text file with one place name a line, or a CSV file with a name column.")
@click.option("--destinations", "destinations_path", required=True,
              type=click.Path(dir_okay=False), help="As --origins.")
@click.option("--months", default="1-12", show_default=True, help="Months to leave in.")
@click.option("--year", default=2026, show_default=True, type=int)
@click.option("--day", default=15, show_default=True, type=int, help="Day of each month.")
@click.option("--scenario", "scenario_names", multiple=True, metavar="NAME",
              help="A scenario (library name or file), each a case next to the baseline.")
@click.option("--cargo", default="truck", show_default=True,
              help="A cargo, or several comma-separated (each a case: truck,teu).")
@optimize_option
@click.option("--draws", default=0, show_default=True, type=click.IntRange(min=0),
              help="Monte Carlo draws per route for P50/P90 (0: none).")
@click.option("--columns", default=None, metavar="COL,COL,...",
              help="Columns to write, in order, or 'all' (default: origin, destination, "
                   "departure, scenario, corridor, duration_h, p50_h, p90_h, cost_usd, "
                   "distance_km, risk, co2e_kg, crossings, error).")
@click.option("--paths", is_flag=True,
              help="Add a path column: the network places each route passes.")
@seed_option
@click.option("--engine", default="inprocess", show_default=True,
              type=click.Choice(["inprocess", "processes", "dask"]))
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="Worker processes (default: CPU count).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="An existing Dask scheduler (implies --engine dask).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="matrix.parquet or matrix.csv")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@network_option
@friendly
def matrix_command(origins_path: str, destinations_path: str, months: str, year: int,
                   day: int, scenario_names: tuple[str, ...], cargo: str, optimize: str,
                   draws: int, seed: int, columns: str | None, paths: bool, engine: str,
                   workers: int | None, scheduler: str | None, out_path: str, quiet: bool,
                   network_path: str | None) -> None:
    """Best routes for every origin × destination × month × scenario, to Parquet or CSV."""
    import time

    from corridor.analysis.matrix import (
        ALL_COLUMNS,
        iter_od_batches,
        iter_od_matrix,
        monthly_departures,
        read_place_list,
        write_matrix,
    )

    check_suffix(out_path, (".parquet", ".csv"), "--out")
    origins, destinations = read_place_list(origins_path), read_place_list(destinations_path)
    scenarios = split_values(scenario_names)
    cargos = split_values((cargo,))
    departures = monthly_departures(year, months, day)
    wanted = ALL_COLUMNS if (columns or "").strip().lower() == "all" else columns
    started = time.perf_counter()
    options = {"departures": departures, "scenarios": scenarios, "cargo": cargos,
               "optimize": optimize, "draws": draws, "seed": seed, "engine": engine,
               "workers": workers, "scheduler": scheduler, "network": network_from(network_path),
               "progress": not quiet, "columns": wanted, "paths": paths}
    counts = {"rows": 0, "failed": 0, "errors_known": False}
    try:  # Arrow batches straight from the arrays to the file
        import pyarrow  # noqa: F401
    except ImportError:  # CSV without the matrix extra: rows one by one
        rows = iter_od_matrix(origins, destinations, **options)

        def counted():
            for row in rows:
                counts["rows"] += 1
                counts["errors_known"] = "error" in row
                counts["failed"] += bool(row.get("error"))
                yield row
    else:
        batches = iter_od_batches(origins, destinations, **options)

        def counted():
            for batch in batches:
                counts["rows"] += batch.num_rows
                if "error" in batch.schema.names:
                    counts["errors_known"] = True
                    counts["failed"] += batch.num_rows - batch.column("error").null_count
                yield batch

    write_matrix(counted(), out_path)
    seconds = time.perf_counter() - started
    pairs = len(origins) * len(destinations)
    n = counts["rows"]
    failed = f" ({counts['failed']} without a route)" if counts["errors_known"] else ""
    click.echo(f"{pairs} pairs × {len(departures)} departures × {len(scenarios) + 1} "
               f"scenarios{f' × {len(cargos)} cargos' if len(cargos) > 1 else ''} = {n} rows"
               f"{failed} in {seconds:.1f} s, {n / max(seconds, 1e-9):.1f} pairs/s → "
               f"{out_path}")


# the network commands register themselves on main
from corridor import cli_networks  # noqa: E402,F401
