// The review queue's keyboard (docs/staff.md, "Keys"): no framework, no inline script.
// Alt+A accept as parsed; Enter in a value field accepts these values; Alt+R the reason
// to reject (Enter sends it); Alt+U another UIN (Enter shows its registers); Alt+N / Alt+P
// the next / previous card. Keys are taken by their place (event.code): they work the same
// with a Russian layout.
"use strict";

(function () {
  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll("article[data-card]"));
  }

  function current() {
    var active = document.activeElement;
    var card = active && active.closest ? active.closest("article[data-card]") : null;
    return card || document.querySelector("article.current") || cards()[0] || null;
  }

  function first(card) {
    return (
      card.querySelector("input.value") ||
      card.querySelector("input[name=uin]") ||
      card.querySelector("[data-action=accept]")
    );
  }

  function enter(card) {
    cards().forEach(function (c) {
      c.classList.toggle("current", c === card);
    });
    var field = first(card);
    if (field) {
      field.focus();
    }
    card.scrollIntoView({ block: "start" });
    if (history.replaceState) {
      history.replaceState(null, "", "#" + card.id);
    }
  }

  function move(step) {
    var all = cards();
    var index = all.indexOf(current());
    var target = all[index + step];
    if (target) {
      enter(target);
      return;
    }
    var link = document.querySelector(step > 0 ? "a[data-page=next]" : "a[data-page=previous]");
    if (link) {
      location.assign(link.href);
    }
  }

  function submit(form) {
    if (!form || form.dataset.sent) {
      return; // a second key press while the first decision travels
    }
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  // Another UIN: the page again, this card showing that account's registers.
  function reassign(input) {
    var uin = input.value.trim();
    if (!/^\d+$/.test(uin)) {
      return;
    }
    var url = new URL(location.href);
    url.searchParams.set("card", input.dataset.reassign);
    url.searchParams.set("uin", uin);
    url.searchParams.set("focus", input.dataset.reassign);
    url.hash = "m" + input.dataset.reassign;
    location.assign(url.toString());
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
  });

  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input.value")) {
      target.select(); // typing replaces the prefilled value
    } else if (target.matches && target.matches("article[data-card]")) {
      // the card itself got the focus (the #m<id> anchor): on into its first field
      var field = first(target);
      if (field) {
        field.focus();
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.matches && target.matches("input[data-reassign]")) {
      event.preventDefault();
      reassign(target);
      return;
    }
    if (!event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var card = current();
    var actions = {
      KeyA: function () {
        submit(card && card.querySelector("form[data-form=parsed]"));
      },
      KeyR: function () {
        var reason = card && card.querySelector("form[data-form=reject] input[name=reason]");
        if (reason) {
          reason.focus();
        }
      },
      KeyU: function () {
        var uin = card && card.querySelector("input[name=uin]");
        if (uin) {
          uin.focus();
          uin.select();
        }
      },
      KeyN: function () {
        move(1);
      },
      KeyP: function () {
        move(-1);
      },
    };
    var action = actions[event.code];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  function start() {
    var card = document.querySelector("article.current");
    if (!card) {
      return;
    }
    var active = document.activeElement;
    if (!active || active === document.body) {
      var field = first(card);
      if (field) {
        field.focus();
      }
    } else if (active.matches("input.value")) {
      active.select();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // the browser may clear the focus when it scrolls to the #m<id> anchor after the load
  window.addEventListener("load", function () {
    setTimeout(start, 0);
  });
})();
