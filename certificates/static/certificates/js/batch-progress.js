// The batch page (admin): follows a certificate batch every 2 s until it is finished, then reloads.
(function () {
  var box = document.querySelector(".certificate-batch");
  if (!box || box.dataset.finished === "1") return;
  var timer = setInterval(function () {
    fetch(box.dataset.progressUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        box.querySelector("[data-batch-bar]").value = data.percent;
        box.querySelector("[data-batch-state]").textContent = data.state_label;
        box.querySelector("[data-batch-counts]").textContent =
          data.rendered + " / " + data.total + " (" + data.failed + " ✗)";
        if (data.finished) {
          clearInterval(timer);
          window.location.reload();
        }
      });
  }, 2000);
})();
