// The review meeting page, with a script: each card saves itself when a field changes (htmx
// posts the page to the card's address; the answer is the card's status line), the meeting bar
// names the stage in view, and leaving with something typed but not saved asks first.
// Without a script the page is one form: any Save button sends every card that changed.
(function () {
  "use strict";
  const form = document.querySelector("form[data-meeting]");
  if (!form) return;

  // What each card sent, so that once it is stored the fields count as saved (not "dirty").
  const sent = new WeakMap();

  function fields(root) {
    return Array.from(root.querySelectorAll("input, textarea, select")).filter(function (el) {
      return el.type !== "hidden" && el.type !== "submit" && el.name;
    });
  }

  function isChanged(el) {
    if (el.type === "radio" || el.type === "checkbox") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      return Array.from(el.options).some(function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }

  function markSaved(el, value) {
    if (el.type === "radio" || el.type === "checkbox") el.defaultChecked = value;
    else if (el.tagName === "SELECT") {
      Array.from(el.options).forEach(function (o, i) { o.defaultSelected = value[i]; });
    } else el.defaultValue = value;
  }

  function snapshot(el) {
    if (el.type === "radio" || el.type === "checkbox") return el.checked;
    if (el.tagName === "SELECT") return Array.from(el.options).map(function (o) { return o.selected; });
    return el.value;
  }

  function card(elt) {
    return elt && elt.closest ? elt.closest("[data-card]") : null;
  }

  document.body.addEventListener("htmx:configRequest", function (event) {
    const c = card(event.detail.elt);
    if (!c) return;
    const values = new Map();
    fields(c).forEach(function (el) { values.set(el, snapshot(el)); });
    sent.set(c, values);
    const status = c.querySelector(".save-status");
    if (status) status.textContent = status.dataset.saving || "Saving…";
  });

  // A refused save (a field error, or someone else saved the moment meanwhile) still shows
  // its answer in the card's status line.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (!card(event.detail.elt)) return;
    const code = event.detail.xhr.status;
    if (code === 400 || code === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    const c = card(event.detail.elt);
    if (!c) return;
    if (event.detail.xhr && event.detail.xhr.status === 200) {
      const values = sent.get(c);
      if (values) values.forEach(function (value, el) { markSaved(el, value); });
    }
  });

  function offline(event) {
    const c = card(event.detail.elt);
    if (!c) return;
    const status = c.querySelector(".save-status");
    if (status) {
      status.innerHTML = "";
      const span = document.createElement("span");
      span.className = "save-status__error";
      span.textContent = status.dataset.offline ||
        "Not saved: the server could not be reached. Your text is kept: press Save.";
      status.appendChild(span);
    }
  }
  document.body.addEventListener("htmx:sendError", offline);
  document.body.addEventListener("htmx:responseError", offline);

  let submitting = false;
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (submitting) return;
    if (fields(form).some(isChanged)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // The meeting bar names the stage being walked.
  const label = document.querySelector("[data-meeting-stage]");
  const stages = Array.from(document.querySelectorAll(".review-stage"));
  if (label && stages.length && "IntersectionObserver" in window) {
    const visible = new Set();
    const observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) visible.add(entry.target);
        else visible.delete(entry.target);
      });
      const current = stages.find(function (s) { return visible.has(s); });
      if (current) {
        const title = current.querySelector(".review-stage__title");
        label.textContent = (label.dataset.prefix || "Stage: ") + (title ? title.textContent : "");
        label.hidden = false;
      }
    }, { rootMargin: "-20% 0px -60% 0px" });
    stages.forEach(function (s) { observer.observe(s); });
  }
})();
