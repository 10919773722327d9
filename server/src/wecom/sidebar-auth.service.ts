import { createHash, randomBytes } from 'node:crypto';
import type { Deps } from '../shared/deps.js';
import { AppError, forbidden } from '../shared/app-error.js';
import { hitRateLimit } from '../shared/rate-limit.js';
import type { StaffService } from '../modules/staff/staff.service.js';
import type { WecomClient } from './wecom.client.js';
import { Errcode, isWecomErrcode, WecomErrorCode } from './wecom.exception.js';

/** sha1 of `jsapi_ticket=...&noncestr=...&timestamp=...&url=...`, the URL without its #fragment. */
export function jsSdkSignature(ticket: string, nonceStr: string, timestamp: number, url: string): string {
  const clean = url.split('#')[0];
  return createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${clean}`).digest('hex');
}

/**
 * The WeCom sidebar page: signatures for `ww.register` (corp jsapi_ticket) and `agentConfig` (agent
 * ticket), and a staff session from WeCom OAuth (code → userid → our staff by wecomUserId).
 */
export class SidebarAuthService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly staff: StaffService,
  ) {}

  async signatures(url: string) {
    const [jsapi, agent] = await Promise.all([this.client.jsapiTicketValue(), this.client.agentTicketValue()]);
    const timestamp = Math.floor(this.deps.now().getTime() / 1000);
    const nonceStr = randomBytes(8).toString('hex');
    return {
      corpId: this.client.corpId,
      agentId: this.client.agentId,
      timestamp,
      nonceStr,
      signature: jsSdkSignature(jsapi, nonceStr, timestamp, url),
      agentConfig: { timestamp, nonceStr, signature: jsSdkSignature(agent, nonceStr, timestamp, url) },
    };
  }

  async session(tenantId: string, code: string, ip: string) {
    await hitRateLimit(this.deps.redis, `wecom-sidebar:${ip}`, 30, 60, { failOpen: false, message: 'Too many sidebar sign-ins from here; wait a minute' });
    let userid: string | undefined;
    try {
      userid = (await this.client.getUserInfoByCode(code)).userid;
    } catch (err) {
      if (isWecomErrcode(err, Errcode.INVALID_CODE))
        throw new AppError('WECOM_BAD_OAUTH_CODE', 'The WeCom sign-in code is invalid or already used; reopen the sidebar', { status: 401 });
      throw err;
    }
    if (!userid) throw forbidden('Only members of this WeCom corp can use the sidebar');
    const staff = await this.staff.findByWecomUserId(tenantId, userid);
    if (!staff || !staff.active) {
      throw new AppError(
        WecomErrorCode.NO_STAFF_FOR_USER,
        `No active staff account is linked to WeCom user ${userid}; ask an admin to set wecomUserId on your account`,
        { status: 403, details: { userid } },
      );
    }
    return this.staff.issueToken({ ...staff, _id: staff.id, tenantId });
  }
}
