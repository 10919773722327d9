// What the server says to people in Chinese lives in catalogs (server/src/i18n/), not in the services:
// one place to read, review and one day translate. wecom/ and wechat/ are still to be moved.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { say, zhCN } from '../../server/src/i18n/zh-CN.js';
import { ROOT, sourceFiles } from '../support/source-files.js';

/** Chinese in default data rather than a sentence to a person, and why it stays. */
const DATA: Record<string, string> = {
  'server/src/modules/loyalty/loyalty-settings.service.ts': 'the default tier names (普通, 银卡…) a tenant starts with and renames',
  'server/src/modules/customers/chat-binding.service.ts': 'the chat command 绑定 named inside an English refusal',
  'server/src/modules/wechat-kf/kf-delivery.service.ts': 'WeCom’s own name for its app’s state (人工接待) inside an English reason',
};

test('no service writes a Chinese sentence of its own (comments aside)', () => {
  const cjk = /['"`][^'"`\n]*[\u4e00-\u9fff][^'"`\n]*['"`]/;
  const found = sourceFiles('server/src')
    .filter((file) => file.endsWith('.service.ts') && !/\/(wecom|wechat)\//.test(file))
    .map((file) => relative(ROOT, file))
    .filter((file) => !(file in DATA))
    .flatMap((file) => {
      const code = readFileSync(`${ROOT}/${file}`, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      return code
        .split('\n')
        .filter((line) => cjk.test(line))
        .map((line) => `${file}: ${line.trim()}`);
    });
  expect(found).toEqual([]);
});

test('the desk’s replies read from the catalog with their values filled', () => {
  expect(say('handoff.ahead', { lead: say('handoff.queued'), ahead: 2 })).toBe('已为您转接人工客服，您前面还有 2 位，请稍候。');
  expect(say('handoff.assigned', { name: '小王' })).toBe('您好，我是 小王，很高兴为您服务。');
  // The room welcome is a template the bot fills per room: its placeholders stay.
  expect(zhCN['bot.roomWelcome']).toContain('{name}');
});
