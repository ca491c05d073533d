// Draws every chart on the page. Each [data-chart] block holds its Plotly figure as JSON,
// emitted by json_script inside a <template> (data, never run), a .chart-plot element to
// draw it in, and its text alternative (a summary and a data table, rendered by the server).
// Runs on page load and on every htmx swap, so filtered fragments draw too.
(function () {
  "use strict";

  function isSitePath(url) {
    // The figure is data: a click may only lead to a page of this site.
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\";
  }

  function followLink(plot) {
    return function (event) {
      var links = plot.layout.meta && plot.layout.meta.links;
      var point = event.points && event.points[0];
      if (!links || !point) {
        return;
      }
      var row = Array.isArray(point.pointIndex) ? point.pointIndex[0] : point.pointIndex;
      if (isSitePath(links[row])) {
        window.location.assign(links[row]);
      }
    };
  }

  function draw(block) {
    var holder = block.querySelector("template");
    var source = holder && holder.content.querySelector('script[type="application/json"]');
    var plot = block.querySelector(".chart-plot");
    if (!source || !plot || !window.Plotly) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    window.Plotly.react(plot, figure.data, figure.layout, figure.config).then(function () {
      // The drawing's text (titles, ticks, legend) makes no sense read out of order: the
      // figure's caption says what it shows and its data table holds the numbers. Plotly's
      // toolbar stays reachable, in the plot's group named after the chart.
      plot.querySelectorAll("svg.main-svg").forEach(function (svg) {
        svg.setAttribute("aria-hidden", "true");
      });
      plot.dataset.drawn = "true";
      var links = figure.layout.meta && figure.layout.meta.links;
      plot.classList.toggle("has-links", Boolean(links && links.length));
      if (!plot.dataset.clickable) {
        plot.on("plotly_click", followLink(plot));
        plot.dataset.clickable = "true";
      }
    });
  }

  htmx.onLoad(function (root) {
    if (root.matches && root.matches("[data-chart]")) {
      draw(root);
    }
    root.querySelectorAll("[data-chart]").forEach(draw);
  });

  // Free a chart's listeners when htmx swaps it out.
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    if (window.Plotly && event.target.classList.contains("js-plotly-plot")) {
      window.Plotly.purge(event.target);
    }
  });
})();
