// The hub-kind identities the development CA makes (scripts/ca/dev-pki.ts). The brokers make
// every client id the certificate's CN, and a second connection of one identity takes the
// first's session over (MQTT 3.1.1 section 3.1.4), so each program that runs at the same time
// has its own: `hub` for the hub, `tools` for npm run command, ota, flash and repl, and `view`
// for npm start's live view and console.

/** The one-shot tools' identity. */
export const TOOLS_IDENTITY = "tools";
/** npm start's live view: the broker policy lets it read every device and send commands, but
 *  not ask for state snapshots (that is the hub's, scripts/broker/acl.ts). */
export const VIEW_IDENTITY = "view";
