// Progressive enhancement for the board: after htmx swaps the board in place (reorder),
// put keyboard focus back on the button that was pressed, so keyboard users keep their place.
(function () {
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
  document.addEventListener("htmx:afterSettle", function () {
    if (!lastId) return;
    // The pressed button may be gone (the card became the first or the last): use its twin.
    const twin = lastId.startsWith("move-up-")
      ? lastId.replace("move-up-", "move-down-")
      : lastId.replace("move-down-", "move-up-");
    const again = document.getElementById(lastId) || document.getElementById(twin);
    if (again) again.focus();
  });
})();
