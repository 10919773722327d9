import { contentPlaceholders, placeholdersIn, render } from '../placeholders.js';

const facts = { name: '陈晓雨', points: 1280, tier: '金卡', coupon: { code: 'AB12CD', name: '满199减30' } };

test('fills every placeholder in the text and the link, each the same way', () => {
  const out = render(
    {
      text: '{name}，您有 {points} 积分（{tier}），券码 {coupon}「{couponName}」',
      link: { title: '{name}的福利', url: 'https://x.example/{name}', desc: '{tier}专享' },
    },
    facts,
  );
  expect(out).toEqual({
    ok: true,
    content: {
      text: '陈晓雨，您有 1280 积分（金卡），券码 AB12CD「满199减30」',
      link: { title: '陈晓雨的福利', url: 'https://x.example/{name}', desc: '金卡专享' },
    },
  });
});

test('a placeholder that cannot be filled names itself instead of yielding a text with a hole', () => {
  expect(render({ text: '{name}，会员日积分翻倍' }, { name: '  ' })).toEqual({ ok: false, reason: 'placeholder_unfilled:{name}' });
  expect(render({ text: '您有 {points} 积分' }, { name: '陈' })).toEqual({ ok: false, reason: 'placeholder_unfilled:{points}' });
  expect(render({ text: '{vip} 您好' }, facts)).toEqual({ ok: false, reason: 'placeholder_unfilled:{vip}' });
  // Zero points is a value.
  expect(render({ text: '{points} 积分' }, { points: 0 })).toEqual({ ok: true, content: { text: '0 积分' } });
});

test('coupon placeholders can wait for the coupon; a filled value is never filled again', () => {
  expect(render({ text: '{name}：{coupon}' }, { name: '陈' }, ['coupon', 'couponName'])).toEqual({ ok: true, content: { text: '陈：{coupon}' } });
  expect(render({ text: '{name} {points}' }, { name: '{points}', points: 5 })).toEqual({ ok: true, content: { text: '{points} 5' } });
});

test('only ASCII names in braces are placeholders', () => {
  expect(placeholdersIn('{姓名} {name} { points } {name} {tier_2}')).toEqual(['name', 'tier_2']);
  expect(contentPlaceholders({ text: '满{name}', link: { title: '{coupon}', url: 'https://x.example' } })).toEqual([
    { field: 'text', name: 'name' },
    { field: 'link.title', name: 'coupon' },
  ]);
});
