// Runs the AWS CDK's own diff engine (npm @aws-cdk/cloudformation-diff, the
// engine behind `cdk diff`) on every template pair of a corpus, in one
// process: node cdkdiff.js CORPUS.json > RESULTS.json, from the repository
// root (where node_modules is).
//
// CORPUS.json: [{"name": ..., "old": {template}, "new": {template}}, ...]
// RESULTS.json: [{"name": ..., "resources": {"LogicalId": "update", ...},
//                 "broadened": true|false}, ...]
// with the impacts named as gureum names them: add, update, may-replace,
// replace, destroy, orphan. Resources without a difference and
// AWS::CDK::Metadata are left out. A pair the engine fails on gives
// {"name": ..., "error": ...}.
'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const requireFromRoot = createRequire(path.join(process.cwd(), 'package.json'));
const cfnDiff = requireFromRoot('@aws-cdk/cloudformation-diff');

const impacts = {
  WILL_CREATE: 'add',
  WILL_UPDATE: 'update',
  NO_CHANGE: 'update', // a difference in a property the specification does not know
  MAY_REPLACE: 'may-replace',
  WILL_REPLACE: 'replace',
  WILL_DESTROY: 'destroy',
  WILL_ORPHAN: 'orphan',
  WILL_IMPORT: 'import',
};

const corpus = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = corpus.map(({ name, old, new: nw }) => {
  let diff;
  try {
    diff = cfnDiff.fullDiff(old, nw);
  } catch (e) {
    return { name, error: String(e && e.stack || e) };
  }
  const resources = {};
  diff.resources.forEachDifference((id, change) => {
    const type = change.newResourceType || change.oldResourceType;
    if (type === 'AWS::CDK::Metadata' || !change.isDifferent) {
      return;
    }
    resources[id] = impacts[change.changeImpact] || change.changeImpact;
  });
  return { name, resources, broadened: diff.permissionsBroadened };
});
process.stdout.write(JSON.stringify(out));
