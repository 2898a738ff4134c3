import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// The layers, as imports each folder may not make (no-restricted-imports patterns
// are matched against the import's text: '../http/errors.js', 'fastify').
const NO_FRAMEWORK = {
  group: ['fastify', 'fastify/*', '@fastify/*', 'fastify-plugin'],
  message:
    'src/auth and src/db are plain functions over the Database interface, which the ' +
    'commands and tests call without a web server: Fastify stays in src/http and src/app.ts.',
}
const NO_HTTP = {
  group: ['**/http', '**/http/**'],
  message:
    'src/http calls src/auth and src/db, never the other way round: what both need ' +
    'belongs in the lower layer.',
}
const NO_RULES_IN_STORAGE = {
  group: ['**/auth', '**/auth/**', '**/legacy-import', '**/legacy-import/**'],
  message:
    'src/db is the storage layer under src/auth and src/legacy-import: it knows no account ' +
    'rules, and an import upwards makes a cycle. Move what src/db needs into src/db.',
}
const NO_QUERIES_IN_VIEWS = {
  group: ['**/db', '**/db/**'],
  message:
    'Views render what the route hands them: a view that reaches the database hides a ' +
    'round trip (and a failure) inside rendering. Types come from src/auth.',
}

const NO_CACHES_IN_ROUTES = {
  group: ['**/cache', '**/cache/**', '**/auth/session-store*', '**/app', '**/app.js'],
  message:
    'Routes end sessions and change members through the services (src/auth/sessions.ts, ' +
    'src/auth/members.ts), which drop what memory keeps of them: a route that reached the ' +
    'caches or the sessions table itself could end a session this instance still honours.',
}
// Types from these are fine; their functions write rows behind the services' back.
const NO_ROWS_BEHIND_THE_SERVICES = {
  group: ['**/auth/users*', '**/auth/session-validation*'],
  allowTypeImports: true,
  message:
    'Accounts are added and removed through src/auth/members.ts and sessions read through ' +
    'src/auth/sessions.ts: users.ts deletes rows (and their sessions, by cascade) and ' +
    "session-validation.ts reads them without the service's memory.",
}
const NO_QUERIES_IN_VIEWS_BY_AUTH = {
  group: ['**/auth/**'],
  allowTypeImports: true,
  message: 'Views take the types of src/auth, never its functions, which run SQL.',
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // The `logon` executable is plain JavaScript that Node runs as it is.
  { files: ['bin/*.js'], languageOptions: { globals: { URL: 'readonly', process: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Only src/config.ts may read the environment.
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through src/config.ts.',
        },
      ],
    },
  },
  {
    // Type-aware rules on the product's code (issue 10): a promise nobody awaits, or
    // one passed where a callback's result is ignored, is an error. require-await is
    // off: Fastify plugins and hooks are async by contract, awaiting or not.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // One block per folder: a later block's no-restricted-imports replaces an earlier
  // one's options for the same file, it does not add to them.
  {
    files: ['src/auth/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_FRAMEWORK, NO_HTTP] }] },
  },
  {
    files: ['src/db/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [NO_FRAMEWORK, NO_HTTP, NO_RULES_IN_STORAGE] },
      ],
    },
  },
  // The typescript-eslint form of the rule, for allowTypeImports.
  {
    files: ['src/http/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [NO_CACHES_IN_ROUTES, NO_ROWS_BEHIND_THE_SERVICES] },
      ],
    },
  },
  {
    files: ['src/views/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [NO_QUERIES_IN_VIEWS, NO_QUERIES_IN_VIEWS_BY_AUTH] },
      ],
    },
  },
  {
    files: ['src/config.ts', 'src/main.ts', 'tests/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
)
