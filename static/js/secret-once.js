/* A secret shown once ([data-secret-once]) is blanked when the tab leaves the page, so that
   the back-forward cache cannot show it again. The page itself is answered with no-store and is
   never re-rendered with the secret. Loaded only by templates/integrations/created.html. */
(function () {
  "use strict";

  window.addEventListener("pagehide", function () {
    document.querySelectorAll("[data-secret-once]").forEach(function (field) {
      field.value = "";
      field.setAttribute("value", "");
      field.placeholder = "Not shown again";
    });
  });
})();
