// Validates GraphQL SDL files with graphql-js: buildSchema (syntax and SDL rules), then
// validateSchema. Usage: NODE_PATH=.tools/node/node_modules node graphql-js.js FILE...
// Prints the errors of each file, then a verdict line per file (see README.md).
const fs = require('fs');
const { buildSchema, validateSchema, version } = require('graphql');

const verdict = (check, ok, file, summary) =>
  console.log(['@@', check, ok ? 'ok' : 'fail', file, summary.replace(/\s+/g, ' ').trim()].join('\t'));

let failed = 0;
for (const file of process.argv.slice(2)) {
  let errors;
  try {
    errors = validateSchema(buildSchema(fs.readFileSync(file, 'utf8'))).map(String);
  } catch (e) {
    errors = [String(e)];
  }
  if (errors.length) failed++;
  console.log(`${file} (graphql-js ${version}): ${errors.length} error(s)`);
  for (const e of errors) console.log('  ' + e.split('\n').join('\n  '));
  verdict('graphql-js', !errors.length, file,
    errors.length ? `${errors.length} error(s): ${errors[0].split('\n')[0]}` : `graphql-js ${version}`);
}
process.exit(failed ? 1 : 0);
