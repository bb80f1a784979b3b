/* Runs on the H5P player page (our own code). Starts h5p-standalone with the options the server rendered, sends
   every xAPI statement to the server one after another (each with its own id, so a retry is harmless), and tells
   the lesson page (our parent, same origin) the height of the player and the outcome of each attempt. */
(function () {
  "use strict";

  var options = JSON.parse(document.getElementById("h5p-options").textContent);
  var relay = JSON.parse(document.getElementById("h5p-relay").textContent);
  var container = document.getElementById("h5p-container");
  var queue = Promise.resolve();
  var framed = window.parent && window.parent !== window;

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function tellParent(message) {
    if (framed) {
      message.activity = options.id;
      window.parent.postMessage(message, window.location.origin);
    }
  }

  function post(statement) {
    return fetch(relay.xapiUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": relay.csrfToken },
      body: JSON.stringify(statement)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok && data.completed && data.message) {
          tellParent({ type: "escuela-h5p-result", message: data.message, passed: !!data.passed,
                       lessonCompleted: !!data.lesson_completed, courseCompleted: !!data.course_completed });
        } else if (!response.ok && data.message) {
          tellParent({ type: "escuela-h5p-result", message: data.message, error: true });
        }
      });
    });
  }

  function send(statement) {
    if (relay.preview) { return; }
    statement = JSON.parse(JSON.stringify(statement));
    if (!statement.id) { statement.id = uuid4(); }
    queue = queue.then(function () {
      return post(statement).catch(function () {
        return new Promise(function (resolve) { window.setTimeout(resolve, 2000); }).then(function () {
          return post(statement);  /* one retry: the same id, so the server counts it once */
        }).catch(function () {});
      });
    });
  }

  function reportHeight() {
    tellParent({ type: "escuela-h5p-resize", height: Math.ceil(document.documentElement.scrollHeight) });
  }

  new H5PStandalone.H5P(container, options).then(function () {
    H5P.externalDispatcher.on("xAPI", function (event) { send(event.data.statement); });
    reportHeight();
  });

  if (framed) {
    if (window.ResizeObserver) {
      new ResizeObserver(reportHeight).observe(document.body);
    }
    window.addEventListener("load", reportHeight);
    window.setInterval(reportHeight, 1000);
  }
})();
