/**
 * The dashboard's one stylesheet and one small script, kept as text in code so the build ships them
 * with no copy step. Served from /admin/assets with a content hash in the URL (cached for a year).
 */
import { createHash } from "node:crypto";

const CSS = `
:root{--ok:#1a7f37;--wait:#0969da;--bad:#cf222e;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa;--fg:#1f2328;
--s-processed:#2da44e;--s-pending:#54aeff;--s-failed:#cf222e;--s-succeeded:#2da44e;--s-retry_pending:#0969da;
--s-running:#54aeff;--s-dead:#cf222e;--s-skipped:#afb8c1;--s-refunded:#bf8700;--s-disputed:#fb8f44;
--s-dispute_won:#8250df;--s-dispute_lost:#82071e}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
a{color:var(--wait)}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:var(--fg);color:#fff}
header.top a{color:#fff;text-decoration:none}
header.top .brand{font-weight:700;margin-right:.5rem}
header.top nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem;flex:1}
header.top nav a[aria-current=page]{text-decoration:underline;text-underline-offset:.3em}
header.top form{margin:0}
header.top button{background:transparent;color:#fff;border:1px solid #8c959f}
@media(max-width:600px){header.top{padding:.5rem .6rem}header.top form{margin-left:auto}
header.top nav{order:3;flex:1 0 100%;flex-wrap:nowrap;justify-content:space-between;gap:.4rem;font-size:.8rem;overflow-x:auto;white-space:nowrap}}
main{max-width:1180px;margin:0 auto;padding:1rem}
h1{font-size:1.45rem;margin:.4rem 0}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
h3{font-size:1rem;margin:.2rem 0}
.sub{color:var(--muted);margin:.1rem 0 .6rem;overflow-wrap:anywhere}
.headline{font-size:1.15rem;font-weight:600;margin:.6rem 0 1rem}
.grid2{display:grid;gap:1rem}
@media(min-width:820px){.grid2{grid-template-columns:1fr 1fr}}
.cards{display:grid;gap:.75rem;grid-template-columns:repeat(2,1fr);margin:.5rem 0 1rem}
@media(min-width:820px){.cards{grid-template-columns:repeat(4,1fr)}}
.card,.panel{border:1px solid var(--line);border-radius:8px;padding:.75rem;background:#fff}
.card .n{font-size:1.6rem;font-weight:700;display:block}
.card .l{color:var(--muted);font-size:.85rem}
.panel{margin-bottom:1rem}
.integration{border-left:4px solid var(--line);padding:.5rem .75rem;margin:.5rem 0;background:var(--bg);border-radius:4px}
.integration.ok{border-color:var(--ok)}.integration.wait{border-color:var(--wait)}
.integration.bad{border-color:var(--bad)}.integration.muted{border-color:var(--line)}
.badge{display:inline-block;padding:0 .5em;border-radius:1em;font-size:.8rem;font-weight:600;border:1px solid currentColor;white-space:nowrap}
.ok{color:var(--ok)}.wait{color:var(--wait)}.bad{color:var(--bad)}.muted{color:var(--muted)}
.integration,.integration p{color:var(--fg)}
.err{color:var(--bad);overflow-wrap:anywhere}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:.3rem 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
table.list{width:100%;border-collapse:collapse;font-size:.92rem}
table.list th,table.list td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
table.list th{background:var(--bg);font-weight:600}
table.list td{overflow-wrap:break-word;hyphens:none}
table.list td.err{overflow-wrap:break-word}
table.money td{white-space:pre-line}table.money th[scope=row]{background:none;font-weight:500}
@media(max-width:700px){table.money th[scope=row]{display:block;border:0;padding:.3rem .3rem 0}}
@media(max-width:700px){table.list thead{display:none}table.list tr{display:block;border-bottom:2px solid var(--line);padding:.3rem 0}
table.list td{display:block;border:0;padding:.15rem .3rem}table.list td[data-label]::before{content:attr(data-label) ": ";color:var(--muted)}}
form.inline{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.3rem 0}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:.5rem 0 1rem}
form.filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:6px}
input[type=search],input.reason{min-width:12rem;flex:1}
button{background:var(--fg);color:#fff;border-color:var(--fg);cursor:pointer}
button.danger{background:var(--bad);border-color:var(--bad)}
.notice{padding:.6rem .8rem;border-radius:6px;background:#ddf4ff;border:1px solid #54aeff;margin:.5rem 0}
.notice.bad{background:#ffebe9;border-color:var(--bad)}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline li{display:grid;grid-template-columns:7.5rem 1fr;gap:.5rem;padding:.35rem 0;border-bottom:1px solid var(--line)}
ol.timeline time{color:var(--muted);font-size:.85rem}
ol.timeline .d{color:var(--muted);font-size:.88rem;overflow-wrap:anywhere}
pre.payload{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.75rem;overflow:auto;max-height:32rem;font-size:.82rem}
figure{margin:0}
svg.chart{width:100%;height:auto;max-height:200px}
svg.chart text{font-size:16px;fill:var(--muted)}
@media(min-width:820px){svg.chart text{font-size:11px}}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.85rem;padding:0;list-style:none;margin:.3rem 0}
.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;vertical-align:-.05em}
${["processed", "pending", "failed", "succeeded", "retry_pending", "running", "dead", "skipped", "refunded", "disputed", "dispute_won", "dispute_lost"].map((s) => `.s-${s}{fill:var(--s-${s});background:var(--s-${s})}`).join("\n")}
.pager{margin:1rem 0}
.login{max-width:26rem;margin:3rem auto}
.login input{width:100%;margin:.3rem 0 .8rem}
`;

const JS = `"use strict";
// Progressive enhancement only: every page works without this file.
(function () {
	// Times are rendered in UTC; the tooltip shows the viewer's own time.
	document.querySelectorAll("time[datetime]").forEach(function (t) {
		var d = new Date(t.getAttribute("datetime"));
		if (!isNaN(d.getTime())) t.title = d.toLocaleString();
	});
	// A page showing work on its way reloads while visible, so "queued" turns into "sent" by itself;
	// never while someone is typing.
	var live = document.querySelector("[data-refresh]");
	if (!live) return;
	var seconds = Number(live.getAttribute("data-refresh")) || 5;
	function typing() {
		var fields = document.querySelectorAll("input, textarea, select");
		for (var i = 0; i < fields.length; i++) {
			var f = fields[i];
			if (f === document.activeElement && f.type !== "submit") return true;
			if (f.type === "checkbox" ? f.checked !== f.defaultChecked : f.value !== f.defaultValue) return true;
		}
		return false;
	}
	function tick() {
		if (document.visibilityState === "visible" && !typing()) location.reload();
		else setTimeout(tick, 2000);
	}
	setTimeout(tick, seconds * 1000);
})();
`;

const version = (text: string) =>
	createHash("sha256").update(text).digest("hex").slice(0, 12);

export const ASSETS = {
	css: {
		path: "/admin/assets/admin.css",
		url: `/admin/assets/admin.css?v=${version(CSS)}`,
		body: CSS,
		type: "text/css; charset=utf-8",
	},
	js: {
		path: "/admin/assets/admin.js",
		url: `/admin/assets/admin.js?v=${version(JS)}`,
		body: JS,
		type: "text/javascript; charset=utf-8",
	},
} as const;
