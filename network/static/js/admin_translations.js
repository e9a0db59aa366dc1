"use strict";
// The admin's language tabs (django-modeltranslation's, made at page load): a tab whose field has an error is
// marked with a class and with words (not colour only), the first such tab of each field is shown, and each line
// of the list at the top (#translation-errors, templates/admin/_translation_errors.html) opens its field's tab.
(function () {
  function tabOf(panel) {
    const item = document.querySelector('.ui-tabs-nav li[aria-controls="' + CSS.escape(panel.id) + '"]');
    const link = item && item.querySelector("a");
    return link ? { link: link, item: item } : null;
  }

  // jQuery UI makes each tab's <li> the focusable tab and keeps the <a href> inside it: a link in a tab is a control
  // nested in a control (axe-core's "nested-interactive"). The tabs find their panel by the <li>'s aria-controls
  // and handle the clicks on the <a> themselves, so the link's href is no longer needed once they are made.
  // Without it, jQuery UI takes the tab for a remote one and, on each activation, would fetch the page's own URL
  // into the panel (a second form with a second Save row): every language tab here is local, so no tab loads
  // anything (its "beforeLoad" event, cancelled, aborts the request before it is sent).
  function neverLoadRemotely() {
    if (window.django && window.django.jQuery) {
      window.django.jQuery(document).on("tabsbeforeload", function (event) { event.preventDefault(); });
    }
  }

  function unnest() {
    document.querySelectorAll(".ui-tabs-nav li[aria-controls] > a[href]").forEach(function (link) {
      link.removeAttribute("href");
    });
  }

  function mark() {
    const summary = document.getElementById("translation-errors");
    const marker = summary ? summary.dataset.tabMarker : "!";
    const shown = new Set();
    document.querySelectorAll('.ui-tabs-panel[id^="tab_"]').forEach(function (panel) {
      if (!panel.querySelector("ul.errorlist li")) return;
      const tab = tabOf(panel);
      if (!tab || tab.item.classList.contains("translation-tab-error")) return;
      tab.item.classList.add("translation-tab-error");
      const words = document.createElement("span");
      words.className = "translation-tab-marker";
      words.textContent = " (" + marker + ")";
      tab.link.appendChild(words);
      const group = tab.item.parentElement;
      if (!shown.has(group)) {
        shown.add(group);
        tab.link.click(); // jQuery UI shows the tab's panel
      }
    });
    if (!summary) return;
    summary.querySelectorAll("a[data-field]").forEach(function (line) {
      line.addEventListener("click", function () {
        const panel = document.getElementById("tab_" + line.dataset.field);
        const tab = panel && tabOf(panel);
        if (tab) tab.link.click();
      });
    });
  }

  // modeltranslation makes the tabs in a jQuery ready handler, which jQuery 3 may run after the window's load
  // event: ours is registered after it (this script is deferred), so it runs after the tabs are made.
  function whenTabsAreMade(run) {
    if (window.django && window.django.jQuery) window.django.jQuery(run);
    else window.addEventListener("load", run);
  }

  neverLoadRemotely();
  whenTabsAreMade(function () {
    mark();
    unnest();
  });
  document.addEventListener("formset:added", function () { setTimeout(unnest, 0); });
})();
