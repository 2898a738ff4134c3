// Every word a user sees, in one catalog per language. This one is the reference:
// zh-CN.ts has the same keys (Catalog below makes a missing or extra key a compile
// error) and the same {placeholders} (tests/unit/catalogs.test.ts).
export const en = {
  'app.name': 'Logon',
  'title.withErrors': 'Error: {title}',
  'nav.signIn': 'Sign in',
  'nav.register': 'Register',
  'nav.signOut': 'Sign out',
  'nav.skipToContent': 'Skip to content',
  'nav.language': 'Language',

  'home.title': 'Home',
  'home.signedInAs': 'Signed in as {name}',
  'home.welcome': 'Welcome to Logon',
  'home.signedOutIntro':
    'Sign in to see the members, or create an account: it takes a name and a password.',
  'home.members': 'Members',
  'home.membersEmpty': 'No more members.',
  'home.joined': 'joined {date}',
  'home.next': 'Next page',
  'home.first': 'First page',

  'register.title': 'Create an account',
  'register.submit': 'Create account',
  'register.haveAccount': 'Already have an account? {link}',
  'register.closed': 'New accounts cannot be created at the moment.',
  'register.usernameHint': '2 to 32 letters, digits, "_", "-" or ".".',
  'register.passwordHint':
    'At least {min} characters. Long phrases are good; very common passwords are refused.',

  'login.title': 'Sign in',
  'login.submit': 'Sign in',
  'login.remember': 'Keep me signed in on this device',
  'login.noAccount': 'No account yet? {link}',
  'login.failed': 'Invalid username or password',
  'limit.tryAgain': 'Too many attempts. Try again in {wait}.',

  'nav.account': 'Account',

  'account.title': 'Your account',
  'account.signedInAs': 'Signed in as {name}',
  'account.currentSession': 'This session',
  'account.sessionExplained':
    'A session is what keeps you signed in on one browser. It ends when you sign out, after {idle} without use, or {absolute} after you signed in, whichever comes first. A "keep me signed in" session is not ended by inactivity and lasts {remember}.',
  'account.rememberExplained':
    'This is a "keep me signed in" session: inactivity does not end it; it ends at the time below.',
  'account.signedInAt': 'Signed in',
  'account.lastActive': 'Last active',
  'account.endsAt': 'Ends',
  'account.endsAtIdle': '{time} if unused until then; each visit pushes it back, up to {absolute}',
  'account.sessions': 'Where you are signed in',
  'account.device': 'Device',
  'account.address': 'Address',
  'account.lastSeen': 'Last seen',
  'account.thisDevice': 'This session',
  'account.revoke': 'Sign out',
  'account.revokeLabel': 'Sign out the session on {device}',
  'account.revokeOthers': 'Sign out all other sessions',
  'account.noOtherSessions': 'You are not signed in anywhere else.',
  'account.unknownDevice': 'Unknown device',
  'account.deviceOn': '{browser} on {os}',
  'account.unknownAddress': 'unknown',
  'account.changePassword': 'Change password',
  'account.changePasswordHint': 'Every other session of your account will be signed out.',
  'account.changePasswordSubmit': 'Change password',
  'account.deleteAccount': 'Delete account',
  'account.deleteAccountHint':
    'This deletes your account, its sessions and its history at once. Your name becomes free for anyone to take.',
  'account.deleteAccountSubmit': 'Delete my account',
  'account.lockedAt':
    'Sign-in to your account was paused after many wrong passwords, last on {time}.',
  'account.lockedExplained':
    'While it lasted, only browsers you had signed in from before could sign in. If the attempts were not yours, nothing is lost; a long password of your own keeps them guessing.',
  'account.events': 'Recent security events',
  'account.eventWhen': 'When',
  'account.eventWhat': 'What',
  'account.noEvents': 'Nothing yet.',
  'event.registered': 'Account created',
  'event.signed_in': 'Signed in',
  'event.sign_in_failed': 'Failed sign-in (wrong password)',
  'event.signed_out': 'Signed out',
  'event.session_revoked': 'A session was signed out from this page',
  'event.password_changed': 'Password changed',
  'event.password_check_failed': 'Wrong password typed on this page',
  'event.account_locked':
    'Sign-in paused after many wrong passwords: only browsers you signed in from before could still sign in',
  'event.sessions_over_limit_ended':
    'Signed in with the most sessions an account may hold: the least recently used one was signed out',
  'event.two_factor_enabled': 'Two-step verification turned on',
  'event.two_factor_disabled': 'Two-step verification turned off',
  'event.two_factor_failed': 'Wrong two-step verification code',
  'event.recovery_codes_renewed': 'New recovery codes made (the old ones stopped working)',
  'event.recovery_code_used': 'Signed in with a recovery code',
  'event.reauthenticated': 'Identity confirmed for a sensitive change',
  'field.code': 'Code',
  'error.code_wrong': 'That code is not right, or it was used already.',
  'error.code_malformed': 'Enter the 6-digit code from your app, or a recovery code.',
  'twoFactor.title': 'Two-step verification',
  'twoFactor.isOn':
    'Two-step verification is on: signing in asks for a code from your authenticator app.',
  'twoFactor.isOff': 'Two-step verification is off: your password alone signs you in.',
  'twoFactor.setUp': 'Set up two-step verification',
  'twoFactor.manage': 'Manage two-step verification',
  'twoFactor.recoveryLeft': 'Recovery codes left: {count} of 10.',
  'twoFactor.setupTitle': 'Set up an authenticator app',
  'twoFactor.setupScan':
    'Scan this QR code with an authenticator app (such as Aegis, Google Authenticator or 1Password).',
  'twoFactor.qrAlt': 'QR code holding the key for your authenticator app',
  'twoFactor.setupType': 'Or type this key into the app:',
  'twoFactor.setupUri': 'On this phone? Open the key in your authenticator app',
  'twoFactor.codeHint': 'The 6-digit code the app shows now.',
  'twoFactor.codeOrRecoveryHint': 'The 6-digit code from your app, or one of your recovery codes.',
  'twoFactor.enable': 'Turn on',
  'twoFactor.nowOn': 'Two-step verification is now on.',
  'twoFactor.renewed': 'Your new recovery codes are ready; the old ones no longer work.',
  'twoFactor.othersEnded': 'Your other sessions were signed out.',
  'twoFactor.recoveryCodesTitle': 'Your recovery codes',
  'twoFactor.recoveryCodesOnce':
    'Each code signs you in once if you lose your phone. Keep them somewhere safe now: this is the only time they are shown.',
  'twoFactor.recoveryTitle': 'Recovery codes',
  'twoFactor.renewHint': 'New codes replace all the old ones, used or not.',
  'twoFactor.renew': 'Make new recovery codes',
  'twoFactor.disableTitle': 'Turn off two-step verification',
  'twoFactor.disableHint':
    'Your password and a code are needed. Your other sessions will be signed out.',
  'twoFactor.disable': 'Turn off',
  'twoFactor.backToAccount': 'Back to your account',
  'loginTwoFactor.title': 'Two-step verification',
  'loginTwoFactor.explain':
    'Your password was right. Enter the code from your authenticator app to finish signing in.',
  'loginTwoFactor.submit': 'Verify',
  'loginTwoFactor.startOver': 'Start again',
  'loginTwoFactor.expired': 'That sign-in took too long or has ended. Sign in again.',
  'confirm.title': 'Confirm it is you',
  'confirm.explain':
    'This change needs you to confirm who you are, because you last did so a while ago.',
  'confirm.submit': 'Confirm',
  'notice.title': 'New activity on your account',
  'notice.signed_in': 'A new sign-in: {device}, from {address}, {time}.',
  'notice.two_factor_failed':
    'A wrong two-step verification code: {device}, from {address}, {time}.',
  'notice.review': 'Review your sessions',
  'time.withRelative': '{time} ({relative})',
  'time.justNow': 'just now',
  'duration.days.one': '{n} day',
  'duration.days.other': '{n} days',
  'duration.hours.one': '{n} hour',
  'duration.hours.other': '{n} hours',
  'duration.minutes.one': '{n} minute',
  'duration.minutes.other': '{n} minutes',
  'duration.seconds.one': '{n} second',
  'duration.seconds.other': '{n} seconds',

  'field.currentPassword': 'Current password',
  'field.newPassword': 'New password',
  'error.password_wrong': 'That is not your current password.',

  'field.username': 'Username',
  'field.password': 'Password',

  'error.username_missing': 'Enter a username.',
  'error.username_length': 'A username has 2 to 32 characters.',
  'error.username_characters':
    'A username may hold letters, digits, "_", "-" and ".", and starts with a letter or digit.',
  'error.username_mixed_scripts':
    'A username is written in one script: letters of different alphabets, such as Latin and Cyrillic, cannot be mixed (they make names that look like others).',
  'error.username_stacked_marks':
    'A username may carry at most 4 accents or marks on one letter, and not the same one twice in a row.',
  'error.username_taken': 'That name, or one that looks the same, is taken. Choose another.',
  'error.password_too_short': 'A password needs at least {min} characters.',
  'error.password_too_long': 'A password has at most 1024 characters.',
  'error.password_too_common':
    'That password is too common: it is on a list of passwords attackers try first. Choose another.',
  'form.errorSummary': 'Please check the following',
  'error.form_invalid': 'The form was not filled in as expected. Please try again.',

  'http.badRequest': 'The request could not be understood.',
  'http.forbidden':
    'This request was refused because it did not come from this site’s own form. Reload the page and try again.',
  'http.notFound': 'There is no page at this address.',
  'http.tooLarge': 'The request is too large.',
  'http.unsupportedMediaType': 'This kind of request body is not accepted.',
  'http.unavailable': 'Logon is temporarily unavailable. Please try again in a moment.',
  'http.busy': 'Logon is busy right now. Please try again in a moment.',
  'http.internal': 'Something went wrong on our side. Please try again.',
  'http.errorTitle': 'Error',
  'http.backHome': 'Back to the home page',

  'health.alive': 'ok',
  'health.ready': 'ready',
  'health.notReady': 'The database is not answering.',
} as const

export type MessageKey = keyof typeof en
export type Catalog = Record<MessageKey, string>
