// Small helpers of every page (no framework, no CDN):
// 1. The Buddhist-Era label beside a date field follows the date as it is changed:
//    <input type="date" data-era-label="ID"> writes the long Thai (Buddhist calendar) or
//    English date into the element ID, in the page's language.
// 2. A table box (.scroll) that is wider than the screen gets the class "overflows", which
//    shows the "swipe sideways" line; boxes that fit show nothing. Re-checked after every
//    HTMX swap and on resize.
// 3. On a phone the navigation is one row that scrolls sideways: the current page's link is
//    scrolled into sight, and the row fades at the right edge while more links lie beyond.
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
  function navRow() {
    var nav = document.querySelector("header.top nav");
    if (!nav) { return; }
    var current = nav.querySelector("a[aria-current=page]");
    if (current && nav.scrollWidth > nav.clientWidth) {
      nav.scrollLeft = Math.max(0, current.offsetLeft - nav.offsetLeft - 16);
    }
    var fade = function () {
      nav.classList.toggle("more", nav.scrollLeft + nav.clientWidth < nav.scrollWidth - 1);
    };
    nav.addEventListener("scroll", fade);
    window.addEventListener("resize", fade);
    fade();
  }
  document.addEventListener("DOMContentLoaded", function () { eraLabels(); scrollCues(); navRow(); });
  document.addEventListener("htmx:afterSettle", scrollCues);
  window.addEventListener("resize", scrollCues);
})();
