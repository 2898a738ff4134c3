// The scripts of the pages that offer passkeys (/login, /account, the confirmation):
// @simplewebauthn/browser's bundle (served from node_modules, see src/app.ts) and
// public/passkeys.js, which wires the buttons. Everything they need comes from data-
// attributes: the pages have no inline script (CSP script-src 'self').
export const PASSKEY_SCRIPTS = [
  '/assets/simplewebauthn/index.umd.min.js',
  '/assets/passkeys.js',
] as const
