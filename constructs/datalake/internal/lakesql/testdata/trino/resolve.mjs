// Node.js module hooks for dt-sql-parser, whose ES modules import files and
// directories without extensions (as bundlers allow): a specifier Node.js
// cannot find is tried again with ".js", then "/index.js".
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (err.code !== 'ERR_MODULE_NOT_FOUND' && err.code !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw err;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await next(specifier + suffix, context);
      } catch {
        // the next suffix
      }
    }
    throw err;
  }
}
