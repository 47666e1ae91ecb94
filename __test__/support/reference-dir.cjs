// Where the guide's reference `lib/cache.ts` and `lib/performance.ts` are: one
// answer for the tests, the benchmark and the e2e harness. That code is the
// guide's, not ours, so it is never copied into the repository; suites that
// compare against it find it here and skip those comparisons, saying so, when
// it is absent.
'use strict'

const { existsSync } = require('node:fs')
const { join, resolve } = require('node:path')

/** The environment variable naming the folder that holds the reference `cache.ts` and `performance.ts`. */
const REFERENCE_ENV = 'HOTPATH_REFERENCE_DIR'

/** The default: `../shared/reference/lib` beside the repository, as the project's machines lay it out. */
const besideRepo = resolve(__dirname, '..', '..', '..', 'shared', 'reference', 'lib')

const holdsReference = (dir) => existsSync(join(dir, 'cache.ts')) && existsSync(join(dir, 'performance.ts'))

/**
 * The reference folder: `$HOTPATH_REFERENCE_DIR` (an error if it lacks the two
 * files: someone asked for comparisons that cannot run), else the default if
 * it exists, else null.
 */
function findReferenceDir(env = process.env) {
  const asked = env[REFERENCE_ENV]
  if (asked) {
    const dir = resolve(asked)
    if (!holdsReference(dir)) throw new Error(`${REFERENCE_ENV}=${asked}: no cache.ts and performance.ts in ${dir}`)
    return dir
  }
  return holdsReference(besideRepo) ? besideRepo : null
}

/** How to turn on what was skipped, for the one line each runner prints. */
const ENABLE_REFERENCE =
  `set ${REFERENCE_ENV} to a folder holding the guide's lib/cache.ts and lib/performance.ts ` +
  '(default: ../shared/reference/lib beside the repository)'

module.exports = { REFERENCE_ENV, ENABLE_REFERENCE, findReferenceDir, referenceDir: findReferenceDir() }
