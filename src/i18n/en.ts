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
  'passkey.signIn': 'Sign in with a passkey',
  'passkey.refused': 'That passkey could not sign you in. Try again, or use your password.',
  'passkey.cancelled': 'The passkey request was cancelled or timed out.',
  'passkey.failed': 'Something went wrong with the passkey. Please try again.',
  'passkey.defaultName': 'Passkey',

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
  'account.passkeys': 'Passkeys',
  'account.passkeysExplained':
    "A passkey signs you in with your device's screen lock or a security key, without your password. Adding or removing one signs out your other sessions.",
  'account.noPasskeys': 'You have no passkeys yet.',
  'account.passkeyName': 'Name',
  'account.passkeyCreatedAt': 'Added',
  'account.passkeyLastUsed': 'Last used',
  'account.passkeyNeverUsed': 'not yet',
  'account.passkeyNewName': 'New name for {name}',
  'account.passkeyRename': 'Rename',
  'account.passkeyRemove': 'Remove',
  'account.passkeyRemoveLabel': 'Remove the passkey {name}',
  'account.addPasskey': 'Add a passkey',
  'account.passkeysNeedScript':
    'Adding a passkey needs JavaScript, which this browser does not run for this page.',
  'account.passkeyAddedNotice': 'Passkey added. Your other sessions have been signed out.',
  'account.passkeyRemovedNotice': 'Passkey removed. Your other sessions have been signed out.',
  'account.passkeyRenamedNotice': 'Passkey renamed.',
  'account.passkeyNotAdded': 'The passkey could not be added. Please try again.',
  'account.passkeyDuplicate': 'That passkey is already added.',
  'error.passkey_name': "A passkey's name has 1 to 64 characters.",
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
  'event.passkey_added': 'Passkey added',
  'event.passkey_removed': 'Passkey removed',
  'event.passkey_renamed': 'Passkey renamed',
  'event.passkey_signed_in': 'Signed in with a passkey',
  'event.passkey_counter_regressed':
    "A passkey sign-in was refused: the passkey's signature counter went backwards, a sign it may have been copied",
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
