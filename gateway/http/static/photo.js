// The photo card (templates/staff/_photo.html): a UIN typed in its field loads that
// account's registers (GET /staff/accounts/<uin>/registers) as value fields named as the
// queue card's (meter-p<k>, zone-p<k>, value-p<k>). Enter in the UIN field loads, it never
// submits. Built with the DOM (textContent), no HTML from the server; docs/staff.md, "Photos".
(function () {
  "use strict";
  if (window.meterGatewayPhotoCards) { return; }  // the partial is included once per card
  window.meterGatewayPhotoCards = true;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function render(card, data) {
    var box = card.querySelector("[data-photo-values]");
    var id = card.getAttribute("data-message");
    box.replaceChildren();
    data.registers.forEach(function (r) {
      var field = "photo-" + id + "-" + r.key;
      var row = el("div", { "class": "photo-row" });
      var label = el("label", { "for": field }, r.label + " ");
      label.appendChild(el("small", {}, r.last + " · " + r.hint));
      row.appendChild(label);
      row.appendChild(el("input", { type: "hidden", name: "meter-" + r.key, value: r.meter }));
      row.appendChild(el("input", { type: "hidden", name: "zone-" + r.key, value: String(r.zone) }));
      row.appendChild(el("input", {
        id: field, name: "value-" + r.key, "class": "value", inputmode: "decimal",
        autocomplete: "off", "aria-label": r.field_label, "data-decimals": String(r.decimals)
      }));
      box.appendChild(row);
    });
    // what OCR read on the photo, pre-filled on a one-register account (docs/staff.md)
    var ocr = card.getAttribute("data-ocr");
    var fields = box.querySelectorAll("input.value");
    if (ocr && fields.length === 1) {
      fields[0].value = ocr;
      var mark = el("span", { "class": "tag ocr" }, "OCR " + card.getAttribute("data-ocr-percent") + "%");
      fields[0].parentNode.appendChild(mark);
    }
  }

  function load(card, focus) {
    var input = card.querySelector("[data-photo-uin]");
    var status = card.querySelector("[data-photo-status]");
    var box = card.querySelector("[data-photo-values]");
    var uin = input.value.trim();
    if (uin === card.getAttribute("data-loaded")) {
      if (focus) { focusFirst(card); }
      return;
    }
    card.setAttribute("data-loaded", uin);
    box.replaceChildren();
    status.textContent = "";
    if (!uin) { return; }
    fetch("/staff/accounts/" + encodeURIComponent(uin) + "/registers", {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    }).then(function (answer) {
      if (input.value.trim() !== uin) { return; }  // typed on meanwhile
      if (!answer.ok) {
        status.textContent = answer.data.error || "";
        card.removeAttribute("data-loaded");
        return;
      }
      render(card, answer.data);
      if (focus) { focusFirst(card); }
    }).catch(function () {
      card.removeAttribute("data-loaded");
    });
  }

  function focusFirst(card) {
    var first = card.querySelector("[data-photo-values] input.value");
    if (first) { first.focus(); }
  }

  function setUp(card) {
    var input = card.querySelector("[data-photo-uin]");
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        event.stopPropagation();
        load(card, true);
      }
    });
    input.addEventListener("change", function () { load(card, false); });
    card.querySelector("[data-photo-load]").addEventListener("click", function () {
      load(card, true);
    });
    if (input.value.trim()) { load(card, false); }  // the suggested account, pre-selected
  }

  function start() { document.querySelectorAll(".photo[data-message]").forEach(setUp); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
