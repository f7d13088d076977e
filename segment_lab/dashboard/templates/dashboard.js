(function () {
  "use strict";
  var views = document.querySelectorAll("div.vega[data-spec]");
  views.forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-spec"));
    var spec = JSON.parse(source.textContent);
    window.vegaEmbed(el, spec, { renderer: "svg", actions: false })
      .then(function () { el.setAttribute("data-rendered", "true"); })
      .catch(function (err) {
        el.setAttribute("data-rendered", "error");
        el.textContent = "This chart could not be drawn; its numbers are in the table below.";
        console.error(err);
      });
  });
  // Printing shows every collapsible (JSON, SQL, data tables); they close again after.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.open = true; opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
