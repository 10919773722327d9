import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { AppError, notFound, conflict } from '../../shared/app-error.js';
import { hashPassword, verifyPassword } from '../../shared/passwords.js';
import { signToken, tokenKeys } from '../../shared/tokens.js';
import { SessionCache } from '../../shared/session-cache.js';
import { demoSignIn } from '../../config/env.js';
import { StaffSignInGuard } from '../../shared/sign-in-limits.js';
import { checkStaffPassword } from './password-policy.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import type { Principal, StaffRole } from '../../shared/http/principal.js';
import { StaffModel } from './staff.model.js';
import { ApiKeyService } from './api-key.service.js';
import type { ErrorCode } from '../../shared/errors/codes.js';

export const StaffErrorCode = {
  BAD_CREDENTIALS: 'STAFF_BAD_CREDENTIALS',
  USERNAME_TAKEN: 'STAFF_USERNAME_TAKEN',
} as const satisfies Record<string, ErrorCode>;

export interface StaffView {
  id: string;
  /** The brand (tenant) the account belongs to: the console's top bar shows it. */
  tenantId: string;
  username: string;
  name: string;
  role: StaffRole;
  wecomUserId?: string;
  active: boolean;
  online: boolean;
  capacity: number;
}

/** A stored staff member, or a view of one with its `_id` (the sidebar's sign-in). */
type StaffFields = Omit<StaffView, 'id' | 'wecomUserId'> & { _id: unknown; wecomUserId?: string | null };

const view = (s: StaffFields): StaffView => ({
  id: String(s._id),
  tenantId: s.tenantId,
  username: s.username,
  name: s.name,
  role: s.role,
  wecomUserId: s.wecomUserId ?? undefined,
  active: s.active,
  online: s.online,
  capacity: s.capacity,
});

/** What a request needs to know about the staff member a token names, read per request (cached briefly). */
export interface StaffSession {
  active: boolean;
  role: StaffRole;
  name: string;
  sessionVersion: number;
}

/**
 * Compared against when no account has the username, so a wrong username takes as long as a wrong
 * password (one scrypt either way) and timing does not tell which usernames exist.
 */
const NO_SUCH_STAFF_HASH = hashPassword(randomBytes(16).toString('hex'));

export class StaffService {
  private readonly sessions: SessionCache<StaffSession | null>;
  private readonly signIns: StaffSignInGuard;
  readonly apiKeys: ApiKeyService;

  constructor(private readonly deps: Deps) {
    this.sessions = new SessionCache(deps, 'staff');
    this.apiKeys = new ApiKeyService(deps);
    const c = deps.config;
    this.signIns = new StaffSignInGuard(deps.redis, {
      maxConsecutiveFails: c.LOGIN_MAX_CONSECUTIVE_FAILS,
      blockSeconds: c.LOGIN_BLOCK_SECONDS,
      ipFailsPerHour: c.LOGIN_IP_FAILS_PER_HOUR,
      ipFailsPerDay: c.LOGIN_IP_FAILS_PER_DAY,
    });
  }

  async create(
    tenantId: string,
    input: { username: string; name: string; role: StaffRole; password: string; wecomUserId?: string; demo?: boolean },
  ): Promise<StaffView> {
    checkStaffPassword(input.password, [input.username, input.name, input.wecomUserId]);
    try {
      const doc = await StaffModel.create({ tenantId, ...input, passwordHash: await hashPassword(input.password) });
      return view(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict(StaffErrorCode.USERNAME_TAKEN, `The username or WeCom userid is already used by another staff account`);
      throw err;
    }
  }

  /** Logs in with username and password, guarded against brute force (shared/sign-in-limits.ts) from the caller's address `ip`. */
  async login(tenantId: string, username: string, password: string, ip = 'local'): Promise<{ token: string; expiresAt: string; staff: StaffView }> {
    return this.signIns.attempt(
      { tenantId, username, ip },
      async () => {
        const staff = await StaffModel.findOne({ tenantId, username, active: true }).lean();
        const matches = await verifyPassword(password, staff?.passwordHash ?? (await NO_SUCH_STAFF_HASH));
        if (!staff || !matches) {
          throw new AppError(StaffErrorCode.BAD_CREDENTIALS, 'Wrong username or password', { status: 401 });
        }
        return this.issueToken(staff);
      },
      (err) => (err as AppError).code === StaffErrorCode.BAD_CREDENTIALS,
    );
  }

  /**
   * A session token for a signed-in staff member (password or WeCom sign-in). It carries the account's
   * session version, read fresh here, so a sign-out or revocation since then is not undone. A seeded demo
   * login is refused like a wrong password unless demo sign-in is on.
   */
  async issueToken(staff: StaffFields): Promise<{ token: string; expiresAt: string; staff: StaffView }> {
    const current = await StaffModel.findOne({ tenantId: staff.tenantId, _id: staff._id }, { active: 1, sessionVersion: 1, demo: 1 }).lean();
    if (!current?.active || (current.demo && !demoSignIn(this.deps.config).on)) {
      throw new AppError(StaffErrorCode.BAD_CREDENTIALS, 'Wrong username or password', { status: 401 });
    }
    const exp = Math.floor(this.deps.now().getTime() / 1000) + this.deps.config.STAFF_TOKEN_TTL_SECONDS;
    const claims = { k: 'staff', sub: String(staff._id), t: staff.tenantId, role: staff.role, name: staff.name, sv: current.sessionVersion ?? 0, exp };
    const token = await signToken(tokenKeys(this.deps.config), claims);
    return { token, expiresAt: new Date(exp * 1000).toISOString(), staff: view(staff) };
  }

  /**
   * The live state of the staff member a token names, or null when there is none: read from MongoDB,
   * kept a few seconds (shared/session-cache.ts); every change below that ends sessions forgets it at once.
   */
  session(tenantId: string, id: string): Promise<StaffSession | null> {
    if (!Types.ObjectId.isValid(id)) return Promise.resolve(null);
    return this.sessions.get(`${tenantId}:${id}`, async () => {
      const s = await StaffModel.findOne({ tenantId, _id: id }, { active: 1, role: 1, name: 1, sessionVersion: 1 }).lean();
      return s ? { active: !!s.active, role: s.role as StaffRole, name: s.name, sessionVersion: s.sessionVersion ?? 0 } : null;
    });
  }

  /** Signs the staff member out everywhere: every token issued so far is refused from the next request on. */
  async logout(tenantId: string, id: string): Promise<void> {
    await StaffModel.updateOne({ tenantId, _id: id }, { $inc: { sessionVersion: 1 } });
    await this.sessions.changed(`${tenantId}:${id}`);
  }

  async get(tenantId: string, id: string): Promise<StaffView> {
    const s = await StaffModel.findOne({ tenantId, _id: id }).lean();
    if (!s) throw notFound('Staff member');
    return view(s);
  }

  async findByWecomUserId(tenantId: string, wecomUserId: string): Promise<StaffView | null> {
    const s = await StaffModel.findOne({ tenantId, wecomUserId }).lean();
    return s ? view(s) : null;
  }

  /** Active accounts (the pickers), or with `status` the switched-off ones too (the 员工与角色 table). */
  async list(tenantId: string, filter: { role?: StaffRole; online?: boolean; status?: 'active' | 'inactive' | 'all' } = {}): Promise<StaffView[]> {
    const q: Record<string, unknown> = { tenantId };
    if (filter.status !== 'all') q.active = filter.status !== 'inactive';
    if (filter.role) q.role = filter.role;
    if (filter.online !== undefined) q.online = filter.online;
    return (await StaffModel.find(q).sort({ username: 1 }).lean()).map(view);
  }

  async update(
    tenantId: string,
    id: string,
    patch: Partial<{ name: string; role: StaffRole; active: boolean; online: boolean; capacity: number; wecomUserId: string; password: string }>,
  ): Promise<StaffView> {
    const { password, ...rest } = patch;
    const set: Record<string, unknown> = { ...rest };
    if (password) {
      const current = await StaffModel.findOne({ tenantId, _id: id }, { username: 1, name: 1, wecomUserId: 1 }).lean();
      if (!current) throw notFound('Staff member');
      checkStaffPassword(password, [current.username, patch.name ?? current.name, patch.wecomUserId ?? current.wecomUserId ?? undefined]);
      set.passwordHash = await hashPassword(password);
    }
    // Deactivation, a new password or a new role ends the account's sessions: the holder of an old token
    // (or whoever took it) must sign in again, and gets the new role only then.
    const before = password || rest.active === false || rest.role ? await StaffModel.findOne({ tenantId, _id: id }, { active: 1, role: 1 }).lean() : null;
    const endSessions = !!password || (rest.active === false && !!before?.active) || (!!rest.role && !!before && rest.role !== before.role);
    const s = await StaffModel.findOneAndUpdate(
      { tenantId, _id: id },
      { $set: set, ...(endSessions ? { $inc: { sessionVersion: 1 } } : {}) },
      { returnDocument: 'after' },
    ).lean();
    if (!s) throw notFound('Staff member');
    if (endSessions || rest.active !== undefined) await this.sessions.changed(`${tenantId}:${id}`);
    return view(s);
  }

  /** Creates an integration key for a shop platform; the plain key is returned once (api-key.service.ts). */
  async createApiKey(tenantId: string, name: string, presetKey?: string): Promise<{ id: string; key: string }> {
    const { id, key } = await this.apiKeys.create(tenantId, name, { presetKey });
    return { id, key };
  }

  resolveApiKey(key: string): Promise<Principal | null> {
    return this.apiKeys.resolve(key);
  }
}
