/* Loaded by h5p-standalone inside the player's own frame, after H5P core: H5P core saves the learner's state with
   jQuery POSTs, which need Django's CSRF token in a header. The token comes from the player page (same origin). */
(function () {
  "use strict";
  try {
    var relay = JSON.parse(window.parent.document.getElementById("h5p-relay").textContent);
    if (window.H5P && window.H5P.jQuery) {
      window.H5P.jQuery.ajaxSetup({ headers: { "X-CSRFToken": relay.csrfToken } });
    }
  } catch (error) {
    /* not inside our player page: nothing to set up */
  }
})();
