// Small helpers of every page (no framework, no CDN):
// 1. The Buddhist-Era label beside a date field follows the date as it is changed:
//    <input type="date" data-era-label="ID"> writes the long Thai (Buddhist calendar) or
//    English date into the element ID, in the page's language.
// 2. A table box (.scroll) that is wider than the screen gets the class "overflows", which
//    shows the "swipe sideways" line; boxes that fit show nothing. Re-checked after every
//    HTMX swap and on resize.
(function () {
  function eraLabels() {
    var lang = document.documentElement.lang === "en" ? "en-GB" : "th-TH-u-ca-buddhist";
    var format = new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", year: "numeric" });
    document.querySelectorAll("input[type=date][data-era-label]").forEach(function (field) {
      var label = document.getElementById(field.dataset.eraLabel);
      field.addEventListener("input", function () {
        var parts = field.value.split("-").map(Number);
        if (label && parts.length === 3 && parts[0] > 0) {
          label.textContent = format.format(new Date(parts[0], parts[1] - 1, parts[2]));
        }
      });
    });
  }
  function scrollCues() {
    document.querySelectorAll(".scroll").forEach(function (box) {
      box.classList.toggle("overflows", box.scrollWidth > box.clientWidth + 1);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { eraLabels(); scrollCues(); });
  document.addEventListener("htmx:afterSettle", scrollCues);
  window.addEventListener("resize", scrollCues);
})();
