import { parseXmlFields } from '../wecom-callback.routes.js';
import { callbackKey } from '../wecom-callback.service.js';

test('callback XML fields stay strings: an id that looks numeric keeps its leading zeros', () => {
  const f = parseXmlFields('<xml><ExternalUserID><![CDATA[00123]]></ExternalUserID><CreateTime>1409659813</CreateTime><State><![CDATA[渠道A]]></State></xml>');
  expect(f).toEqual({ ExternalUserID: '00123', CreateTime: '1409659813', State: '渠道A' });
});

test('a body that is not WeCom XML is a 400, not a crash', () => {
  expect(() => parseXmlFields('not xml at all')).toThrow(/no <xml> root|not XML/);
});

test('a retried add is the same event, but two edits in the same second are two events', () => {
  const add = {
    Event: 'change_external_contact',
    ChangeType: 'add_external_contact',
    UserID: 'u',
    ExternalUserID: 'wm',
    CreateTime: '1700000000',
    WelcomeCode: 'W',
  };
  expect(callbackKey(add, 'nonce-1')).toBe(callbackKey(add, 'nonce-2'));
  const edit = { ...add, ChangeType: 'edit_external_contact', WelcomeCode: '' };
  expect(callbackKey(edit, 'nonce-1')).not.toBe(callbackKey(edit, 'nonce-2'));
  expect(callbackKey(edit, 'nonce-1')).toBe(callbackKey(edit, 'nonce-1')); // an exact replay
});
