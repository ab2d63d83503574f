// The operators' page: static HTML, CSS and script (no inline code, so the server's Content
// Security Policy can forbid it). What each device shows is decided by the hub
// (page-model.ts); the script (page-script.ts) lays it out. One column on a phone, a grid of
// cards on a desktop; every state is said in words (colour only repeats it), every control is
// a labelled button reachable with the keyboard.
export { PAGE_SCRIPT } from "./page-script.ts";

/** The tab's icon: a padlock, served from the hub (the policy allows images from 'self' only). */
export const PAGE_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">\
<path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="#345" stroke-width="2"/>\
<rect x="3" y="7" width="10" height="8" rx="1" fill="#345"/></svg>`;

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Latchkey hub</title>
<link rel="icon" href="/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header><h1>Latchkey</h1><span id="operator"></span><span id="live" class="badge" role="status">connecting</span></header>
<p id="notice" hidden></p>
<div id="toolbar"><input id="search" type="search" placeholder="Search devices" aria-label="Search devices"><select id="filter" aria-label="Show devices"><option value="">all devices</option><option value="open">open or on</option><option value="offline">offline</option><option value="online">online</option><option value="unknown">not heard from</option></select><span id="summary" role="status"></span></div>
<main id="devices" aria-label="Devices"></main>
<section aria-labelledby="audit-title"><h2 id="audit-title">Recent actions</h2><ol id="audit"></ol></section>
</body>
</html>
`;

export const PAGE_CSS = `
* { box-sizing: border-box; }
body { font: 16px/1.45 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
header { display: flex; flex-wrap: wrap; gap: .4em 1em; align-items: baseline; padding: .8em 1em; background: #1d2330; color: #fff; }
header h1 { font-size: 1.2em; margin: 0; }
#operator { flex: 1; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 360px), 1fr)); gap: 1em; padding: 1em; align-items: start; }
section { padding: 0 1em 1em; }
#toolbar { display: flex; flex-wrap: wrap; gap: .5em 1em; align-items: center; padding: 1em 1em 0; }
#toolbar input, #toolbar select { font: inherit; min-height: 44px; padding: .2em .5em; }
#summary { flex: 1 1 100%; font-weight: 600; }
section h2 { font-size: 1.05em; }
#notice { margin: 1em; padding: 1em; background: #fff; border-left: 4px solid #b26b00; border-radius: 6px; }
.device { background: #fff; border-radius: 10px; padding: 1em; box-shadow: 0 1px 3px #0002; min-width: 0; }
.device h2 { font-size: 1.1em; margin: 0 0 .6em; display: flex; flex-wrap: wrap; gap: .4em; align-items: center; }
.device h2 .id { flex: 1; overflow-wrap: anywhere; }
.door { border: 1px solid #dde; border-radius: 8px; padding: .8em; margin-bottom: .6em; }
.door .state { font-size: 1.6em; font-weight: 700; display: flex; align-items: center; gap: .3em; }
.door .detail { color: #445; font-size: .9em; display: flex; flex-wrap: wrap; gap: .3em .5em; align-items: center; }
.door .Closed { color: #1f6f35; } .door .Open, .door .Stopped { color: #8a4b00; } .door .Fault { color: #a31515; }
.door .Opening, .door .Closing { color: #2a5bd7; } .door .Unknown { color: #556; }
.controls { display: grid; grid-template-columns: repeat(3, 1fr); gap: .5em; margin-top: .7em; }
.entity { display: grid; grid-template-columns: 1fr auto auto auto; align-items: center; gap: .3em .7em; padding: .55em 0; border-top: 1px solid #eee; }
.door.entity { display: block; border-top: 1px solid #dde; padding: .8em; }
.entity .meaning { display: block; font-size: .8em; color: #667; }
.entity .reading { display: flex; flex-direction: column; align-items: flex-end; gap: .15em; text-align: right; }
.entity .marks { display: flex; flex-wrap: wrap; justify-content: flex-end; gap: .25em; }
.entity .actions:empty { display: none; }
.age { font-size: .75em; color: #556; white-space: nowrap; }
.value { font-weight: 600; }
.value.stale { font-weight: 400; font-style: italic; color: #667; }
.badge { font-size: .75em; padding: .1em .55em; border-radius: 1em; background: #dde; color: #223; white-space: nowrap; }
.online, .confirmed, .verified { background: #c9ecd2; } .offline { background: #f6caca; }
.unverified, .unconfirmed, .last-known { background: #ffe0a3; } .unsigned, .hub { background: #e4e6ee; }
button { font: inherit; min-height: 44px; padding: .35em 1em; border-radius: 6px; border: 1px solid #2a5bd7; background: #2a5bd7; color: #fff; cursor: pointer; }
button:disabled { background: #e7e9ef; border-color: #c5c9d6; color: #5b6172; cursor: not-allowed; }
button[role="switch"][aria-checked="true"] { background: #1f6f35; border-color: #1f6f35; }
button:focus-visible, summary:focus-visible { outline: 3px solid #ffb000; outline-offset: 2px; }
svg.chart { width: 90px; height: 24px; }
svg.chart polyline { fill: none; stroke: #2a5bd7; stroke-width: 1.5; }
.result { font-size: .85em; color: #445; margin-top: .4em; min-height: 1.2em; }
.admin { border-top: 1px solid #eee; margin-top: .6em; padding-top: .5em; display: grid; gap: .5em; }
.admin .firmware, .admin .window { display: flex; flex-wrap: wrap; gap: .4em .6em; align-items: center; }
.admin progress { flex: 1 1 100%; height: 1em; }
.update-state { flex: 1 1 100%; font-size: .9em; }
.update-confirmed { color: #1f6f35; } .update-rolled-back, .update-refused, .update-failed { color: #a31515; }
.admin-result { font-size: .85em; color: #445; min-height: 1.2em; }
details { margin-top: .6em; border-top: 1px solid #eee; padding-top: .4em; }
summary { cursor: pointer; min-height: 44px; display: flex; align-items: center; font-weight: 600; }
summary::before { content: "\\25B8"; margin-right: .4em; } details[open] > summary::before { content: "\\25BE"; }
dl.health { display: grid; grid-template-columns: max-content 1fr; gap: .2em .8em; margin: .4em 0; font-size: .9em; }
dl.health dt { color: #556; } dl.health dd { margin: 0; overflow-wrap: anywhere; }
ol.timeline { list-style: none; padding: 0; margin: .4em 0; font-size: .85em; }
ol.timeline li { display: flex; flex-wrap: wrap; align-items: baseline; gap: .2em .5em; padding: .25em 0; border-top: 1px dotted #dde; }
ol.timeline .when { color: #667; min-width: 5.5em; }
ol.timeline .what { flex: 1 1 12em; overflow-wrap: anywhere; }
#audit:empty::after { content: "nothing yet"; color: #667; }
#audit { font-size: .85em; color: #334; padding-left: 1.4em; overflow-wrap: anywhere; }
@media (max-width: 480px) { body { font-size: 15px; } main { padding: .6em; } .door .state { font-size: 1.4em; } }
`;
