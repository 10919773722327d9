import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WeCom's callback crypto (the protocol of Tencent's WXBizMsgCrypt), written on node:crypto:
 * - msg_signature = sha1 of [token, timestamp, nonce, encrypt] sorted as strings and concatenated;
 * - AES-256-CBC with key = base64(EncodingAESKey + "="), IV = the key's first 16 bytes, PKCS#7
 *   padding to 32-byte blocks (not AES's 16, so node's auto padding is off);
 * - plaintext = 16 random bytes + 4-byte big-endian length + message + receiveid (the CorpID).
 * The same class serves our callback endpoint (verify, decrypt) and the local WeCom (encrypt, sign).
 */
export class WecomCryptoError extends Error {
  constructor(
    readonly reason: 'signature' | 'receive_id' | 'decrypt' | 'aes_key',
    message: string,
  ) {
    super(message);
    this.name = 'WecomCryptoError';
  }
}

const BLOCK = 32;

export function wecomSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
}

export class WecomCrypto {
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(
    private readonly token: string,
    encodingAesKey: string,
    private readonly receiveId: string,
  ) {
    if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) {
      throw new WecomCryptoError('aes_key', 'WECOM_ENCODING_AES_KEY must be the 43 letters and digits WeCom shows');
    }
    this.key = Buffer.from(`${encodingAesKey}=`, 'base64');
    if (this.key.length !== 32) throw new WecomCryptoError('aes_key', 'WECOM_ENCODING_AES_KEY does not decode to 32 bytes');
    this.iv = this.key.subarray(0, 16);
  }

  signature(timestamp: string, nonce: string, encrypt: string): string {
    return wecomSignature(this.token, timestamp, nonce, encrypt);
  }

  /** Constant-time comparison, so a forger learns nothing from response timing. */
  verifySignature(signature: string, timestamp: string, nonce: string, encrypt: string): boolean {
    const expected = Buffer.from(this.signature(timestamp, nonce, encrypt), 'utf8');
    const given = Buffer.from(String(signature ?? '').toLowerCase(), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** `random` is only for reproducing published vectors; real use takes fresh random bytes. */
  encrypt(message: string, random: Buffer = randomBytes(16)): string {
    const body = Buffer.from(message, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length, 0);
    const plain = Buffer.concat([random, len, body, Buffer.from(this.receiveId, 'utf8')]);
    const pad = BLOCK - (plain.length % BLOCK);
    const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
  }

  /** Decrypts and checks the receiveid; returns the message. Throws WecomCryptoError on any mismatch. */
  decrypt(encrypt: string): string {
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv);
      decipher.setAutoPadding(false);
      plain = Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);
    } catch {
      throw new WecomCryptoError('decrypt', 'the message could not be decrypted');
    }
    const pad = plain[plain.length - 1];
    if (!pad || pad > BLOCK || plain.length < 20 + pad) throw new WecomCryptoError('decrypt', 'bad padding');
    const content = plain.subarray(16, plain.length - pad);
    const len = content.readUInt32BE(0);
    if (len > content.length - 4) throw new WecomCryptoError('decrypt', 'bad message length');
    const message = content.subarray(4, 4 + len).toString('utf8');
    const receiveId = content.subarray(4 + len).toString('utf8');
    if (receiveId !== this.receiveId) throw new WecomCryptoError('receive_id', 'the message is for another corp');
    return message;
  }

  /** Verifies and decrypts in one step (the URL check's echostr, a POST's Encrypt). */
  open(signature: string, timestamp: string, nonce: string, encrypt: string): string {
    if (!this.verifySignature(signature, timestamp, nonce, encrypt)) throw new WecomCryptoError('signature', 'msg_signature does not match');
    return this.decrypt(encrypt);
  }

  /** What WeCom POSTs to a callback URL: the envelope XML plus the query parameters. */
  seal(message: string, timestamp: string, nonce: string, meta: { toUserName: string; agentId?: string }) {
    const encrypt = this.encrypt(message);
    const xml =
      `<xml><ToUserName><![CDATA[${meta.toUserName}]]></ToUserName>` +
      `<Encrypt><![CDATA[${encrypt}]]></Encrypt>` +
      (meta.agentId ? `<AgentID><![CDATA[${meta.agentId}]]></AgentID>` : '') +
      `</xml>`;
    return { xml, encrypt, query: { msg_signature: this.signature(timestamp, nonce, encrypt), timestamp, nonce } };
  }
}
