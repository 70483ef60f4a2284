/** The report's inline stylesheet (no external fonts or CSS: the file must open offline). */
export const REPORT_CSS = `
:root { --fg:#1d2733; --muted:#6b7785; --line:#d5dbe3; --bg:#f6f8fa; --card:#fff; --ok:#1e9e5a; --bad:#d63031; --warn:#c77700; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1180px; margin:0 auto; padding:20px 24px 40px; }
h1 { font-size:22px; margin:0 0 2px; }
h2 { font-size:16px; margin:0 0 8px; }
.sub { color:var(--muted); margin:0 0 16px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; margin:0 0 16px; }
.banner { border-radius:8px; padding:14px 18px; margin:0 0 16px; border:2px solid var(--bad); background:#fdecec; }
.banner.rolled { border-color:var(--warn); background:#fff5e6; }
.banner .big { font-size:20px; font-weight:700; color:var(--bad); }
.banner.rolled .big { color:var(--warn); }
.banner code { font-size:15px; }
.cards { display:flex; flex-wrap:wrap; gap:8px; margin:0 0 16px; }
.card { flex:1 1 auto; min-width:120px; background:var(--card); border:1px solid var(--line); border-radius:8px; padding:8px 10px; }
.card .k { color:var(--muted); font-size:11px; white-space:nowrap; text-transform:uppercase; letter-spacing:.04em; }
.card .v { font-size:16px; font-weight:650; margin-top:2px; white-space:nowrap; }
svg.chart { display:block; width:100%; height:auto; font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif; }
.axis { stroke:#8795a5; stroke-width:1; }
.grid { stroke:#e6eaef; stroke-width:1; }
.frame { fill:none; stroke:#c9d1db; }
.tick { fill:#4d5966; font-size:11px; }
.axis-title { fill:#4d5966; font-size:12px; }
.legend { fill:#33404d; font-size:12px; }
.note { fill:#4d5966; font-size:12px; }
.note.strong { font-weight:600; fill:#33404d; }
.note.bad, .bad { color:var(--bad); fill:var(--bad); }
.warn { color:var(--warn); }
.ok { color:var(--ok); }
.muted { color:var(--muted); }
.small { font-size:12px; }
.lane { fill:#fbfcfd; }
.lane.alt { fill:#f1f4f7; }
.lane.board { fill:#eef1f5; }
.lane-label { fill:#33404d; font-size:12px; }
.bar { stroke:rgba(0,0,0,.18); stroke-width:.5; }
.bar-label { fill:#fff; font-size:10.5px; font-weight:600; pointer-events:none; }
.fail-label { fill:var(--bad); font-size:12px; font-weight:700; }
.st-idle { fill:#9aa5b1; } .st-checking { fill:#5b8def; } .st-selecting-cert { fill:#8e6cef; }
.st-downloading { fill:#2f80ed; } .st-verifying { fill:#0a9396; } .st-staged { fill:#f2a93b; }
.st-rebooting { fill:#e07b39; } .st-trial { fill:#b05fd6; } .st-confirmed { fill:#27ae60; }
.st-reverting { fill:#eb5757; } .st-rolled-back { fill:#c0392b; } .st-failed { fill:#d63031; } .st-other { fill:#7f8c8d; }
.boot { fill:#33404d; stroke:#fff; stroke-width:1; }
.boot-bad { fill:var(--bad); }
.boot.companion { fill:#7a5cc2; }
.boot-line { stroke:#33404d; stroke-width:1; stroke-dasharray:3 3; opacity:.55; }
.boot-line.wide { stroke-width:1.5; opacity:.4; }
.boot-label { fill:#33404d; font-size:11px; font-weight:600; }
.reset { fill:#e07b39; }
.area { fill:#2f80ed; opacity:.16; }
.curve { fill:none; stroke:#2f80ed; stroke-width:2; stroke-linejoin:round; }
.curve-dot { fill:#2f80ed; }
.hover { fill:transparent; stroke:none; }
.hover:hover { fill:#2f80ed; opacity:.35; }
.total { stroke:#6b7785; stroke-width:1.2; stroke-dasharray:6 4; fill:none; }
.stall { fill:#f2c94c; opacity:.35; }
.retry { fill:#fff; stroke:#e07b39; stroke-width:2; }
.reconnect { stroke:#d63031; stroke-width:1.5; stroke-dasharray:4 2; }
.reconnect-label { fill:#d63031; font-size:11px; font-weight:700; }
.boot-label, .reconnect-label, .limit-label, .note, .fail-label { paint-order:stroke; stroke:#fff; stroke-width:3px; stroke-linejoin:round; }
.rec { fill:#7fb3f5; }
.rec.est { fill:#c3d6ee; }
.rec.over { fill:#d63031; }
.rec-hdr { fill:#1d3f73; opacity:.45; pointer-events:none; }
.limit { fill:none; stroke:#d63031; stroke-width:2; stroke-dasharray:7 4; }
.limit-label { fill:#d63031; font-size:12px; font-weight:700; }
.range { fill:none; stroke:#0a9396; stroke-width:2; }
.range-dot { fill:#0a9396; pointer-events:none; }
.empty-plot { fill:#f7f8fa; }
.empty-text { fill:var(--muted); font-size:14px; font-style:italic; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid #e6eaef; vertical-align:top; }
thead th { background:#f1f4f7; font-size:12px; text-transform:uppercase; letter-spacing:.03em; color:#4d5966; }
table.summary th { width:230px; color:#4d5966; font-weight:600; }
.nowrap { white-space:nowrap; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tr.host-first td { border-top:2px solid #d5dbe3; }
tr.probe-bad td { background:#fff7f7; }
.badge { display:inline-block; padding:1px 7px; border-radius:10px; font-size:12px; font-weight:700; }
.badge.ok { background:#e3f6ec; color:var(--ok); }
.badge.bad { background:#fdecec; color:var(--bad); }
.badge.warn { background:#fff5e6; color:var(--warn); }
.msg { color:#4d5966; font-size:12px; }
ul.verdicts { margin:0 0 10px; padding-left:20px; }
tr.ev-warn td { background:#fffaf0; }
tr.ev-error td { background:#fff1f1; }
code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
details summary { cursor:pointer; font-weight:600; }
footer { color:var(--muted); font-size:12px; text-align:center; }
@media print { body { background:#fff; } section { break-inside:avoid; } }
`;
