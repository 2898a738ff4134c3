import type { Catalog } from './en.js'

// 简体中文. The same keys as en.ts (a missing or extra key does not compile) and the
// same {placeholders} (tests/unit/catalogs.test.ts). Written as Chinese interface text
// is written, not word for word: full-width punctuation, 你 throughout, a space
// between Chinese and a Latin word (Logon, a name, Firefox) but none before or after
// a digit, as Intl writes them too ("2分钟前", "2026年3月4日"). Chinese has one
// plural form: each .one says what its .other says.
export const zhCN = {
  'app.name': 'Logon',
  'title.withErrors': '错误：{title}',
  'nav.signIn': '登录',
  'nav.register': '注册',
  'nav.signOut': '退出登录',
  'nav.skipToContent': '跳到主要内容',
  'nav.language': '语言',

  'home.title': '首页',
  'home.signedInAs': '当前登录账户：{name}',
  'home.welcome': '欢迎使用 Logon',
  'home.signedOutIntro': '登录后即可查看成员；也可以创建一个账户，只需要用户名和密码。',
  'home.members': '成员',
  'home.membersEmpty': '没有更多成员了。',
  'home.joined': '{date}加入',
  'home.next': '下一页',
  'home.first': '第一页',

  'register.title': '创建账户',
  'register.submit': '注册',
  'register.haveAccount': '已有账户？{link}',
  'register.closed': '目前暂不开放新账户注册。',
  'register.usernameHint': '长度为2到32个字符，可使用字母、数字、“_”、“-”和“.”。',
  'register.passwordHint': '至少{min}个字符。建议使用较长的短语；过于常见的密码会被拒绝。',

  'login.title': '登录',
  'login.submit': '登录',
  'login.remember': '在这台设备上保持登录',
  'login.noAccount': '还没有账户？{link}',
  'login.failed': '用户名或密码错误',
  'limit.tryAgain': '尝试次数过多，请{wait}后再试。',

  'nav.account': '账户',

  'account.title': '我的账户',
  'account.signedInAs': '当前登录账户：{name}',
  'account.currentSession': '当前会话',
  'account.sessionExplained':
    '会话让你在一个浏览器上保持登录状态。出现以下任一情况，会话即结束（以先到者为准）：你退出登录、连续{idle}未使用、登录已满{absolute}。“保持登录”会话不会因闲置而结束，有效期为{remember}。',
  'account.rememberExplained': '这是一个“保持登录”会话：不会因闲置而结束，将在下方所示的时间结束。',
  'account.signedInAt': '登录时间',
  'account.lastActive': '最近活动',
  'account.endsAt': '结束时间',
  'account.endsAtIdle':
    '{time}（前提是在此之前一直未使用；每次访问都会将它顺延，最晚到登录后{absolute}）',
  'account.sessions': '已登录的设备',
  'account.device': '设备',
  'account.address': 'IP 地址',
  'account.lastSeen': '最近活动',
  'account.thisDevice': '当前会话',
  'account.revoke': '退出登录',
  'account.revokeLabel': '退出登录：{device}',
  'account.revokeOthers': '让其他所有会话退出登录',
  'account.noOtherSessions': '你没有在其他地方登录。',
  'account.unknownDevice': '未知设备',
  'account.deviceOn': '{os} 上的 {browser}',
  'account.unknownAddress': '未知',
  'account.changePassword': '修改密码',
  'account.changePasswordHint': '你账户的其他所有会话都将退出登录。',
  'account.changePasswordSubmit': '修改密码',
  'account.deleteAccount': '删除账户',
  'account.deleteAccountHint':
    '这将立即删除你的账户，以及它的所有会话和记录。你的用户名将被释放，任何人都可以使用。',
  'account.deleteAccountSubmit': '删除我的账户',
  'account.lockedAt': '由于多次输入错误的密码，你账户的登录曾被暂停，最近一次是在{time}。',
  'account.lockedExplained':
    '暂停期间，只有你以前登录过的浏览器才能登录。如果这些尝试并非你本人所为，你也没有任何损失；只要你的密码足够长，对方就只能继续盲猜。',
  'account.events': '最近的安全事件',
  'account.eventWhen': '时间',
  'account.eventWhat': '事件',
  'account.noEvents': '暂无记录。',
  'event.registered': '创建账户',
  'event.signed_in': '登录成功',
  'event.sign_in_failed': '登录失败（密码错误）',
  'event.signed_out': '退出登录',
  'event.session_revoked': '在本页面结束会话',
  'event.password_changed': '修改密码',
  'event.password_check_failed': '在本页面输入密码错误',
  'event.account_locked': '因多次密码错误暂停登录：只有以前登录过的浏览器仍能登录',
  'event.sessions_over_limit_ended': '登录时会话数已达账户上限：结束最久未使用的会话',
  'event.two_factor_failed': '第二步验证码错误',
  'notice.title': '你的账户有新动态',
  'notice.signed_in': '新的登录：{device}，来自 {address}，{time}。',
  'notice.two_factor_failed': '第二步验证码输入错误：{device}，来自 {address}，{time}。',
  'notice.review': '查看你的会话',
  'time.withRelative': '{time}（{relative}）',
  'time.justNow': '刚刚',
  'duration.days.one': '{n}天',
  'duration.days.other': '{n}天',
  'duration.hours.one': '{n}小时',
  'duration.hours.other': '{n}小时',
  'duration.minutes.one': '{n}分钟',
  'duration.minutes.other': '{n}分钟',
  'duration.seconds.one': '{n}秒',
  'duration.seconds.other': '{n}秒',

  'field.currentPassword': '当前密码',
  'field.newPassword': '新密码',
  'error.password_wrong': '当前密码不正确。',

  'field.username': '用户名',
  'field.password': '密码',

  'error.username_missing': '请输入用户名。',
  'error.username_length': '用户名须为2到32个字符。',
  'error.username_characters': '用户名只能包含字母、数字、“_”、“-”和“.”，且须以字母或数字开头。',
  'error.username_mixed_scripts':
    '用户名只能使用一种文字：不能混用不同字母表的字母，例如拉丁字母和西里尔字母（混用会造出与别人看起来一样的名字）。',
  'error.username_stacked_marks':
    '用户名中一个字母上最多只能带4个重音或附加符号，且同一个符号不能连续出现两次。',
  'error.username_taken': '这个用户名（或与它看起来相同的用户名）已被占用，请换一个。',
  'error.password_too_short': '密码至少需要{min}个字符。',
  'error.password_too_long': '密码最多1024个字符。',
  'error.password_too_common': '这个密码太常见了：它在攻击者最先尝试的密码清单上。请换一个。',
  'form.errorSummary': '请检查以下内容',
  'error.form_invalid': '表单内容不符合要求，请重试。',

  'http.badRequest': '无法理解这个请求。',
  'http.forbidden': '此请求已被拒绝，因为它不是从本站自己的表单发出的。请刷新页面后重试。',
  'http.notFound': '这个地址没有对应的页面。',
  'http.tooLarge': '请求内容过大。',
  'http.unsupportedMediaType': '不接受这种类型的请求内容。',
  'http.unavailable': 'Logon 暂时无法使用，请稍后再试。',
  'http.busy': 'Logon 当前繁忙，请稍后再试。',
  'http.internal': '我们这边出了点问题，请重试。',
  'http.errorTitle': '出错了',
  'http.backHome': '返回首页',

  // health.alive and health.ready are machine words, for probes that read the body:
  // the same in every language. health.notReady is read by people, so it is translated.
  'health.alive': 'ok',
  'health.ready': 'ready',
  'health.notReady': '数据库没有响应。',
} satisfies Catalog
