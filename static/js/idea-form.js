// The idea form, made for a phone in a short break. Works without this file; with it:
// - a draft of what was typed survives a reload or a lost connection (localStorage),
//   and is cleared once the idea has arrived (the idea page says so with data-clear-draft);
// - a filter box narrows the long list of touchpoints (unless one is already chosen).
(function () {
  "use strict";
  var FIELDS = ["title", "today", "proposal"];

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  var done = document.querySelector("[data-clear-draft]");
  if (done && store()) store().removeItem(done.getAttribute("data-clear-draft"));

  var form = document.querySelector("form[data-draft-key]");
  if (!form) return;
  var key = form.getAttribute("data-draft-key");
  var storage = store();
  var select = form.elements.touchpoint;
  // Arrived from a touchpoint's QR code or link: the moment is chosen, no need to search.
  var chosen = !!(select && select.value);

  // The form's one-time token goes with the draft. If the idea was sent but the answer got
  // lost (a flaky connection), going back brings the same text *and* the same token, so
  // sending it again cannot make a second idea. Once the text changes, it is a new idea
  // and gets the page's own fresh token.
  var token = form.elements.submission_token;
  var freshToken = token ? token.value : "";
  var draft = null;

  function current() {
    var data = {};
    FIELDS.forEach(function (name) { if (form.elements[name]) data[name] = form.elements[name].value; });
    if (select) data.touchpoint = select.value;
    return data;
  }

  function sameAsDraft() {
    var now = current();
    return Object.keys(now).every(function (name) { return (draft[name] || "") === now[name]; });
  }

  if (storage) {
    try { draft = JSON.parse(storage.getItem(key) || "null"); } catch (e) { draft = null; }
    if (draft) {
      FIELDS.forEach(function (name) {
        var el = form.elements[name];
        if (el && !el.value && draft[name]) el.value = draft[name];
      });
      if (select && !select.value && draft.touchpoint) select.value = draft.touchpoint;
      if (token && draft.token && sameAsDraft()) token.value = draft.token;
    }
    var save = function (event) {
      if (event && event.target && event.target.id === "touchpoint-filter") return;
      if (token && draft && draft.token) token.value = sameAsDraft() ? draft.token : freshToken;
      var data = current();
      if (token) data.token = token.value;
      try { storage.setItem(key, JSON.stringify(data)); } catch (e) { /* full or private mode */ }
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  }

  // A double tap sends the form once (the token would catch the second, but why wait for it).
  // After a few seconds without an answer, another tap may try again.
  var sentAt = 0;
  form.addEventListener("submit", function (event) {
    var now = Date.now();
    if (now - sentAt < 8000) { event.preventDefault(); return; }
    sentAt = now;
  });
  window.addEventListener("pageshow", function () { sentAt = 0; });

  if (select && !chosen && select.options.length > 12) {
    var wrap = document.createElement("div");
    wrap.className = "field field--filter";
    var label = document.createElement("label");
    label.htmlFor = "touchpoint-filter";
    label.textContent = select.getAttribute("data-filter-label") || "Find a touchpoint";
    var box = document.createElement("input");
    box.type = "search";
    box.id = "touchpoint-filter";
    box.autocomplete = "off";
    wrap.appendChild(label);
    wrap.appendChild(box);
    var field = select.closest(".field");
    field.parentNode.insertBefore(wrap, field);
    // "Go" on a phone's keyboard in the filter box must not send the half-written idea.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }
    });
    box.addEventListener("input", function () {
      var needle = box.value.trim().toLowerCase();
      var shown = [];
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        var groupMatch = group.label.toLowerCase().indexOf(needle) !== -1;
        var any = false;
        Array.prototype.forEach.call(group.children, function (option) {
          var show = !needle || groupMatch || option.text.toLowerCase().indexOf(needle) !== -1;
          option.hidden = !show;
          if (show) shown.push(option);
          any = any || show;
        });
        group.hidden = !any;
      });
      // One moment left: choose it (the draft hears of it through "change").
      if (needle && shown.length === 1 && select.value !== shown[0].value) {
        select.value = shown[0].value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }
})();
