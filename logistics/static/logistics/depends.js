// A field that depends on another (data-depends-on="id of a checkbox") is shown only while that box is ticked.
document.querySelectorAll("[data-depends-on]").forEach(function (field) {
  var box = document.getElementById(field.dataset.dependsOn);
  var wrapper = field.closest(".field") || field;
  if (!box) return;
  function sync() { wrapper.hidden = !box.checked; }
  box.addEventListener("change", sync);
  sync();
});
