import type { Services } from './services.js';
import type { ApiRouter } from './shared/http/route.js';
import { staffRoutes } from './modules/staff/staff.routes.js';
import { customerTransferRoutes } from './modules/customers/customer-transfer.routes.js';
import { customerRoutes, followUpRoutes } from './modules/customers/customer.routes.js';
import { chatBindingRoutes } from './modules/customers/chat-binding.routes.js';
import { tagRoutes } from './modules/tags/tag.routes.js';
import { eventRoutes } from './modules/events/event.routes.js';
import { loyaltyRoutes } from './modules/loyalty/loyalty.routes.js';
import { meRoutes, shopperAuthRoutes } from './modules/loyalty/me.routes.js';
import { conversationRoutes } from './modules/conversations/conversation.routes.js';
import { deskRoutes } from './modules/conversations/desk.routes.js';
import { segmentRoutes } from './modules/segments/segment.routes.js';
import { rfmRoutes } from './modules/segments/rfm.routes.js';
import { broadcastRoutes } from './modules/broadcasts/broadcast.routes.js';
import { journeyRoutes } from './modules/journeys/journey.routes.js';
import { contactWayRoutes } from './wecom/contact-way.routes.js';
import { wecomRoutes } from './wecom/wecom.routes.js';
import { transferRoutes } from './wecom/transfer.routes.js';
import { myPrivacyRoutes, privacyAdminRoutes } from './modules/privacy/privacy.routes.js';
import { miniappAuthRoutes, miniappRoutes } from './wechat/miniapp.routes.js';
import { dashboardRoutes } from './modules/dashboard/dashboard.routes.js';

/** Every API router, in one list: the route table (OpenAPI, authorisation matrix) is built from these. */
export function apiRouters(s: Services): ApiRouter[] {
  return [staffRoutes(s), customerTransferRoutes(s), customerRoutes(s), followUpRoutes(s), tagRoutes(s), eventRoutes(s), loyaltyRoutes(s), meRoutes(s), chatBindingRoutes(s), shopperAuthRoutes(s), conversationRoutes(s), deskRoutes(s), segmentRoutes(s), rfmRoutes(s), broadcastRoutes(s), journeyRoutes(s), contactWayRoutes(s), wecomRoutes(s), transferRoutes(s), miniappAuthRoutes(s), miniappRoutes(s), myPrivacyRoutes(s), privacyAdminRoutes(s), dashboardRoutes(s)];
}
