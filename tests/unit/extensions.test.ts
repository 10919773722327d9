import { Extensions } from '../../server/src/shared/extensions.js';
import { composeExtensions, type ModuleManifest } from '../../server/src/shared/module.js';
import { SINGLE_PROVIDER_POINTS } from '../../server/src/services.js';

/**
 * Extension points: a core calls the optional module its manifest says provides the point, directly
 * (it gets the answer and the errors), and does without it when no module provides it.
 */
const lookup = (state: string) => ({
  byState: async (_tenantId: string, s: string | undefined) => (s === state ? { state } : null),
  afterAdd: async () => undefined,
});

describe('extension points', () => {
  it('hands the core the contribution a manifest provides, and nothing when no module is composed', async () => {
    const composed = new Extensions();
    const manifests: ModuleManifest[] = [{ name: 'contact-ways', provides: [{ point: 'wecom.contact-way-lookup', name: 'contact-ways', impl: lookup('s1') }] }];
    composeExtensions(composed, manifests, SINGLE_PROVIDER_POINTS);
    expect(await composed.one('wecom.contact-way-lookup')?.byState('t', 's1')).toEqual({ state: 's1' });

    const bare = new Extensions();
    composeExtensions(bare, [{ name: 'contact-ways' }], SINGLE_PROVIDER_POINTS);
    expect(bare.one('wecom.contact-way-lookup')).toBeUndefined();
    expect(bare.all('desk.channel-gate')).toEqual([]);
  });

  it('stops the boot when two modules provide a one-provider point, or one module provides twice', () => {
    const two: ModuleManifest[] = [
      { name: 'a', provides: [{ point: 'wecom.contact-way-lookup', name: 'a', impl: lookup('a') }] },
      { name: 'b', provides: [{ point: 'wecom.contact-way-lookup', name: 'b', impl: lookup('b') }] },
    ];
    expect(() => composeExtensions(new Extensions(), two, SINGLE_PROVIDER_POINTS)).toThrow(/wecom.contact-way-lookup takes one provider; a and b/);
    const gate = { channel: 'wechat_kf', reserve: async () => async () => undefined };
    const twice: ModuleManifest[] = [
      { name: 'kf', provides: [{ point: 'desk.channel-gate', name: 'kf', impl: gate }] },
      { name: 'kf', provides: [{ point: 'desk.channel-gate', name: 'kf', impl: gate }] },
    ];
    expect(() => composeExtensions(new Extensions(), twice, SINGLE_PROVIDER_POINTS)).toThrow(/provided twice/);
  });

  it('routes a WeCom callback event to the module that provides its handler, and none when it is not composed', async () => {
    const seen: string[] = [];
    const ext = new Extensions();
    composeExtensions(
      ext,
      [
        {
          name: 'customer-groups',
          provides: [
            { point: 'wecom.callback-handler', name: 'customer-groups', impl: { event: 'change_external_chat', handle: async (t) => void seen.push(t) } },
          ],
        },
      ],
      SINGLE_PROVIDER_POINTS,
    );
    await ext
      .all('wecom.callback-handler')
      .find((h) => h.event === 'change_external_chat')
      ?.handle('t1', {});
    expect(seen).toEqual(['t1']);
    expect(ext.all('wecom.callback-handler').find((h) => h.event === 'kf_msg_or_event')).toBeUndefined();
  });

  it('keeps one gate per channel for the desk', () => {
    const ext = new Extensions();
    const gate = (channel: string) => ({ channel, reserve: async () => async () => undefined });
    composeExtensions(
      ext,
      [
        { name: 'kf', provides: [{ point: 'desk.channel-gate', name: 'kf', impl: gate('wechat_kf') }] },
        { name: 'x', provides: [{ point: 'desk.channel-gate', name: 'x', impl: gate('x') }] },
      ],
      SINGLE_PROVIDER_POINTS,
    );
    expect(ext.all('desk.channel-gate').map((g) => g.channel)).toEqual(['wechat_kf', 'x']);
  });
});
