/* What the storefront's markup asks for with data attributes instead of inline event handlers,
 * which the Content-Security-Policy refuses (no 'unsafe-inline' for scripts):
 *  - <select data-submit-on-change>: choosing an option submits its form (the language switch,
 *    the order of reviews); a <noscript> button does it without JavaScript;
 *  - <button data-print>: prints the page (a receipt). */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (button) {
      window.print();
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change") && field.form) {
      field.form.submit();
    }
  });
})();
