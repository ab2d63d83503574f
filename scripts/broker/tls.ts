// The TLS settings both brokers pin: TLS 1.2 or newer; on TLS 1.2 only forward-secret ECDHE
// key exchange with AEAD ciphers (ESP32's mbedTLS offers ECDHE-ECDSA with AES-GCM); on TLS
// 1.3 the three suites named here (RFC 8446 section 9.1). OpenSSL names, as Mosquitto's
// `ciphers`/`ciphers_tls1.3` and Node's `ciphers` take them.
export const TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/** Opt-in, for Espruino's Linux build only (its mbedTLS 2.1.1 has no EC, docs/espruino.md):
 *  finite-field DHE, still forward-secret, still AEAD. Never in the default policy. */
export const DHE_RSA_CIPHERS = ["DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384"].join(":");

export const TLS13_CIPHERSUITES = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
].join(":");
