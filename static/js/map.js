/* Builds every [data-map] element into a Leaflet map. Layers are GeoJSON URLs fetched by
   the browser; [data-picker="latId,lngId"] turns the map into a point picker that fills
   those inputs (the inputs stay usable by hand: tapping the map is never the only way). */
(function () {
  "use strict";

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function popupFor(feature) {
    var p = feature.properties || {};
    var title = escapeHtml(p.name || p.title || "");
    if (p.url && /^(\/(?!\/)|https?:\/\/)/.test(String(p.url))) {  // no javascript: links
      title = '<a href="' + escapeHtml(p.url) + '">' + title + "</a>";
    }
    var extra = p.kecamatan ? "<br>" + escapeHtml(p.kecamatan) : "";
    return title + extra;
  }

  // A marker is a button named after its place (or its layer); a cluster says how many
  // places it holds.
  function markerFor(spec, text) {
    return function (feature, latlng) {
      var p = feature.properties || {};
      if (p.cluster) {
        // A grid cluster computed by the server when too many points match: show its
        // count, and zoom in on click so the points themselves load.
        var marker = L.marker(latlng, { icon: countIcon(p.count, text), count: p.count, keyboard: true });
        marker.on("click", function () { marker._map.setView(latlng, marker._map.getZoom() + 2); });
        return marker;
      }
      var name = String(p.name || p.title || spec.name || "");
      return L.marker(latlng, { alt: name, title: name });
    };
  }

  function countIcon(n, text) {
    var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    var label = text.places ? '<span class="visually-hidden"> ' + escapeHtml(text.places) + "</span>" : "";
    return L.divIcon({
      html: "<div><span>" + n + label + "</span></div>",
      className: "marker-cluster marker-cluster-" + size,
      iconSize: L.point(40, 40)
    });
  }

  function clusterIcon(text) {
    return function (cluster) {
      var n = cluster.getAllChildMarkers().reduce(function (sum, m) { return sum + (m.options.count || 1); }, 0);
      return countIcon(n, text);
    };
  }

  function addLayer(map, spec, control, text) {
    fetch(spec.url, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var geo = L.geoJSON(data, {
          pointToLayer: markerFor(spec, text),
          onEachFeature: function (feature, layer) {
            if (!(feature.properties || {}).cluster) { layer.bindPopup(popupFor(feature)); }
          }
        });
        var layer = geo;
        if (L.markerClusterGroup) {
          layer = L.markerClusterGroup({ showCoverageOnHover: false, iconCreateFunction: clusterIcon(text) });
          layer.addLayer(geo);
        }
        layer.addTo(map);
        if (control) { control.addOverlay(layer, escapeHtml(spec.name)); }
      })
      .catch(function () { /* a failed layer leaves the rest of the map working */ });
  }

  function setupPicker(map, ids) {
    var latInput = document.getElementById(ids[0]);
    var lngInput = document.getElementById(ids[1]);
    if (!latInput || !lngInput) { return; }
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
    }
    var lat = parseFloat(latInput.value), lng = parseFloat(lngInput.value);
    if (!isNaN(lat) && !isNaN(lng)) { place([lat, lng]); }
    map.on("click", function (event) {
      place(event.latlng);
      latInput.value = event.latlng.lat.toFixed(6);
      lngInput.value = event.latlng.lng.toFixed(6);
    });
    function fromInputs() {
      var a = parseFloat(latInput.value.replace(",", ".")), b = parseFloat(lngInput.value.replace(",", "."));
      if (!isNaN(a) && !isNaN(b)) { place([a, b]); map.panTo([a, b]); }
    }
    latInput.addEventListener("change", fromInputs);
    lngInput.addEventListener("change", fromInputs);
  }

  // The box's server-rendered "map cannot load" message: hidden once Leaflet has built the
  // map, shown again over it while no tile has loaded and tiles fail (tile server down or
  // offline). Styled through the CSSOM, which the CSP allows (a style attribute it would not).
  function unavailableMessage(element) {
    return element.querySelector("[data-map-unavailable]");
  }

  function watchTiles(element, tiles) {
    var message = unavailableMessage(element);
    if (!message) { return; }
    var loaded = false;
    tiles.on("tileload", function () { loaded = true; message.hidden = true; });
    tiles.on("tileerror", function () {
      if (loaded) { return; }
      var s = message.style;
      // Above Leaflet's controls (z-index 1000), which would cover its first words.
      s.position = "absolute"; s.zIndex = "1001"; s.left = "0"; s.right = "0"; s.top = "0";
      s.margin = "0"; s.padding = ".75rem"; s.background = "#fff";
      message.hidden = false;
    });
  }

  function build(element) {
    if (typeof L === "undefined" || element.dataset.ready) { return; }
    element.dataset.ready = "1";
    var message = unavailableMessage(element);
    if (message) { message.hidden = true; }
    if (element.dataset.height) { element.style.height = element.dataset.height; }
    var center = element.dataset.center.split(",").map(parseFloat);
    // Texts in the page's language (data-text), for the controls and screen readers.
    var text = JSON.parse(element.dataset.text || "{}");
    var map = L.map(element, { scrollWheelZoom: false, zoomControl: false })
      .setView(center, parseInt(element.dataset.zoom, 10) || 14);
    L.control.zoom({
      zoomInTitle: text.zoomIn || "Zoom in",
      zoomOutTitle: text.zoomOut || "Zoom out"
    }).addTo(map);
    var tiles = L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
    watchTiles(element, tiles);
    var layers = JSON.parse(element.dataset.layers || "[]");
    var control = layers.length > 1 ? L.control.layers(null, null, { collapsed: true }).addTo(map) : null;
    layers.forEach(function (spec) { addLayer(map, spec, control, text); });
    if (element.dataset.picker) { setupPicker(map, element.dataset.picker.split(",")); }
    element._leafletMap = map;
  }

  function buildAll() {
    document.querySelectorAll("[data-map]").forEach(build);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", buildAll);
  } else {
    buildAll();
  }
  document.addEventListener("htmx:afterSettle", buildAll);
})();
