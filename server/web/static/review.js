// The review screen. Keys are read by their physical place (ev.code), so A–E and the
// digits work whatever keyboard layout is active (Kazakh and Russian layouts give
// "ф", "ә"… for them); a key that means nothing says so. A letter replaces the answer;
// a second letter needs Shift or the "+ second letter" button. A field with no
// machine value starts with nothing chosen and Enter waits for a choice. Every change
// is a call to the API, which applies the double-keying rule.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const root = document.getElementById("review");
  if (!root) return;
  const api = root.dataset.api;
  const msg = JSON.parse(root.dataset.messages || "{}");
  const keymsg = document.getElementById("keymsg");
  const items = Array.from(root.querySelectorAll(".item"));
  let current = null;

  function fmt(text) { const args = Array.prototype.slice.call(arguments, 1); let i = 0; return text.replace(/%s/g, function () { return args[i++]; }); }
  function say(text) { keymsg.textContent = text; }
  function keysOf(item) { return item.dataset.keys ? item.dataset.keys.split(",") : []; }
  function active(item) { return item.dataset.state !== "final" && item.dataset.readonly !== "true" && !item.classList.contains("elsewhere"); }
  function chosen(item) { return item.dataset.chosen === "true"; }

  // The physical key, whatever the layout; without one (some on-screen keyboards),
  // the character, reading Cyrillic look-alikes as the Latin letters they resemble.
  const lookalike = { "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H" };
  function physical(ev) {
    let m = /^Key([A-Z])$/.exec(ev.code || "");
    if (m) return m[1];
    m = /^(?:Digit|Numpad)([0-9])$/.exec(ev.code || "");
    if (m) return m[1];
    const k = (ev.key || "").toUpperCase();
    if (lookalike[k]) return lookalike[k];
    if (/^[A-Z0-9]$/.test(k)) return k;
    return "";
  }

  function show(item) {
    const v = item.dataset.value;
    const span = item.querySelector(".value");
    if (!chosen(item)) {
      span.textContent = msg["review.nochoice"];
    } else {
      span.textContent = v === "" ? "∅" : v;
    }
    const multi = item.dataset.kind === "q" && chosen(item) && v.length > 1;
    span.classList.toggle("multi", multi);
    span.classList.toggle("edited", chosen(item) && v !== item.dataset.machine);
    const warn = item.querySelector('[data-testid="multi-warning"]');
    if (warn) warn.hidden = !multi;
    item.querySelectorAll("button.key").forEach(function (b) {
      const k = b.dataset.key;
      const on = chosen(item) && (k === "blank" ? v === "" : (item.dataset.kind === "q" ? v.split("").includes(k) && !b.classList.contains("choice") || (b.classList.contains("choice") && v === k) : v === k));
      b.classList.toggle("secondary", !on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    const submit = item.querySelector("button.submit");
    if (submit) submit.disabled = !chosen(item) || !valid(item);
  }

  function valid(item) {
    if (item.dataset.kind === "iin") return iinValid(item.dataset.value);
    return true;
  }

  function choose(item, value) {
    item.dataset.value = value;
    item.dataset.chosen = "true";
    show(item);
  }

  function focusItem(item) {
    if (!item) return;
    // A tab in the background gets no focusin until it is brought forward, but its
    // keys still arrive: the item the screen shows as current is the one they act on.
    current = item;
    item.focus({ preventScroll: false });
  }

  function neighbour(from, step) {
    const list = items.filter(active);
    let i = list.indexOf(from);
    if (i < 0) {
      i = step > 0 ? -1 : list.length;
    }
    return list[i + step] || null;
  }

  // press applies a key or button to a field: a letter replaces the answer unless
  // adding was asked for (Shift, or the "+ second letter" button).
  function press(item, key, adding) {
    const kind = item.dataset.kind;
    const keys = keysOf(item);
    if (kind === "qr") {
      if (key === "ok") { choose(item, "ok"); return true; }
      return false;
    }
    if (key === "blank") {
      if (kind !== "q") return false;
      choose(item, "");
      return true;
    }
    if (!keys.includes(key) && !(kind === "q" && /^[A-Z]+$/.test(key) && key.split("").every(function (k) { return keys.includes(k); }))) return false;
    if (kind === "q" && adding && chosen(item)) {
      const have = new Set(item.dataset.value.split("").filter(Boolean));
      if (have.has(key)) have.delete(key); else have.add(key);
      choose(item, keys.filter(function (k) { return have.has(k); }).join(""));
    } else {
      choose(item, key);
    }
    const add = item.querySelector(".addletter");
    if (add) add.setAttribute("aria-pressed", "false");
    return true;
  }

  function badKey(item, shown) {
    if (item.dataset.readonly === "true") { say(msg["review.key.chaironly"]); return; }
    if (item.dataset.state === "final") { say(msg["review.key.settled"]); return; }
    let allowed = keysOf(item).join(", ");
    if (item.dataset.kind === "q") allowed += ", Backspace";
    say(fmt(msg["review.key.unknown"], shown, allowed));
  }

  // The IIN: twelve digits, checked as they are typed.
  function iinValid(s) {
    if (!/^[0-9]{12}$/.test(s)) return false;
    const d = s.split("").map(Number);
    const w1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], w2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    let c = 0; for (let i = 0; i < 11; i++) c += d[i] * w1[i]; c %= 11;
    if (c === 10) { c = 0; for (let i = 0; i < 11; i++) c += d[i] * w2[i]; c %= 11; if (c === 10) return false; }
    return c === d[11];
  }
  const registered = {};
  document.querySelectorAll("#names option").forEach(function (o) { registered[o.value] = o.textContent; });
  const byName = {};
  document.querySelectorAll("#namelist option").forEach(function (o) { byName[o.value] = o.dataset.iin; });

  function iinChanged(item) {
    const input = item.querySelector("input.iin");
    const v = input.value.replace(/[^0-9?]/g, "").slice(0, 12);
    if (input.value !== v) input.value = v;
    item.dataset.value = v;
    item.dataset.chosen = v.length === 12 ? "true" : "false";
    const check = item.querySelector(".iincheck");
    const digits = v.replace(/[^0-9]/g, "").length;
    let text;
    if (v.length < 12 || digits < 12) {
      text = msg["review.iin.count." + digits];
      check.className = "iincheck";
    } else if (iinValid(v)) {
      text = msg["review.iin.ok"] + " " + (registered[v] ? msg["review.iin.registered"] + " " + registered[v] : msg["review.iin.unregistered"]);
      check.className = "iincheck ok";
    } else {
      text = msg["review.iin.bad"] + (registered[v] ? " " + msg["review.iin.registered"] + " " + registered[v] : "");
      check.className = "iincheck bad";
      if (registered[v]) item.dataset.registered = "true";
    }
    check.textContent = text;
    show(item);
    const submit = item.querySelector("button.submit");
    if (submit) submit.disabled = !(v.length === 12 && (iinValid(v) || registered[v]));
  }

  // The page-level review: corrections by question, written as the server expects.
  function pageCorrections(item) {
    const c = JSON.parse(item.dataset.corrections || "{}");
    const order = function (f) { return f === "variant" ? [0, 0] : f === "iin" ? [1, 0] : [2, parseInt(f.slice(1), 10)]; };
    const fields = Object.keys(c).sort(function (a, b) { const x = order(a), y = order(b); return x[0] - y[0] || x[1] - y[1]; });
    return { map: c, fields: fields, value: fields.length ? fields.map(function (f) { return f + "=" + c[f]; }).join(";") : "ok" };
  }
  function pageShow(item) {
    const pc = pageCorrections(item);
    item.querySelector(".corrections").textContent = pc.fields.length ? pc.fields.map(function (f) { return f + ": " + (pc.map[f] || "∅"); }).join(", ") : msg["review.page.none"];
    item.querySelectorAll("button.q").forEach(function (b) {
      const f = b.dataset.q;
      const v = f in pc.map ? pc.map[f] : b.dataset.read;
      b.querySelector("b").textContent = v === "" ? "∅" : v;
      b.classList.toggle("edited", f in pc.map);
    });
  }
  function pagePress(item, key) {
    const q = item.dataset.editing;
    if (!q) return false;
    const b = item.querySelector('button.q[data-q="' + q + '"]');
    const c = JSON.parse(item.dataset.corrections || "{}");
    const v = key === "blank" ? "" : key;
    if (key !== "blank" && !keysOf(item).includes(key)) return false;
    if (v === b.dataset.read) delete c[q]; else c[q] = v;
    item.dataset.corrections = JSON.stringify(c);
    item.dataset.value = pageCorrections(item).value;
    item.dataset.chosen = "true";
    pageShow(item);
    show(item);
    return true;
  }

  async function counters() {
    try {
      const c = await window.tarazy.send("GET", api + "/review/counts");
      ["mine", "others", "chair"].forEach(function (t) {
        const el = root.querySelector('[data-testid="count-' + t + '"]');
        if (el) el.textContent = c[t];
      });
    } catch (e) { /* the next poll tries again */ }
  }

  async function submit(item) {
    if (!active(item)) return;
    if (!chosen(item) || !valid(item) && !(item.dataset.kind === "iin" && registered[item.dataset.value])) {
      say(msg["review.mustchoose"]);
      return;
    }
    const err = item.querySelector(".error");
    err.hidden = true;
    const button = item.querySelector("button.submit");
    button.disabled = true;
    say(msg["review.sending"]);
    const asChair = item.dataset.state === "disputed" && root.dataset.chair === "true";
    try {
      const res = await window.tarazy.send("POST",
        api + "/review/" + encodeURIComponent(item.dataset.serial) + "/" + encodeURIComponent(item.dataset.field),
        { value: item.dataset.value, as_chair: asChair });
      const out = res.item.outcome;
      item.dataset.state = out.state;
      const badge = item.querySelector(".badge");
      badge.className = "badge " + out.state;
      badge.textContent = msg["state." + out.state] || out.state;
      item.querySelector(".waiting").textContent = out.next ? (msg["wait." + out.next] || out.waiting) : "";
      say("");
      if (out.state === "final") {
        item.classList.add("settled");
        button.hidden = true;
      } else {
        // Keyed by me: it now waits for others, and leaves this tab.
        item.classList.add("elsewhere");
        item.dataset.tab = out.state === "disputed" ? "chair" : "others";
      }
      item.tabIndex = -1;
      counters();
      focusItem(neighbour(item, 1));
    } catch (e) {
      err.textContent = e.message;
      err.hidden = false;
      say("");
      button.disabled = false;
    }
  }

  // The page view: the page, zoomable, with the field outlined (and, for a page-level
  // review, every read mark and value drawn over it).
  const dialog = document.getElementById("pageview");
  const svg = dialog.querySelector("svg");
  let zoom = 1;
  function openPage(sheet, field) {
    const url = sheet.dataset.page;
    if (!url) return;
    const o = sheet.dataset.overlay ? JSON.parse(sheet.dataset.overlay) : null;
    const ns = "http://www.w3.org/2000/svg";
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const img = document.createElementNS(ns, "image");
    img.setAttribute("href", url);
    dialog.querySelector(".nogeometry").hidden = !!o;
    const w = o ? o.W : 1000, h = o ? o.H : 1414;
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    img.setAttribute("width", w); img.setAttribute("height", h);
    if (!o) img.setAttribute("preserveAspectRatio", "xMidYMin meet");
    svg.appendChild(img);
    let target = null;
    if (o) {
      (o.boxes || []).forEach(function (b) {
        const p = document.createElementNS(ns, "polygon");
        p.setAttribute("points", b.points);
        p.setAttribute("class", "box" + (b.field === field ? " current" : ""));
        p.dataset.field = b.field;
        svg.appendChild(p);
        if (b.field === field) target = b;
      });
      (o.marks || []).forEach(function (m) {
        const c = document.createElementNS(ns, "circle");
        c.setAttribute("cx", m.x); c.setAttribute("cy", m.y); c.setAttribute("r", m.r);
        c.setAttribute("class", "mark");
        svg.appendChild(c);
      });
      (o.texts || []).forEach(function (t) {
        const e = document.createElementNS(ns, "text");
        e.setAttribute("x", t.x); e.setAttribute("y", t.y);
        e.setAttribute("class", "val");
        e.dataset.field = t.field;
        e.textContent = t.text;
        svg.appendChild(e);
      });
    }
    zoom = 1;
    svg.style.width = "100%";
    dialog.showModal();
    if (target) {
      const pts = target.points.split(" ").map(function (p) { return p.split(",").map(Number); });
      const y = pts[0][1] / h;
      const vp = dialog.querySelector(".viewport");
      zoomTo(2);
      vp.scrollTop = y * vp.scrollHeight - vp.clientHeight / 3;
    }
  }
  function zoomTo(z) { zoom = Math.min(6, Math.max(0.5, z)); svg.style.width = (100 * zoom) + "%"; }
  dialog.querySelector(".zoomin").addEventListener("click", function () { zoomTo(zoom * 1.5); });
  dialog.querySelector(".zoomout").addEventListener("click", function () { zoomTo(zoom / 1.5); });
  dialog.querySelector(".close").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () { focusItem(current); });
  dialog.addEventListener("keydown", function (ev) {
    if (ev.code === "Equal" || ev.code === "NumpadAdd") { zoomTo(zoom * 1.5); ev.preventDefault(); }
    if (ev.code === "Minus" || ev.code === "NumpadSubtract") { zoomTo(zoom / 1.5); ev.preventDefault(); }
    if (ev.code === "KeyZ") { dialog.close(); ev.preventDefault(); }
    ev.stopPropagation(); // the queue's keys wait until the page view is closed
  });

  root.querySelectorAll(".openpage").forEach(function (b) {
    b.addEventListener("click", function () { openPage(b.closest(".sheet"), current ? current.dataset.field : ""); });
  });

  items.forEach(function (item) {
    show(item);
    item.addEventListener("focusin", function () { current = item; });
    item.addEventListener("click", function (ev) { if (ev.target === item || !ev.target.closest("input,button")) focusItem(item); });
    item.querySelectorAll("button.key").forEach(function (b) {
      b.addEventListener("click", function (ev) {
        ev.stopPropagation();
        const add = item.querySelector(".addletter");
        press(item, b.dataset.key, add && add.getAttribute("aria-pressed") === "true" && !b.classList.contains("choice"));
        focusItem(item);
      });
    });
    const add = item.querySelector(".addletter");
    if (add) add.addEventListener("click", function (ev) {
      ev.stopPropagation();
      add.setAttribute("aria-pressed", add.getAttribute("aria-pressed") === "true" ? "false" : "true");
      focusItem(item);
    });
    const submitButton = item.querySelector("button.submit");
    if (submitButton) submitButton.addEventListener("click", function (ev) { ev.stopPropagation(); submit(item); });
    item.querySelectorAll("img.crop").forEach(function (img) {
      img.addEventListener("error", function () {
        // Nothing is settled without evidence.
        item.dataset.chosen = "false";
        item.dataset.readonly = "true";
        const e = item.querySelector(".error");
        e.textContent = msg["review.evidence.missing"]; e.hidden = false;
        show(item);
      });
    });
    const input = item.querySelector("input.iin");
    if (input) {
      iinChanged(item);
      input.addEventListener("input", function () { iinChanged(item); });
      input.addEventListener("keydown", function (ev) {
        // Digits by their place on the keyboard: the Kazakh layout puts letters there.
        const m = /^(?:Digit|Numpad)([0-9])$/.exec(ev.code || "");
        if (m && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
          ev.preventDefault();
          const s = input.selectionStart, e = input.selectionEnd;
          input.value = input.value.slice(0, s) + m[1] + input.value.slice(e);
          input.setSelectionRange(s + 1, s + 1);
          iinChanged(item);
        } else if (ev.key === "Enter") {
          ev.preventDefault(); submit(item);
        } else if (ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey) {
          ev.preventDefault();
          badKey(item, ev.key);
        }
      });
      item.querySelectorAll("button.pick").forEach(function (b) {
        b.addEventListener("click", function () { input.value = b.dataset.iin; iinChanged(item); input.focus(); });
      });
      const name = item.querySelector("input.byname");
      name.addEventListener("change", function () { if (byName[name.value]) { input.value = byName[name.value]; iinChanged(item); input.focus(); } });
    }
    if (item.dataset.kind === "page") {
      item.querySelectorAll("button.q").forEach(function (b) {
        b.addEventListener("click", function (ev) {
          ev.stopPropagation();
          item.querySelectorAll("button.q").forEach(function (x) { x.classList.remove("editing"); });
          b.classList.add("editing");
          item.dataset.editing = b.dataset.q;
          focusItem(item);
        });
      });
      item.querySelector(".confirmpage").addEventListener("click", function (ev) {
        ev.stopPropagation();
        item.dataset.corrections = "{}";
        item.dataset.value = "ok"; item.dataset.chosen = "true";
        pageShow(item); show(item); focusItem(item);
      });
    }
  });

  document.addEventListener("keydown", function (ev) {
    if (dialog.open || ev.target instanceof HTMLInputElement || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const item = current;
    if (!item) return;
    const code = ev.code || "";
    if (ev.key === "Enter") { submit(item); }
    else if (code === "ArrowDown") { focusItem(neighbour(item, 1)); }
    else if (code === "ArrowUp") { focusItem(neighbour(item, -1)); }
    else if (code === "KeyZ") { openPage(item.closest(".sheet"), item.dataset.field); }
    else if (ev.key === "Tab" || ev.key === "Shift" || ev.key === "Escape") { return; }
    else if (!active(item)) { badKey(item, ev.key); }
    else if (code === "Backspace" || code === "Delete") {
      if (item.dataset.kind === "page" ? !pagePress(item, "blank") : !press(item, "blank")) badKey(item, ev.key);
    } else {
      const k = physical(ev);
      const ok = k !== "" && (item.dataset.kind === "page" ? pagePress(item, k) : press(item, k, ev.shiftKey));
      if (!ok) { badKey(item, ev.key); }
      else if (ev.key.toUpperCase() !== k) { say("«" + ev.key + "» → " + k); }
      else { say(""); }
    }
    ev.preventDefault();
  });

  setInterval(counters, 15000);
  const first = items.filter(active)[0];
  if (first) focusItem(first);
});
