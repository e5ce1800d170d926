// Validates OpenRPC documents, two checks per file:
//   ajv meta-schema      ajv (draft-07) against @open-rpc/meta-schema, every error reported;
//   parseOpenRPCDocument @open-rpc/schema-utils-js, which also dereferences every $ref.
// Usage: NODE_PATH=.tools/node/node_modules node openrpc.js FILE...
// Prints the errors, then a verdict line per file and check (see README.md).
const fs = require('fs');
const Ajv = require('ajv').default;
const metaSchema = require('@open-rpc/meta-schema').default;
const metaVersion = require('@open-rpc/meta-schema/package.json').version;
const jsonSchemaMeta = require('@json-schema-tools/meta-schema').default;
const { parseOpenRPCDocument } = require('@open-rpc/schema-utils-js');

const verdict = (check, ok, file, summary) =>
  console.log(['@@', check, ok ? 'ok' : 'fail', file, summary.replace(/\s+/g, ' ').trim()].join('\t'));

(async () => {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  // The OpenRPC meta-schema takes its JSON Schema definition from meta.json-schema.tools.
  ajv.addSchema(jsonSchemaMeta, 'https://meta.json-schema.tools');
  const { $schema, ...schema } = metaSchema;
  const validate = ajv.compile(schema);
  let failed = 0;
  for (const file of process.argv.slice(2)) {
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
      JSON.parse(text);
    } catch (e) {
      failed++;
      verdict('ajv meta-schema', false, file, String(e));
      verdict('parseOpenRPCDocument', false, file, String(e));
      continue;
    }
    const errors = validate(JSON.parse(text)) ? [] : validate.errors;
    for (const e of errors) console.log(`${file}: ajv ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    console.log(`${file}: meta-schema: ${errors.length} error(s)`);
    const first = errors[0];
    verdict('ajv meta-schema', !errors.length, file, errors.length
      ? `${errors.length} error(s): ${first.instancePath || '/'} ${first.message} ${JSON.stringify(first.params)}`
      : `0 errors (@open-rpc/meta-schema ${metaVersion})`);
    let parsed = true;
    let message = '';
    try {
      const doc = await parseOpenRPCDocument(JSON.parse(text));
      message = `${doc.methods.length} methods dereferenced`;
    } catch (e) {
      parsed = false;
      message = String(e.message || e);
    }
    console.log(`${file}: parseOpenRPCDocument: ${parsed ? 'ok' : message}`);
    verdict('parseOpenRPCDocument', parsed, file, message.slice(0, 300));
    if (errors.length || !parsed) failed++;
  }
  process.exit(failed ? 1 : 0);
})();
