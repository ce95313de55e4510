/* Photo fields (templates/macros/photos.html). Every form works without this file.
 * - A chosen photo larger than data-max-side (1600 px) on its long side is shrunk in the
 *   browser to a JPEG before upload: a 12 MP phone photo of 4 MB becomes ~300 KB on a slow
 *   connection. Skipped where the browser cannot do it, or when the result is not smaller.
 *   The server re-encodes every upload anyway; this only saves the person's data.
 * - The chosen photos are previewed under the field.
 * - "Hapus foto ini" on a photo kept from a refused form hides it at once (the ticked box
 *   still tells the server to drop it).
 */
(function () {
  "use strict";
  if (window.kpPhotos) { return; } // the macro includes this file once per photo field
  window.kpPhotos = true;

  var QUALITY = 0.85;

  function canShrink() {
    return typeof window.createImageBitmap === "function" &&
      typeof window.DataTransfer === "function" &&
      !!document.createElement("canvas").toBlob;
  }

  function bitmapOf(file) {
    // imageOrientation "from-image" turns phone photos upright (EXIF); older browsers
    // reject the option object, so try once without it.
    return window.createImageBitmap(file, { imageOrientation: "from-image" })
      .catch(function () { return window.createImageBitmap(file); });
  }

  function shrink(file, maxSide) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) { return Promise.resolve(file); }
    return bitmapOf(file).then(function (bitmap) {
      var side = Math.max(bitmap.width, bitmap.height);
      if (side <= maxSide) {
        if (bitmap.close) { bitmap.close(); }
        return file;
      }
      var scale = maxSide / side;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // transparent PNG areas become white, as on the server
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) { bitmap.close(); }
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; }); // not decodable here: let the server say why
  }

  // Previews are small data: URLs (the CSP allows data: images, not blob:).
  var PREVIEW_SIDE = 240;

  function previewUrl(file) {
    if (typeof window.createImageBitmap === "function") {
      return bitmapOf(file).then(function (bitmap) {
        var scale = Math.min(1, PREVIEW_SIDE / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(bitmap.width * scale));
        canvas.height = Math.max(1, Math.round(bitmap.height * scale));
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        if (bitmap.close) { bitmap.close(); }
        return canvas.toDataURL("image/jpeg", 0.8);
      });
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }

  function preview(input, files) {
    var list = input.parentNode.querySelector("[data-photo-previews]");
    if (!list) { return Promise.resolve(); }
    list.textContent = "";
    var images = Array.prototype.filter.call(files, function (file) {
      return /^image\//.test(file.type);
    });
    return Promise.all(images.map(function (file) {
      var item = document.createElement("li");
      list.appendChild(item); // in the order chosen, whichever preview is ready first
      return previewUrl(file).then(function (url) {
        var img = document.createElement("img");
        img.src = url;
        img.alt = file.name;
        img.width = 120;
        item.appendChild(img);
      }).catch(function () { item.textContent = file.name; });
    }));
  }

  function busy(input, on) {
    var form = input.form;
    var buttons = form ? form.querySelectorAll("button[type=submit], button:not([type])") : [];
    Array.prototype.forEach.call(buttons, function (button) { button.disabled = on; });
    if (on) { input.setAttribute("aria-busy", "true"); } else { input.removeAttribute("aria-busy"); }
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.hasAttribute && input.hasAttribute("data-pending-remove")) {
      var item = input.closest("[data-pending-photo]");
      // Hidden, not removed: the ticked box still reaches the server, which drops the file.
      if (item && input.checked) {
        var field = item.closest("[data-photo-field]");
        var next = field && field.querySelector("[data-photo-input]");
        item.hidden = true;
        if (next) { next.focus(); } // focus must not stay on a hidden box
      }
      return;
    }
    if (!input.hasAttribute || !input.hasAttribute("data-photo-input") || !input.files) { return; }
    var chosen = Array.prototype.slice.call(input.files);
    if (!chosen.length || !canShrink()) { preview(input, chosen); return; }
    var maxSide = parseInt(input.getAttribute("data-max-side"), 10) || 1600;
    busy(input, true);
    Promise.all(chosen.map(function (file) { return shrink(file, maxSide); }))
      .then(function (files) {
        var changed = files.some(function (file, i) { return file !== chosen[i]; });
        if (changed) {
          var transfer = new DataTransfer();
          files.forEach(function (file) { transfer.items.add(file); });
          input.files = transfer.files; // assigning files fires no new change event
        }
        return preview(input, input.files);
      })
      .catch(function () { return preview(input, chosen); })
      .then(function () {
        busy(input, false);
        input.dispatchEvent(new CustomEvent("kp:photos-ready", { bubbles: true }));
      });
  });
})();
