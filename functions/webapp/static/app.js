"use strict";
(function () {
  const count = document.getElementById("count");
  const servedBy = document.getElementById("served-by");
  const error = document.getElementById("error");

  async function call(method) {
    try {
      const res = await fetch("/counter", { method, credentials: "same-origin", cache: "no-store" });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const body = await res.json();
      count.textContent = String(body.count);
      servedBy.textContent = body.servedBy;
      error.hidden = true;
    } catch (e) {
      error.textContent = "Request failed: " + e.message;
      error.hidden = false;
    }
  }

  document.getElementById("increment").addEventListener("click", () => call("POST"));
  call("GET");
})();
