// msidash page behaviour: the token countdown and the upload progress bar.
// Served from the binary; the CSP forbids inline script, so it all lives here.
(function () {
  "use strict";

  function human(ms) {
    if (ms <= 0) return "expired";
    var s = Math.round(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    s = s % 60;
    if (h > 0) return h + "h " + m + "m";
    if (m > 0) return m + "m " + (s < 10 ? "0" : "") + s + "s";
    return s + "s";
  }

  function tick() {
    var els = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < els.length; i++) {
      var at = Date.parse(els[i].getAttribute("data-countdown"));
      if (!isNaN(at)) els[i].textContent = human(at - Date.now());
    }
  }
  setInterval(tick, 1000);

  document.addEventListener("htmx:xhr:progress", function (evt) {
    var form = evt.target.closest ? evt.target.closest("#upload-form") : null;
    if (!form || !evt.detail.lengthComputable) return;
    var bar = form.querySelector("#upload-progress"), label = form.querySelector("#upload-percent");
    var pct = Math.floor((evt.detail.loaded / evt.detail.total) * 100);
    bar.hidden = false;
    bar.value = pct;
    bar.setAttribute("data-percent", String(pct));
    label.textContent = pct + "%";
  });

  document.addEventListener("htmx:beforeRequest", function (evt) {
    // A new action starts: the alert of the last one no longer applies.
    var alerts = document.getElementById("alerts");
    if (alerts) alerts.textContent = "";
    var form = evt.target;
    if (form.id === "upload-form") {
      var bar = form.querySelector("#upload-progress");
      bar.hidden = false;
      bar.value = 0;
      form.querySelector("button[type=submit]").disabled = true;
    }
  });

  // Errors reach #alerts through the server's HX-Retarget and the
  // htmx-config responseHandling in the layout; success is the status.
  function succeeded(evt) {
    return evt.detail.xhr && evt.detail.xhr.status >= 200 && evt.detail.xhr.status < 400;
  }

  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.target;
    if (form.id === "upload-form") {
      form.querySelector("button[type=submit]").disabled = false;
      if (succeeded(evt)) {
        form.querySelector("#upload-percent").textContent = "done";
        form.reset();
      } else {
        form.querySelector("#upload-percent").textContent = "not uploaded; see the message above";
      }
    }
  });

  // A created container shows in the table; clear its name for the next.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.target;
    if (succeeded(evt) && form.matches && form.matches("form.create")) form.reset();
  });
})();
