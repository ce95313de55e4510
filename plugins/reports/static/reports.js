/* Report form and map page enhancements. Without JavaScript the form still takes typed
   coordinates or an address, and the list is a paginated page with the same filters. */
(function () {
  "use strict";

  function mapOf(id) {
    var el = document.getElementById(id);
    return el && el._leafletMap;
  }

  function setPoint(form, lat, lng) {
    var latInput = form.querySelector("[name=lat]"), lngInput = form.querySelector("[name=lng]");
    latInput.value = Number(lat).toFixed(6);
    lngInput.value = Number(lng).toFixed(6);
    latInput.dispatchEvent(new Event("change"));
    lngInput.dispatchEvent(new Event("change"));
  }

  function checkNearby(form) {
    var target = document.getElementById("nearby-live");
    var lat = form.querySelector("[name=lat]").value, lng = form.querySelector("[name=lng]").value;
    var category = form.querySelector("[name=category]").value;
    if (!target || !lat || !lng || !category || !window.htmx) { return; }
    var url = form.dataset.nearbyUrl + "?" + new URLSearchParams({ lat: lat, lng: lng, category: category });
    window.htmx.ajax("GET", url, { target: target, swap: "innerHTML" });
  }

  function setupForm(form) {
    var locateButton = document.getElementById("use-my-location");
    if (locateButton && navigator.geolocation) {
      locateButton.hidden = false;
      locateButton.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          setPoint(form, pos.coords.latitude, pos.coords.longitude);
          var map = mapOf("report-picker");
          if (map) { map.setView([pos.coords.latitude, pos.coords.longitude], 18); }
        });
      });
    }
    var address = form.querySelector("[name=address]");
    var results = document.getElementById("locate-results");
    if (address && results) {
      var search = document.createElement("button");
      search.type = "button";
      search.textContent = document.documentElement.lang === "en" ? "Search" : "Cari lokasi";
      address.insertAdjacentElement("afterend", search);
      search.addEventListener("click", function () {
        var q = address.value.trim();
        if (q.length < 3) { return; }
        fetch(form.dataset.locateUrl + "?" + new URLSearchParams({ q: q }))
          .then(function (r) { return r.json(); })
          .then(function (data) {
            results.innerHTML = "";
            var list = document.createElement("ul");
            list.className = "plain";
            data.results.forEach(function (place) {
              var item = document.createElement("li");
              var pick = document.createElement("button");
              pick.type = "button";
              pick.className = "link";
              pick.textContent = place.name;
              pick.addEventListener("click", function () {
                setPoint(form, place.lat, place.lng);
                var map = mapOf("report-picker");
                if (map) { map.setView([place.lat, place.lng], 18); }
                results.innerHTML = "";
              });
              item.appendChild(pick);
              list.appendChild(item);
            });
            if (!data.results.length) {
              var none = document.createElement("p");
              none.className = "hint";
              none.textContent = document.documentElement.lang === "en" ? "No place found." : "Lokasi tidak ditemukan.";
              results.appendChild(none);
            } else {
              results.appendChild(list);
            }
          });
      });
    }
    ["lat", "lng", "category"].forEach(function (name) {
      form.querySelector("[name=" + name + "]").addEventListener("change", function () { checkNearby(form); });
    });
  }

  function setupListFollowsMap() {
    var filters = document.getElementById("report-filters");
    var bboxInput = document.getElementById("f-bbox");
    var map = mapOf("reports-map");
    if (!filters || !bboxInput || !map || !window.htmx) { return false; }
    map.on("moveend", function () {
      var b = map.getBounds();
      bboxInput.value = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
      window.htmx.trigger(filters, "bbox-changed");
    });
    return true;
  }

  function init() {
    var form = document.getElementById("report-form");
    if (form) { setupForm(form); }
    // map.js builds the map on DOMContentLoaded too; wait until it exists.
    var tries = 0;
    (function wait() {
      if (setupListFollowsMap() || ++tries > 50) { return; }
      window.setTimeout(wait, 100);
    })();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
