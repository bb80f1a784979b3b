/* Runs on the lesson page: fits each H5P player iframe to its content and shows the outcome of an attempt.
   Only messages from our own origin and from one of the player iframes are listened to. */
(function () {
  "use strict";
  if (window.escuelaH5PEmbed) { return; }
  window.escuelaH5PEmbed = true;

  function frameFor(source) {
    var frames = document.querySelectorAll("iframe.h5p-embed__frame");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === source) { return frames[i]; }
    }
    return null;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin || !event.data || typeof event.data !== "object") { return; }
    var frame = frameFor(event.source);
    if (!frame) { return; }
    if (event.data.type === "escuela-h5p-resize") {
      var height = Number(event.data.height);
      if (isFinite(height) && height > 0 && height < 20000) { frame.style.height = height + "px"; }
    } else if (event.data.type === "escuela-h5p-result" && typeof event.data.message === "string") {
      var status = frame.closest(".h5p-embed").querySelector(".h5p-embed__live");
      if (status) { status.textContent = event.data.message; }
    }
  });
})();
