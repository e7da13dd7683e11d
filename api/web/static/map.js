// The round on a map (Leaflet, vendored; no tiles, nothing from the network): every
// <div class="coop-map" data-map="{...}"> gets province outlines (Natural Earth), loans and sales as lines
// whose width shows the amount, and coops as dots. Names show on hover or tap (tooltips),
// so labels never overlap. Drawn again after an HTMX swap brings a new map.
(function () {
  var COLOURS = { loan: "#2f6f4f", sale: "#c0621b" };
  function draw(box) {
    if (box.dataset.drawn || typeof L === "undefined") { return; }
    box.dataset.drawn = "1";
    var data = JSON.parse(box.dataset.map);
    var map = L.map(box, { attributionControl: false, zoomSnap: 0.25, scrollWheelZoom: false });
    var bounds = [];
    data.areas.forEach(function (area) {
      // a province's polygons (its islands too), each an outline and any holes, [lat, lon]
      L.polygon(area.polygons, { color: "#66706b", weight: 1, fillColor: "#dfe8e3", fillOpacity: 0.5 })
        .bindTooltip(area.name, { sticky: true }).addTo(map);
      area.polygons.forEach(function (polygon) {
        polygon[0].forEach(function (p) { bounds.push(p); });
      });
    });
    var at = {};
    data.coops.forEach(function (c) { at[c.id] = [c.lat, c.lon]; bounds.push([c.lat, c.lon]); });
    data.flows.forEach(function (f) {
      L.polyline([at[f.from], at[f.to]], { color: COLOURS[f.kind] || "#333", weight: f.width, opacity: 0.8 })
        .bindTooltip(f.label, { sticky: true }).addTo(map);
    });
    data.coops.forEach(function (c) {
      L.circleMarker([c.lat, c.lon], { radius: 6, color: "#1d2521", weight: 1, fillColor: "#fff", fillOpacity: 1 })
        .bindTooltip(c.name).addTo(map);
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [12, 12] }); } else { map.setView([13.7, 100.5], 5); }
  }
  function drawAll() { document.querySelectorAll(".coop-map[data-map]").forEach(draw); }
  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
