// The chat page without a reload: post the question, show the answer as its events arrive.
// Without JavaScript the form posts normally and the page shows the whole conversation.
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  if (!form || !window.fetch || !window.TextDecoder) return;
  var list = document.getElementById("conversation");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function codeLink(c) {
    var a = el("a", "", c.code);
    a.href = "/codes/" + encodeURIComponent(c.system) + "/" + encodeURIComponent(c.code) + "/";
    return a;
  }

  form.addEventListener("submit", function (event) {
    var box = document.getElementById("question");
    if (!box.value.trim()) return;
    event.preventDefault();
    var data = new FormData(form);
    var empty = document.getElementById("empty-note");
    if (empty) empty.remove();
    var mine = el("li", "msg user");
    mine.appendChild(el("span", "who", "You"));
    mine.appendChild(el("p", "", box.value));
    list.appendChild(mine);
    var bot = el("li", "msg bot streaming");
    bot.appendChild(el("span", "who", "Assistant"));
    var direct = el("p", "direct", "");
    bot.appendChild(direct);
    var facts = el("ul", "facts");
    bot.appendChild(facts);
    list.appendChild(bot);
    var asked = box.value;
    box.value = "";
    var button = form.querySelector("button");
    button.disabled = true;

    function handle(payload) {
      if (payload.event === "answer") {
        direct.textContent = payload.text;
        if (payload.verdict) {
          var v = el("p");
          v.appendChild(el("span", "badge verdict", "Verdict: " + (payload.verdict_label || payload.verdict)));
          bot.insertBefore(v, facts);
        }
      } else if (payload.event === "fact") {
        var li = el("li", "", payload.text + " ");
        li.appendChild(el("sup", "cite-ref", "[" + payload.citation + "]"));
        facts.appendChild(li);
      } else if (payload.event === "done") {
        if (payload.codes.length) {
          var p = el("p", "codes", "Codes: ");
          payload.codes.forEach(function (c, i) {
            if (i) p.appendChild(document.createTextNode(", "));
            p.appendChild(codeLink(c));
          });
          bot.appendChild(p);
        }
        var ol = el("ol", "citations small");
        payload.citations.forEach(function (c) {
          var li = el("li", "", c.system + ", " + c.release + ": " + c.title + " ");
          li.value = c.id;
          li.appendChild(el("span", "muted", "(" + c.source_file + ")"));
          ol.appendChild(li);
        });
        bot.appendChild(ol);
        bot.classList.remove("streaming");
      } else if (payload.event === "error") {
        direct.textContent = payload.text;
        bot.classList.remove("streaming");
      }
    }

    fetch(form.dataset.stream, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return;
            buffer += decoder.decode(chunk.value, { stream: true });
            var parts = buffer.split("\n\n");
            buffer = parts.pop();
            parts.forEach(function (part) {
              if (part.indexOf("data: ") === 0) handle(JSON.parse(part.slice(6)));
            });
            return pump();
          });
        }
        return pump();
      })
      .catch(function () { box.value = asked; bot.remove(); mine.remove(); form.submit(); })
      .finally(function () { button.disabled = false; bot.scrollIntoView({ block: "nearest" }); });
  });
})();
