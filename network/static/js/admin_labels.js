"use strict";
// Names for the admin controls that Django's and its widgets' markup leaves unnamed (axe-core's "label",
// "select-name" and "aria-input-field-name" rules): inputs in tabular inlines (named by their column), the
// autocomplete boxes (select2, named by their field's label or column), and modeltranslation's language switch.
(function () {
  const texts = document.currentScript ? document.currentScript.dataset : {};

  function fieldName(cell) {
    const match = /(?:^|\s)field-(\S+)/.exec(cell.className);
    return match ? match[1] : null;
  }

  function columnLabel(control) {
    const table = control.closest("table");
    if (table && control.closest("td.delete")) {
      const header = table.querySelector("thead tr");
      return header && header.lastElementChild ? header.lastElementChild.textContent.trim() : null;
    }
    const cell = control.closest('[class*="field-"]');
    if (!cell || !table) return null;
    const name = fieldName(cell);
    const header = name && table.querySelector("thead th.column-" + CSS.escape(name));
    let label = header ? header.textContent.trim() : "";
    const panel = control.closest('.ui-tabs-panel[id^="tab_"]');
    const tab = panel && document.querySelector('li[aria-controls="' + CSS.escape(panel.id) + '"] a');
    if (tab) label = (label ? label + " " : "") + "(" + tab.title + ")";
    return label || null;
  }

  function labelOf(control) {
    const label = control.id && document.querySelector('label[for="' + CSS.escape(control.id) + '"]');
    return label ? label.textContent.replace(/:\s*$/, "").trim() : columnLabel(control);
  }

  function name() {
    document.querySelectorAll(".inline-group .tabular td input, .inline-group .tabular td select, .inline-group .tabular td textarea")
      .forEach(function (control) {
        if (control.type === "hidden" || (control.labels && control.labels.length) || control.hasAttribute("aria-label")) {
          return;
        }
        const label = columnLabel(control);
        if (label) control.setAttribute("aria-label", label);
      });
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const label = select.getAttribute("aria-label") || labelOf(select);
      const box = select.nextElementSibling;
      if (!label || !box || !box.classList.contains("select2")) return;
      box.querySelectorAll('[role="combobox"], [role="textbox"]').forEach(function (part) {
        part.setAttribute("aria-label", label);
      });
    });
    const switcher = document.getElementById("modeltranslation-main-switch");
    if (switcher && texts.languageSwitch) switcher.setAttribute("aria-label", texts.languageSwitch);
    // The filter_horizontal boxes' search icons carry a label: give them the role that allows it.
    document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  // After the ready handlers that make the tabs and the autocomplete boxes (registered before this deferred script).
  // Again at the window's load: Django's filter_horizontal boxes (SelectFilter2.js) are made then.
  if (window.django && window.django.jQuery) window.django.jQuery(name);
  window.addEventListener("load", name);
  document.addEventListener("formset:added", function () { setTimeout(name, 0); });
})();
