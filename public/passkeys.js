/* global window, document, fetch, CSS */
// Wires the passkey buttons of /login, /account and the confirmation page
// (src/views/passkey-sign-in.tsx, src/views/account/passkey-list.tsx,
// src/views/passkey-confirm.tsx) to @simplewebauthn/browser, loaded just before
// as window.SimpleWebAuthnBrowser. Plain JavaScript, no build step; everything it
// needs is in data- attributes (the CSP allows no inline script). Without it, or
// without WebAuthn, the buttons stay hidden and the pages work as before.
;(function () {
  'use strict'
  const webauthn = window.SimpleWebAuthnBrowser
  if (!webauthn || !webauthn.browserSupportsWebAuthn()) return

  /** The page's anti-forgery token, as its forms carry it (src/http/forgery.ts). */
  function csrfToken() {
    const input = document.querySelector('input[name="_csrf"]')
    return input ? input.value : ''
  }

  async function postJson(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(Object.assign({}, body, { _csrf: csrfToken() })),
    })
    let json = null
    try {
      json = await response.json()
    } catch {
      // An error page, not JSON: the box's own words are shown.
    }
    return { ok: response.ok, json }
  }

  function say(box, text) {
    const line = box.querySelector('[data-passkey-error]')
    line.textContent = text || ''
    line.hidden = !text
  }

  /** The page's form named by the box's data-form (its action). */
  function formOf(box) {
    return document.querySelector(`form[action="${CSS.escape(box.dataset.form)}"]`)
  }

  /**
   * Options from the server, the browser's ceremony, the answer back; then where to go
   * (the answer's `redirect`), or, for an answer `{ ok }`, `then()`.
   * `quiet` (the autofill's, which runs unasked in the background): nothing is said
   * until the person has picked a passkey and the server has answered.
   */
  async function ceremony(box, { run, extra, quiet = false, then }) {
    if (!quiet) say(box, '')
    try {
      const begun = await postJson(box.dataset.optionsUrl, {})
      // Adding a passkey needs a recent authentication: the server names the page
      // that asks for it, which comes back here.
      if (begun.json && begun.json.error === 'reauthenticate' && begun.json.redirect) {
        window.location.assign(begun.json.redirect)
        return
      }
      if (!begun.ok || !begun.json || !begun.json.options) {
        if (!quiet) say(box, (begun.json && begun.json.message) || box.dataset.messageFailed)
        return
      }
      let response
      try {
        response = await run(begun.json.options)
      } catch (error) {
        // AbortError: another ceremony of this page took over (the button, after the
        // autofill's); NotAllowedError: cancelled, or the time ran out.
        if (quiet || (error && error.name === 'AbortError')) return
        const cancelled = error && error.name === 'NotAllowedError'
        say(box, cancelled ? box.dataset.messageCancelled : box.dataset.messageFailed)
        return
      }
      const done = await postJson(box.dataset.verifyUrl, Object.assign({ response }, extra()))
      if (done.ok && done.json && typeof done.json.redirect === 'string') {
        window.location.assign(done.json.redirect)
        return
      }
      if (done.ok && done.json && done.json.ok === true && then) {
        then()
        return
      }
      say(box, (done.json && done.json.message) || box.dataset.messageFailed)
    } catch {
      if (!quiet) say(box, box.dataset.messageFailed) // the network
    }
  }

  function wire(box, steps) {
    const button = box.querySelector('[data-passkey-start]')
    button.addEventListener('click', async () => {
      button.disabled = true
      button.setAttribute('aria-busy', 'true')
      try {
        await ceremony(box, steps)
      } finally {
        button.disabled = false
        button.removeAttribute('aria-busy')
      }
    })
    box.hidden = false
  }

  const signIn = document.querySelector('[data-passkey="sign-in"]')
  if (signIn) {
    // The password form's own fields: where to go next, and "keep me signed in".
    const form = formOf(signIn)
    const extra = () => {
      const next = form && form.querySelector('input[name="next"]')
      const remember = form && form.querySelector('input[name="remember"]')
      return {
        next: next ? next.value : undefined,
        remember: Boolean(remember && remember.checked),
      }
    }
    wire(signIn, {
      run: (options) => webauthn.startAuthentication({ optionsJSON: options }),
      extra,
    })
    // Conditional mediation: the browser offers its passkeys in the username field's
    // autofill (autocomplete="username webauthn") where it can.
    webauthn
      .browserSupportsWebAuthnAutofill()
      .then((supported) => {
        if (!supported) return
        return ceremony(signIn, {
          run: (options) =>
            webauthn.startAuthentication({ optionsJSON: options, useBrowserAutofill: true }),
          extra,
          quiet: true,
        })
      })
      .catch(() => {})
  }

  const add = document.querySelector('[data-passkey="add"]')
  if (add) {
    wire(add, {
      run: (options) => webauthn.startRegistration({ optionsJSON: options }),
      extra: () => ({}),
    })
  }

  const confirm = document.querySelector('[data-passkey="confirm"]')
  if (confirm) {
    wire(confirm, {
      run: (options) => webauthn.startAuthentication({ optionsJSON: options }),
      extra: () => ({}),
      // The session is recent now: the page's form goes on with the change it carries
      // (its hidden fields), without the password or code, which are left out so that
      // nothing half typed in them is checked.
      then: () => {
        const form = formOf(confirm)
        if (!form) return
        for (const field of form.querySelectorAll('[name^="confirm_"]')) field.disabled = true
        form.submit()
      },
    })
  }
})()
