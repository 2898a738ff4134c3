import {
  describeAccount,
  disableAccount,
  enableAccount,
  endSessionsOfAccount,
  findAccount,
  listAccounts,
  type AccountChange,
  type AccountSummary,
  type AdminContext,
} from '../auth/account-admin.js'
import { issuePasswordReset } from '../auth/password-resets.js'
import { holdsEmbeddedDatabase } from '../db/open.js'
import { StartUpFailure } from '../start-up.js'
import { defineCommand, NoSuchAccountError, UsageError, type CommandContext } from './command.js'
import { formatAccountDetails, formatAccountList, toJson } from './users-report.js'

// `logon users …`: what an operator does to accounts (src/auth/account-admin.ts,
// password-resets.ts), on the database the server uses. It may run beside live
// servers on DATABASE_URL: they hear of every ended session through the change feed.
// (The embedded database is locked to one process: stop the server first.) Every
// change is in the account's security events; `--json` prints what a script reads.

const WHERE = `Works on the database the server uses: DATABASE_URL (servers may be running;
they end the sessions within a second), or the embedded one in DATA_DIR (stop the
server first).`

const JSON_OPTION = { json: { type: 'boolean', default: false } } as const
const LIST_LIMIT_MAX = 1000

async function open(context: CommandContext): Promise<AdminContext> {
  const { databaseUrl, dataDir } = context.config
  // Opening an empty folder would make a new database there, and every account would
  // then be "no such account" (exit 3): a shell without the server's settings.
  if (!databaseUrl && !(await holdsEmbeddedDatabase(dataDir))) {
    throw new StartUpFailure(
      `DATA_DIR: ${dataDir} holds no embedded database (give the command the server's DATABASE_URL or DATA_DIR)`,
    )
  }
  const { db } = await context.openDatabase({ poolSize: 2 })
  return { db, policy: context.config.session, now: new Date() }
}

function print(text: string) {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

function nameArgument(args: string[]): string {
  const name = args[0]!
  if (name.length === 0 || name.length > 256) throw new UsageError('NAME must be a username')
  return name
}

export const usersListCommand = defineCommand({
  name: 'logon users list',
  summary: 'list accounts, a page at a time, with a filter',
  usage: `Usage: logon users list [--filter TEXT] [--after NAME] [--limit N] [--json]

Lists accounts in the order of their names (as compared: case-folded), a page at a
time: name, created, last sign-in, sessions, second factor, passkeys, disabled.
${WHERE}

  --filter TEXT  only names that contain TEXT (compared as names are: Alice = alice)
  --after NAME   the page after this name (the last line says what to pass next)
  --limit N      accounts a page, 1 to ${LIST_LIMIT_MAX} (default 50)
  --json         {"accounts": [...], "next": NAME or null}
  --help         this text
`,
  options: {
    filter: { type: 'string' },
    after: { type: 'string' },
    limit: { type: 'string', default: '50' },
    ...JSON_OPTION,
  },
  check(values) {
    const limit = Number(values.limit)
    if (!/^\d{1,4}$/.test(values.limit) || limit < 1 || limit > LIST_LIMIT_MAX) {
      throw new UsageError(`--limit must be a whole number from 1 to ${LIST_LIMIT_MAX}`)
    }
    return { filter: values.filter, after: values.after, limit, json: values.json }
  },
  async run({ filter, after, limit, json }, context) {
    const listing = await listAccounts(await open(context), { filter, after, limit })
    print(json ? JSON.stringify(toJson(listing)) : formatAccountList(listing))
    return 0
  },
})

export const usersShowCommand = defineCommand({
  name: 'logon users show',
  summary: 'an account: its sessions, factors and recent events',
  usage: `Usage: logon users show NAME [--json]

Shows the account NAME (compared as names are: Alice = alice): when it was made, whether
it is disabled, its sessions (device, address, last seen), its second factor and
passkeys, and its last 20 security events. Exit 3 when there is no such account.
${WHERE}

  --json   the same as one JSON object
  --help   this text
`,
  options: { ...JSON_OPTION },
  arguments: ['NAME'],
  check: (values, args) => ({ name: nameArgument(args), json: values.json }),
  async run({ name, json }, context) {
    const details = await describeAccount(await open(context), name)
    if (!details) throw new NoSuchAccountError(`no account named ${JSON.stringify(name)}`)
    print(json ? JSON.stringify(toJson(details)) : formatAccountDetails(details))
    return 0
  },
})

/** The three changes that take a name and nothing else. */
function accountChangeCommand(spec: {
  verb: string
  summary: string
  explain: string
  change: (context: AdminContext, name: string) => Promise<AccountChange>
  done: (change: Extract<AccountChange, { ok: true }>) => string
}) {
  return defineCommand({
    name: `logon users ${spec.verb}`,
    summary: spec.summary,
    usage: `Usage: logon users ${spec.verb} NAME [--json]

${spec.explain} Recorded in the account's security events. Exit 3 when there is no
such account. ${WHERE}

  --json   {"account": {...}, "changed": true or false, "sessionsEnded": N}
  --help   this text
`,
    options: { ...JSON_OPTION },
    arguments: ['NAME'],
    check: (values, args) => ({ name: nameArgument(args), json: values.json }),
    async run({ name, json }, context) {
      const result = await spec.change(await open(context), name)
      if (!result.ok) throw new NoSuchAccountError(`no account named ${JSON.stringify(name)}`)
      print(json ? JSON.stringify(toJson(result)) : spec.done(result))
      return 0
    },
  })
}

const named = (account: AccountSummary) => JSON.stringify(account.username)
const sessions = (n: number) => `${n} session${n === 1 ? '' : 's'}`

export const usersDisableCommand = accountChangeCommand({
  verb: 'disable',
  summary: 'stop an account from signing in, and end its sessions',
  explain: `Disables the account NAME: it cannot sign in (the right password is told it is
disabled), and every session of it ends at once, on every instance.`,
  change: disableAccount,
  done: ({ account, changed, sessionsEnded }) =>
    changed
      ? `Disabled ${named(account)}; ended ${sessions(sessionsEnded)}.`
      : `${named(account)} was disabled already; ended ${sessions(sessionsEnded)}.`,
})

export const usersEnableCommand = accountChangeCommand({
  verb: 'enable',
  summary: 'let a disabled account sign in again',
  explain: 'Enables the account NAME again: it can sign in (its old sessions stay ended).',
  change: enableAccount,
  done: ({ account, changed }) =>
    changed ? `Enabled ${named(account)}.` : `${named(account)} was not disabled.`,
})

export const usersEndSessionsCommand = accountChangeCommand({
  verb: 'end-sessions',
  summary: 'end every session of an account',
  explain: `Ends every session of the account NAME, on every instance (a lost laptop, a
leaked token); it can sign in again at once.`,
  change: endSessionsOfAccount,
  done: ({ account, sessionsEnded }) => `Ended ${sessions(sessionsEnded)} of ${named(account)}.`,
})

export const usersResetCommand = defineCommand({
  name: 'logon users reset',
  summary: 'print a one-time link with which a person sets a new password',
  usage: `Usage: logon users reset NAME [--clear-second-factor] [--json]

Prints a link, valid one hour and once, with which the person who owns NAME sets a
new password themselves: you never choose nor see it. Give it to them by a channel
you trust. When they set it, every session of the account ends. A new link replaces
the last one; a password change by its owner voids it. The link starts with
PUBLIC_ORIGIN. Recorded in the account's security events. Exit 3 when there is no
such account. ${WHERE}

  --clear-second-factor  also turn off the account's two-step verification (its app
                         and recovery codes) when the password is set: for someone who
                         lost their phone. Passkeys stay.
  --json                 {"account": ..., "link": URL, "expiresAt": ISO time}
  --help                 this text
`,
  options: { 'clear-second-factor': { type: 'boolean', default: false }, ...JSON_OPTION },
  arguments: ['NAME'],
  check: (values, args) => ({
    name: nameArgument(args),
    clearSecondFactor: values['clear-second-factor'],
    json: values.json,
  }),
  async run({ name, clearSecondFactor, json }, context) {
    const admin = await open(context)
    const account = await findAccount(admin, name)
    const issued =
      account &&
      (await issuePasswordReset(admin.db, {
        userId: account.id,
        clearSecondFactor,
        now: admin.now,
      }))
    if (!account || !issued)
      throw new NoSuchAccountError(`no account named ${JSON.stringify(name)}`)
    const { origin } = context.config.relyingParty
    const link = `${origin}/password-reset/${issued.token}`
    if (new URL(origin).hostname === 'localhost') {
      process.stderr.write(
        `logon users reset: the link is on ${origin}: set PUBLIC_ORIGIN as the server has it for one that works elsewhere\n`,
      )
    }
    if (json) {
      print(JSON.stringify({ account: toJson(account), link, expiresAt: issued.expiresAt }))
    } else {
      print(
        `A link for ${named(account)} to set a new password` +
          `${clearSecondFactor ? ' (two-step verification is turned off with it)' : ''}, ` +
          `valid until ${issued.expiresAt.toISOString()}, once:\n${link}`,
      )
    }
    return 0
  },
})
