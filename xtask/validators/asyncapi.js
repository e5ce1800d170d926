// Validates AsyncAPI documents with @asyncapi/parser (the parser behind the AsyncAPI CLI, whose
// own CLI needs a newer Node): a file fails on any diagnostic of severity 0 (error), or when the
// parser returns no document. Usage: NODE_PATH=.tools/node/node_modules node asyncapi.js FILE...
// Prints every diagnostic, then a verdict line per file (see README.md).
const fs = require('fs');
const path = require('path');
const { Parser } = require('@asyncapi/parser');
const { version } = require('@asyncapi/parser/package.json');

const SEVERITY = ['error', 'warning', 'info', 'hint'];
const verdict = (check, ok, file, summary) =>
  console.log(['@@', check, ok ? 'ok' : 'fail', file, summary.replace(/\s+/g, ' ').trim()].join('\t'));

(async () => {
  const parser = new Parser();
  let failed = 0;
  for (const file of process.argv.slice(2)) {
    let document, diagnostics;
    try {
      const text = fs.readFileSync(file, 'utf8');
      ({ document, diagnostics } = await parser.parse(text, { source: path.resolve(file) }));
    } catch (e) {
      document = undefined;
      diagnostics = [{ severity: 0, code: 'exception', message: String(e), path: [] }];
    }
    const where = (d) => `/${(d.path || []).join('/')}`;
    for (const d of diagnostics) {
      console.log(`${file}: ${SEVERITY[d.severity] || d.severity} ${d.code} ${d.message} at ${where(d)}`);
    }
    const errors = diagnostics.filter((d) => d.severity === 0);
    const ok = errors.length === 0 && document !== undefined;
    if (!ok) failed++;
    let summary;
    if (errors.length) {
      const codes = errors.map((d) => d.code).join(', ');
      summary = `${errors.length} error(s) [${codes}]; first: ${errors[0].message} at ${where(errors[0])}`;
    } else if (!document) {
      summary = 'the parser returned no document';
    } else {
      summary = `0 errors, ${diagnostics.length} other diagnostic(s) (@asyncapi/parser ${version})`;
    }
    verdict('@asyncapi/parser', ok, file, summary);
  }
  process.exit(failed ? 1 : 0);
})();
