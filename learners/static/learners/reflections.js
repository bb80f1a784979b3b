/* The answer box under a reflection prompt: saves her answer while she types (1.5 s after she stops, at least every
   10 s while she keeps typing), keeps a copy in this browser's localStorage until the server has it, and sends that
   copy again when the connection comes back or the page is opened again. Without this script the form posts as
   usual. The copy is removed as soon as the server confirms it, so nothing stays on a shared computer. */
(function () {
  "use strict";
  if (window.escuelaReflections) { return; }
  window.escuelaReflections = true;

  var PREFIX = "escuela-reflexion:";
  var QUIET_MS = 1500;
  var MAX_WAIT_MS = 10000;
  var RETRY_MS = 60000;

  function storageGet(key) {
    try { return window.localStorage.getItem(PREFIX + key); } catch (error) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(PREFIX + key, value); } catch (error) { /* private mode or full */ }
  }
  function storageDrop(key) {
    try { window.localStorage.removeItem(PREFIX + key); } catch (error) { /* nothing to do */ }
  }

  function Box(form) {
    this.form = form;
    this.textarea = form.querySelector("textarea[name=text]");
    this.status = form.querySelector("[data-reflection-status]");
    this.key = form.getAttribute("data-storage-key");
    this.saved = this.textarea.getAttribute("data-saved-text") || "";
    this.timer = null;
    this.firstChange = null;
    this.sending = false;
    this.again = false;
    this.locked = false;
    var box = this;
    var local = storageGet(this.key);
    if (local !== null && local !== this.saved) {
      this.textarea.value = local;
      this.show(form.getAttribute("data-text-restored"), false);
      this.send();
    } else if (local !== null) {
      storageDrop(this.key);
    }
    this.textarea.addEventListener("input", function () { box.changed(); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      box.send();
    });
  }

  Box.prototype.show = function (message, error) {
    if (!this.status || !message) { return; }
    this.status.textContent = message;
    this.status.classList.toggle("reflection-answer__status--error", Boolean(error));
  };

  Box.prototype.changed = function () {
    if (this.locked) { return; }
    storageSet(this.key, this.textarea.value);
    var box = this;
    var now = Date.now();
    if (this.firstChange === null) { this.firstChange = now; }
    window.clearTimeout(this.timer);
    var wait = Math.min(QUIET_MS, Math.max(0, this.firstChange + MAX_WAIT_MS - now));
    this.timer = window.setTimeout(function () { box.send(); }, wait);
  };

  Box.prototype.send = function () {
    window.clearTimeout(this.timer);
    this.firstChange = null;
    if (this.locked) { return; }
    if (this.sending) { this.again = true; return; }
    var text = this.textarea.value;
    if (text === this.saved) {
      storageDrop(this.key);
      return;
    }
    if (!navigator.onLine) {
      this.show(this.form.getAttribute("data-text-offline"), true);
      return;
    }
    this.sending = true;
    this.show(this.form.getAttribute("data-text-saving"), false);
    var body = new FormData();
    // A NUL is refused by the site as hostile input (a 400 that would repeat forever): never send one.
    body.append("text", text.replace(/\u0000/g, ""));
    var token = this.form.querySelector("input[name=csrfmiddlewaretoken]");
    var box = this;
    fetch(this.form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        box.answered(response.status, data, text);
      });
    }).catch(function () {
      box.show(box.form.getAttribute("data-text-offline"), true);
    }).then(function () {
      box.sending = false;
      if (box.again) { box.again = false; box.send(); }
    });
  };

  Box.prototype.answered = function (status, data, text) {
    if (status === 200 && data.saved) {
      this.saved = text;
      if (this.textarea.value === text) { storageDrop(this.key); }
      this.show(this.form.getAttribute("data-text-saved").replace("{when}", data.savedAt || ""), false);
      return;
    }
    var box = this;
    this.show(data.error || this.form.getAttribute("data-text-failed"), true);
    if (status === 409) {
      this.locked = true;
      this.textarea.readOnly = true;
      storageDrop(this.key);
    } else if (status === 429 || status >= 500) {
      window.setTimeout(function () { box.send(); }, RETRY_MS);
    }
  };

  function start() {
    var boxes = [];
    var forms = document.querySelectorAll("form[data-reflection-form]");
    for (var i = 0; i < forms.length; i++) { boxes.push(new Box(forms[i])); }
    window.addEventListener("online", function () {
      for (var j = 0; j < boxes.length; j++) { boxes[j].send(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
