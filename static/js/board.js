// Progressive enhancement for the board. Without it every button and form still works.
//
// 1. After htmx swaps the board in place (reorder, quick edit), put keyboard focus back on the
//    button that was pressed, so keyboard users keep their place.
// 2. Drag and drop (SortableJS, loaded for editors only): touchpoints within and across stages
//    by their handle, stages by theirs, with a mouse or a finger. Each drop is saved through the
//    same move addresses as the buttons; a move that is refused (someone changed the
//    touchpoint or the stages since the board was loaded, or the network failed) puts the card
//    or stage back where it was and says why above the board.
// 3. A refusal answered in JSON (a move by the buttons through htmx) is shown above the board
//    instead of being swapped in. A refused quick edit comes back as the board with the card
//    showing why, and htmx swaps it in like a saved one.
(function () {
  "use strict";

  // --- 1. focus after an htmx swap --------------------------------------------------------

  let lastId = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    const active = document.activeElement;
    lastId = active && active.id ? active.id : null;
    const form = event.detail.elt;
    if (!lastId && form && form.querySelector) {
      const button = form.querySelector("button[id]");
      lastId = button ? button.id : null;
    }
  });

  function restoreFocus() {
    if (!lastId) return;
    if (lastId.startsWith("quick-save-")) {
      // A quick edit: to the problem in the card if it was refused, else back to its summary.
      const pk = lastId.slice("quick-save-".length);
      const problem = document.getElementById("quick-problem-" + pk);
      const summary = document.getElementById("quick-" + pk);
      if (problem) problem.focus();
      else if (summary) {
        summary.focus();
        announce(text("saved"));
      }
      return;
    }
    // The pressed button may be gone (the card became the first or the last): use its twin.
    const twin = lastId.startsWith("move-up-")
      ? lastId.replace("move-up-", "move-down-")
      : lastId.replace("move-down-", "move-up-");
    const again = document.getElementById(lastId) || document.getElementById(twin);
    if (again) again.focus();
  }

  document.addEventListener("htmx:afterSettle", function () {
    setUpDragAndDrop();
    restoreFocus();
  });

  // --- 3. answers htmx must not swap in ----------------------------------------------------

  document.addEventListener("htmx:beforeSwap", function (event) {
    const detail = event.detail;
    const elt = detail.elt;
    const xhr = detail.xhr;
    if (!xhr || !elt || !elt.closest || !elt.closest("#board-live")) return;
    const json = (xhr.getResponseHeader("Content-Type") || "").includes("application/json");
    if (xhr.status < 400 && !json) return; // the board, drawn again: htmx swaps it in
    // A refused move by the buttons, or a touchpoint deleted meanwhile: say so by the board.
    detail.shouldSwap = false;
    detail.isError = false;
    lastId = null;
    showProblem(messageFrom(xhr.responseText, xhr.status), refusedAsOutOfDate(xhr));
  });

  document.addEventListener("htmx:sendError", function (event) {
    const elt = event.detail.elt;
    if (elt && elt.closest && elt.closest("#board-live")) {
      showProblem(text("network"), false);
    }
  });

  // --- messages --------------------------------------------------------------------------

  function board() {
    return document.getElementById("board");
  }

  function text(name) {
    const el = board();
    return (el && el.dataset["message" + name.charAt(0).toUpperCase() + name.slice(1)]) || "";
  }

  function refusedAsOutOfDate(xhr) {
    // Offer to reload when the board the person sees is no longer the one saved.
    if (xhr.status === 404) return true;
    try {
      return JSON.parse(xhr.responseText).reason === "conflict";
    } catch (ignored) {
      return false;
    }
  }

  function messageFrom(body, status) {
    try {
      const data = JSON.parse(body);
      if (data && data.message) return data.message;
    } catch (ignored) {
      // Not JSON (e.g. the 404 page): a message of our own below.
    }
    return status === 404 ? text("gone") : text("failed");
  }

  function announce(message) {
    const status = document.getElementById("board-status");
    if (status) status.textContent = message;
  }

  function showProblem(message, offerReload) {
    const alert = document.getElementById("board-alert");
    if (!alert) return;
    alert.replaceChildren();
    const p = document.createElement("p");
    p.className = "board-alert__text";
    p.textContent = message;
    alert.appendChild(p);
    const actions = document.createElement("p");
    actions.className = "board-alert__actions";
    if (offerReload && board() && board().dataset.boardUrl) {
      const reload = document.createElement("a");
      reload.className = "button button--small";
      reload.href = board().dataset.boardUrl;
      reload.textContent = text("reload");
      actions.appendChild(reload);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.className = "button button--small button--quiet board-alert__close";
    close.textContent = "×";
    close.setAttribute("aria-label", text("close"));
    close.addEventListener("click", function () {
      alert.replaceChildren();
    });
    actions.appendChild(close);
    alert.appendChild(actions);
  }

  function clearProblem() {
    const alert = document.getElementById("board-alert");
    if (alert) alert.replaceChildren();
  }

  // --- 2. drag and drop -------------------------------------------------------------------

  let sortables = [];
  let origin = null;

  function csrfToken() {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (ignored) {
      // Fall back to a form's token.
    }
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function stageOrder() {
    const el = board();
    return el ? Array.from(el.querySelectorAll(":scope > .stage"), (s) => s.dataset.stage) : [];
  }

  function setDisabled(disabled) {
    sortables.forEach((sortable) => sortable.option("disabled", disabled));
    const el = board();
    if (el) el.classList.toggle("board--saving", disabled);
  }

  function remember(event) {
    origin = {
      item: event.item,
      parent: event.item.parentNode,
      next: event.item.nextElementSibling,
      stages: stageOrder(),
    };
  }

  function putBack() {
    if (!origin) return;
    origin.parent.insertBefore(origin.item, origin.next);
  }

  function unchanged(event) {
    return event.from === event.to && event.oldDraggableIndex === event.newDraggableIndex;
  }

  function cardDropped(event) {
    if (unchanged(event)) return;
    const item = event.item;
    const stage = event.to.closest(".stage");
    const data = new FormData();
    data.append("stage", stage.dataset.stage);
    data.append("index", String(event.newDraggableIndex));
    data.append("version", item.dataset.version);
    save(item.dataset.moveUrl, data);
  }

  function stageDropped(event) {
    if (unchanged(event)) return;
    const data = new FormData();
    data.append("index", String(event.newDraggableIndex));
    origin.stages.forEach((id) => data.append("seen", id));
    save(event.item.dataset.moveUrl, data);
  }

  async function save(url, data) {
    setDisabled(true);
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
    } catch (networkError) {
      putBack();
      setDisabled(false);
      showProblem(text("network"), false);
      return;
    }
    const body = await response.text().catch(() => "");
    let answer = null;
    try {
      answer = JSON.parse(body);
    } catch (ignored) {
      // Not JSON: the 403 or 404 page.
    }
    if (!response.ok || !answer || !answer.ok) {
      // Not moved: put it back where it was and say why.
      putBack();
      setDisabled(false);
      const outOfDate = response.status === 404 || (answer && answer.reason === "conflict");
      showProblem(messageFrom(body, response.status), outOfDate);
      return;
    }
    await redraw();
    announce(text("moved"));
  }

  async function redraw() {
    // The numbers, the curve, the priorities and the buttons all follow the new order.
    const el = board();
    try {
      const response = await fetch(el.dataset.boardUrl, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("board-live");
      const live = document.getElementById("board-live");
      if (!fresh || !live) throw new Error("no board");
      const adopted = document.importNode(fresh, true);
      live.replaceWith(adopted);
      if (window.htmx) window.htmx.process(adopted);
      setUpDragAndDrop();
    } catch (failed) {
      // Saved, but the board could not be redrawn: a fresh load shows it as saved.
      window.location.reload();
    }
  }

  function stagesDirection() {
    // Side by side on a wide screen, one under the other on a phone (see screen.css).
    const stages = board() ? board().querySelectorAll(":scope > .stage") : [];
    if (stages.length < 2) return "horizontal";
    return stages[1].offsetTop > stages[0].offsetTop ? "vertical" : "horizontal";
  }

  function setUpDragAndDrop() {
    const el = board();
    if (!el || !el.hasAttribute("data-sortable") || typeof window.Sortable !== "function") return;
    if (el.dataset.sortableReady) return;
    el.dataset.sortableReady = "true";
    el.classList.add("board--sortable");
    const common = {
      animation: 150,
      // Mouse, pen and touch all through pointer events, the same in every browser.
      forceFallback: true,
      fallbackOnBody: true,
      fallbackTolerance: 4,
      ghostClass: "is-drop-place",
      chosenClass: "is-chosen",
      dragClass: "is-dragged",
      scroll: true,
      bubbleScroll: true,
      onStart: remember,
    };
    sortables = [
      window.Sortable.create(el, {
        ...common,
        draggable: ".stage",
        handle: ".stage__handle",
        direction: stagesDirection,
        onEnd: stageDropped,
      }),
    ];
    el.querySelectorAll(".stage__cards").forEach(function (list) {
      sortables.push(
        window.Sortable.create(list, {
          ...common,
          group: "touchpoints",
          draggable: ".tp-card",
          handle: ".tp-card__handle",
          emptyInsertThreshold: 24,
          onEnd: cardDropped,
        }),
      );
    });
    el.addEventListener("pointerdown", function (event) {
      if (event.target.closest && event.target.closest(".drag-handle")) clearProblem();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpDragAndDrop);
  } else {
    setUpDragAndDrop();
  }
})();
