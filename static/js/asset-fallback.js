/* Runs right after each CDN <script>/<link> (app/assets.py, KP_ASSETS=cdn). When the CDN
   file did not arrive (no internet, CDN down or blocked, SRI mismatch), it writes the same
   file's local copy (/static/vendor, same bytes, same integrity) in its place. A
   same-origin external script, so the CSP needs neither inline script nor the CDN's origin;
   document.write keeps the written tag parser-blocking, so everything after it still runs
   in order. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) { return; }
  var local = me.getAttribute("data-local");
  var integrity = me.getAttribute("data-integrity");

  function defined(path) {
    var value = window;
    var parts = path.split(".");
    for (var i = 0; i < parts.length; i++) {
      if (value == null) { return false; }
      value = value[parts[i]];
    }
    return value != null;
  }

  function attr(text) {
    return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  if (me.getAttribute("data-kind") === "style") {
    // This script waited for the stylesheet before it. SRI makes the CDN file load only
    // with CORS, so a loaded sheet's rules are readable; a failed one (offline, refused by
    // SRI) has none, or reading them throws.
    var link = me.previousElementSibling;
    var loaded = false;
    try { loaded = !!(link.sheet && link.sheet.cssRules.length); } catch (e) { loaded = false; }
    if (link && link.tagName === "LINK" && !loaded) {
      document.write('<link rel="stylesheet" href="' + attr(local) + '" integrity="' +
        attr(integrity) + '" crossorigin="anonymous">');
    }
    return;
  }
  var name = me.getAttribute("data-global");
  if (name && !defined(name)) {
    document.write('<script src="' + attr(local) + '" integrity="' + attr(integrity) +
      '" crossorigin="anonymous"><\/script>');
  }
})();
