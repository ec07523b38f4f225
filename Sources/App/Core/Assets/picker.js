// The type-ahead of the accounts list's group and assignee filters and of the bulk bar's
// operator and group (FilterPicker.field).
// Each [data-picker] field holds a hidden input with the choice in force, a combobox (shown
// here) and its listbox. Typing asks data-suggest?q=… for at most 20 choices (JSON); the
// arrow keys move the active option (aria-activedescendant, the focus stays in the field),
// Enter or a click chooses it, Escape closes the list. Editing the text clears the choice
// until another is chosen. Without this script the field says how to choose from every option.
(function () {
  "use strict";
  if (!window.fetch) { return; }
  var fields = document.querySelectorAll("[data-picker]");
  for (var i = 0; i < fields.length; i++) { setUp(fields[i]); }

  function setUp(field) {
    var box = field.querySelector("[data-picker-box]");
    var input = field.querySelector("[role=combobox]");
    var list = field.querySelector("[role=listbox]");
    var value = field.querySelector("input[data-picker-value]");
    var current = field.querySelector("[data-picker-current]");
    var status = field.querySelector("[data-picker-status]");
    var url = field.getAttribute("data-suggest");
    if (!box || !input || !list || !value || !url) { return; }
    box.hidden = false;
    if (current) { current.hidden = true; }
    var options = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function say(text) { if (status) { status.textContent = text; } }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.children;
      for (var j = 0; j < items.length; j++) { items[j].setAttribute("aria-selected", j === index ? "true" : "false"); }
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        if (items[index].scrollIntoView) { items[index].scrollIntoView({ block: "nearest" }); }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var option = options[index];
      if (!option) { return; }
      value.value = option.id;
      input.value = option.label;
      close();
      say(option.label + " chosen.");
    }

    function show(found, more) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      options = found;
      found.forEach(function (option, index) {
        var item = document.createElement("li");
        item.id = list.id + "-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = option.label;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
        list.appendChild(item);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (found.length === 0) {
        close();
        say("Nothing matches.");
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      say(found.length + (more ? " or more" : "") + (found.length === 1 ? " choice" : " choices") + ": use the up and down arrows to pick one.");
    }

    function ask() {
      var ticket = ++asked;
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(input.value.trim()), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function (answer) { if (ticket === asked) { show(answer.options || [], !!answer.more); } })
        .catch(function () {
          if (ticket !== asked) { return; }
          close();
          say("Suggestions are not available: use the link to every choice.");
        });
    }

    input.addEventListener("input", function () {
      value.value = "";
      window.clearTimeout(timer);
      if (input.value.trim() === "") { close(); say(""); return; }
      timer = window.setTimeout(ask, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { ask(); } else { highlight(Math.min(active + 1, options.length - 1)); }
      } else if (event.key === "ArrowUp") {
        if (!list.hidden) { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) { event.preventDefault(); choose(active); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 0); });
  }
})();
