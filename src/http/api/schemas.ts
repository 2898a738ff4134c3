import { z } from 'zod'
import { codeField, MEMBER_CURSOR, passwordField, usernameField } from '../form-fields.js'

// The API's shapes, declared once: Fastify validates requests with them
// (fastify-type-provider-zod), the handlers are typed by them, and the OpenAPI
// document is generated from them (GET /api/v1/openapi.json). An `id` makes a shape a
// named component of the document. Request bodies are strict: a misspelt field
// ("remeber") is an error, not silently ignored.

/** A JSON answer and what it means, as the document lists it. */
export function jsonResponse<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } }
}

/** 204: no body. (A null schema is how the document generator leaves the content out.) */
export function noContent(description: string) {
  return z.null().describe(description)
}

const timestamp = z.iso.datetime().meta({ description: 'RFC 3339, UTC' })
const wantsToken = z
  .boolean()
  .optional()
  .meta({ description: 'true: the answer carries the session token, for Authorization: Bearer' })

export const userSchema = z
  .object({ id: z.int().positive(), username: z.string() })
  .meta({ id: 'User' })

export const sessionSchema = z
  .object({
    id: z.string(),
    signed_in_at: timestamp,
    last_seen_at: timestamp,
    remember: z.boolean(),
    idle_expires_at: timestamp
      .nullable()
      .meta({ description: 'When it ends if unused; null for a remember-me session' }),
    expires_at: timestamp.meta({ description: 'The absolute end, whatever the use' }),
  })
  .meta({ id: 'Session' })

export const signedInSchema = z
  .object({
    user: userSchema,
    session: sessionSchema,
    token: z
      .string()
      .optional()
      .meta({ description: 'Only when asked for, and only in this answer: keep it secret' }),
  })
  .meta({ id: 'SignedIn' })

export const currentSessionSchema = z
  .object({ user: userSchema, session: sessionSchema })
  .meta({ id: 'CurrentSession' })

export const secondStepSchema = z
  .object({
    next: z.literal('two_factor'),
    step: z
      .string()
      .optional()
      .meta({ description: 'With "token": true, the step to send to /session/two-factor' }),
  })
  .meta({ id: 'SecondStep' })

export const registrationBody = z
  .strictObject({ username: usernameField, password: passwordField, token: wantsToken })
  .meta({ id: 'Registration' })

export const signInBody = z
  .strictObject({
    username: usernameField,
    password: passwordField,
    remember: z.boolean().optional(),
    token: wantsToken,
  })
  .meta({ id: 'SignIn' })

const code = codeField.meta({
  description: 'The 6-digit code of the authenticator app, or a recovery code',
})

export const secondStepBody = z
  .strictObject({
    code,
    step: z
      .string()
      .max(256)
      .optional()
      .meta({ description: 'The step of the 202 answer; without it, the sign-in-step cookie' }),
    token: wantsToken,
  })
  .meta({ id: 'SecondStepAnswer' })

export const reauthenticationBody = z
  .strictObject({ password: passwordField, code: code.optional() })
  .meta({ id: 'Reauthentication' })

export const passwordChangeBody = z
  .strictObject({
    current_password: passwordField,
    new_password: passwordField,
    code: code.optional().meta({
      description: 'Needed with a second factor when the session signed in over 10 minutes ago',
    }),
  })
  .meta({ id: 'PasswordChange' })

export const accountDeletionBody = z
  .strictObject({ password: passwordField, code: code.optional() })
  .meta({ id: 'AccountDeletion' })

export const deviceSchema = z
  .object({ browser: z.string().nullable(), os: z.string().nullable() })
  .meta({ id: 'Device' })

export const sessionListSchema = z
  .object({
    sessions: z.array(
      z
        .object({
          id: z.string(),
          current: z.boolean(),
          device: deviceSchema,
          address: z.string().nullable(),
          signed_in_at: timestamp,
          last_seen_at: timestamp,
          ends_at: timestamp.meta({
            description:
              'When it ends unless used again: the earlier of the idle and absolute ends',
          }),
          remember: z.boolean(),
        })
        .meta({ id: 'SessionListItem' }),
    ),
  })
  .meta({ id: 'SessionList' })

export const sessionIdParams = z.object({ id: z.string().max(64) })

export const membersQuery = z.strictObject({
  // Checked by the route (400 invalid_cursor, as the home page's rule), shown here.
  after: z.string().optional().meta({
    description: 'The `next` of the previous page: a member id',
    pattern: MEMBER_CURSOR.source,
  }),
})

export const membersSchema = z
  .object({
    members: z.array(
      z
        .object({ id: z.int().positive(), username: z.string(), joined_at: timestamp })
        .meta({ id: 'Member' }),
    ),
    next: z
      .string()
      .nullable()
      .meta({ description: 'The `after` of the next page; null on the last page' }),
  })
  .meta({ id: 'Members' })
