// The review screen: key a value for each field under review with the keyboard or the
// mouse and send it to the API, which applies the double-keying rule.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const root = document.getElementById("review");
  if (!root) return;
  const api = root.dataset.api;
  const items = Array.from(root.querySelectorAll(".item"));
  let current = -1;

  function keysOf(item) { return item.dataset.keys ? item.dataset.keys.split(",") : []; }
  function open(item) { return item.dataset.state !== "final"; }

  function show(item) {
    const v = item.dataset.value;
    const span = item.querySelector(".value");
    span.textContent = v === "" ? "∅" : v;
    span.classList.toggle("edited", v !== item.dataset.machine);
    item.querySelectorAll("button.key").forEach(function (b) {
      const k = b.dataset.key;
      const on = k === "blank" ? v === "" : v.split("").includes(k) && (item.dataset.kind === "q" || v === k);
      b.classList.toggle("secondary", !on);
    });
  }

  function select(i) {
    if (i < 0 || i >= items.length) return;
    if (current >= 0) items[current].classList.remove("current");
    current = i;
    items[i].classList.add("current");
    items[i].focus({ preventScroll: true });
    items[i].scrollIntoView({ block: "nearest" });
  }

  function nextOpen(from, step) {
    for (let i = from + step; i >= 0 && i < items.length; i += step) {
      if (open(items[i])) return i;
    }
    return -1;
  }

  function press(item, key) {
    const kind = item.dataset.kind;
    const keys = keysOf(item);
    if (key === "blank") {
      if (kind === "q") item.dataset.value = "";
    } else if (keys.includes(key)) {
      if (kind === "q") {
        // A question may hold several letters (a multi-mark); keep them in option order.
        const have = new Set(item.dataset.value.split("").filter(Boolean));
        if (have.has(key)) have.delete(key); else have.add(key);
        item.dataset.value = keys.filter(function (k) { return have.has(k); }).join("");
      } else {
        item.dataset.value = key;
      }
    } else {
      return false;
    }
    show(item);
    return true;
  }

  async function submit(item) {
    if (!open(item)) return;
    const err = item.querySelector(".error");
    err.hidden = true;
    const button = item.querySelector("button.submit");
    button.disabled = true;
    const asChair = item.querySelector(".as-chair");
    let value = item.dataset.value;
    if (item.dataset.kind === "qr") value = "ok";
    try {
      const res = await window.tarazy.send("POST",
        api + "/review/" + encodeURIComponent(item.dataset.serial) + "/" + encodeURIComponent(item.dataset.field),
        { value: value, as_chair: !!(asChair && asChair.checked) });
      const out = res.item.outcome;
      item.dataset.state = out.state;
      const badge = item.querySelector(".badge");
      badge.className = "badge " + out.state;
      badge.textContent = badge.dataset[out.state] || out.state;
      const waiting = item.querySelector(".waiting");
      waiting.textContent = out.next ? (waiting.dataset[out.next] || out.waiting) : "";
      if (out.state === "final") {
        item.classList.add("settled");
      } else {
        button.disabled = false;
      }
      const n = nextOpen(items.indexOf(item), 1);
      if (n >= 0) select(n);
    } catch (e) {
      err.textContent = e.message;
      err.hidden = false;
      button.disabled = false;
    }
  }

  items.forEach(function (item, i) {
    show(item);
    item.addEventListener("click", function () { select(i); });
    item.querySelectorAll("button.key").forEach(function (b) {
      b.addEventListener("click", function (ev) { ev.stopPropagation(); select(i); press(item, b.dataset.key); });
    });
    item.querySelector("button.submit").addEventListener("click", function (ev) {
      ev.stopPropagation(); select(i); submit(item);
    });
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.target instanceof HTMLInputElement || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (current < 0) return;
    const item = items[current];
    const k = ev.key;
    if (k === "Enter") { submit(item); }
    else if (k === "ArrowDown" || k === "n" || k === "N") { const n = nextOpen(current, 1); if (n >= 0) select(n); }
    else if (k === "ArrowUp") { const p = nextOpen(current, -1); if (p >= 0) select(p); }
    else if (k === "Backspace" || k === "Delete" || k === "-") { press(item, "blank"); }
    else if (!press(item, k.toUpperCase())) { return; }
    ev.preventDefault();
  });

  const first = nextOpen(-1, 1);
  if (first >= 0) select(first);
});
