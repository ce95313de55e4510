/* Progressive enhancements shared by all pages. Every page works without this file. */
(function () {
  "use strict";
  // Confirm destructive POST buttons marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
