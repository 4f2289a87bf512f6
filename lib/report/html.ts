/**
 * The report as one self-contained HTML file: the model as inline JSON, the page's own
 * script and stylesheet (lib/report/client/, plain JS/CSS read from the package at
 * generation time) inlined. Charts are hand-written SVG: no chart library, nothing fetched
 * at view time, so the file opens from disk, offline, in any current browser.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../native.js';
import { jsonNumbers } from '../io/resultsStore.js';
import type { ReportModel } from './model.js';

const CLIENT_DIR = path.join(packageRoot, 'lib', 'report', 'client');

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** JSON safe inside <script>: no "</script>" or "<!--" can appear (every '<' escaped). */
export function scriptJson(x: unknown): string {
  return JSON.stringify(x, jsonNumbers).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function reportHtml(model: ReportModel): string {
  const js = readFileSync(path.join(CLIENT_DIR, 'report.js'), 'utf8');
  const css = readFileSync(path.join(CLIENT_DIR, 'report.css'), 'utf8');
  const section = (id: string, title: string, body: string) => `<section id="${id}"><h2>${title}</h2>${body}</section>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(model.title)}</title>
<style>${css}</style>
</head>
<body>
<header><h1 id="title">${escapeHtml(model.title)}</h1><div class="sub" id="subtitle"></div></header>
<nav><a href="#leaderboard">Leaderboard</a><a href="#raw">Raw values</a><a href="#certainty">Certainty</a><a href="#radar">Radar</a><a href="#distributions">Distributions</a><a href="#videos">Videos</a><a href="#provenance">Provenance</a></nav>
<main>
${section('leaderboard', 'Leaderboard', '<div id="leaderboard-host"></div>')}
${section('raw', 'Raw dataset values', '<p class="note">Mean over each method\'s videos, skipping NaN (summary.json); grey: bootstrap interval, videos with a value.</p><div id="raw-host"></div>')}
${section('certainty', 'How certain is the ranking?', '<div class="charts" id="ci-host"></div><div class="charts" id="rank-host"></div>')}
${section('radar', 'Normalised scores per method', '<div class="charts" id="radar-host"></div>')}
${section('distributions', 'Per-metric distributions', '<div id="dist-host"></div>')}
${section('videos', 'Videos', '<div id="videos-host"></div><div id="video-view" hidden></div>')}
${section('provenance', 'Provenance', '<div id="prov-host"></div>')}
</main>
<script id="report-data" type="application/json">${scriptJson(model)}</script>
<script>${js}</script>
</body>
</html>
`;
}
