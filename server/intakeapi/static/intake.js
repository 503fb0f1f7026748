// The intake desk's pages: choosing a service shows its checklist, the new-application
// form and the status form send JSON to the API (with the shell's CSRF header through
// window.tarazy.send), and the page then shows the receipt the API made.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const choice = document.getElementById("service-choice");
  if (choice) {
    choice.addEventListener("change", function () {
      if (choice.value) choice.form.submit();
    });
  }

  const form = document.getElementById("intake-new");
  if (form) newApplication(form);

  const status = document.getElementById("intake-status");
  if (status) statusChange(status);
  // Tests wait for this before they click: a click before the handlers are attached
  // would submit the form the plain way.
  document.documentElement.dataset.intakeReady = "1";
});

function val(form, name) {
  const el = form.elements.namedItem(name);
  return el ? el.value.trim() : "";
}

function checked(form, name) {
  const el = form.elements.namedItem(name);
  return el ? el.checked : false;
}

function showError(form, msg) {
  const p = form.querySelector("#intake-error");
  p.textContent = msg;
}

// An IIN is 12 digits: a shorter or longer one ("12345") is refused at the field,
// before anything is sent; the server refuses it too.
function checkIINs(form) {
  let ok = true;
  form.querySelectorAll("input[data-iin]").forEach(function (input) {
    const v = input.value.trim();
    const bad = v !== "" && !/^[0-9]{12}$/.test(v);
    const note = input.parentElement.querySelector(".field-error");
    if (note) note.hidden = !bad;
    input.setAttribute("aria-invalid", bad ? "true" : "false");
    if (bad) ok = false;
  });
  return ok;
}

function newApplication(form) {
  form.querySelectorAll("input[data-iin]").forEach(function (input) {
    input.addEventListener("change", function () { checkIINs(form); });
  });
  const channel = form.elements.namedItem("channel");
  function showDocs() {
    form.querySelectorAll("tr.doc").forEach(function (row) {
      const chans = row.dataset.channels ? row.dataset.channels.split(" ") : [];
      row.hidden = chans.length > 0 && !chans.includes(channel.value);
    });
  }
  if (channel) {
    channel.addEventListener("change", showDocs);
    showDocs();
  }

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    if (!checkIINs(form)) {
      const first = form.querySelector("input[aria-invalid=true]");
      if (first) first.focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    const label = button.textContent;
    button.disabled = true;
    button.textContent = button.dataset.sending;
    showError(form, "");
    const body = {
      service: form.dataset.service,
      channel: val(form, "channel"),
      at: val(form, "at"),
      applicant: { name: val(form, "applicant.name"), iin: val(form, "applicant.iin"),
        phone: val(form, "applicant.phone"), address: val(form, "applicant.address") },
      child: { name: val(form, "child.name"), iin: val(form, "child.iin") },
      conditions: Array.from(form.querySelectorAll("input[name=condition]:checked")).map(function (c) { return c.value; }),
      documents: [],
      emergency: val(form, "emergency"),
      note: val(form, "note"),
    };
    form.querySelectorAll("tr.doc").forEach(function (row) {
      const box = row.querySelector("input[name=doc]");
      if (row.hidden || !box.checked) return;
      const doc = { id: box.value };
      const until = form.elements.namedItem("until." + box.value);
      const issued = form.elements.namedItem("issued." + box.value);
      if (until && until.value) doc.valid_until = until.value;
      if (issued && issued.value) doc.issued = issued.value;
      body.documents.push(doc);
    });
    if (form.dataset.contest === "true") {
      const email = val(form, "candidate.email");
      body.child.email = email;
      body.candidate = {
        grade: parseInt(val(form, "candidate.grade"), 10),
        language: val(form, "candidate.language"),
        email: email,
        olympiad: checked(form, "candidate.olympiad"),
        myn_bala: checked(form, "candidate.myn_bala"),
        diplomas: val(form, "candidate.diplomas").split("\n").map(function (s) { return s.trim(); }).filter(Boolean),
        iin_override: val(form, "candidate.iin_override"),
      };
      const box = document.getElementById("decision");
      const choice = form.querySelector("input[name=decision]:checked");
      if (box && !box.hidden && choice) {
        body.decision = { accept: choice.value === "accept", reason: val(form, "decision.reason") };
      }
    } else {
      const grade = val(form, "grade");
      if (grade) body.grade = parseInt(grade, 10);
      body.territory = checked(form, "territory");
    }
    try {
      const app = await window.tarazy.send("POST", form.dataset.api + "/applications", body);
      window.location.assign(form.dataset.page + "/applications/" + encodeURIComponent(app.number) + "?new=1");
    } catch (e) {
      showError(form, e.message);
      button.disabled = false;
      button.textContent = label;
      if (e.status === 422 && e.code === "decision_needed") {
        // §19: late or incomplete MAY be refused; the staff decide, with the reason.
        const d = document.getElementById("decision");
        if (d) { d.hidden = false; d.querySelector("input").focus(); }
      } else if (e.status === 422) {
        const o = document.getElementById("override");
        if (o) { o.hidden = false; o.querySelector("input").focus(); }
      }
    }
  });
}

function statusChange(form) {
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    showError(form, "");
    const body = { to: val(form, "to"), ground: val(form, "ground"), reason: val(form, "reason"), result: val(form, "result") };
    try {
      await window.tarazy.send("POST", form.dataset.api, body);
      window.location.reload();
    } catch (e) {
      showError(form, e.message);
      button.disabled = false;
    }
  });
}
