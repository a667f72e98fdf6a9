/*
 * The event dashboard updates itself (issue 8 Part 4): every few seconds it fetches the
 * dashboard's JSON and writes the figures into the page — every element with
 * data-figure="<path>" gets the value at that path, capacity meters their value, and the
 * chart's bars, ticks and table are redrawn from the geometry the server computed.
 * Without JavaScript the page is complete as served; it only stops updating.
 * No inline styles: the look of every element comes from classes in app.css.
 */
(function () {
  "use strict";

  var live = document.getElementById("dashboard-live");
  if (!live || !window.fetch) {
    return;
  }
  var SVG = "http://www.w3.org/2000/svg";
  var source = live.getAttribute("data-source");
  var interval = parseInt(live.getAttribute("data-interval"), 10) || 5000;
  var locale = live.getAttribute("data-locale") || document.documentElement.lang || "de";
  var numbers = new Intl.NumberFormat(locale);
  var clock = new Intl.DateTimeFormat(locale, {
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "Europe/Berlin"
  });
  var note = live.querySelector(".dashboard-live-note");
  var timer = null;
  var failures = 0;

  function at(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value === null || value === undefined ? undefined : value[key];
    }, data);
  }

  function setText(element, text) {
    if (element.textContent !== text) {
      element.textContent = text;
    }
  }

  function svg(name, attributes, text) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      element.setAttribute(key, attributes[key]);
    });
    if (text !== undefined) {
      element.textContent = text;
    }
    return element;
  }

  function replaceChildren(parent, children) {
    while (parent.firstChild) {
      parent.removeChild(parent.firstChild);
    }
    children.forEach(function (child) {
      parent.appendChild(child);
    });
  }

  function drawChart(chart, rows) {
    var part = function (name) {
      return document.querySelector('[data-chart-part="' + name + '"]');
    };
    var bars = part("bars");
    var yTicks = part("y_ticks");
    var xTicks = part("x_ticks");
    var table = part("rows");
    if (bars) {
      replaceChildren(bars, chart.bars.map(function (bar) {
        var rect = svg("rect", {
          "class": "chart-bar-" + bar.mode, x: bar.x, y: bar.y, width: bar.width, height: bar.height
        });
        rect.appendChild(svg("title", {}, bar.title));
        return rect;
      }));
    }
    if (yTicks) {
      var grid = [];
      chart.y_ticks.forEach(function (tick) {
        grid.push(svg("line", { x1: chart.left, x2: chart.right, y1: tick.at, y2: tick.at }));
        grid.push(svg("text", { x: chart.left - 6, y: tick.at + 4, "text-anchor": "end" }, tick.label));
      });
      replaceChildren(yTicks, grid);
    }
    if (xTicks) {
      var axis = [svg("line", { x1: chart.left, x2: chart.right, y1: chart.baseline, y2: chart.baseline })];
      chart.x_ticks.forEach(function (tick) {
        axis.push(svg("text", { x: tick.at, y: chart.baseline + 18 }, tick.label));
      });
      replaceChildren(xTicks, axis);
    }
    if (table) {
      var lines = rows.map(function (row) {
        var tr = document.createElement("tr");
        var th = document.createElement("th");
        th.setAttribute("scope", "row");
        th.textContent = row.time;
        tr.appendChild(th);
        [row.on_site, row.online].forEach(function (value) {
          var td = document.createElement("td");
          td.className = "num";
          td.textContent = numbers.format(value);
          tr.appendChild(td);
        });
        return tr;
      });
      if (lines.length) {
        replaceChildren(table, lines);
      }
    }
  }

  function render(data) {
    document.querySelectorAll("[data-figure]").forEach(function (element) {
      var value = at(data, element.getAttribute("data-figure"));
      if (typeof value === "number") {
        setText(element, numbers.format(value));
      }
    });
    document.querySelectorAll("[data-meter]").forEach(function (meter) {
      var figures = at(data, meter.getAttribute("data-meter"));
      if (figures && typeof figures.capacity === "number") {
        meter.max = figures.capacity;
        meter.value = Math.min(figures.taken, figures.capacity);
        setText(meter, figures.percent_taken + " %");
      }
    });
    document.querySelectorAll("[data-figure-time]").forEach(function (element) {
      var when = new Date(at(data, element.getAttribute("data-figure-time")));
      element.setAttribute("datetime", data.as_of);
      setText(element, clock.format(when));
    });
    if (data.chart) {
      drawChart(data.chart, data.chart_rows || []);
    }
  }

  function schedule() {
    window.clearTimeout(timer);
    // Back off while the server does not answer (at most a minute between attempts).
    timer = window.setTimeout(poll, Math.min(interval * Math.pow(2, failures), 60000));
  }

  function poll() {
    if (document.hidden) {
      return; // resumes on visibilitychange
    }
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" }, redirect: "error" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        render(data);
        live.classList.remove("is-stale");
        if (note) {
          setText(note, live.getAttribute("data-live-text"));
        }
      })
      .catch(function () {
        failures += 1;
        live.classList.add("is-stale");
        if (note) {
          setText(note, live.getAttribute("data-stale-text"));
        }
      })
      .then(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      poll();
    }
  });
  if (note) {
    setText(note, live.getAttribute("data-live-text"));
  }
  schedule();
}());
