// Progressive enhancement only: every page works without JavaScript.
'use strict';
document.querySelectorAll('.js-print').forEach(function (button) {
  button.hidden = false;
  button.addEventListener('click', function () { window.print(); });
});
