/* Pasar UMKM enhancements; each page works without them.
   - "Pesan via WhatsApp" links with data-count-url: a click is counted with a beacon (the
     link itself opens WhatsApp whether or not the count gets through).
   - [data-share] buttons: the phone's share sheet (Web Share API), shown only where it exists;
     the product URL field and the WhatsApp share link stay as the fallback.
   Loaded with `defer` from a static file: the CSP allows no inline script. */
(function () {
  "use strict";

  function countClick(link) {
    var url = link.dataset.countUrl;
    if (!url) { return; }
    var data = new FormData();
    data.append("csrf_token", link.dataset.csrf || "");
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(url, data)) { return; }
      fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: true })
        .catch(function () { /* counting is best effort */ });
    } catch (e) { /* never stand between the buyer and WhatsApp */ }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-count-url]");
    if (link) { countClick(link); }
  });

  // Middle click / "open in new tab" with the wheel still orders: count it as well.
  document.addEventListener("auxclick", function (event) {
    var link = event.target.closest && event.target.closest("a[data-count-url]");
    if (link && event.button === 1) { countClick(link); }
  });

  function setupShare(button) {
    if (!navigator.share || button.dataset.ready) { return; }
    button.dataset.ready = "1";
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.share({
        title: button.dataset.shareTitle,
        text: button.dataset.shareText,
        url: button.dataset.shareUrl
      }).catch(function () { /* closed the share sheet */ });
    });
  }

  function setup() {
    document.querySelectorAll("[data-share]").forEach(setupShare);
    document.querySelectorAll("input[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
