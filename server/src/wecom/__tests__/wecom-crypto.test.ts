import { WecomCrypto, WecomCryptoError, wecomSignature } from '../wecom-crypto.js';

// Published vectors from Tencent's WXBizMsgCrypt samples (WeCom callback docs).
const POST_SAMPLE = {
  token: 'QDG6eK',
  aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  corpId: 'wx5823bf96d3bd56c7',
  signature: '477715d11cdb4164915debcba66cb864d751f3e6',
  timestamp: '1409659813',
  nonce: '1372623149',
  encrypt:
    'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
};

test('the published POST sample verifies and decrypts to the documented message', () => {
  const c = new WecomCrypto(POST_SAMPLE.token, POST_SAMPLE.aesKey, POST_SAMPLE.corpId);
  expect(c.signature(POST_SAMPLE.timestamp, POST_SAMPLE.nonce, POST_SAMPLE.encrypt)).toBe(POST_SAMPLE.signature);
  const xml = c.open(POST_SAMPLE.signature, POST_SAMPLE.timestamp, POST_SAMPLE.nonce, POST_SAMPLE.encrypt);
  expect(xml).toContain('<Content><![CDATA[hello]]></Content>');
  expect(xml).toContain('<MsgId>4561255354251345929</MsgId>');
  expect(xml).toContain('<AgentID>218</AgentID>');
});

test('the published URL-check samples decrypt echostr to the documented plaintext', () => {
  const a = new WecomCrypto('QDG6eK', POST_SAMPLE.aesKey, POST_SAMPLE.corpId);
  const echo = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
  expect(a.open('5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3', '1409659589', '263014780', echo)).toBe('1616140317555161061');

  const b = new WecomCrypto('hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo', '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt', 'ww1436e0e65a779aee');
  const echo2 = 'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==';
  expect(b.open('012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb', '1476416373', '47744683', echo2)).toBe('1288432023552776189');
});

test('encryption with the published fixed random reproduces the published ciphertext (UTF-8, 32-byte padding)', () => {
  const c = new WecomCrypto('pamtest', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wxb11529c136998cb6');
  expect(c.encrypt('我是中文abcd123', Buffer.from('aaaabbbbccccdddd'))).toBe(
    'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
  );
});

test('the signature sorts its four parts as strings before hashing', () => {
  expect(wecomSignature('b', 'a', 'd', 'c')).toBe(wecomSignature('a', 'b', 'c', 'd'));
  expect(wecomSignature('a', 'b', 'c', 'd')).toBe('81fe8bfe87576c3ecb22426f8e57847382917acf');
});

test('a forged signature, another corp, or tampered ciphertext is refused with a reason', () => {
  const c = new WecomCrypto(POST_SAMPLE.token, POST_SAMPLE.aesKey, POST_SAMPLE.corpId);
  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as WecomCryptoError).reason;
    }
    return 'accepted';
  };
  expect(reason(() => c.open('0'.repeat(40), POST_SAMPLE.timestamp, POST_SAMPLE.nonce, POST_SAMPLE.encrypt))).toBe('signature');
  const other = new WecomCrypto(POST_SAMPLE.token, POST_SAMPLE.aesKey, 'ww-other-corp');
  expect(reason(() => other.open(POST_SAMPLE.signature, POST_SAMPLE.timestamp, POST_SAMPLE.nonce, POST_SAMPLE.encrypt))).toBe('receive_id');
  const tampered = POST_SAMPLE.encrypt.slice(0, 40) + (POST_SAMPLE.encrypt[40] === 'A' ? 'B' : 'A') + POST_SAMPLE.encrypt.slice(41);
  expect(reason(() => c.decrypt(tampered))).not.toBe('accepted');
  expect(() => new WecomCrypto('t', 'too-short', 'x')).toThrow(/43 letters/);
});

test('what we seal, WeCom-style, opens again with the same settings', () => {
  const c = new WecomCrypto('tok', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wwcorp');
  const msg = '<xml><Event><![CDATA[change_external_contact]]></Event><Name><![CDATA[小明]]></Name></xml>';
  const sealed = c.seal(msg, '1700000000', 'n0nce', { toUserName: 'wwcorp' });
  expect(c.open(sealed.query.msg_signature, '1700000000', 'n0nce', sealed.encrypt)).toBe(msg);
  expect(Buffer.from(sealed.encrypt, 'base64').length % 32).toBe(0);
});
