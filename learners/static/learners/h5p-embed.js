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

  function markPassed(activity) {
    var items = document.querySelectorAll("[data-h5p-activity]");
    for (var i = 0; i < items.length; i++) {
      if (items[i].getAttribute("data-h5p-activity") === activity) {
        items[i].setAttribute("data-h5p-passed", "true");
        items[i].textContent = items[i].getAttribute("data-h5p-passed-text");
      }
    }
  }

  function showLessonDone() {
    var done = document.querySelector("[data-h5p-lesson-done]");
    var requirements = document.querySelector("[data-h5p-requirements]");
    if (done) { done.hidden = false; }
    if (requirements) { requirements.hidden = true; }
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
      if (event.data.passed && typeof event.data.activity === "string") { markPassed(event.data.activity); }
      if (event.data.lessonCompleted) { showLessonDone(); }
    }
  });
})();
