// Upload page: drag-and-drop onto the file input, a list of the chosen files (flagging any
// over the size limit before they are sent), and a progress bar fed by htmx's XHR events.
// Without JavaScript the plain multipart form still works.
(function () {
  "use strict";

  function formatSize(bytes) {
    const units = ["bytes", "KB", "MB", "GB"];
    let i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i += 1; }
    return (i === 0 ? bytes : bytes.toFixed(1)) + " " + units[i];
  }

  function bind(root) {
    const form = root.querySelector("#upload-form");
    if (!form || form.dataset.bound) return;
    form.dataset.bound = "1";
    const input = form.querySelector("#id_files");
    const zone = form.querySelector("#dropzone");
    const list = form.querySelector("#chosen-files");
    const progress = form.querySelector("#upload-progress");
    const limit = parseInt(form.dataset.maxSize, 10);

    function showChosen() {
      list.replaceChildren();
      for (const file of input.files) {
        const item = document.createElement("li");
        item.textContent = file.name + " (" + formatSize(file.size) + ")";
        if (file.size > limit) {
          item.className = "error";
          item.textContent += " — larger than the " + formatSize(limit) + " limit; it will be refused";
        }
        list.appendChild(item);
      }
    }

    input.addEventListener("change", showChosen);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showChosen();
      }
    });

    form.addEventListener("htmx:xhr:loadstart", function () {
      progress.hidden = false;
      progress.value = 0;
    });
    form.addEventListener("htmx:xhr:progress", function (event) {
      if (event.detail.lengthComputable) {
        progress.value = Math.round((event.detail.loaded / event.detail.total) * 100);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:afterSettle", function () { bind(document); });
})();
