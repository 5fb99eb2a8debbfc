/**
 * Node's built-in OpenSSL (`node:crypto`) for the SDK's small-input primitives, byte-identical to
 * the @noble reference implementations they replace in Node:
 *   X25519 (public key, shared secret), Ed25519 (public key, sign; verify accepts what OpenSSL
 *   accepts and asks noble about the rest, so ZIP-215 semantics are kept), HKDF-SHA-256,
 *   SHA-256/384 and ECDSA P-256/P-384 verification (raw r ‖ s signatures).
 * The module is obtained synchronously with `process.getBuiltinModule` — never imported — so
 * bundles for browsers contain no `node:` import; there every function here returns `null`
 * (`nativeCrypto === null`) and callers use @noble. Tests compare both paths byte for byte
 * (sdk/test/crypto/native.test.ts).
 */
import type * as NodeCrypto from "node:crypto";
import { fromBase64, toBase64 } from "@mysten/bcs";

type Crypto = typeof NodeCrypto;

function loadNodeCrypto(): Crypto | null {
  const proc = (
    globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }
  ).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== "function") return null;
  try {
    const c = proc.getBuiltinModule("node:crypto") as Partial<Crypto> | undefined;
    if (
      typeof c?.createPrivateKey !== "function" ||
      typeof c.diffieHellman !== "function" ||
      typeof c.hkdfSync !== "function" ||
      typeof c.X509Certificate !== "function"
    )
      return null;
    return c as Crypto;
  } catch {
    return null;
  }
}

/** `node:crypto` in Node (≥ 20.16, which has `process.getBuiltinModule`), else null. */
export const nativeCrypto: Crypto | null = loadNodeCrypto();

/** Which implementation the small primitives (X25519, Ed25519, HKDF, SHA-2, ECDSA) use here. */
export const nativeBackend: "node:crypto" | "noble" = nativeCrypto ? "node:crypto" : "noble";

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
// SubjectPublicKeyInfo of an uncompressed NIST point (id-ecPublicKey + named curve).
const P256_SPKI = hex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
const P384_SPKI = hex("3076301006072a8648ce3d020106052b81040022036200");

/** Node's key functions take any Uint8Array at run time; its typings say Buffer. */
const asBuffer = (b: Uint8Array) => b as unknown as Buffer;

/** A plain Uint8Array copy of a Node Buffer / ArrayBuffer result (callers compare with noble's Uint8Array). */
function plain(b: ArrayBuffer | Uint8Array): Uint8Array {
  return b instanceof Uint8Array ? new Uint8Array(b) : new Uint8Array(b.slice(0));
}

const b64url = (b: Uint8Array) => toBase64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromB64url = (s: string) =>
  fromBase64(
    s
      .replace(/-/g, "+")
      .replace(/_/g, "/")
      .padEnd(Math.ceil(s.length / 4) * 4, "="),
  );

type Okp = "X25519" | "Ed25519";

/**
 * RFC 8410 keys from their 32 raw bytes, imported as JWKs: Node builds them straight from the raw
 * bytes (EVP_PKEY_new_raw_*), ≈ 10× faster than decoding PKCS#8 / SPKI DER through OpenSSL 3's
 * decoders (≈ 30 µs against ≈ 300 µs here). For a private key Node reads `d` only (`x` must be
 * a string); the public key is always derived from `d`.
 */
function okpPrivateKey(c: Crypto, crv: Okp, sk: Uint8Array): NodeCrypto.KeyObject {
  return c.createPrivateKey({ key: { kty: "OKP", crv, d: b64url(sk), x: "" }, format: "jwk" });
}
function okpPublicKey(c: Crypto, crv: Okp, pk: Uint8Array): NodeCrypto.KeyObject {
  return c.createPublicKey({ key: { kty: "OKP", crv, x: b64url(pk) }, format: "jwk" });
}
function okpRawPublic(c: Crypto, k: NodeCrypto.KeyObject): Uint8Array {
  const x = c.createPublicKey(k).export({ format: "jwk" }).x;
  if (typeof x !== "string") throw new Error("node:crypto exported no public key");
  return fromB64url(x);
}

// Parsed NIST public keys (OpenSSL's SPKI decoder is the larger part of one ECDSA verification),
// by their exact bytes; public data only, so remembering them leaks nothing. Private keys are
// never kept.
const PUBLIC_KEYS_MAX = 256;
const ecPublicKeys = new Map<string, NodeCrypto.KeyObject>();

function ecPublicKey(c: Crypto, prefix: Uint8Array, point: Uint8Array): NodeCrypto.KeyObject {
  const der = new Uint8Array(prefix.length + point.length);
  der.set(prefix, 0);
  der.set(point, prefix.length);
  const id = b64url(der);
  const hit = ecPublicKeys.get(id);
  if (hit) return hit;
  const k = c.createPublicKey({ key: asBuffer(der), format: "der", type: "spki" });
  if (ecPublicKeys.size >= PUBLIC_KEYS_MAX) ecPublicKeys.delete(ecPublicKeys.keys().next().value as string);
  ecPublicKeys.set(id, k);
  return k;
}

/** X25519 public key of a 32-byte secret (null outside Node). */
export function nativeX25519PublicKey(sk: Uint8Array): Uint8Array | null {
  const c = nativeCrypto;
  if (!c || sk.length !== 32) return null;
  return okpRawPublic(c, okpPrivateKey(c, "X25519", sk));
}

/**
 * X25519(sk, pk); throws where noble throws (an all-zero shared secret from a low-order point,
 * which OpenSSL refuses as well). Null outside Node.
 */
export function nativeX25519(sk: Uint8Array, pk: Uint8Array): Uint8Array | null {
  const c = nativeCrypto;
  if (!c || sk.length !== 32 || pk.length !== 32) return null;
  const out = c.diffieHellman({ privateKey: okpPrivateKey(c, "X25519", sk), publicKey: okpPublicKey(c, "X25519", pk) });
  const r = plain(out);
  out.fill(0);
  if (r.every((x) => x === 0)) throw new Error("invalid X25519 shared secret: low-order point");
  return r;
}

/** Ed25519 public key of a 32-byte seed (null outside Node). */
export function nativeEd25519PublicKey(sk: Uint8Array): Uint8Array | null {
  const c = nativeCrypto;
  if (!c || sk.length !== 32) return null;
  return okpRawPublic(c, okpPrivateKey(c, "Ed25519", sk));
}

/**
 * Ed25519 (RFC 8032, deterministic) signing with `sk` parsed once (a signer that signs many
 * messages: the key is imported for each `nativeEd25519Sign`, ≈ 30 µs of a ≈ 60 µs signature);
 * the returned function holds the key as long as it lives. Null outside Node.
 */
export function nativeEd25519Signer(sk: Uint8Array): ((message: Uint8Array) => Uint8Array) | null {
  const c = nativeCrypto;
  if (!c || sk.length !== 32) return null;
  const key = okpPrivateKey(c, "Ed25519", sk);
  return (message) => plain(c.sign(null, message, key));
}

/** Ed25519 (RFC 8032, deterministic) signature; null outside Node. */
export function nativeEd25519Sign(message: Uint8Array, sk: Uint8Array): Uint8Array | null {
  return nativeEd25519Signer(sk)?.(message) ?? null;
}

/**
 * OpenSSL's Ed25519 verification: true only for a signature OpenSSL accepts (RFC 8032: canonical
 * S, R recomputed byte for byte), which every ZIP-215 verifier accepts too; false where it refuses
 * or cannot run (callers then ask noble, which decides the ZIP-215 edge cases). Null outside Node.
 */
export function nativeEd25519Accepts(signature: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean | null {
  const c = nativeCrypto;
  if (!c) return null;
  if (signature.length !== 64 || pk.length !== 32) return false;
  try {
    return c.verify(null, message, okpPublicKey(c, "Ed25519", pk), signature);
  } catch {
    return false;
  }
}

/** HKDF-SHA-256 (RFC 5869); null outside Node. */
export function nativeHkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array | null {
  const c = nativeCrypto;
  if (!c || length > 255 * 32 || info.length > 1024) return null;
  return new Uint8Array(c.hkdfSync("sha256", ikm, salt, info, length));
}

/** SHA-256 / SHA-384 of `data`; null outside Node. */
export function nativeSha(alg: "sha256" | "sha384", data: Uint8Array): Uint8Array | null {
  const c = nativeCrypto;
  if (!c) return null;
  return plain(c.createHash(alg).update(data).digest());
}

/**
 * ECDSA verification with a raw `r ‖ s` signature over `message` hashed with SHA-256 (P-256) or
 * SHA-384 (P-384), any S accepted (no low-S rule), as noble's `verify(…, { prehash: true,
 * lowS: false, format: "compact" })`. `pubUncompressed` is the 0x04 ‖ X ‖ Y point. False for a bad
 * signature or a point off the curve; null outside Node and for other input shapes.
 */
export function nativeEcdsaVerify(
  curve: "P-256" | "P-384",
  signature: Uint8Array,
  message: Uint8Array,
  pubUncompressed: Uint8Array,
): boolean | null {
  const c = nativeCrypto;
  if (!c) return null;
  const n = curve === "P-256" ? 32 : 48;
  // Other shapes (compressed keys, wrong lengths) are left to noble, which decides them.
  if (signature.length !== 2 * n || pubUncompressed.length !== 2 * n + 1 || pubUncompressed[0] !== 4) return null;
  try {
    const key = ecPublicKey(c, curve === "P-256" ? P256_SPKI : P384_SPKI, pubUncompressed);
    return c.verify(curve === "P-256" ? "sha256" : "sha384", message, { key, dsaEncoding: "ieee-p1363" }, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies the signature of a DER certificate with its issuer's public key (OpenSSL
 * `X509_verify`: signature only, any algorithm OpenSSL knows — ECDSA, RSA PKCS#1 v1.5, RSA-PSS).
 * Null outside Node; throws when either certificate does not parse.
 */
export function nativeCertSignatureValid(certDer: Uint8Array, issuerDer: Uint8Array): boolean | null {
  const c = nativeCrypto;
  if (!c) return null;
  const cert = new c.X509Certificate(certDer);
  const issuer = new c.X509Certificate(issuerDer);
  return cert.verify(issuer.publicKey);
}
