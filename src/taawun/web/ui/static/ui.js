/* taawun's pages: the little script they need, loaded from the node (the Content-Security-
   Policy allows no inline script). htmx itself is configured by <meta name="htmx-config">.

   Every htmx request carries the page's CSRF token (from <meta name="csrf-token">) in the
   X-CSRF-Token header, which the node checks on every request that changes something. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });
})();
