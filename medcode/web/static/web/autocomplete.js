/* Search-box autocomplete: no framework. Any <input data-autocomplete="URL"> gets a keyboard-driven list
   (ArrowDown/ArrowUp to move, Enter to open the highlighted code, Escape to close). Without JavaScript the
   box is a plain search form. Titles arrive HTML-escaped from the server with <mark> around matched words. */
(function () {
  "use strict";
  var DELAY_MS = 70;

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function attach(input, n) {
    var url = input.getAttribute("data-autocomplete") || "/search/autocomplete/";
    var form = input.form;
    var list = document.createElement("ul");
    var listId = (input.id || "ac" + n) + "-suggestions";
    var items = [];
    var active = -1;
    var timer = null;
    var seq = 0;

    list.id = listId;
    list.className = "ac-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.parentNode.classList.add("ac-host");
    input.parentNode.insertBefore(list, input.nextSibling);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function mark(i) {
      var nodes = list.children;
      for (var k = 0; k < nodes.length; k++) {
        nodes[k].setAttribute("aria-selected", k === i ? "true" : "false");
      }
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", nodes[i].id);
        nodes[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(i) {
      if (items[i]) {
        window.location.href = items[i].url;
      }
    }

    function render(results) {
      items = results;
      list.innerHTML = "";
      if (!results.length) {
        close();
        return;
      }
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.innerHTML =
          '<span class="ac-code">' + esc(r.code) + "</span> " +
          '<span class="ac-title">' + (r.highlight || esc(r.title || "")) + "</span>" +
          (r.index_path ? '<span class="ac-path">' + esc(r.index_path) + "</span>" : "") +
          (r.terminated ? ' <span class="badge warn">terminated</span>' : "");
        li.addEventListener("mousedown", function (e) {
          e.preventDefault();
          go(i);
        });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      mark(-1);
    }

    function fetchNow() {
      var q = input.value.trim();
      if (!q) {
        close();
        return;
      }
      var mine = ++seq;
      var select = form ? form.querySelector("select[name=system]") : null;
      var query = "?q=" + encodeURIComponent(q) + (select && select.value ? "&system=" + encodeURIComponent(select.value) : "");
      fetch(url + query, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          if (mine === seq) {
            render(data.results || []);
          }
        })
        .catch(close);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchNow, DELAY_MS);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (list.hidden) {
          if (items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
          else { return; }
        }
        e.preventDefault();
        var step = e.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (next < -1) { next = items.length - 1; }
        if (next >= items.length) { next = -1; }
        mark(next);
      } else if (e.key === "Enter") {
        if (!list.hidden && active >= 0) {
          e.preventDefault();
          go(active);
        }
      } else if (e.key === "Escape") {
        if (!list.hidden) {
          e.preventDefault();
          close();
        }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 120); });
  }

  var inputs = document.querySelectorAll("input[data-autocomplete]");
  for (var n = 0; n < inputs.length; n++) {
    attach(inputs[n], n);
  }
})();
