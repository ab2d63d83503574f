// Certificates and the CRL, made with @peculiar/x509 (no openssl command anywhere).
import { isIP } from "node:net";
import { x509 } from "./x509.ts";
import { generateKeys, signingAlgorithm, randomSerial, type CryptoKey } from "./keys.ts";
import type { KeyType, Kind } from "../lib/pki-store.ts";

const DAY = 86400000;

export interface Issuer {
  cert: x509.X509Certificate;
  key: CryptoKey;
  keyType: KeyType;
}

export async function createCa(cn: string, keyType: KeyType, days: number) {
  const keys = await generateKeys(keyType);
  const now = new Date(Date.now() - 60000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${cn}`,
    notBefore: now,
    notAfter: new Date(now.getTime() + days * DAY),
    keys,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

export interface LeafRequest {
  kind: Kind;
  cn: string;
  days: number;
  keyType: KeyType;
  dns?: string[];
  ips?: string[];
  /** Backdate, to make an already-expired certificate in tests. */
  notBefore?: Date;
}

export async function issueLeaf(ca: Issuer, request: LeafRequest) {
  const keys = await generateKeys(request.keyType);
  const notBefore = request.notBefore ?? new Date(Date.now() - 60000);
  const server = request.kind === "broker" || request.kind === "hub";
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | (request.keyType === "rsa" ? x509.KeyUsageFlags.keyEncipherment : 0),
      true,
    ),
    // The hub is both: a client of the broker and the server of the operators' page.
    new x509.ExtendedKeyUsageExtension(
      request.kind === "hub"
        ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
        : [server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (server) {
    const names = [
      ...(request.dns ?? []).map((value) => ({ type: "dns" as const, value })),
      ...(request.ips ?? []).map((value) => ({ type: "ip" as const, value })),
    ];
    extensions.push(new x509.SubjectAlternativeNameExtension(names));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${request.cn}`,
    issuer: ca.cert.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + request.days * DAY),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: signingAlgorithm(ca.keyType),
    extensions,
  });
  return { cert, keys };
}

export async function createCrl(ca: Issuer, revoked: { serial: string; at: string }[], days: number) {
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subject,
    thisUpdate: new Date(Date.now() - 60000),
    nextUpdate: new Date(Date.now() + days * DAY),
    signingKey: ca.key,
    signingAlgorithm: signingAlgorithm(ca.keyType),
    entries: revoked.map((r) => ({ serialNumber: r.serial, revocationDate: new Date(r.at) })),
  });
  // OpenSSL (Mosquitto, Node) reads only the "X509 CRL" PEM label (RFC 7468 section 5).
  return crl.toString("pem").replace(/-----(BEGIN|END) CRL-----/g, "-----$1 X509 CRL-----");
}

export function checkIp(value: string): boolean {
  return isIP(value) !== 0;
}
