/* Small behaviours that used to be inline handlers, which the Content-Security-Policy forbids.
   Delegated from the document, so they work on fragments htmx swaps in too.

   data-select-on-focus            the field's text is selected when it gets focus
   data-copy="ID"                  the button copies the field ID's value to the clipboard
   data-enter-stays                Enter in the field does not submit its form
   data-confirm="QUESTION"         a plain (not htmx) form asks before it is sent; htmx forms
                                   use hx-confirm
   data-disable-on-submit          the form's submit button is disabled once it is sent
   data-focus-after-swap           after an htmx POST swaps this in, focus moves here (the message
                                   saying what happened), else to the swapped region itself */
(function () {
  "use strict";

  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-select-on-focus]")) field.select();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.dataset.copy);
    if (!input) return;
    input.select();
    // The clipboard API needs HTTPS (or localhost); elsewhere the selection is copied the old way.
    (navigator.clipboard ? navigator.clipboard.writeText(input.value) : Promise.reject())
      .catch(function () { document.execCommand("copy"); })
      .then(function () { button.textContent = "Copied"; });
  });

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key === "Enter" && field.matches && field.matches("[data-enter-stays]")) {
      event.preventDefault();
    }
  });

  // After a POST through htmx, the person's focus would drop to <body> with the old region:
  // move it to the message in the new region, or to the region (polls and refreshes leave it).
  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail || {};
    var verb = detail.requestConfig && detail.requestConfig.verb;
    if (!verb || verb === "get") return;
    var target = detail.target;
    var region = target && target.id ? document.getElementById(target.id) : target;
    if (!region || !region.isConnected) return;
    var message = region.querySelector("[data-focus-after-swap]");
    var destination = message || (region.hasAttribute("tabindex") ? region : null);
    if (!destination) {
      destination = region.querySelector("h2, h3");
      if (destination && !destination.hasAttribute("tabindex")) destination.setAttribute("tabindex", "-1");
    }
    if (destination) destination.focus();
  });

  // Registered before the one below, so a "Cancel" leaves the button usable.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-confirm]") || form.matches("[hx-post]")) return;
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches("[data-disable-on-submit]")) return;
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
  });
})();
