// Polls the history import's progress and updates the bar; no framework, no external assets.
(function () {
  "use strict";
  var box = document.getElementById("backfill");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var status = box.querySelector("[data-role=status]");

  function show(p) {
    bar.value = p.percent;
    bar.textContent = p.percent + "%";
    if (p.done) {
      status.textContent = "Done: " + p.activities + " activities imported.";
    } else if (p.stalled) {
      status.textContent = "Strava is busy: " + p.activities + " activities so far, the rest comes overnight.";
    } else {
      status.textContent = "Importing from Strava: " + p.activities + " activities so far\u2026";
    }
  }

  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (p) {
        show(p);
        if (!p.done && !p.stalled) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  poll();
})();
