import { attachmentErasureSuite } from './desk/attachment-erasure-story.js';

/** Erasure deletes a customer's chat attachments from GridFS (the default store). */
attachmentErasureSuite('gridfs');
