/* The supply–demand dashboard's charts: Apache ECharts (served from static/vendor/echarts), drawn from the
   JSON in #dashboard-data. Each chart's figures are also in the table below it. */
(function () {
  "use strict";

  var NEED = "#a23b00";
  var OFFER = "#1d6b2f";
  var charts = [];

  function narrow() {
    return window.innerWidth < 640;
  }

  function draw(el, option) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  function legend() {
    return { top: 0, textStyle: { fontSize: 12 } };
  }

  function heatOption(data, mode) {
    var index = { needs: 2, offers: 3 };
    var cells = data.cells.map(function (cell) {
      var value = mode === "gap" ? cell[2] - cell[3] : cell[index[mode]];
      return [cell[0], cell[1], value];
    });
    var values = cells.map(function (cell) { return cell[2]; });
    var max = Math.max.apply(null, values.map(Math.abs).concat([1]));
    var names = { needs: "在架需求", offers: "在架供给", gap: "缺口（需求−供给）" };
    var colors = {
      needs: ["#fff4ec", NEED],
      offers: ["#eef6ee", OFFER],
      gap: [OFFER, "#f7f7f7", NEED],
    };
    return {
      tooltip: {
        position: "top",
        formatter: function (p) {
          var cell = data.cells[p.dataIndex];
          return data.sectors[cell[1]] + " · " + data.columns[cell[0]] + "<br>需求 " + cell[2] + "，供给 " + cell[3];
        },
      },
      grid: { left: narrow() ? 70 : 110, right: 10, top: 10, bottom: 120 },
      xAxis: { type: "category", data: data.columns, axisLabel: { interval: 0, rotate: 45, fontSize: 11 } },
      yAxis: { type: "category", data: data.sectors, inverse: true, axisLabel: { fontSize: 11 } },
      visualMap: {
        min: mode === "gap" ? -max : 0,
        max: max,
        calculable: true,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        itemHeight: 120,
        inRange: { color: colors[mode] },
      },
      series: [
        {
          name: names[mode],
          type: "heatmap",
          data: cells,
          label: {
            show: !narrow(),
            fontSize: 10,
            formatter: function (p) { return p.value[2] ? String(p.value[2]) : ""; },
          },
        },
      ],
    };
  }

  function barOption(labels, series, horizontal) {
    var category = { type: "category", data: labels, axisLabel: { interval: 0, fontSize: 11 } };
    var value = { type: "value", minInterval: 1 };
    if (!horizontal) {
      category.axisLabel.rotate = narrow() ? 45 : 0;
    }
    return {
      tooltip: { trigger: "axis" },
      legend: legend(),
      grid: { left: horizontal ? 90 : 40, right: 16, top: 36, bottom: horizontal ? 30 : 60, containLabel: false },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign(category, { inverse: true }) : value,
      series: series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data, itemStyle: { color: s.color } };
      }),
    };
  }

  function funnelOption(stages, values) {
    return {
      tooltip: { trigger: "item", formatter: "{b}：{c}" },
      series: [
        {
          name: "活动成效",
          type: "funnel",
          sort: "none",
          left: "5%",
          width: narrow() ? "55%" : "65%",
          min: 0,
          max: Math.max.apply(null, values.concat([1])),
          minSize: "8%",
          label: { show: true, position: "right", formatter: "{b}：{c}", color: "#1b1b1b", fontSize: 12 },
          labelLine: { show: true },
          color: ["#0b4f6c", "#1f6f8b", "#3f8ea8", "#a23b00", "#c25a1f", "#1d6b2f"],
          data: stages.map(function (stage, i) { return { name: stage, value: values[i] }; }),
        },
      ],
    };
  }

  function start() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var el;

    if ((el = document.querySelector('[data-chart="regions"]'))) {
      el.style.height = Math.max(320, data.regions.sectors.length * 24 + 130) + "px";
      var heat = draw(el, heatOption(data.regions, "needs"));
      document.querySelectorAll("[data-heat]").forEach(function (button) {
        button.addEventListener("click", function () {
          heat.setOption(heatOption(data.regions, button.dataset.heat), { replaceMerge: ["series", "visualMap"] });
          document.querySelectorAll("[data-heat]").forEach(function (other) {
            other.setAttribute("aria-pressed", String(other === button));
          });
        });
      });
    }
    if ((el = document.querySelector('[data-chart="categories"]'))) {
      el.style.height = Math.max(280, data.categories.labels.length * 34 + 70) + "px";
      draw(el, barOption(data.categories.labels, [
        { name: "在架需求", data: data.categories.needs, color: NEED },
        { name: "在架供给", data: data.categories.offers, color: OFFER },
      ], true));
    }
    if ((el = document.querySelector('[data-chart="months"]'))) {
      draw(el, {
        tooltip: { trigger: "axis" },
        legend: legend(),
        grid: { left: 40, right: 16, top: 36, bottom: 50 },
        xAxis: { type: "category", data: data.months.labels, axisLabel: { rotate: narrow() ? 45 : 0, fontSize: 11 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "发布需求", type: "line", data: data.months.needs, itemStyle: { color: NEED } },
          { name: "发布供给", type: "line", data: data.months.offers, itemStyle: { color: OFFER } },
        ],
      });
    }
    if ((el = document.querySelector('[data-chart="headcount"]'))) {
      el.style.height = Math.max(240, data.headcount.labels.length * 34 + 70) + "px";
      draw(el, barOption(data.headcount.labels, [
        { name: "需求人数", data: data.headcount.headcount, color: NEED },
        { name: "供给人数", data: data.headcount.places, color: OFFER },
      ], true));
    }
    if ((el = document.querySelector('[data-chart="events"]'))) {
      var funnel = draw(el, funnelOption(data.events.stages, data.events.overall));
      var choice = document.querySelector("[data-funnel-select]");
      if (choice) {
        choice.addEventListener("change", function () {
          var values = choice.value === "" ? data.events.overall : data.events.events[Number(choice.value)].stages;
          funnel.setOption(funnelOption(data.events.stages, values));
        });
      }
    }

    var resize = function () {
      charts.forEach(function (chart) { chart.resize(); });
    };
    window.addEventListener("resize", resize);
    if (typeof ResizeObserver !== "undefined") {
      var observer = new ResizeObserver(resize);
      charts.forEach(function (chart) { observer.observe(chart.getDom()); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
