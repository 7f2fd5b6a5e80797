// The dashboard: polls /api/state every second and draws it with uPlot (bundled, no external request).
"use strict";
(function () {
  const charts = {};
  const gridlet = { charts: charts, updates: 0, errors: [], points: name => charts[name] ? pointsOf(charts[name]) : 0 };
  window.gridlet = gridlet;
  const colors = ["#2471a3", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#d35400"];

  function pointsOf(chart) {
    let n = 0;
    for (let s = 1; s < chart.data.length; s++) n += chart.data[s].filter(v => v !== null && v !== undefined).length;
    return n;
  }

  function chart(name, labels, data) {
    const id = name + ":" + labels.join(",");
    const el = document.getElementById(name);
    if (!charts[name] || charts[name].gridletId !== id) {
      if (charts[name]) charts[name].destroy();
      const series = [{}].concat(labels.map((l, i) => ({ label: l, stroke: colors[i % colors.length], width: 1.5 })));
      charts[name] = new uPlot({ width: 560, height: 220, series: series, scales: { x: { time: true } },
        axes: [{}, { size: 70 }] }, data, el);
      charts[name].gridletId = id;
    } else {
      charts[name].setData(data);
    }
  }

  function table(id, rows, header) {
    const t = document.getElementById(id);
    t.innerHTML = "";
    if (header) {
      const tr = t.insertRow();
      header.forEach(h => { const th = document.createElement("th"); th.textContent = h; tr.appendChild(th); });
    }
    if (rows.length === 0) {
      const td = t.insertRow().insertCell();
      td.textContent = "none";
      td.className = "empty";
    }
    rows.forEach(r => { const tr = t.insertRow(); r.forEach(c => { tr.insertCell().textContent = c; }); });
  }

  function houses(list, chosen) {
    const select = document.getElementById("house");
    const known = Array.from(select.options).map(o => o.value).join(",");
    if (known !== list.join(",")) {
      select.innerHTML = "";
      list.forEach(h => { const o = document.createElement("option"); o.value = h; o.textContent = "house " + h; select.appendChild(o); });
      if (chosen !== null && list.includes(chosen)) select.value = chosen;
    }
  }

  function join(seriesByName) { // aligns series with their own times on the union of the times
    const names = Object.keys(seriesByName);
    const times = Array.from(new Set(names.flatMap(n => seriesByName[n].time))).sort((a, b) => a - b);
    const index = new Map(times.map((t, i) => [t, i]));
    const data = [times];
    names.forEach(n => {
      const ys = new Array(times.length).fill(null);
      seriesByName[n].time.forEach((t, i) => { ys[index.get(t)] = seriesByName[n].share[i]; });
      data.push(ys);
    });
    return { names: names, data: data };
  }

  function draw(s) {
    const last = s.time.length - 1;
    document.getElementById("status").textContent = last < 0 ? "waiting for the first sample" :
      "throughput " + (s.readingsPerSecond[last] === null ? "-" : Math.round(s.readingsPerSecond[last])) +
      " readings/s, parallelism " + (s.parallelism[last] === null ? "-" : s.parallelism[last]) +
      ", lag " + (s.lagSeconds[last] === null ? "-" : s.lagSeconds[last] + " s") + (s.sealed ? ", sealed" : "");
    chart("throughput", ["readings/s", "lag (s)"], [s.time, s.readingsPerSecond, s.lagSeconds]);
    chart("parallelism", ["parallelism"], [s.time, s.parallelism]);
    table("rescales", s.rescales.map(r => [new Date(r.time * 1000).toLocaleTimeString(), r.from, r.to,
      (r.manual ? "manual: " : "") + r.reason]), ["time", "from", "to", "why"]);
    houses(s.houses.map(String), String(s.house));
    chart("forecast", ["forecast (W)", "measured (W)"], [s.forecastTime, s.forecast, s.actual]);
    const a = s.accuracy;
    document.getElementById("forecast-note").textContent = s.sealed ? "sealed: readings and results are opened only inside the boundary" :
      (s.forecastTime.length === 0 ? "no forecast of this house yet" : a.scored === 0 ? "no forecast slice measured yet" :
        "accuracy over the " + a.scored + " slices measured: MAE " + a.mae.toFixed(1) + " W, RMSE " + a.rmse.toFixed(1) +
        " W, sMAPE " + a.smape.toFixed(1) + " %") +
      (s.readingsLeftOut > 0 ? " (measured load incomplete: " + s.readingsLeftOut + " readings left out under load)" : "");
    const shares = join(s.shares);
    chart("shares", shares.names.map(n => "household " + n), shares.data);
    document.getElementById("shares-note").textContent = shares.names.length === 0 ? "no outlier shares of this house yet" : "";
    table("rejections", Object.entries(s.rejections).map(([k, v]) => [k, v]), ["where, reason", "readings"]);
    table("security", Object.entries(s.security).map(([k, v]) => [k, v]), ["adaptlet, outcome", "count"]);
  }

  async function poll() {
    const house = document.getElementById("house").value;
    const slice = document.getElementById("slice").value;
    try {
      const r = await fetch("/api/state?house=" + encodeURIComponent(house || "-1") + "&slice=" + encodeURIComponent(slice));
      if (!r.ok) throw new Error("HTTP " + r.status);
      const s = await r.json();
      if (!house && s.houses.length > 0) { houses(s.houses.map(String), String(s.houses[0])); }
      draw(s);
      gridlet.house = s.house;
      gridlet.updates++;
    } catch (e) {
      gridlet.errors.push(String(e));
      document.getElementById("status").textContent = "cannot reach the service: " + e;
    }
  }

  document.getElementById("house").addEventListener("change", poll);
  document.getElementById("slice").addEventListener("change", poll);
  poll();
  setInterval(poll, 1000);
})();
