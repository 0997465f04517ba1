/* corridor web map: talks to the JSON API of the same server; no internet needed. */
(function () {
  "use strict";

  var MODE_COLOURS = {
    road: "#d95f02", rail: "#1b9e77", sea: "#1f78b4", ferry: "#6a3d9a", air: "#e7298a"
  };
  var OTHER_COLOUR = "#666666";
  var DRAWS = 2000;

  var $ = function (id) { return document.getElementById(id); };
  var state = { routes: [], shown: 0, linkShapes: {}, request: null };

  // ---------- helpers ----------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function num(x, digits) {
    if (x === null || x === undefined || isNaN(x)) { return "–"; }
    return Number(x).toLocaleString("en-US", {
      maximumFractionDigits: digits || 0, minimumFractionDigits: digits || 0
    });
  }
  function hours(h) {
    if (h === null || h === undefined) { return "–"; }
    if (h < 48) { return num(h, 1) + " h"; }
    return num(h / 24, 1) + " days";
  }
  function modeColour(mode) {
    return MODE_COLOURS[(mode || "").split(":")[0]] || OTHER_COLOUR;
  }
  function when(text) { return (text || "").replace("T", " "); }

  function api(method, path, body) {
    var opts = { method: method, headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (data) {
        if (!resp.ok) {
          var msg = (data && data.message) ||
            ("The server answered " + resp.status + " " + resp.statusText + ".");
          throw new Error(msg);
        }
        return data;
      });
    }, function () {
      throw new Error("Could not reach the corridor server. Is it still running?");
    });
  }

  function setStatus(text, kind) {
    var s = $("status");
    s.textContent = text || "";
    s.className = "status" + (kind ? " " + kind : "");
  }
  function busy(on, button, label) {
    document.body.classList.toggle("loading", on);
    button.disabled = on;
    button.setAttribute("aria-busy", on ? "true" : "false");
    if (label) { button.textContent = label; }
  }

  // ---------- map ----------
  var map = L.map("map", { zoomControl: true, attributionControl: true, minZoom: 3, maxZoom: 10,
                           worldCopyJump: false, preferCanvas: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Boundaries: Natural Earth (public domain) · Leaflet");
  map.fitBounds([[22, 50], [48, 82]]);
  var countriesLayer = L.layerGroup().addTo(map);
  var networkLayer = L.layerGroup().addTo(map);
  var labelLayer = L.layerGroup().addTo(map);  // country names, under the route
  var cityLayer = L.layerGroup();  // the network's cities, from zoom CITY_ZOOM
  var routeLayer = L.layerGroup().addTo(map);
  var CITY_ZOOM = 6;

  function label(latlng, text, kind) {
    return L.marker(latlng, { interactive: false, keyboard: false,
                              icon: L.divIcon({ className: "map-label " + kind,
                                                html: "<span></span>", iconSize: null }) })
      .on("add", function () { this.getElement().firstChild.textContent = text; });
  }
  function showCities() {
    if (map.getZoom() >= CITY_ZOOM) { cityLayer.addTo(map); } else { cityLayer.remove(); }
  }
  map.on("zoomend", showCities);

  fetch("/static/vendor/world-atlas/countries-50m.json").then(function (r) {
    if (!r.ok) { throw new Error(); }
    return r.json();
  }).then(function (topo) {
    var geo = topojson.feature(topo, topo.objects.countries);
    var region = L.latLngBounds([[18, 40], [56, 100]]);
    L.geoJSON(geo, {
      interactive: false,
      style: { color: "#9a9183", weight: 0.8, fillColor: "#f3efe6", fillOpacity: 1 },
      onEachFeature: function (feature, layer) {
        // each country of the region named at the middle of its largest part
        var name = feature.properties && feature.properties.name;
        var parts = layer.getLayers ? layer.getLayers() : [layer];
        var biggest = null, area = -1;
        parts.forEach(function (part) {
          var b = part.getBounds();
          var a = (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
          if (a > area) { area = a; biggest = b; }
        });
        // (a country smaller than about 2.5° × 2.5° is left unnamed: its name would cover it)
        if (name && biggest && area >= 6 && region.contains(biggest.getCenter())) {
          label(biggest.getCenter(), name, "country-label").addTo(labelLayer);
        }
      }
    }).addTo(countriesLayer);
  }).catch(function () { setStatus("The country boundaries could not be loaded.", "error"); });

  api("GET", "/network.geojson").then(function (fc) {
    var lines = fc.features.filter(function (f) { return f.geometry.type === "LineString"; });
    lines.forEach(function (f) {
      if (f.properties.feature === "link") { state.linkShapes[f.properties.id] = f.geometry.coordinates; }
    });
    L.geoJSON({ type: "FeatureCollection", features: lines }, {
      interactive: false,
      style: function (f) {
        return { color: modeColour(f.properties.mode), weight: 1, opacity: 0.25,
                 dashArray: f.properties.status === "open" ? null : "3 4" };
      }
    }).addTo(networkLayer);
    fc.features.forEach(function (f) {  // the network's towns and ports, by name
      var p = f.properties;
      if (f.geometry.type !== "Point" || p.feature !== "place" || p.kind === "border_post") { return; }
      var c = f.geometry.coordinates;
      label([c[1], c[0]], p.name, "city-label").addTo(cityLayer);
    });
    showCities();
  }).catch(function () { /* the route still draws from its legs */ });

  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "legend");
    div.setAttribute("aria-label", "Legend");
    Object.keys(MODE_COLOURS).forEach(function (m) {
      div.appendChild(el("span", {}, [el("i", { style: "background:" + MODE_COLOURS[m] }), m]));
    });
    div.appendChild(el("span", {}, [el("i", { "class": "dot" }), "border crossing"]));
    return div;
  };
  legend.addTo(map);

  // ---------- GeoJSON / CSV of a route ----------
  function legCoords(leg) {
    var a = [leg.from.lon, leg.from.lat], b = [leg.to.lon, leg.to.lat];
    var shape = leg.link_id && state.linkShapes[leg.link_id];
    if (shape && shape.length >= 2) {
      var first = shape[0];
      var forward = Math.abs(first[0] - a[0]) + Math.abs(first[1] - a[1]) <
                    Math.abs(first[0] - b[0]) + Math.abs(first[1] - b[1]);
      return forward ? shape.slice() : shape.slice().reverse();
    }
    return [a, b];
  }
  function routeGeoJSON(route) {
    var features = route.legs.map(function (leg, i) {
      var moving = leg.from.lat !== leg.to.lat || leg.from.lon !== leg.to.lon;
      return {
        type: "Feature",
        geometry: moving ? { type: "LineString", coordinates: legCoords(leg) }
                         : { type: "Point", coordinates: [leg.from.lon, leg.from.lat] },
        properties: {
          leg: i + 1, kind: leg.kind, mode: leg.mode, name: leg.name,
          from: leg.from.name, to: leg.to.name, depart: leg.depart, arrive: leg.arrive,
          distance_km: leg.distance_km, duration_h: leg.duration_h, cost_usd: leg.cost_usd,
          crossing_id: leg.crossing_id || null, dwell_h: leg.dwell_h === undefined ? null : leg.dwell_h
        }
      };
    });
    return { type: "FeatureCollection",
             properties: { origin: route.origin.name, destination: route.destination.name,
                           depart: route.depart, corridor: route.corridor },
             features: features };
  }
  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function routeCSV(route) {
    var head = ["leg", "kind", "from", "to", "mode", "name", "depart", "arrive",
                "distance_km", "duration_h", "cost_usd", "dwell_h"];
    var rows = route.legs.map(function (l, i) {
      return [i + 1, l.kind, l.from.name, l.to.name, l.mode, l.name, l.depart, l.arrive,
              l.distance_km, l.duration_h, l.cost_usd, l.dwell_h === undefined ? "" : l.dwell_h];
    });
    return [head].concat(rows).map(function (r) { return r.map(csvCell).join(","); }).join("\n") + "\n";
  }
  function download(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = el("a", { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }
  function fileStem(route) {
    return ("route-" + route.origin.name + "-" + route.destination.name)
      .toLowerCase().replace(/[^a-z0-9]+/g, "-");
  }

  // ---------- drawing ----------
  function popupText(leg) {
    var box = el("div", { "class": "popup" });
    box.appendChild(el("strong", { text: leg.name }));
    box.appendChild(el("div", { text: leg.from.name + " → " + leg.to.name }));
    if (leg.kind === "border") {
      box.appendChild(el("div", { text: "Dwell " + num(leg.dwell_h, 1) + " h (P90 " +
                                        num(leg.dwell_p90_h, 1) + " h)" }));
      if (leg.held_h) { box.appendChild(el("div", { text: "Held " + num(leg.held_h, 1) + " h" })); }
      box.appendChild(el("div", { text: "Fees " + num(leg.fees_usd) + " USD" }));
      if (leg.regimes && leg.regimes.length) {
        box.appendChild(el("div", { text: "Regimes: " + leg.regimes.join(", ") }));
      }
    } else {
      box.appendChild(el("div", { text: (leg.mode || leg.kind) + " · " + num(leg.distance_km) +
                                        " km · " + hours(leg.duration_h) + " · " +
                                        num(leg.cost_usd) + " USD" }));
    }
    return box;
  }

  function drawRoutes() {
    routeLayer.clearLayers();
    var bounds = L.latLngBounds([]);
    state.routes.forEach(function (route, idx) {
      if (idx === state.shown) { return; }
      route.legs.forEach(function (leg) {
        L.polyline(legCoords(leg).map(function (c) { return [c[1], c[0]]; }),
                   { color: "#555", weight: 3, opacity: 0.45, dashArray: "6 6", interactive: false,
                     className: "route-alt" })
          .addTo(routeLayer);
      });
    });
    var route = state.routes[state.shown];
    if (!route) { return; }
    route.legs.forEach(function (leg) {
      var latlngs = legCoords(leg).map(function (c) { return [c[1], c[0]]; });
      latlngs.forEach(function (p) { bounds.extend(p); });
      if (leg.kind === "border") {
        var mid = [(leg.from.lat + leg.to.lat) / 2, (leg.from.lon + leg.to.lon) / 2];
        if (latlngs.length > 1 && (leg.from.lat !== leg.to.lat || leg.from.lon !== leg.to.lon)) {
          L.polyline(latlngs, { color: modeColour(leg.mode), weight: 5, opacity: 0.95,
                              className: "route-leg" })
            .bindPopup(popupText(leg)).addTo(routeLayer);
        }
        L.circleMarker(mid, { radius: 8, color: "#222", weight: 2, fillColor: "#ffd400",
                              fillOpacity: 1, className: "crossing-marker" })
          .bindTooltip(leg.name + " · " + num(leg.dwell_h, 1) + " h")
          .bindPopup(popupText(leg)).addTo(routeLayer);
      } else if (leg.kind !== "wait" && latlngs.length > 1 &&
                 (leg.from.lat !== leg.to.lat || leg.from.lon !== leg.to.lon)) {
        L.polyline(latlngs, { color: modeColour(leg.mode), weight: 5, opacity: 0.95,
                              className: "route-leg" })
          .bindPopup(popupText(leg)).addTo(routeLayer);
      }
    });
    [[route.origin, "A"], [route.destination, "B"]].forEach(function (p) {
      L.marker([p[0].lat, p[0].lon], {
        icon: L.divIcon({ className: "endpoint", html: p[1], iconSize: [26, 26] }),
        title: p[0].name, alt: p[0].name, keyboard: true
      }).bindPopup(p[0].name).addTo(routeLayer);
    });
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [30, 30] }); }
  }

  // ---------- panels ----------
  function renderSummary(route) {
    var s = route.summary, r = route.reliability;
    $("corridor-name").textContent = route.corridor + (route.best_for && route.best_for.length
      ? " — best for " + route.best_for.join(", ") : "");
    var items = [
      ["Departs", when(route.depart)],
      ["Arrives", when(route.arrive)],
      ["Distance", num(s.distance_km) + " km"],
      ["Time", hours(s.duration_h)],
      ["P50 / P90", r ? hours(r.p50_h) + " / " + hours(r.p90_h) : "not computed"],
      ["Arrival P90", r ? when(r.arrive_p90) : "–"],
      ["Cost", num(s.cost_usd) + " USD"],
      ["CO₂e", num(s.co2e_kg) + " kg"],
      ["Border crossings", num(s.border_crossings) + " (" + hours(s.border_time_h) + ")"],
      ["Waiting", hours(s.wait_time_h)],
      ["Risk", num(s.risk, 2)]
    ];
    if (r && r.closure_probability) {
      items.push(["Closure risk", num(r.closure_probability * 100, 1) + " %"]);
    }
    var dl = $("summary");
    dl.textContent = "";
    items.forEach(function (it) {
      dl.appendChild(el("div", {}, [el("dt", { text: it[0] }), el("dd", { text: it[1] })]));
    });
    var ul = $("warnings");
    ul.textContent = "";
    (route.warnings || []).forEach(function (w) { ul.appendChild(el("li", { text: w })); });
  }

  function renderLegs(route) {
    var tbody = $("legs").querySelector("tbody");
    tbody.textContent = "";
    route.legs.forEach(function (leg, i) {
      var swatch = el("i", { "class": "swatch", style: "background:" + modeColour(leg.mode) });
      var where = leg.from.id === leg.to.id ? leg.from.name : leg.from.name + " → " + leg.to.name;
      tbody.appendChild(el("tr", { "class": "leg-" + leg.kind }, [
        el("td", { text: String(i + 1) }),
        el("td", { text: leg.kind }),
        el("td", {}, [el("span", { "class": "leg-name", text: leg.name }), el("br"), where]),
        el("td", {}, leg.mode ? [swatch, leg.mode] : ["–"]),
        el("td", { "class": "num", text: num(leg.distance_km) }),
        el("td", { "class": "num", text: hours(leg.duration_h) }),
        el("td", { "class": "num", text: num(leg.cost_usd) })
      ]));
    });
  }

  function renderAlternatives() {
    var section = $("alt-section"), list = $("alt-list");
    list.textContent = "";
    section.hidden = state.routes.length < 2;
    state.routes.forEach(function (route, idx) {
      var s = route.summary;
      var label = route.corridor;
      var facts = hours(s.duration_h) + " · " + num(s.cost_usd) + " USD · risk " + num(s.risk, 2) +
                  (route.best_for && route.best_for.length ? " · best for " + route.best_for.join(", ") : "");
      var btn = el("button", { type: "button", "class": "alt", "aria-pressed": String(idx === state.shown) },
                   [el("span", { "class": "alt-title", text: label }), el("span", { "class": "alt-facts", text: facts })]);
      btn.addEventListener("click", function () { show(idx); btn.focus(); });
      list.appendChild(el("li", {}, [btn]));
    });
  }

  function show(idx) {
    state.shown = idx;
    var route = state.routes[idx];
    renderAlternatives();
    renderSummary(route);
    renderLegs(route);
    drawRoutes();
    $("results").hidden = false;
  }

  // ---------- scenarios and comparison ----------
  var scenarios = {};
  api("GET", "/scenarios").then(function (data) {
    var sel = $("scenario");
    sel.textContent = "";
    sel.appendChild(el("option", { value: "", text: "Choose a scenario…" }));
    data.scenarios.forEach(function (s) {
      scenarios[s.name] = s;
      sel.appendChild(el("option", { value: s.name, text: (s.title || s.name) +
                                     (s.source === "saved" ? " (saved)" : "") }));
    });
  }).catch(function (err) {
    $("scenario").textContent = "";
    $("scenario").appendChild(el("option", { value: "", text: "Scenarios unavailable" }));
    setStatus(err.message, "error");
  });
  $("scenario").addEventListener("change", function () {
    var s = scenarios[this.value];
    $("scenario-desc").textContent = s ? s.description || "" : "";
  });

  function renderCompare(result) {
    var box = $("compare");
    box.textContent = "";
    var cases = result.cases;
    var table = el("table", { "class": "compare" });
    table.appendChild(el("caption", { "class": "visually-hidden", text: "Baseline against scenario" }));
    var head = el("tr", {}, [el("th", { scope: "col", text: "" })]);
    cases.forEach(function (c) {
      head.appendChild(el("th", { scope: "col", text: c.name === "baseline" ? "Baseline" : (c.title || c.name) }));
    });
    table.appendChild(el("thead", {}, [head]));
    var rows = [
      ["Corridor", function (c) { return c.no_route ? "No route: " + c.no_route : c.corridor; }],
      ["Time", function (c) { return hours(c.duration_h); }],
      ["P50", function (c) { return hours(c.p50_h); }],
      ["P90", function (c) { return hours(c.p90_h); }],
      ["Cost", function (c) { return c.cost_usd === null ? "–" : num(c.cost_usd) + " USD"; }],
      ["Risk", function (c) { return num(c.risk, 2); }],
      ["CO₂e", function (c) { return c.co2e_kg === null ? "–" : num(c.co2e_kg) + " kg"; }],
      ["Changes", function (c) { return c.changes && c.changes.length ? c.changes.join("; ") : "–"; }],
      ["Trade impact", function (c) {
        var t = c.trade_impact;
        if (!t) { return "–"; }
        return num(t.pct_change, 1) + " % (" + num(t.delta_trade_usd / 1e6, 1) + " M USD a year)";
      }]
    ];
    var body = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr", {}, [el("th", { scope: "row", text: r[0] })]);
      cases.forEach(function (c) { tr.appendChild(el("td", { text: r[1](c) })); });
      body.appendChild(tr);
    });
    var tr = el("tr", {}, [el("th", { scope: "row", text: "Map" })]);
    cases.forEach(function (c) {
      var td = el("td");
      if (c.route) {
        var b = el("button", { type: "button", "class": "small", text: "Show on map" });
        b.addEventListener("click", function () {
          state.routes = [c.route];
          show(0);
          setStatus("Showing the " + (c.name === "baseline" ? "baseline" : "“" + (c.title || c.name) + "”") +
                    " route.", "ok");
        });
        td.appendChild(b);
      }
      tr.appendChild(td);
    });
    body.appendChild(tr);
    table.appendChild(body);
    box.appendChild(table);
  }

  $("compare-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var name = $("scenario").value;
    if (!state.request) { setStatus("Plan a route first.", "error"); return; }
    if (!name) { setStatus("Choose a scenario to compare.", "error"); $("scenario").focus(); return; }
    var req = state.request;
    var btn = $("compare-btn");
    busy(true, btn, "Comparing…");
    setStatus("Comparing with the scenario…", "loading");
    api("POST", "/compare", { origin: req.origin, destination: req.destination, depart: req.depart,
                              cargo: req.cargo, optimize: req.optimize, modes: req.modes,
                              scenarios: [name], draws: DRAWS })
      .then(function (result) { renderCompare(result); setStatus("Comparison ready.", "ok"); })
      .catch(function (err) { setStatus(err.message, "error"); })
      .then(function () { busy(false, btn, "Compare"); });
  });

  // ---------- the year's calendar ----------
  function days(h) { return h === null || h === undefined ? "–" : num(h / 24, 1); }
  function shortCorridor(text) {
    // "via Afghanistan, Uzbekistan: Torkham, Hairatan (road)" -> "via Afghanistan, Uzbekistan (road)"
    var m = /^(.*?):.*?(\([^()]*\))?$/.exec(text || "");
    return m ? m[1] + (m[2] ? " " + m[2] : "") : (text || "");
  }
  function calendarYear(req) {
    var m = /^(\d{4})-/.exec(req.depart || "");
    return m ? Number(m[1]) : new Date().getFullYear();
  }
  function clearCalendar() {
    $("calendar").textContent = "";
    $("calendar-btn").textContent = "Show the year's calendar";
  }
  // A small line chart of P50 and P90 days by departure. Only numbers go into the markup;
  // the HTML parser puts <svg> in the SVG namespace by itself.
  function calendarChart(entries) {
    var W = 360, H = 120, L0 = 34, R0 = 8, T0 = 8, B0 = 24;
    var p50 = entries.map(function (e) { return e.p50_h / 24; });
    var p90 = entries.map(function (e) { return e.p90_h / 24; });
    var lo = Math.min.apply(null, p50), hi = Math.max.apply(null, p90);
    if (!isFinite(lo) || !isFinite(hi)) { return null; }
    if (hi - lo < 1) { lo -= 0.5; hi += 0.5; }
    lo = Math.floor(lo); hi = Math.ceil(hi);
    var n = entries.length;
    function x(i) { return (L0 + (n < 2 ? 0 : i * (W - L0 - R0) / (n - 1))).toFixed(1); }
    function y(v) { return (T0 + (hi - v) * (H - T0 - B0) / (hi - lo)).toFixed(1); }
    function pts(vs) { return vs.map(function (v, i) { return x(i) + "," + y(v); }).join(" "); }
    var months = "JFMAMJJASOND", ticks = "";
    entries.forEach(function (e, i) {
      var d = /^\d{4}-(\d{2})-(\d{2})/.exec(e.depart);
      if (d && (i === 0 || d[2] === "01")) {
        ticks += '<text x="' + x(i) + '" y="' + (H - 6) + '" text-anchor="middle">' +
                 months.charAt(Number(d[1]) - 1) + "</text>";
      }
    });
    var svg = '<svg viewBox="0 0 ' + W + " " + H + '" class="cal-chart" aria-hidden="true" focusable="false">' +
      '<line class="axis" x1="' + L0 + '" y1="' + y(hi) + '" x2="' + (W - R0) + '" y2="' + y(hi) + '"/>' +
      '<line class="axis" x1="' + L0 + '" y1="' + y(lo) + '" x2="' + (W - R0) + '" y2="' + y(lo) + '"/>' +
      '<text x="' + (L0 - 4) + '" y="' + (Number(y(hi)) + 4) + '" text-anchor="end">' + hi + "</text>" +
      '<text x="' + (L0 - 4) + '" y="' + (Number(y(lo)) + 4) + '" text-anchor="end">' + lo + "</text>" +
      '<polyline class="p90" points="' + pts(p90) + '"/>' +
      '<polyline class="p50" points="' + pts(p50) + '"/>' + ticks + "</svg>";
    var fig = el("figure", { "class": "cal-figure" });
    fig.innerHTML = svg;
    var summary = "P50 " + num(Math.min.apply(null, p50), 1) + "–" + num(Math.max.apply(null, p50), 1) +
                  " days, P90 " + num(Math.min.apply(null, p90), 1) + "–" +
                  num(Math.max.apply(null, p90), 1) + " days over the year.";
    fig.appendChild(el("figcaption", {}, [
      el("span", { "class": "key p50" }), "P50 ", el("span", { "class": "key p90" }), "P90 (days). ",
      summary
    ]));
    return fig;
  }
  function renderCalendar(data) {
    var box = $("calendar");
    box.textContent = "";
    var entries = data.departures || [];
    if (!entries.length) {
      box.appendChild(el("p", { "class": "hint", text: "No departure in " + data.year + " has a route." }));
      return;
    }
    box.appendChild(el("p", { "class": "hint", text: data.origin + " → " + data.destination + ", " +
      data.year + ", best " + data.objective + " route for each departure." }));
    var fig = calendarChart(entries);
    if (fig) { box.appendChild(fig); }
    var table = el("table", { "class": "calendar-table" });
    table.appendChild(el("caption", { "class": "visually-hidden",
                                      text: "Best route by departure date in " + data.year }));
    table.appendChild(el("thead", {}, [el("tr", {}, [
      el("th", { scope: "col", text: "Departs" }), el("th", { scope: "col", text: "Corridor" }),
      el("th", { scope: "col", "class": "num", text: "P50 d" }),
      el("th", { scope: "col", "class": "num", text: "P90 d" }),
      el("th", { scope: "col", "class": "num", text: "USD" })
    ])]));
    var body = el("tbody"), prev = null;
    entries.forEach(function (e) {
      var changed = prev !== null && e.corridor !== prev;
      prev = e.corridor;
      body.appendChild(el("tr", changed ? { "class": "changed" } : {}, [
        el("td", { "class": "nowrap", text: (e.depart || "").slice(0, 10) }),
        el("td", { title: e.corridor, text: shortCorridor(e.corridor) + (changed ? " (changes)" : "") }),
        el("td", { "class": "num", text: days(e.p50_h) }),
        el("td", { "class": "num", text: days(e.p90_h) }),
        el("td", { "class": "num", text: num(e.cost_usd) })
      ]));
    });
    table.appendChild(body);
    box.appendChild(el("div", { "class": "table-wrap cal-wrap", tabindex: "0", role: "region",
                                "aria-label": "Calendar table (scrolls)" }, [table]));
  }

  $("calendar-btn").addEventListener("click", function () {
    if (!state.request) { setStatus("Plan a route first.", "error"); return; }
    var req = state.request;
    var btn = $("calendar-btn");
    busy(true, btn, "Working out the year…");
    setStatus("Planning a route for each departure of the year…", "loading");
    api("POST", "/calendar", { origin: req.origin, destination: req.destination, cargo: req.cargo,
                               optimize: req.optimize, modes: req.modes, year: calendarYear(req),
                               step: "month", draws: 500 })
      .then(function (data) {
        renderCalendar(data);
        setStatus("Calendar ready: " + (data.departures || []).length + " departures.", "ok");
        busy(false, btn, "Refresh the calendar");
      })
      .catch(function (err) { setStatus(err.message, "error"); busy(false, btn, "Show the year's calendar"); });
  });

  // ---------- route form ----------
  $("dl-geojson").addEventListener("click", function () {
    var route = state.routes[state.shown];
    if (route) { download(fileStem(route) + ".geojson", "application/geo+json",
                          JSON.stringify(routeGeoJSON(route), null, 1)); }
  });
  $("dl-csv").addEventListener("click", function () {
    var route = state.routes[state.shown];
    if (route) { download(fileStem(route) + ".csv", "text/csv", routeCSV(route)); }
  });

  // a truck goes by road (and ferry), and only passengers fly: asked for rail or air only,
  // plan what those modes carry
  $("modes").addEventListener("change", function () {
    var modes = $("modes").value, cargo = $("cargo").value, wanted = null;
    if (modes === "rail" && cargo === "truck") { wanted = "teu"; }
    if (modes === "air" && cargo !== "passenger") { wanted = "passenger"; }
    if (wanted) {
      var before = $("cargo").selectedOptions[0].textContent;
      $("cargo").value = wanted;
      setStatus("Cargo set to " + $("cargo").selectedOptions[0].textContent + ": a " +
                before.replace(/ \(.*$/, "").toLowerCase() + " cannot go by " + modes + ".", "ok");
    }
  });

  $("route-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var req = {
      origin: $("origin").value.trim(),
      destination: $("destination").value.trim(),
      depart: $("depart").value || undefined,
      cargo: $("cargo").value,
      optimize: $("optimize").value,
      modes: $("modes").value ? $("modes").value.split(",") : undefined,
      alternatives: $("alternatives").checked,
      draws: DRAWS
    };
    if (!req.origin) { setStatus("Type where the cargo starts.", "error"); $("origin").focus(); return; }
    if (!req.destination) { setStatus("Type where the cargo goes.", "error"); $("destination").focus(); return; }
    var btn = $("submit");
    busy(true, btn, "Planning…");
    setStatus("Planning the route…", "loading");
    api("POST", "/route", req).then(function (data) {
      state.request = req;
      state.routes = data.alternatives ? data.alternatives : [data];
      var best = 0;
      if (data.alternatives) {
        // show the alternative that is best for the chosen objective, if one says so
        state.routes.forEach(function (r, i) {
          if ((r.best_for || []).indexOf(req.optimize) >= 0) { best = i; }
        });
      }
      $("compare").textContent = "";
      clearCalendar();
      show(best);
      setStatus(state.routes.length > 1 ? state.routes.length + " alternatives found." : "Route found.", "ok");
    }).catch(function (err) {
      // no answer: the last route's map, table and comparisons go, so none is taken for it
      state.routes = [];
      state.request = null;
      routeLayer.clearLayers();
      $("results").hidden = true;
      $("compare").textContent = "";
      clearCalendar();
      setStatus(err.message, "error");
    }).then(function () { busy(false, btn, "Plan route"); });
  });

  // ---------- autocomplete ----------
  function combobox(input) {
    var list = $(input.getAttribute("aria-controls"));
    var items = [], active = -1, timer = null, seq = 0;

    function close() {
      list.hidden = true; input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant"); active = -1;
    }
    function choose(i) {
      input.value = items[i].name;
      close();
    }
    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, j) {
        li.setAttribute("aria-selected", String(j === i));
      });
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", list.children[i].id);
        list.children[i].scrollIntoView({ block: "nearest" });
      }
    }
    function render() {
      list.textContent = "";
      items.forEach(function (p, i) {
        var li = el("li", { id: input.id + "-opt-" + i, role: "option", "aria-selected": "false" }, [
          el("span", { "class": "opt-name", text: p.name }),
          el("span", { "class": "opt-detail", text: [p.country, p.detail].filter(Boolean).join(" · ") +
                                                     (p.matched && p.matched !== p.name.toLowerCase() ? " (" + p.matched + ")" : "") })
        ]);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      var open = items.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", String(open));
      active = -1;
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { items = []; render(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        api("GET", "/places?limit=8&q=" + encodeURIComponent(q)).then(function (data) {
          if (mine !== seq || document.activeElement !== input) { return; }
          items = data; render();
        }).catch(function () { /* autocomplete is a convenience; submit still works */ });
      }, 180);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) { return; }
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }
  combobox($("origin"));
  combobox($("destination"));

  // default departure: today
  var today = new Date();
  $("depart").value = today.getFullYear() + "-" + String(today.getMonth() + 1).padStart(2, "0") +
                      "-" + String(today.getDate()).padStart(2, "0");
}());
