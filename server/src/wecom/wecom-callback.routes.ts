import Router from '@koa/router';
import type { Context } from 'koa';
import { XMLParser } from 'fast-xml-parser';
import { AppError } from '../shared/app-error.js';
import type { Deps } from '../shared/deps.js';
import type { Wecom } from './wecom.adapter.js';
import { WecomCryptoError } from './wecom-crypto.js';
import { WecomErrorCode } from './wecom.exception.js';
import type { CallbackFields } from './wecom-callback.service.js';

/** A callback whose timestamp is further than this from our clock is refused (replay protection). */
const MAX_SKEW_SECONDS = 300;
const MAX_BODY_BYTES = 256 * 1024;

// Every value stays a string: an ExternalUserID or ChatId that looks numeric must not become a number.
const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, trimValues: true, processEntities: false });

const refuse = (message: string) => new AppError(WecomErrorCode.CALLBACK_REFUSED, message, { status: 401 });

export function parseXmlFields(xml: string): CallbackFields {
  let doc: { xml?: unknown } | null;
  try {
    doc = parser.parse(xml);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The callback body is not XML', { status: 400 });
  }
  const root = doc?.xml;
  if (!root || typeof root !== 'object') throw new AppError('VALIDATION_FAILED', 'The callback body has no <xml> root', { status: 400 });
  const out: CallbackFields = {};
  for (const [k, v] of Object.entries(root)) out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return out;
}

async function rawBody(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', 'The callback body is too large', { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * WeCom's callback URL. GET answers the URL check; POST verifies the signature, refuses stale
 * timestamps and other corps' messages with 401, stores the event (duplicates ignored) and answers
 * `success` at once: the work happens in the worker, so WeCom never waits on our processing.
 */
export function wecomCallbackRouter(s: { deps: Deps; wecom: Wecom }, enqueue: (name: string, data: Record<string, unknown>) => Promise<void>) {
  const router = new Router();
  const tenantId = s.deps.config.DEFAULT_TENANT;

  const checkQuery = (ctx: Context) => {
    const crypto = s.wecom.crypto;
    if (!crypto)
      throw new AppError(WecomErrorCode.NOT_CONFIGURED, 'WeCom callbacks are not configured: set WECOM_TOKEN and WECOM_ENCODING_AES_KEY', { status: 503 });
    const q = ctx.query as Record<string, string | undefined>;
    const signature = String(q.msg_signature ?? '');
    const timestamp = String(q.timestamp ?? '');
    const nonce = String(q.nonce ?? '');
    if (!signature || !/^\d{1,12}$/.test(timestamp) || !nonce) throw refuse('msg_signature, timestamp and nonce are required');
    const skew = Math.abs(Math.floor(s.deps.now().getTime() / 1000) - Number(timestamp));
    if (skew > MAX_SKEW_SECONDS) throw refuse('The callback timestamp is more than 5 minutes from our clock');
    return { crypto, signature, timestamp, nonce };
  };

  const open = (fn: () => string) => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof WecomCryptoError) throw refuse(`The callback was refused: ${err.message}`);
      throw err;
    }
  };

  router.get('/wecom/callback', (ctx) => {
    const { crypto, signature, timestamp, nonce } = checkQuery(ctx);
    const echostr = String((ctx.query as Record<string, string>).echostr ?? '');
    if (!echostr) throw refuse('echostr is required');
    ctx.type = 'text/plain';
    ctx.body = open(() => crypto.open(signature, timestamp, nonce, echostr));
  });

  router.post('/wecom/callback', async (ctx) => {
    const { crypto, signature, timestamp, nonce } = checkQuery(ctx);
    const envelope = parseXmlFields(await rawBody(ctx));
    if (!envelope.Encrypt) throw new AppError('VALIDATION_FAILED', 'The callback has no <Encrypt> element', { status: 400 });
    const fields = parseXmlFields(open(() => crypto.open(signature, timestamp, nonce, envelope.Encrypt)));
    const id = await s.wecom.callbacks.accept(tenantId, fields, nonce);
    if (id) {
      // The welcome code dies 20 s after this event: its message goes on a lane of its own.
      if (fields.Event === 'change_external_contact' && fields.WelcomeCode) {
        await enqueue('wecom.welcome', { callbackId: id }).catch((err) =>
          s.deps.log.warn({ err: (err as Error).message, id }, 'could not queue a welcome message; the callback job sends it'),
        );
      }
      await enqueue('wecom.process-callback', { callbackId: id }).catch((err) =>
        s.deps.log.warn({ err: (err as Error).message, id }, 'could not queue a WeCom callback; the repair job will process it'),
      );
    } else {
      s.deps.log.info({ event: fields.Event, changeType: fields.ChangeType }, 'duplicate WeCom callback ignored');
    }
    ctx.type = 'text/plain';
    ctx.body = 'success';
  });

  return router;
}
