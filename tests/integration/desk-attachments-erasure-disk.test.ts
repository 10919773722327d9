import { attachmentErasureSuite } from './desk/attachment-erasure-story.js';

/** Erasure deletes a customer's chat attachments from the disk store (DESK_ATTACHMENT_STORE=disk). */
attachmentErasureSuite('disk');
