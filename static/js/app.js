/* Progressive enhancements shared by all pages. Every page works without this file. */
(function () {
  "use strict";
  // Confirm destructive POST buttons marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // A field for an e-mail or a phone number: digits keyboard once it starts like a number.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-contact-field")) { return; }
    var phone = /^\s*[0-9+]/.test(input.value);
    var mode = phone ? "tel" : "email";
    if (input.getAttribute("inputmode") !== mode) { input.setAttribute("inputmode", mode); }
  });
})();
