// Offline Neo4j Cypher linter for caregraph's tests.
//
// Reads JSON from stdin: either a list of {query, parameters} objects, or an object
// {queries: [...], labels: [...], relationshipTypes: [...], propertyKeys: [...]}.
// Prints one JSON document to stdout: a list (same order as the input) of
// {query, errors: [{message, line, character, offset}], warnings: [...]}.
//
// lintCypherQuery only flags unknown functions when it is given a function list. The package ships the
// signatures of Neo4j's functions in testData.mockSchema; we pass the built-in ones (plugins such as APOC and GDS
// dropped, because a Neo4j community server without plugins does not have them), so e.g. LadybugDB's
// interval() or list_extract() are reported as errors.
import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const BUILTIN_NAMESPACES = /^(date|datetime|duration|localdatetime|localtime|time|point|vector|db|graph)\./;
const UNKNOWN_FUNCTION = /^Function .* is not present in the database/;

function builtinFunctions() {
  const out = {};
  for (const [version, registry] of Object.entries(testData.mockSchema.functions ?? {})) {
    out[version] = Object.fromEntries(
      Object.entries(registry).filter(([name]) => !name.includes('.') || BUILTIN_NAMESPACES.test(name)),
    );
  }
  return out;
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

const input = JSON.parse(await readStdin());
const queries = Array.isArray(input) ? input : input.queries;
const functions = builtinFunctions();
const schemaExtras = Array.isArray(input)
  ? {}
  : Object.fromEntries(
      ['labels', 'relationshipTypes', 'propertyKeys'].filter((k) => input[k]).map((k) => [k, input[k]]),
    );

const DIAGNOSTIC_ERROR = 1;
const results = queries.map(({ query, parameters }) => {
  const { diagnostics } = lintCypherQuery(query, { parameters: parameters ?? {}, functions, ...schemaExtras });
  const shape = (d) => ({
    message: d.message,
    line: d.range?.start?.line,
    character: d.range?.start?.character,
    offset: d.offsets?.start,
  });
  // Unknown functions come back as warnings; for us they are errors (the server would reject the query).
  const isError = (d) => d.severity === DIAGNOSTIC_ERROR || UNKNOWN_FUNCTION.test(d.message);
  return {
    query,
    errors: diagnostics.filter(isError).map(shape),
    warnings: diagnostics.filter((d) => !isError(d)).map(shape),
  };
});
process.stdout.write(JSON.stringify(results));
