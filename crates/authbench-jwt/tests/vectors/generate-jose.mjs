// Generates jose.json: test vectors minted with node `jose` (panva), a second implementation
// besides PyJWT. ES modules resolve `jose` next to the script, so run a copy of it:
//   mkdir /tmp/jose && cd /tmp/jose && npm install --no-save jose@6
//   cp TESTS/vectors/generate-jose.mjs . && VECTORS_DIR=TESTS/vectors node generate-jose.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT, CompactSign, importPKCS8 } from "jose";

const here = process.env.VECTORS_DIR ?? dirname(fileURLToPath(import.meta.url));
// The shared test key set (authbench-testkit).
const keys = join(here, "..", "..", "..", "authbench-testkit", "keys");
const IAT = 1_700_000_000, EXP = IAT + 300, AT = IAT + 10, ISS = "https://idp.example.test";
const secret = new TextEncoder().encode(readFileSync(join(keys, "hs.secret"), "utf8").trim());
const pem = async (file, alg) => importPKCS8(readFileSync(join(keys, file), "utf8"), alg);

const red5 = (extra = {}) => ({ sub: "alice", roles: "red5-publisher", "red5-room": "room1",
  "red5-transport": "RTMP,WHIP", ...extra });

async function sign(alg, key, claims, header = {}, exp = EXP) {
  return new SignJWT(claims).setProtectedHeader({ alg, ...header }).setIssuedAt(IAT)
    .setExpirationTime(exp).sign(key);
}

const vec = (name, config, token, expect, extra = {}) => ({
  name, config, token, via: "token", at: AT, action: "publish", transport: "rtmp",
  path: "live/room1/cam1", expect, minted_by: "jose", ...extra });

const rsa = (alg) => pem("rsa.key.pem", alg);
const vectors = [
  vec("HS256 allows", "hs-red5", await sign("HS256", secret, red5({ iss: ISS })), "allow", { principal: "alice" }),
  vec("HS512 allows", "hs-red5", await sign("HS512", secret, red5({ iss: ISS })), "allow"),
  vec("RS512 allows", "asym", await sign("RS512", await rsa("RS512"), red5()), "allow"),
  vec("PS256 allows", "asym", await sign("PS256", await rsa("PS256"), red5()), "allow"),
  vec("ES256 allows", "asym", await sign("ES256", await pem("ec256.key.pem", "ES256"), red5()), "allow"),
  vec("ES384 allows", "asym", await sign("ES384", await pem("ec384.key.pem", "ES384"), red5()), "allow"),
  vec("EdDSA allows", "asym", await sign("EdDSA", await pem("ed25519.key.pem", "EdDSA"), red5()), "allow"),
  vec("RS256 by kid", "jwks-file", await sign("RS256", await rsa("RS256"), red5(), { kid: "rsa-1" }), "allow"),
  vec("expired", "hs-red5", await sign("HS256", secret, red5({ iss: ISS })), "expired", { at: EXP }),
  vec("ttl over max_ttl", "hs-red5", await sign("HS256", secret, red5({ iss: ISS }), {}, AT + 7200), "ttl_too_long"),
  vec("typ at+jwt is accepted", "hs-red5", await sign("HS256", secret, red5({ iss: ISS }), { typ: "at+jwt" }), "allow"),
];
// RFC 7797 unencoded payload: `crit: ["b64"]` must be refused (no crit extension is understood).
const unencoded = await new CompactSign(new TextEncoder().encode(JSON.stringify(red5({ iss: ISS, exp: EXP }))))
  .setProtectedHeader({ alg: "HS256", b64: true, crit: ["b64"] }).sign(secret);
vectors.push(vec("crit b64 (RFC 7797)", "hs-red5", unencoded, "malformed_credentials"));

writeFileSync(join(here, "jose.json"),
  JSON.stringify({ generator: "generate-jose.mjs, jose 6", vectors }, null, 1) + "\n");
console.log(`jose.json: ${vectors.length} vectors`);
