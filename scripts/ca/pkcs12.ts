// A PKCS#12 bundle (certificate, key, CA) for installing an operator identity in a browser or
// phone, made with pkijs: PBES2 (PBKDF2-SHA256, AES-256-CBC) for the key and the certificates,
// HMAC-SHA256 for integrity, the modern profile OpenSSL 3 and browsers read.
import { webcrypto } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

pkijs.setEngine(
  "node",
  new pkijs.CryptoEngine({
    name: "node",
    crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]["crypto"],
  }),
);

const ITERATIONS = 100000;

function certBag(der: ArrayBuffer, friendlyName: string, localKeyId?: ArrayBuffer): pkijs.SafeBag {
  const attributes = [
    new pkijs.Attribute({ type: "1.2.840.113549.1.9.20", values: [new asn1js.BmpString({ value: friendlyName })] }),
  ];
  if (localKeyId)
    attributes.push(
      new pkijs.Attribute({
        type: "1.2.840.113549.1.9.21",
        values: [new asn1js.OctetString({ valueHex: localKeyId })],
      }),
    );
  return new pkijs.SafeBag({
    bagId: "1.2.840.113549.1.12.10.1.3",
    bagValue: new pkijs.CertBag({ parsedValue: pkijs.Certificate.fromBER(der) }),
    bagAttributes: attributes,
  });
}

/** DER of a PKCS#12 holding `certDer`, its PKCS#8 key and the CA certificate. */
export async function makePkcs12(
  certDer: ArrayBuffer,
  pkcs8Der: ArrayBuffer,
  caDer: ArrayBuffer,
  name: string,
  password: string,
): Promise<Buffer> {
  const passwordBytes = new TextEncoder().encode(password).buffer as ArrayBuffer;
  const localKeyId = webcrypto.getRandomValues(new Uint8Array(8)).buffer as ArrayBuffer;
  const encryption = {
    password: passwordBytes,
    contentEncryptionAlgorithm: { name: "AES-CBC", length: 256 },
    hmacHashAlgorithm: "SHA-256",
    iterationCount: ITERATIONS,
  };
  const keyBag = new pkijs.SafeBag({
    bagId: "1.2.840.113549.1.12.10.1.2",
    bagValue: new pkijs.PKCS8ShroudedKeyBag({ parsedValue: pkijs.PrivateKeyInfo.fromBER(pkcs8Der) }),
    bagAttributes: [
      new pkijs.Attribute({ type: "1.2.840.113549.1.9.20", values: [new asn1js.BmpString({ value: name })] }),
      new pkijs.Attribute({
        type: "1.2.840.113549.1.9.21",
        values: [new asn1js.OctetString({ valueHex: localKeyId })],
      }),
    ],
  });
  const pfx = new pkijs.PFX({
    parsedValue: {
      integrityMode: 0,
      authenticatedSafe: new pkijs.AuthenticatedSafe({
        parsedValue: {
          safeContents: [
            {
              privacyMode: 1,
              value: new pkijs.SafeContents({
                safeBags: [certBag(certDer, name, localKeyId), certBag(caDer, "Latchkey CA")],
              }),
            },
            { privacyMode: 0, value: new pkijs.SafeContents({ safeBags: [keyBag] }) },
          ],
        },
      }),
    },
  });
  const parsed = pfx.parsedValue!;
  await (keyBag.bagValue as pkijs.PKCS8ShroudedKeyBag).makeInternalValues(encryption);
  await parsed.authenticatedSafe!.makeInternalValues({ safeContents: [encryption, {}] });
  await pfx.makeInternalValues({
    password: passwordBytes,
    iterations: ITERATIONS,
    pbkdf2HashAlgorithm: "SHA-256",
    hmacHashAlgorithm: "SHA-256",
  });
  return Buffer.from(pfx.toSchema().toBER(false));
}
