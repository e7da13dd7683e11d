// The Buddhist-Era label beside a date field follows the date as it is changed:
// <input type="date" data-era-label="ID"> writes the long Thai (Buddhist calendar) or
// English date into the element ID, in the page's language.
document.addEventListener("DOMContentLoaded", function () {
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
});
