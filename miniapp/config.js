/**
 * Where the mini-app finds our server. In WeChat DevTools during development: the local server
 * (`npm run dev`, with 不校验合法域名 ticked). For release: your HTTPS domain, added in the mini-program
 * admin under 开发管理 → 服务器域名 (request 合法域名).
 */
module.exports = {
  apiBase: 'http://127.0.0.1:3000/api/v1',
};
