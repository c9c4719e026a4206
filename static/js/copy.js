// Copy buttons. A field marked <input readonly data-copy-label="Copy" data-copied-label="Copied">
// gets a "Copy" button after it that puts its value on the clipboard and then says "Copied".
// Without this file the value is still shown, readonly and selectable, and there is no button
// that would do nothing. The labels come from the page, translated.
(function () {
  "use strict";

  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    // Plain HTTP has no clipboard API: select the text and ask the browser to copy it.
    field.select();
    return document.execCommand && document.execCommand("copy")
      ? Promise.resolve()
      : Promise.reject(new Error("copy refused"));
  }

  document.querySelectorAll("input[data-copy-label]").forEach(function (field) {
    var label = field.getAttribute("data-copy-label");
    var copied = field.getAttribute("data-copied-label") || label;
    var button = document.createElement("button");
    var timer = null;
    button.type = "button";
    button.className = "button button--small";
    button.textContent = label;
    // After the field's box (label and input) when it has one, else right after the input.
    var box = field.closest(".field");
    if (box) {
      var line = document.createElement("p");
      line.appendChild(button);
      box.insertAdjacentElement("afterend", line);
    } else {
      field.insertAdjacentElement("afterend", button);
      field.insertAdjacentText("afterend", " ");
    }
    button.addEventListener("click", function () {
      copy(field).then(
        function () {
          button.textContent = copied;
          clearTimeout(timer);
          timer = setTimeout(function () { button.textContent = label; }, 4000);
        },
        function () {
          // Copying was refused: leave the text selected, for Ctrl+C or a long press.
          field.focus();
          field.select();
        }
      );
    });
    // Clicking into the field selects all of it, ready to copy by hand.
    field.addEventListener("focus", function () { field.select(); });
  });
})();
