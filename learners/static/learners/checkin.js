// The attendance QR code: fetch the next signed code each time the current one changes (without JavaScript, the
// page reloads itself instead). Keeps the old code on a network error and tries again a few seconds later.
(function () {
  "use strict";
  var box = document.querySelector("[data-checkin-qr]");
  if (!box) return;
  var picture = box.querySelector("[data-checkin-picture]");
  var present = document.querySelector("[data-checkin-present]");
  function schedule(seconds) {
    window.setTimeout(refresh, Math.max(1, seconds) * 1000);
  }
  function refresh() {
    fetch(box.getAttribute("data-code-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        picture.innerHTML = data.svg;
        if (present) present.textContent = String(data.present);
        box.setAttribute("data-refresh-in", String(data.refresh_in));
        schedule(data.refresh_in);
      })
      .catch(function () {
        schedule(3);
      });
  }
  schedule(parseInt(box.getAttribute("data-refresh-in"), 10) || 5);
})();
