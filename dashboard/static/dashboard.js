// Copy buttons: <button data-copy="ID" hidden> copies the value of the
// field with that id. Without JavaScript, or without clipboard access
// (a page not served over TLS), the button stays hidden and the field
// can still be selected and copied by hand.
"use strict";
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var field = document.getElementById(button.dataset.copy);
  if (!field || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.setAttribute("aria-live", "polite");
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      button.textContent = "Copied";
    }, function () {
      field.select();
      button.textContent = "Selected: copy it by hand";
    });
  });
});
