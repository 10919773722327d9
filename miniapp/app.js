const session = require('./utils/session.js');

/** Signs in on launch so the first page usually finds a token ready; pages sign in again if needed. */
App({
  onLaunch() {
    session.ensureSignedIn().catch(() => {
      // The page shows the error and a retry; nothing to do here.
    });
  },
});
