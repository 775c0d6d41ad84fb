// Signature fields: a <div data-signature-field> holding a <canvas>, a hidden input that
// carries the drawing as a PNG data URL, and a "Clear" button. The drawing is written to the
// input on every stroke, so a plain form submit (or htmx) sends it; an empty pad sends
// nothing and the server says "Sign in the box first". Uses the vendored signature_pad.
(function () {
  "use strict";

  function bind(field) {
    if (field.dataset.bound) return;
    field.dataset.bound = "1";
    const canvas = field.querySelector("canvas");
    const input = field.querySelector("input[type=hidden]");
    const clear = field.querySelector("[data-signature-clear]");
    // The ink must stay dark on the white pad: the server counts dark pixels.
    const pad = new window.SignaturePad(canvas, {
      penColor: "#111",
      backgroundColor: "rgba(255,255,255,0)",
      minWidth: 1.2,
      maxWidth: 3,
    });

    function resize() {
      // Draw at the device's pixel ratio so the stored image is crisp; resizing clears the
      // pad, so keep what was drawn.
      const data = pad.toData();
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      pad.fromData(data);
    }

    function store() {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
      field.classList.toggle("signed", !pad.isEmpty());
    }

    pad.addEventListener("endStroke", store);
    if (clear) {
      clear.addEventListener("click", function (event) {
        event.preventDefault();
        pad.clear();
        store();
      });
    }
    window.addEventListener("resize", resize);
    resize();
    store();
  }

  function bindAll(root) {
    root.querySelectorAll("[data-signature-field]").forEach(bind);
  }

  document.addEventListener("DOMContentLoaded", function () { bindAll(document); });
  document.addEventListener("htmx:load", function (event) { bindAll(event.target); });
})();
