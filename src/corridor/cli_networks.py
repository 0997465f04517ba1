"""The command line's network commands: places, validate, import-osm, attach,
export-network and import-network (registered on :func:`corridor.cli.main`)."""

from __future__ import annotations

import json
import sys

import click

from corridor.cli import (
    EXIT_INPUT,
    EXIT_PROBLEMS,
    fail,
    friendly,
    json_option,
    main,
    network_from,
    network_option,
)


@main.command()
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=int)
@json_option("a JSON list")
@network_option
@friendly
def places(query: str, limit: int, as_json: bool, network_path: str | None) -> None:
    """Search places, crossings and gazetteer cities by name, alias or prefix."""

    from corridor.io.gazetteer import find_places

    matches = find_places(query, network_from(network_path), limit=limit)
    if not matches:
        fail(f"no place matches {query!r}; try a shorter part of the name", EXIT_INPUT)
    if as_json:
        net = network_from(network_path)
        click.echo(json.dumps([m.to_dict(net) for m in matches], ensure_ascii=False,
                              indent=2))
        return
    from corridor._format import format_matches

    click.echo(format_matches(matches))


@main.command()
@click.argument("folder", required=False, type=click.Path())
def validate(folder: str | None) -> None:
    """Check a network FOLDER (default: the bundled network) and list every problem."""
    from corridor.io.folder import bundled_network_path, validate_network

    target = folder or str(bundled_network_path())
    problems = validate_network(target)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {target}:", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(EXIT_PROBLEMS)
    from corridor.io.folder import load_network

    net = load_network(target)
    click.echo(
        f"ok: {net.name} {net.version}: {len(net.places)} places, {len(net.links)} links, "
        f"{len(net.crossings)} crossings, {len(net.calendars)} calendars, "
        f"{len(net.sources)} sources"
    )


@main.command(name="import-osm")
@click.argument("extract", type=click.Path(dir_okay=False))
@click.option("--out", "out_path", required=True, type=click.Path(file_okay=False),
              help="Network folder to write (an existing network folder is replaced).")
@click.option("--country", default=None, metavar="ISO3",
              help="Country of the extract; default: inferred from where its roads lie.")
@click.option("--classes", default="default", show_default=True, metavar="LIST",
              help="OSM highway classes: default (motorway..tertiary and links), local "
                   "(adds unclassified and residential), or a comma-separated list.")
@click.option("--max-addresses", default=2000, show_default=True, type=click.IntRange(min=0),
              help="Keep at most this many street addresses as places (0: none).")
@click.option("--attach-to", "attach_to", default=None, type=click.Path(file_okay=False),
              metavar="FOLDER",
              help="Corridor network folder to attach the roads to; --out then holds both.")
@click.option("--max-km", default=5.0, show_default=True, type=float,
              help="With --attach-to: largest distance from a corridor place to a junction.")
@friendly
def import_osm_command(extract: str, out_path: str, country: str | None, classes: str,
                       max_addresses: int, attach_to: str | None, max_km: float) -> None:
    """Import the roads and street addresses of an OpenStreetMap EXTRACT (.osm.pbf).

    Needs the osm extra: pip install 'corridor[osm]'.
    """
    from corridor.io.attach import attach
    from corridor.io.osm import import_osm

    net = import_osm(extract, country=country, road_classes=classes,
                     max_addresses=max_addresses, out=None if attach_to else out_path)
    kinds = [p.kind for p in net.places.values()]
    click.echo(f"{net.name}: {kinds.count('junction')} junctions, "
               f"{kinds.count('address')} addresses, {len(net.links)} road links "
               f"({', '.join(net.countries)})")
    if attach_to:
        import shutil
        from pathlib import Path

        local = net
        try:
            net = attach(attach_to, local, max_km=max_km, out=out_path)
        finally:  # the roads alone went to a temporary folder
            shutil.rmtree(Path(local.folder).parent, ignore_errors=True)
        connectors = sum(1 for link in net.links if link.link_id.startswith("connect_"))
        click.echo(f"attached to {attach_to} by {connectors} connector(s)")
    click.echo(f"wrote {out_path}")


@main.command(name="attach")
@click.argument("local", type=click.Path(file_okay=False))
@click.option("--to", "corridor_path", required=True, type=click.Path(file_okay=False),
              metavar="FOLDER", help="The corridor network folder to attach LOCAL to.")
@click.option("--out", "out_path", required=True, type=click.Path(file_okay=False),
              help="Network folder to write with both networks and the connectors.")
@click.option("--max-km", default=5.0, show_default=True, type=float,
              help="Largest distance from a corridor place to its local junction.")
@friendly
def attach_command(local: str, corridor_path: str, out_path: str, max_km: float) -> None:
    """Join a LOCAL road network folder (from import-osm) to a corridor network."""
    from corridor.io.attach import attach

    net = attach(corridor_path, local, max_km=max_km, out=out_path)
    connectors = sum(1 for link in net.links if link.link_id.startswith("connect_"))
    click.echo(f"{net.name}: {len(net.places)} places, {len(net.links)} links, "
               f"{connectors} connector(s); wrote {out_path}")


@main.command(name="export-network")
@click.option("--out", "out_path", required=True, type=click.Path(),
              help="network.gpkg (GeoPackage) or network.parquet (a folder of GeoParquet).")
@network_option
@friendly
def export_network_command(out_path: str, network_path: str | None) -> None:
    """Write the network (default: the bundled one) to a GeoPackage or GeoParquet files.

    Needs the geo extra: pip install 'corridor[geo]'.
    """
    from corridor.io.geo import export_network

    net = network_from(network_path)
    path = export_network(net, out_path)
    click.echo(f"{net.name}: {len(net.places)} places, {len(net.links)} links, "
               f"{len(net.crossings)} crossings; wrote {path}")


@main.command(name="import-network")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", "out_path", required=True, type=click.Path(file_okay=False),
              help="Network folder to write (an existing network folder is replaced).")
@friendly
def import_network_command(file: str, out_path: str) -> None:
    """Read a GeoPackage or GeoJSON FILE of places and links into a network folder.

    Needs the geo extra for GeoPackage: pip install 'corridor[geo]'.
    """
    from corridor.io.geo import import_network

    net = import_network(file, out_path)
    click.echo(f"{net.name}: {len(net.places)} places, {len(net.links)} links, "
               f"{len(net.crossings)} crossings; wrote {out_path}")


if __name__ == "__main__":  # pragma: no cover
    main()
