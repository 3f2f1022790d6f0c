// Formats CSL-JSON items with citeproc-js, the reference CSL processor, for the citation tests
// and the benchmark. Reads one JSON request on standard input:
//   {"style": "<path to .csl>", "locales": "<directory of locales-*.xml>", "locale": "tr-TR",
//    "items": [<CSL-JSON item>, ...], "repeat": 1}
// and writes {"entries": ["<text entry per item, in input order>", ...], "seconds": <time to
// format them all `repeat` times, style already loaded>} on standard output.
"use strict";
const fs = require("fs");
const path = require("path");
const CSL = require("citeproc");

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const byId = new Map(request.items.map((item) => [String(item.id), item]));
const styleXml = fs.readFileSync(request.style, "utf8");

const sys = {
  retrieveLocale(lang) {
    const file = path.join(request.locales, `locales-${lang}.xml`);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : false;
  },
  retrieveItem(id) {
    return byId.get(String(id));
  },
};

// One processor per item, as our writer formats each article on its own (no disambiguation
// or sorting across articles).
function entry(engine, id) {
  engine.updateItems([id]);
  const [, entries] = engine.makeBibliography();
  return entries.join("").trim();
}

const engine = new CSL.Engine(sys, styleXml, request.locale, true);
engine.setOutputFormat("text");
const ids = request.items.map((item) => String(item.id));
const entries = ids.map((id) => entry(engine, id));
const repeat = request.repeat || 0;
const started = process.hrtime.bigint();
for (let round = 0; round < repeat; round++) {
  for (const id of ids) entry(engine, id);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(JSON.stringify({ entries, seconds }));
