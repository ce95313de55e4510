/* The "Cetak" button of printable pages (the monthly report): hidden until this script
   runs, since without it the button could do nothing; the browser's own Print menu works
   either way. */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
