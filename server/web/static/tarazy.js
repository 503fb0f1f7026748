// The shell's script: sign out, and send changes with the CSRF header the
// server requires of requests that carry the session cookie.
"use strict";

window.tarazy = {
  // send makes an API call from a page; it resolves to the parsed JSON body and
  // rejects with the server's error message (err.status, and err.code from the body).
  send: async function (method, url, body) {
    const res = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Tarazy-CSRF": "1" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!res.ok) {
      const msg = data && data.error ? data.error.message : res.status + " " + res.statusText;
      const err = new Error(msg);
      err.status = res.status;
      err.code = data && data.error ? data.error.code : "";
      throw err;
    }
    return data;
  },
};

document.addEventListener("DOMContentLoaded", function () {
  const out = document.getElementById("logout");
  if (out) {
    out.addEventListener("click", async function (ev) {
      ev.preventDefault();
      try { await window.tarazy.send("DELETE", "/api/session"); } catch (e) { /* signed out anyway */ }
      window.location.assign("/ui/login");
    });
  }
});
