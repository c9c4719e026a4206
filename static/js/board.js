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
    const again = document.getElementById(lastId);
    if (again) again.focus();
  });
})();
