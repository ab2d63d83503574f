// Key pairs for the CA and the identities it issues: EC P-256 by default, RSA-2048 when asked
// (Espruino's Linux build and some ESP32 builds negotiate RSA key exchange only,
// docs/espruino.md).
// Private keys are stored as PKCS#8 PEM; the CA's may be encrypted with a passphrase, as
// PKCS#8 PBES2 (RFC 8018): PBKDF2-HMAC-SHA256 with KDF_ITERATIONS and AES-256-CBC. OpenSSL's
// own default is 2048 iterations, so the structure is written here (encrypted-key.ts).
import { createPrivateKey, webcrypto, type KeyObject } from "node:crypto";
import type { KeyType } from "../lib/pki-store.ts";
import { encryptPkcs8 } from "./encrypted-key.ts";

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
type SigningAlgorithm = webcrypto.Algorithm | webcrypto.EcdsaParams;

export function keyAlgorithm(type: KeyType): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  return type === "rsa"
    ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 }
    : { name: "ECDSA", namedCurve: "P-256" };
}

/** The signature algorithm a CA key of this type signs with. */
export function signingAlgorithm(type: KeyType): SigningAlgorithm {
  return type === "rsa" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" };
}

export async function generateKeys(type: KeyType): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(keyAlgorithm(type), true, ["sign", "verify"])) as CryptoKeyPair;
}

export async function privateKeyPem(key: CryptoKey, passphrase?: string): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  const object = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  return passphrase ? encryptPkcs8(der, passphrase) : (object.export({ type: "pkcs8", format: "pem" }) as string);
}

/** The key in the "traditional" DER form every mbedTLS parses (SEC1 for EC, PKCS#1 for RSA). */
export function privateKeyDer(pem: string): Buffer {
  const object = createPrivateKey(pem);
  return object.export({ type: object.asymmetricKeyType === "rsa" ? "pkcs1" : "sec1", format: "der" }) as Buffer;
}

import { PassphraseError } from "../lib/errors.ts";
export { PassphraseError };

/** Where a CA passphrase may come from (passphrase.ts reads them in this order). */
export const PASSPHRASE_HINT =
  "on a terminal, in LATCHKEY_CA_PASSPHRASE, or in a 0600 file named by LATCHKEY_CA_PASSPHRASE_FILE";

/** Reads a PKCS#8 PEM (encrypted or not) into a WebCrypto signing key. */
export async function importPrivateKey(pem: string, type: KeyType, passphrase?: string): Promise<CryptoKey> {
  if (passphrase === undefined && pem.includes("ENCRYPTED PRIVATE KEY")) {
    throw new PassphraseError(`the CA key is encrypted: give its passphrase ${PASSPHRASE_HINT}`);
  }
  let object: KeyObject;
  try {
    object = createPrivateKey({ key: pem, format: "pem", passphrase });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (code === "ERR_MISSING_PASSPHRASE") {
      throw new PassphraseError(`the CA key is encrypted: give its passphrase ${PASSPHRASE_HINT}`);
    }
    if (passphrase !== undefined) throw new PassphraseError("wrong CA passphrase");
    throw new PassphraseError(`the CA key cannot be read (${code || (error as Error).message})`);
  }
  const der = object.export({ type: "pkcs8", format: "der" });
  return webcrypto.subtle.importKey("pkcs8", der, keyAlgorithm(type), false, ["sign"]);
}

export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f; // a positive INTEGER (RFC 5280 section 4.1.2.2)
  bytes[0] |= 0x10;
  return Buffer.from(bytes).toString("hex");
}
