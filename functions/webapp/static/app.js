"use strict";
(function () {
  const count = document.getElementById("count");
  const servedBy = document.getElementById("served-by");
  const error = document.getElementById("error");

  // newKey returns 128 random bits in hex: one Idempotency-Key per click, so
  // that repeating a POST whose answer was lost never counts it twice.
  // (crypto.getRandomValues, unlike crypto.randomUUID, also works over plain HTTP.)
  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  async function call(method) {
    const headers = method === "POST" ? { "Idempotency-Key": newKey() } : {};
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch("/counter", { method, headers, credentials: "same-origin", cache: "no-store" });
        if (res.status === 503 && attempt < 3) {
          // The store did not answer: repeat with the same key.
          await new Promise((r) => setTimeout(r, 500 * attempt));
          continue;
        }
        if (!res.ok) throw new Error("HTTP " + res.status);
        const body = await res.json();
        count.textContent = String(body.count);
        servedBy.textContent = body.servedBy;
        error.hidden = true;
        return;
      } catch (e) {
        error.textContent = "Request failed: " + e.message;
        error.hidden = false;
        return;
      }
    }
  }

  document.getElementById("increment").addEventListener("click", () => call("POST"));
  call("GET");
})();
