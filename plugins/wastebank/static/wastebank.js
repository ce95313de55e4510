/* Bank sampah enhancements; every form works without them.
   - Deposit and sale forms ([data-prices]: {type id: price per kg}): the value of each
     weighed row and the total, while the operator types, rounded like the ledger (half up,
     once per row). The server's receipt is the record; this is only a preview.
   Loaded with `defer` from a static file: the CSP allows no inline script. */
(function () {
  "use strict";

  function grams(text) {
    var m = /^\s*(\d*)(?:[.,](\d{0,3}))?\s*(?:kg)?\s*$/i.exec(text || "");
    if (!m || !(m[1] || m[2])) { return 0; }
    return parseInt(m[1] || "0", 10) * 1000 + parseInt(((m[2] || "") + "000").slice(0, 3), 10);
  }

  function rupiah(amount) {
    return "Rp " + String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function update(form, prices, output) {
    var total = 0;
    form.querySelectorAll(".wb-line").forEach(function (row) {
      var type = row.querySelector("select");
      var weight = row.querySelector("input");
      var price = type && prices[type.value];
      var g = weight ? grams(weight.value) : 0;
      if (price !== undefined && g > 0) {
        total += Math.floor((g * price + 500) / 1000);
      }
    });
    output.textContent = rupiah(total);
  }

  document.querySelectorAll("form[data-prices]").forEach(function (form) {
    var prices;
    try { prices = JSON.parse(form.dataset.prices); } catch (e) { return; }
    var output = form.querySelector("output.wb-estimate");
    if (!output) { return; }
    output.closest("[hidden]") && output.closest("[hidden]").removeAttribute("hidden");
    var refresh = function () { update(form, prices, output); };
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    refresh();
  });
})();
