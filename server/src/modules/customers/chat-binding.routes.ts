import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import { notFound } from '../../shared/app-error.js';
import type { Principal } from '../../shared/http/principal.js';
import type { ChatBindingService } from './chat-binding.service.js';
import { dateTime, objectIdString } from '../../shared/http/api-schemas.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface ChatBindingRouteApis {
  chatBindings: ChatBindingService;
}

// What the bot's link carries (chat-binding.service.ts makes 24 base64url characters).
const token = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, msg('CHAT_BINDING_CODE'));
const SHOPPER = ['shopper'] as const;

const shopperId = (principal: Principal) => {
  if (principal.kind !== 'shopper') throw notFound('Shopper');
  return principal.customerId;
};

/**
 * The member center's side of binding a chat contact: the shopper, signed in, opens the link the bot
 * gave them in the chat, sees whose chat it is, and confirms. The member is always the token's
 * customer, never anything in the request.
 */
export function chatBindingRoutes(s: ChatBindingRouteApis) {
  const api = new ApiRouter('/api/v1/me/chat-binding', 'me');

  api.route(
    // The code goes in the query: a shopper route's path never names anything (trust/authorization-matrix).
    {
      method: 'get',
      path: '/',
      allow: SHOPPER,
      summary: 'The chat a binding link is for (name, until when; bound if it is mine already)',
      query: z.object({ token }),
      response: z.object({ contactName: z.string().nullable(), expiresAt: dateTime, bound: z.boolean() }),
      errors: [404, 409, 410],
    },
    ({ query, principal, tenantId }) => s.chatBindings.peek(tenantId, query.token, shopperId(principal)),
  );

  api.route(
    {
      method: 'post',
      path: '/',
      allow: SHOPPER,
      summary: 'Join the chat contact of a binding link to my member profile (its profile is merged into mine); confirming again answers the same',
      body: z.object({ token }).strict(),
      response: z.object({ id: objectIdString.describe('my profile, the chat contact now part of it'), bound: z.literal(true) }),
      errors: [404, 409, 410],
    },
    async ({ body, principal, tenantId }) => ({ ...(await s.chatBindings.confirm(tenantId, body.token, shopperId(principal))), bound: true }),
  );

  return api;
}
