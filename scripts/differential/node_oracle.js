// Node helper for the differential harness. Reads JSON lines on stdin, answers one JSON line each.
//   {"op":"regex","p":PATTERN,"flags":"u","s":[STR...]}  -> {"ok":true,"m":[bool...]} | {"ok":false,"err":MSG}
//        (RegExp.prototype.test, i.e. unanchored search, as JSON Schema's "pattern" is)
//   {"op":"ajv","schema":S,"docs":[TEXT...],"format":bool,"draft":"4"|"6"|"7"}
//        -> {"ok":true,"v":["1"|"0"|"E"...]} | {"ok":false,"err":MSG}    (Debian's node-ajv, ajv 6)
'use strict';
const readline = require('readline');
let Ajv = null;
try { Ajv = require('/usr/share/nodejs/ajv'); } catch (e) { Ajv = null; }
const rl = readline.createInterface({ input: process.stdin, terminal: false });
function ajvFor(draft, format) {
  const opts = { format: format ? 'full' : false, unknownFormats: 'ignore', schemaId: draft === '4' ? 'id' : '$id',
                 validateSchema: false, missingRefs: true, extendRefs: 'ignore', logger: false };
  const ajv = new Ajv(opts);
  if (draft === '4') ajv.addMetaSchema(require('/usr/share/nodejs/ajv/lib/refs/json-schema-draft-04.json'));
  if (draft === '6') ajv.addMetaSchema(require('/usr/share/nodejs/ajv/lib/refs/json-schema-draft-06.json'));
  return ajv;
}
rl.on('line', (line) => {
  let req;
  try { req = JSON.parse(line); } catch (e) { console.log(JSON.stringify({ ok: false, err: 'bad request' })); return; }
  if (req.op === 'regex') {
    let re;
    try { re = new RegExp(req.p, req.flags === undefined ? 'u' : req.flags); }
    catch (e) { console.log(JSON.stringify({ ok: false, err: String(e.message) })); return; }
    console.log(JSON.stringify({ ok: true, m: req.s.map((s) => re.test(s)) }));
  } else if (req.op === 'ajv') {
    if (!Ajv) { console.log(JSON.stringify({ ok: false, err: 'ajv not installed' })); return; }
    let validate;
    try { validate = ajvFor(req.draft, req.format).compile(req.schema); }
    catch (e) { console.log(JSON.stringify({ ok: false, err: String(e.message).slice(0, 300) })); return; }
    const v = req.docs.map((t) => {
      let d;
      try { d = JSON.parse(t); } catch (e) { return 'E'; }
      try { return validate(d) ? '1' : '0'; } catch (e) { return 'X'; }
    });
    console.log(JSON.stringify({ ok: true, v }));
  } else {
    console.log(JSON.stringify({ ok: false, err: 'unknown op' }));
  }
});
