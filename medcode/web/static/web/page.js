/* Small page helpers, no framework, served from this site (CSP script-src 'self'):
   - copy buttons: a <button data-copy="TEXT" hidden> is shown and puts TEXT on the clipboard when pressed;
   - wide tables: every table.data (but table.cards, which becomes cards on phones) sits in a horizontally scrolling box, with a visible hint when it does not fit.
   Without JavaScript the buttons stay hidden, the code stays selectable text and wide tables still scroll (CSS). */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function bindCopyButton(button) {
    var text = button.getAttribute("data-copy");
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(text).then(function () {
        button.textContent = "Copied";
        button.setAttribute("data-copied", "true");
      }, function () {
        button.textContent = "Select the text to copy it";
      });
      window.setTimeout(function () {
        button.textContent = label;
        button.removeAttribute("data-copied");
      }, 2000);
    });
  }

  function wrapTable(table, n) {
    var box = table.parentElement;
    if (!box.classList.contains("table-scroll")) {
      box = document.createElement("div");
      box.className = "table-scroll";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    }
    if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); }
    if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
    if (!box.hasAttribute("aria-label")) {
      var caption = table.querySelector("caption");
      box.setAttribute("aria-label", caption ? caption.textContent : "Table " + (n + 1));
    }
    var hint = document.createElement("p");
    hint.className = "scroll-hint small";
    hint.textContent = "Scroll sideways for more columns \u2192";
    hint.hidden = true;
    box.parentNode.insertBefore(hint, box);
    return function () {
      var wide = box.scrollWidth > box.clientWidth + 1;
      hint.hidden = !wide;
      box.classList.toggle("is-wide", wide);
    };
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), bindCopyButton);
    var checks = Array.prototype.map.call(document.querySelectorAll("main table.data:not(.cards)"), wrapTable);
    var check = function () { checks.forEach(function (f) { f(); }); };
    check();
    window.addEventListener("resize", check);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
