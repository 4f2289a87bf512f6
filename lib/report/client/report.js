// theval report page. Plain browser JavaScript, inlined into the HTML by lib/report/html.ts;
// reads the JSON in <script id="report-data"> and draws everything as SVG. No network.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = ['#2f6fdb', '#e8772e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  var METRICS = D.metrics;
  var GROUPS = ['quality', 'naturalness', 'synchronization'];
  var GROUP_NAMES = { quality: 'Quality', naturalness: 'Naturalness', synchronization: 'Synchronization' };

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'html') e.innerHTML = attrs[k];
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function s(tag, attrs, parent) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) {
      if (k === 'text') e.textContent = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    if (parent) parent.appendChild(e);
    return e;
  }
  function fin(x) { return typeof x === 'number' && isFinite(x); }
  function fmt(x, d) { return fin(x) ? x.toFixed(d == null ? 4 : d) : 'n/a'; }
  function fmtSig(x) { return fin(x) ? (Math.abs(x) >= 1000 || (Math.abs(x) < 0.001 && x !== 0) ? x.toExponential(3) : x.toPrecision(4)) : 'n/a'; }
  function color(i) { return COLORS[i % COLORS.length]; }
  function methodIndex(name) { return D.methods.indexOf(name); }
  function chart(parent, title, w, h, cls) {
    var box = el('div', { class: 'chart ' + (cls || '') }, [el('div', { class: 'title', text: title })]);
    var svg = s('svg', { width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, role: 'img', 'aria-label': title });
    box.appendChild(svg);
    parent.appendChild(box);
    return { box: box, svg: svg };
  }
  function ticks(lo, hi, n) {
    if (!(hi > lo)) return [lo];
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
    var err = (hi - lo) / n / step;
    step *= err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  function yAxis(svg, y, lo, hi, x0, x1) {
    var g = s('g', { class: 'axis' }, svg);
    ticks(lo, hi, 4).forEach(function (v) {
      s('line', { x1: x0, x2: x1, y1: y(v), y2: y(v), class: 'grid' }, g);
      s('text', { x: x0 - 4, y: y(v) + 3.5, 'text-anchor': 'end', text: +v.toPrecision(3) }, g);
    });
  }

  // ---------- header ----------
  function header() {
    document.title = D.title;
    $('title').textContent = D.title;
    var b = D.bootstrap;
    $('subtitle').textContent = 'Run of ' + (D.provenance.runDate || '?') + ' · report generated ' + D.generatedAt + ' by ' + D.generator +
      ' · ' + Math.round(b.level * 100) + '% bootstrap intervals from B = ' + b.B + ' replicates (seed ' + b.seed + '), videos resampled within each method' +
      (b.gtResampled ? ', GT videos resampled too (GT row recomputed per replicate)' : '');
  }

  // ---------- leaderboard ----------
  function sortable(table, rows, keyOf, render) {
    var state = { col: null, dir: 1 };
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, ci) {
      if (!th.dataset.key) return;
      th.classList.add('sortable');
      th.addEventListener('click', function () {
        state.dir = state.col === ci ? -state.dir : (th.dataset.key === 'name' || th.dataset.key === 'rank' ? 1 : -1);
        state.col = ci;
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.classList.remove('sorted-asc', 'sorted-desc'); });
        th.classList.add(state.dir > 0 ? 'sorted-asc' : 'sorted-desc');
        var k = th.dataset.key;
        rows.sort(function (a, b) {
          var x = keyOf(a, k), y = keyOf(b, k);
          if (typeof x === 'string') return state.dir * x.localeCompare(y);
          if (!fin(x)) return fin(y) ? 1 : 0;
          if (!fin(y)) return -1;
          return state.dir * (x - y);
        });
        render();
      });
    });
  }

  function ciText(iv, d) { return iv && fin(iv.lo) ? '[' + fmt(iv.lo, d) + ', ' + fmt(iv.hi, d) + ']' : ''; }

  function leaderboard() {
    var host = $('leaderboard-host');
    if (!D.scores) {
      host.appendChild(el('p', { class: 'note', text: 'No leaderboard: the run has no GT videos (evaluate with --gt REAL), so there is no normalisation. Raw values and their intervals are below.' }));
      return;
    }
    var boot = {};
    D.bootstrap.methods.forEach(function (m) { boot[m.name] = m; });
    var cols = [{ key: 'final', name: 'Final' }].concat(GROUPS.map(function (g) { return { key: g, name: GROUP_NAMES[g] }; }), METRICS.map(function (m) { return { key: m.id, name: m.name }; }));
    var value = function (sc, k) { return k === 'final' ? sc.final : GROUPS.indexOf(k) >= 0 ? sc.groups[k] : sc.normalised[k]; };
    var ci = function (sc, k) { var b = boot[sc.name]; return !b ? null : k === 'final' ? b.final : GROUPS.indexOf(k) >= 0 ? b.groups[k] : b.normalised[k]; };
    var table = el('table', { id: 'leaderboard-table' });
    var hr = el('tr', {}, [el('th', { 'data-key': 'rank', text: 'Rank' }), el('th', { class: 'name', 'data-key': 'name', text: 'Method' })]
      .concat(cols.map(function (c) { return el('th', { 'data-key': c.key, text: c.name }); })));
    table.appendChild(el('thead', {}, [hr]));
    var tbody = el('tbody');
    table.appendChild(tbody);
    var rows = D.scores.slice();
    function render() {
      tbody.textContent = '';
      rows.forEach(function (sc) {
        var tr = el('tr', { 'data-method': sc.name }, [el('td', { text: fin(sc.rank) ? String(sc.rank) : '-' }),
          el('td', { class: 'name', text: sc.name + (sc.complete ? '' : ' *'), title: sc.warnings.join('\n') })]);
        cols.forEach(function (c) {
          var v = value(sc, c.key);
          var td = el('td', { 'data-key': c.key, 'data-value': fin(v) ? String(v) : 'null', class: fin(v) && v < 0 ? 'bad' : '' }, [fmt(v), el('span', { class: 'ci', text: ciText(ci(sc, c.key), 3) })]);
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
      var gtr = el('tr', { class: 'gt' }, [el('td', { text: '' }), el('td', { class: 'name', text: (D.gt || 'GT') + ' (reference)' })]);
      cols.forEach(function () { gtr.appendChild(el('td', { text: '1.0000' })); });
      tbody.appendChild(gtr);
    }
    sortable(table, rows, function (sc, k) { return k === 'name' ? sc.name : k === 'rank' ? sc.rank : value(sc, k); }, render);
    render();
    host.appendChild(el('div', { class: 'scroll' }, [table]));
    host.appendChild(el('p', { class: 'note', text: 'Normalised scores (paper Eq. 12: s = 1 - |M - GT| / |GT|; GT = 1, higher is better; can be negative). Small grey text: ' + Math.round(D.bootstrap.level * 100) + '% bootstrap interval. Click a column to sort. * = incomplete (a metric had no value and was left out; hover the name).' }));
  }

  function rawTable() {
    var host = $('raw-host');
    var boot = {};
    D.bootstrap.methods.forEach(function (m) { boot[m.name] = m.raw; });
    if (D.bootstrap.gt) boot[D.bootstrap.gt.name] = D.bootstrap.gt.raw;
    var table = el('table', { id: 'raw-table' });
    table.appendChild(el('thead', {}, [el('tr', {}, [el('th', { class: 'name', 'data-key': 'name', text: 'Method' }), el('th', { 'data-key': 'videos', text: 'Videos' }), el('th', { 'data-key': 'failed', text: 'Failed' })]
      .concat(METRICS.map(function (m) { return el('th', { 'data-key': m.id, text: m.name }); })))]));
    var tbody = el('tbody');
    table.appendChild(tbody);
    var rows = D.methods.slice();
    function render() {
      tbody.textContent = '';
      rows.forEach(function (name) {
        var sm = D.summary[name];
        var tr = el('tr', { 'data-method': name, class: name === D.gt ? 'gt' : '' }, [el('td', { class: 'name', text: name }), el('td', { text: sm.recorded + '/' + sm.videos }), el('td', { text: String(sm.failed), class: sm.failed ? 'bad' : '' })]);
        METRICS.forEach(function (m) {
          var v = sm.values[m.id];
          var reasons = sm.nanReasons[m.id] || {};
          var rtext = Object.keys(reasons).map(function (r) { return reasons[r] + ' × ' + r; }).join('\n');
          tr.appendChild(el('td', { 'data-key': m.id, 'data-value': v == null ? 'null' : String(v), title: rtext ? 'NaN reasons:\n' + rtext : '' }, [fmtSig(v),
            el('span', { class: 'ci', text: ciText(boot[name] && boot[name][m.id], 4) }),
            el('span', { class: 'ci', text: sm.validVideos[m.id] + ' valid' + (rtext ? ', ' + Object.keys(reasons).reduce(function (a, r) { return a + reasons[r]; }, 0) + ' NaN' : '') })]));
        });
        tbody.appendChild(tr);
      });
    }
    sortable(table, rows, function (name, k) { return k === 'name' ? name : k === 'videos' ? D.summary[name].videos : k === 'failed' ? D.summary[name].failed : D.summary[name].values[k]; }, render);
    render();
    host.appendChild(el('div', { class: 'scroll' }, [table]));
    // NaN reasons summarised
    var list = el('ul', { class: 'warn', id: 'nan-reasons' });
    D.methods.forEach(function (name) {
      METRICS.forEach(function (m) {
        var r = D.summary[name].nanReasons[m.id] || {};
        Object.keys(r).forEach(function (reason) { list.appendChild(el('li', { text: name + ' · ' + m.name + ': ' + r[reason] + ' video(s) NaN: ' + reason })); });
      });
    });
    host.appendChild(el('h3', { text: 'NaN reasons' }));
    host.appendChild(list.children.length ? list : el('p', { class: 'note', text: 'Every selected metric has a value for every recorded video.' }));
  }

  // ---------- confidence and rank stability ----------
  function ciChart() {
    var host = $('ci-host');
    if (!D.scores) return;
    var rows = D.scores.filter(function (sc) { return fin(sc.final); });
    var boot = {};
    D.bootstrap.methods.forEach(function (m) { boot[m.name] = m.final; });
    var lo = Infinity, hi = -Infinity;
    rows.forEach(function (sc) { var b = boot[sc.name]; [sc.final, b.lo, b.hi].forEach(function (v) { if (fin(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
    hi = Math.max(hi, 1); lo = Math.min(lo, hi - 0.05);
    var pad = (hi - lo) * 0.05; lo -= pad; hi += pad;
    var W = 580, rowH = 26, L = 150, R = 44, T = 10, H = T + rows.length * rowH + 30;
    var c = chart(host, 'Final score with ' + Math.round(D.bootstrap.level * 100) + '% interval', W, H, 'chart-ci');
    c.svg.id = 'chart-ci';
    var x = function (v) { return L + (v - lo) / (hi - lo) * (W - L - R); };
    var g = s('g', { class: 'axis' }, c.svg);
    ticks(lo, hi, 6).forEach(function (v) {
      s('line', { x1: x(v), x2: x(v), y1: T, y2: H - 24, class: 'grid' }, g);
      s('text', { x: x(v), y: H - 10, 'text-anchor': 'middle', text: +v.toPrecision(3) }, g);
    });
    s('line', { x1: x(1), x2: x(1), y1: T, y2: H - 24, stroke: '#222', 'stroke-dasharray': '4 3' }, c.svg);
    s('text', { x: x(1) + 3, y: T + 9, text: 'GT = 1' }, c.svg);
    rows.forEach(function (sc, i) {
      var y = T + i * rowH + rowH / 2, b = boot[sc.name], col = color(methodIndex(sc.name));
      s('text', { x: L - 8, y: y + 4, 'text-anchor': 'end', text: sc.name }, c.svg);
      if (fin(b.lo)) s('line', { x1: x(b.lo), x2: x(b.hi), y1: y, y2: y, stroke: col, 'stroke-width': 3 }, c.svg);
      s('circle', { cx: x(sc.final), cy: y, r: 5, fill: col }, c.svg);
    });
  }

  function heat(host, title, id, rowNames, colNames, M, note) {
    var cut = function (n) { return n.length > 16 ? n.slice(0, 15) + '…' : n; };
    var longest = colNames.reduce(function (a, n) { return Math.max(a, cut(n).length); }, 0);
    var cw = Math.max(46, Math.min(70, 520 / colNames.length)), rh = 24, L = 150, T = 18 + longest * 4.2;
    var W = L + cw * colNames.length + 10, H = T + rh * rowNames.length + 8;
    var c = chart(host, title, W, H, 'chart-heat');
    c.svg.id = id;
    colNames.forEach(function (n, j) {
      s('text', { x: L + cw * j + cw / 2, y: T - 8, 'text-anchor': 'start', transform: 'rotate(-35 ' + (L + cw * j + cw / 2) + ' ' + (T - 8) + ')', text: cut(n) }, c.svg);
    });
    rowNames.forEach(function (n, i) {
      s('text', { x: L - 8, y: T + rh * i + rh / 2 + 4, 'text-anchor': 'end', text: n }, c.svg);
      colNames.forEach(function (_, j) {
        var p = M[i][j];
        var rect = s('rect', { x: L + cw * j + 1, y: T + rh * i + 1, width: cw - 2, height: rh - 2, fill: p == null ? '#f3f3f3' : 'rgba(47,111,219,' + (0.08 + 0.92 * p).toFixed(3) + ')', 'data-p': p == null ? '' : String(p) }, c.svg);
        s('title', { text: n + ' / ' + colNames[j] + ': ' + (p == null ? '—' : (100 * p).toFixed(1) + '%') }, rect);
        if (p != null) s('text', { x: L + cw * j + cw / 2, y: T + rh * i + rh / 2 + 4, 'text-anchor': 'middle', style: 'fill:' + (p > 0.55 ? '#fff' : '#1d2330'), text: (100 * p).toFixed(p === 0 || p === 1 ? 0 : 1) + '%' }, c.svg);
      });
    });
    if (note) c.box.appendChild(el('p', { class: 'note', text: note }));
  }

  function rankStability() {
    var host = $('rank-host');
    var b = D.bootstrap;
    if (!b.rankProb) {
      host.appendChild(el('p', { class: 'note', text: 'No ranks without a GT set.' }));
      return;
    }
    var names = b.methods.map(function (m) { return m.name; });
    var order = D.scores.map(function (sc) { return names.indexOf(sc.name); });
    var rn = order.map(function (i) { return names[i]; });
    heat(host, 'P(rank) over ' + b.B + ' replicates', 'chart-rank', rn, names.map(function (_, r) { return 'rank ' + (r + 1); }), order.map(function (i) { return b.rankProb[i]; }),
      'Each row: how often the method took each rank (ties share the lower rank).');
    heat(host, 'P(row beats column)', 'chart-beats', rn, rn, order.map(function (i) { return order.map(function (j) { return i === j ? null : b.beats[i][j]; }); }),
      'Fraction of replicates in which the row method\'s final score is strictly higher than the column method\'s.');
  }

  // ---------- radar ----------
  function radars() {
    var host = $('radar-host');
    if (!D.scores) { host.appendChild(el('p', { class: 'note', text: 'No normalised scores without a GT set.' })); return; }
    // Scores can be far below 0 (e.g. -12 when a metric is 13x the GT value); one such score
    // would squash every other shape, so the centre is at most -1 and lower scores sit on it (red dot).
    var FLOOR = -1, lo = 0, hi = 1.2;
    D.scores.forEach(function (sc) { METRICS.forEach(function (m) { var v = sc.normalised[m.id]; if (fin(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
    lo = Math.max(lo, FLOOR);
    var size = 300, cx = size / 2, cy = size / 2 + 2, R = 82;
    var rad = function (v) { return (v - lo) / (hi - lo) * R; };
    var ang = function (k) { return -Math.PI / 2 + 2 * Math.PI * k / METRICS.length; };
    var pt = function (k, v) { return [cx + rad(v) * Math.cos(ang(k)), cy + rad(v) * Math.sin(ang(k))]; };
    D.scores.forEach(function (sc) {
      var c = chart(host, sc.name + ' (final ' + fmt(sc.final, 3) + ')', size, size, 'chart-radar');
      c.svg.setAttribute('data-method', sc.name);
      [lo, 0, 0.5, 1].filter(function (v, i, a) { return v >= lo && a.indexOf(v) === i; }).forEach(function (v) {
        s('polygon', { points: METRICS.map(function (_, k) { return pt(k, v).join(','); }).join(' '), fill: 'none', stroke: v === 1 ? '#222' : '#dde2ea', 'stroke-dasharray': v === 1 ? '4 3' : '' }, c.svg);
      });
      METRICS.forEach(function (m, k) {
        var e = pt(k, hi);
        s('line', { x1: cx, y1: cy, x2: e[0], y2: e[1], stroke: '#e3e7ee' }, c.svg);
        var lp = [cx + (R + 14) * Math.cos(ang(k)), cy + (R + 14) * Math.sin(ang(k))];
        // Long names on two lines, so the side labels fit the chart.
        var words = m.name.length > 12 ? [m.name.slice(0, m.name.lastIndexOf(' ')), m.name.slice(m.name.lastIndexOf(' ') + 1)] : [m.name];
        var label = s('text', { x: lp[0], y: lp[1] + 3 - (words.length - 1) * 5.5, 'text-anchor': Math.abs(Math.cos(ang(k))) < 0.3 ? 'middle' : Math.cos(ang(k)) > 0 ? 'start' : 'end', style: 'font-size:9.5px' }, c.svg);
        words.forEach(function (w, wi) { s('tspan', { x: lp[0], dy: wi ? 11 : 0, text: w }, label); });
      });
      var col = color(methodIndex(sc.name));
      var pts = METRICS.map(function (m, k) { var v = sc.normalised[m.id]; return pt(k, fin(v) ? Math.max(v, lo) : lo).join(','); }).join(' ');
      s('polygon', { points: pts, fill: col, 'fill-opacity': 0.25, stroke: col, 'stroke-width': 2 }, c.svg);
      METRICS.forEach(function (m, k) {
        var v = sc.normalised[m.id];
        var p = pt(k, fin(v) ? Math.max(v, lo) : lo);
        var dot = s('circle', { cx: p[0], cy: p[1], r: fin(v) && v < lo ? 4 : 2.5, fill: !fin(v) ? '#aaa' : v < lo ? '#d62728' : col }, c.svg);
        s('title', { text: m.name + ': ' + fmt(v) }, dot);
      });
    });
    host.appendChild(el('p', { class: 'note', text: 'Normalised score per metric; dashed ring = GT (1.0); radial scale ' + fmt(lo, 2) + ' (centre) to ' + fmt(hi, 2) + '. Grey dots: no value; red dots: below ' + fmt(lo, 2) + ' (hover for the value).' }));
  }

  // ---------- distributions ----------
  function boxes() {
    var host = $('dist-host');
    var names = D.methods;
    var legend = el('div', { class: 'legend' }, names.map(function (n, i) { return el('span', { style: '--c:' + color(i), text: n }); }));
    host.appendChild(legend);
    var wrap = el('div', { class: 'charts' });
    host.appendChild(wrap);
    METRICS.forEach(function (m) {
      var W = 330, H = 190, L = 52, T = 8, B = 34;
      var st = names.map(function (n) { return D.distributions[n][m.id]; });
      var lo = Infinity, hi = -Infinity;
      st.forEach(function (b) { if (b) { lo = Math.min(lo, b.min); hi = Math.max(hi, b.max); } });
      var c = chart(wrap, m.name + ' (raw per-video values)', W, H, 'chart-box');
      if (!isFinite(lo)) { s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', text: 'no values' }, c.svg); return; }
      if (hi === lo) { hi += Math.abs(hi) * 0.05 + 1e-9; lo -= Math.abs(lo) * 0.05 + 1e-9; }
      var y = function (v) { return T + (hi - v) / (hi - lo) * (H - T - B); };
      yAxis(c.svg, y, lo, hi, L, W - 6);
      var bw = (W - L - 10) / names.length;
      st.forEach(function (b, i) {
        var x0 = L + 5 + i * bw, xm = x0 + bw / 2, w = Math.min(40, bw * 0.6), col = color(i);
        s('text', { x: xm, y: H - B + 14, 'text-anchor': 'middle', style: 'font-size:9.5px', text: names[i].length > 12 ? names[i].slice(0, 11) + '…' : names[i] }, c.svg);
        if (!b) return;
        s('text', { x: xm, y: H - B + 26, 'text-anchor': 'middle', style: 'font-size:9px;fill:#5b6475', text: 'n=' + b.n }, c.svg);
        s('line', { x1: xm, x2: xm, y1: y(b.lo), y2: y(b.hi), stroke: col }, c.svg);
        var r = s('rect', { x: xm - w / 2, y: y(b.q3), width: w, height: Math.max(1, y(b.q1) - y(b.q3)), fill: col, 'fill-opacity': 0.3, stroke: col }, c.svg);
        s('title', { text: names[i] + ': median ' + fmtSig(b.median) + ', IQR ' + fmtSig(b.q1) + '–' + fmtSig(b.q3) + ', range ' + fmtSig(b.min) + '–' + fmtSig(b.max) + ', n ' + b.n }, r);
        s('line', { x1: xm - w / 2, x2: xm + w / 2, y1: y(b.median), y2: y(b.median), stroke: col, 'stroke-width': 2 }, c.svg);
        if (b.min < b.lo) s('circle', { cx: xm, cy: y(b.min), r: 2, fill: 'none', stroke: col }, c.svg);
        if (b.max > b.hi) s('circle', { cx: xm, cy: y(b.max), r: 2, fill: 'none', stroke: col }, c.svg);
      });
    });
    host.appendChild(el('p', { class: 'note', text: 'Box: quartiles and median; whiskers: the most extreme values within 1.5 IQR; circles: minimum / maximum beyond them.' }));
  }

  // ---------- per-video table (paged) ----------
  var V = D.videos;
  var PAGE = 50;
  var vt = { order: null, page: 0, sortKey: null, dir: 1, method: -1, text: '', status: -1 };
  function baseName(p) { var i = p.lastIndexOf('/'); return i >= 0 ? p.slice(i + 1) : p; }
  function filterVideos() {
    var n = V.path.length, out = [];
    var t = vt.text.toLowerCase();
    for (var i = 0; i < n; i++) {
      if (vt.method >= 0 && V.method[i] !== vt.method) continue;
      if (vt.status >= 0 && V.status[i] !== vt.status) continue;
      if (t && V.path[i].toLowerCase().indexOf(t) < 0) continue;
      out.push(i);
    }
    if (vt.sortKey != null) {
      var k = vt.sortKey, dir = vt.dir;
      var key = k === 'path' ? function (i) { return V.path[i]; } : k === 'method' ? function (i) { return D.methods[V.method[i]]; } : k === 'warnings' ? function (i) { return V.warnings[i].length; } : function (i) { return V.values[k][i]; };
      out.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (typeof x === 'string') return dir * x.localeCompare(y) || a - b;
        if (x == null) return y == null ? a - b : 1;
        if (y == null) return -1;
        return dir * (x - y) || a - b;
      });
    }
    vt.order = out;
  }
  function videoTable() {
    var host = $('videos-host');
    var sel = el('select', { id: 'video-method', onchange: function () { vt.method = +this.value; vt.page = 0; filterVideos(); renderPage(); } },
      [el('option', { value: '-1', text: 'all methods' })].concat(D.methods.map(function (m, i) { return el('option', { value: String(i), text: m }); })));
    var st = el('select', { id: 'video-status', onchange: function () { vt.status = +this.value; vt.page = 0; filterVideos(); renderPage(); } },
      [el('option', { value: '-1', text: 'any status' }), el('option', { value: '0', text: 'ok' }), el('option', { value: '1', text: 'failed' })]);
    var search = el('input', { id: 'video-search', type: 'search', placeholder: 'filter by path…', oninput: function () { vt.text = this.value; vt.page = 0; filterVideos(); renderPage(); } });
    var prev = el('button', { id: 'video-prev', text: '◀ prev', onclick: function () { if (vt.page > 0) { vt.page--; renderPage(); } } });
    var next = el('button', { id: 'video-next', text: 'next ▶', onclick: function () { if ((vt.page + 1) * PAGE < vt.order.length) { vt.page++; renderPage(); } } });
    var info = el('span', { id: 'video-page-info', class: 'note' });
    host.appendChild(el('div', { class: 'controls' }, [sel, st, search, prev, next, info]));
    var table = el('table', { id: 'video-table' });
    var heads = [el('th', { class: 'name', 'data-sort': 'method', text: 'Method' }), el('th', { class: 'name', 'data-sort': 'path', text: 'Video' }), el('th', { text: 'Status' })]
      .concat(METRICS.map(function (m, k) { return el('th', { 'data-sort': String(k), text: m.name }); }), [el('th', { 'data-sort': 'warnings', text: 'Warnings' }), el('th', { text: 'View' })]);
    heads.forEach(function (th) {
      if (!th.dataset.sort) return;
      th.classList.add('sortable');
      th.addEventListener('click', function () {
        var k = th.dataset.sort;
        k = /^\d+$/.test(k) ? +k : k;
        vt.dir = vt.sortKey === k ? -vt.dir : 1;
        vt.sortKey = k;
        heads.forEach(function (h) { h.classList.remove('sorted-asc', 'sorted-desc'); });
        th.classList.add(vt.dir > 0 ? 'sorted-asc' : 'sorted-desc');
        vt.page = 0;
        filterVideos();
        renderPage();
      });
    });
    table.appendChild(el('thead', {}, [el('tr', {}, heads)]));
    table.appendChild(el('tbody'));
    host.appendChild(el('div', { class: 'scroll' }, [table]));
    host.appendChild(el('p', { class: 'note', text: V.path.length + ' videos; ' + PAGE + ' per page. Hover a value for its NaN reason; open a video for its tracks.' }));
    D.viewNotes.forEach(function (n) { host.appendChild(el('p', { class: 'note', text: n })); });
    filterVideos();
    renderPage();
  }
  function renderPage() {
    var tbody = document.querySelector('#video-table tbody');
    tbody.textContent = '';
    var start = vt.page * PAGE, end = Math.min(vt.order.length, start + PAGE);
    var frag = document.createDocumentFragment();
    for (var r = start; r < end; r++) {
      var i = vt.order[r];
      var tr = el('tr', { 'data-video': String(i) }, [el('td', { class: 'name', text: D.methods[V.method[i]] }), el('td', { class: 'name', title: V.path[i], text: baseName(V.path[i]) }),
        el('td', { class: V.status[i] ? 'bad' : '', text: V.status[i] ? 'failed' : 'ok', title: V.error[i] >= 0 ? D.strings[V.error[i]] : '' })]);
      for (var k = 0; k < METRICS.length; k++) {
        var v = V.values[k][i], rs = V.reasons[k][i];
        tr.appendChild(el('td', { title: rs >= 0 ? D.strings[rs] : '', class: v == null ? 'bad' : '', text: v == null ? 'NaN' : fmtSig(v) + (rs >= 0 ? ' †' : '') }));
      }
      tr.appendChild(el('td', { text: String(V.warnings[i].length), title: V.warnings[i].map(function (w) { return D.strings[w]; }).join('\n') }));
      tr.appendChild(el('td', {}, [el('a', { class: 'open', href: '#video=' + i, text: V.view[i] >= 0 ? 'open' : 'details' })]));
      frag.appendChild(tr);
    }
    tbody.appendChild(frag);
    $('video-page-info').textContent = vt.order.length ? 'rows ' + (start + 1) + '–' + end + ' of ' + vt.order.length + ' (page ' + (vt.page + 1) + ' of ' + Math.ceil(vt.order.length / PAGE) + ')' : 'no video matches';
  }

  // ---------- per-video view ----------
  function lineChart(parent, title, view, names, opts) {
    opts = opts || {};
    var W = 640, H = 170, L = 52, R = 10, T = 8, B = 26;
    var c = chart(parent, title, W, H, 'chart-line');
    var fps = view.fps || 25, T1 = Math.max(1, view.frames - 1) / fps;
    var x = function (f) { return L + (f / fps) / T1 * (W - L - R); };
    var data = names.map(function (n) { return view.series[n] || []; });
    if (opts.normalise) data = data.map(function (a) {
      var lo = Infinity, hi = -Infinity;
      a.forEach(function (v) { if (v != null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
      return a.map(function (v) { return v == null ? null : (v - lo) / (hi - lo + 1e-8); });
    });
    var lo = Infinity, hi = -Infinity;
    data.forEach(function (a) { a.forEach(function (v) { if (v != null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
    if (!isFinite(lo)) { lo = 0; hi = 1; }
    if (hi === lo) { hi += 0.5; lo -= 0.5; }
    var y = function (v) { return T + (hi - v) / (hi - lo) * (H - T - B); };
    (opts.bands || []).forEach(function (b) {
      b.ranges.forEach(function (r) { s('rect', { x: x(r[0]), y: T, width: Math.max(1, Math.min(x(r[1] + 1), W - R) - x(r[0])), height: H - T - B, fill: b.color }, c.svg); });
    });
    yAxis(c.svg, y, lo, hi, L, W - R);
    var g = s('g', { class: 'axis' }, c.svg);
    ticks(0, T1, 6).forEach(function (t) { s('text', { x: x(t * fps), y: H - 8, 'text-anchor': 'middle', text: +t.toPrecision(3) + ' s' }, g); });
    data.forEach(function (a, si) {
      var d = '', pen = false;
      a.forEach(function (v, j) {
        if (v == null) { pen = false; return; }
        d += (pen ? 'L' : 'M') + x(view.frame[j]).toFixed(1) + ' ' + y(v).toFixed(1);
        pen = true;
      });
      if (d) s('path', { d: d, fill: 'none', stroke: (opts.colors || COLORS)[si], 'stroke-width': 1.5 }, c.svg);
    });
    var items = names.map(function (n, i) { return el('span', { style: '--c:' + (opts.colors || COLORS)[i], text: n }); })
      .concat((opts.bands || []).map(function (b) { return el('span', { style: '--c:' + b.color, text: b.label }); }));
    c.box.appendChild(el('div', { class: 'legend' }, items));
    return c;
  }
  function showVideo(i) {
    var host = $('video-view');
    host.textContent = '';
    host.hidden = false;
    var name = D.methods[V.method[i]];
    host.appendChild(el('h2', { text: 'Video: ' + baseName(V.path[i]) }));
    host.appendChild(el('p', {}, [el('a', { href: '#videos', class: 'open', text: '← back to the table' })]));
    var kv = el('table', { class: 'kv' }, [
      el('tr', {}, [el('td', { text: 'path' }), el('td', { text: V.path[i] })]),
      el('tr', {}, [el('td', { text: 'method' }), el('td', { text: name })]),
      el('tr', {}, [el('td', { text: 'status' }), el('td', { text: V.status[i] ? 'failed: ' + (V.error[i] >= 0 ? D.strings[V.error[i]] : '') : 'ok' })]),
      el('tr', {}, [el('td', { text: 'tracks' }), el('td', { text: V.tracks[i] || 'not saved (run evaluate with --save-tracks)' })]),
    ]);
    host.appendChild(kv);
    var mt = el('table', { class: 'kv', id: 'video-metrics' }, [el('tr', {}, [el('th', { class: 'name', text: 'Metric' }), el('th', { text: 'Value' }), el('th', { class: 'name', text: 'Reason / note' })])]);
    METRICS.forEach(function (m, k) {
      var v = V.values[k][i], rs = V.reasons[k][i];
      mt.appendChild(el('tr', {}, [el('td', { text: m.name }), el('td', { class: v == null ? 'bad' : '', text: v == null ? 'NaN' : fmtSig(v) }), el('td', { text: rs >= 0 ? D.strings[rs] : '' })]));
    });
    host.appendChild(el('h3', { text: 'Metrics' }));
    host.appendChild(mt);
    host.appendChild(el('h3', { text: 'Warnings' }));
    var ws = V.warnings[i];
    host.appendChild(ws.length ? el('ul', { class: 'warn' }, ws.map(function (w) { return el('li', { text: D.strings[w] }); })) : el('p', { class: 'note', text: 'none' }));
    var vi = V.view[i];
    host.appendChild(el('h3', { text: 'Tracks' }));
    if (vi < 0) {
      host.appendChild(el('p', { class: 'note', id: 'no-tracks-note', text: V.tracks[i] ? 'Tracks were saved (' + V.tracks[i] + ') but are not embedded in this report (see the note under the table).' : 'Tracks were not saved for this video: run evaluate with --save-tracks to see mouth openness, loudness, head pose and the rest here.' }));
    } else {
      var view = D.views[vi];
      var charts = el('div', { class: 'charts', id: 'video-charts' });
      host.appendChild(el('p', { class: 'note', text: view.frames + ' frames at ' + fmt(view.fps, 3) + ' fps, ' + view.width + '×' + view.height + '; face found in ' + view.faceFrames + ' frames; ' + view.gaps.length + ' detection gap(s)' + (view.gaps.length ? ' (' + view.gaps.slice(0, 8).map(function (g) { return g[0] === g[1] ? 'frame ' + g[0] : 'frames ' + g[0] + '–' + g[1]; }).join(', ') + (view.gaps.length > 8 ? ', …' : '') + ')' : '') }));
      view.notes.forEach(function (n) { host.appendChild(el('p', { class: 'note', text: n })); });
      host.appendChild(charts);
      var gaps = { ranges: view.gaps, color: 'rgba(214,39,40,0.18)', label: 'no face' };
      lineChart(charts, 'Mouth openness vs loudness (each min-max normalised)', view, ['mouth openness', 'loudness (RMS)'], {
        normalise: true, colors: ['#2f6fdb', '#e8772e'],
        bands: [{ ranges: view.speech, color: 'rgba(44,160,44,0.16)', label: 'speech (VAD)' }, { ranges: view.silentRuns, color: 'rgba(148,103,189,0.20)', label: 'silent runs used (≥ 300 ms)' }, gaps],
      });
      lineChart(charts, 'Head pose (degrees)', view, ['pitch', 'yaw', 'roll'], { bands: [gaps] });
      lineChart(charts, 'Face box centre (pixels)', view, ['box centre x', 'box centre y'], { bands: [gaps] });
      lineChart(charts, 'Brow-to-eye distance / eye distance', view, ['brow distance left', 'brow distance right'], { bands: [gaps] });
      var q = Object.keys(view.series).filter(function (n) { return n.indexOf('quality: ') === 0; });
      if (q.length) lineChart(charts, 'Quality per frame', view, q, { bands: [gaps] });
    }
    host.scrollIntoView();
  }
  function route() {
    var m = /^#video=(\d+)$/.exec(location.hash);
    if (m && +m[1] < V.path.length) showVideo(+m[1]);
    else $('video-view').hidden = true;
  }

  // ---------- provenance ----------
  function provenance() {
    var host = $('prov-host');
    var p = D.provenance;
    var backend = function (b) { return b ? b.name + ' ' + b.version : 'none'; };
    var rows = [
      ['tool', p.tool], ['run date', p.runDate], ['complete', String(p.complete)], ['configuration hash', p.configHash],
      ['command line', p.command ? p.command.join(' ') : 'not recorded (run made by a version that did not store it)'],
      ['FFmpeg', p.ffmpeg], ['metrics', (p.metrics || []).join(', ')],
      ['face, head pose', backend(p.face)], ['profile', p.face && p.face.details && p.face.details.profile ? String(p.face.details.profile) : 'n/a'],
      ['speech, loudness', backend(p.audio)], ['quality', p.quality ? backend(p.quality.backend) : 'none'],
    ];
    if (p.quality) Object.keys(p.quality.scorers).forEach(function (k) { rows.push(['  ' + k, p.quality.scorers[k]]); });
    var t = el('table', { class: 'kv', id: 'provenance-table' }, rows.map(function (r) { return el('tr', {}, [el('td', { text: r[0] }), el('td', { text: r[1] == null ? 'n/a' : String(r[1]) })]); }));
    host.appendChild(t);
    host.appendChild(el('h3', { text: 'Backends, models and checksums (as recorded in summary.json)' }));
    host.appendChild(el('pre', { text: JSON.stringify({ face: p.face, audio: p.audio, quality: p.quality }, null, 2) }));
    var notes = (p.warnings || []).concat(D.notes);
    if (notes.length) {
      host.appendChild(el('h3', { text: 'Run warnings and report notes' }));
      host.appendChild(el('ul', { class: 'warn' }, notes.map(function (w) { return el('li', { text: w }); })));
    }
  }

  header();
  leaderboard();
  rawTable();
  ciChart();
  rankStability();
  radars();
  boxes();
  videoTable();
  provenance();
  window.addEventListener('hashchange', route);
  route();
  document.body.setAttribute('data-ready', '1');
})();
