#!/usr/bin/env python3
"""Generates the JWT test vectors (and the test key set's jwks.json) with PyJWT + cryptography, so that the
tokens the Rust validator is tested against are not minted by the library under test.

Run from this folder:  pip install pyjwt cryptography && python3 generate.py
Times are fixed (IAT below), so the vectors never go stale: the harness evaluates each one with a
manual clock at its `at`.
"""

import base64
import hashlib
import hmac
import json
import os

import warnings

import jwt
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm, get_default_algorithms

HERE = os.path.dirname(os.path.abspath(__file__))
# The shared test key set (authbench-testkit), read and, for jwks.json, rewritten.
KEYS = os.path.join(HERE, "..", "..", "..", "authbench-testkit", "keys")
IAT = 1_700_000_000
EXP = IAT + 300
AT = IAT + 10
ISS = "https://idp.example.test"


def key(name):
    with open(os.path.join(KEYS, name), "rb") as f:
        return f.read()


SECRET = key("hs.secret").strip()
PRIV = {
    "RS": key("rsa.key.pem"),
    "PS": key("rsa.key.pem"),
    "ES256": key("ec256.key.pem"),
    "ES384": key("ec384.key.pem"),
    "EdDSA": key("ed25519.key.pem"),
}


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signing_key(alg):
    if alg.startswith("HS"):
        return SECRET
    if alg in PRIV:
        return PRIV[alg]
    return PRIV[alg[:2]]


def raw(header_json, payload_json, alg, key_bytes=None):
    """Signs exact header and payload bytes (duplicates, non-objects…) with PyJWT's algorithms."""
    signing_input = (b64(header_json) + "." + b64(payload_json)).encode()
    impl = get_default_algorithms()[alg]
    k = impl.prepare_key(key_bytes if key_bytes is not None else signing_key(alg))
    return signing_input.decode() + "." + b64(impl.sign(signing_input, k))


def mint(claims, alg="HS256", headers=None, key_bytes=None):
    return jwt.encode(claims, key_bytes if key_bytes is not None else signing_key(alg),
                      algorithm=alg, headers=headers)


def red5(**extra):
    c = {"sub": "alice", "iat": IAT, "exp": EXP, "roles": "red5-publisher",
         "red5-room": "room1", "red5-transport": "RTMP,WHIP"}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


def vec(name, config, token, expect, action="publish", transport="rtmp",
        path="live/room1/cam1", at=AT, via="token", replays=0, principal=None,
        minted_by="pyjwt"):
    v = {"name": name, "config": config, "token": token, "via": via, "at": at,
         "action": action, "transport": transport, "path": path, "expect": expect,
         "minted_by": minted_by}
    if replays:
        v["replays"] = replays
    if principal:
        v["principal"] = principal
    return v


def algorithms():
    out = []
    for alg in ["HS256", "HS384", "HS512"]:
        out.append(vec(f"{alg} allows", "hs-red5", mint(red5(iss=ISS), alg), "allow",
                       principal="alice"))
    for alg in ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]:
        out.append(vec(f"{alg} allows", "asym", mint(red5(), alg), "allow", principal="alice"))
    # Same keys, wrong curve / family for the alg.
    out.append(vec("ES256 header on a P-384 signature is refused", "asym",
                   raw('{"alg":"ES256"}', json.dumps(red5()), "ES384"), "bad_signature",
                   minted_by="pyjwt algorithms (raw)"))
    # JWKS by kid.
    out.append(vec("RS256 by kid from a JWKS file", "jwks-file",
                   mint(red5(), "RS256", headers={"kid": "rsa-1"}), "allow"))
    out.append(vec("ES256 by kid from a JWKS file", "jwks-file",
                   mint(red5(), "ES256", headers={"kid": "ec-1"}), "allow"))
    out.append(vec("EdDSA by kid from a JWKS file", "jwks-file",
                   mint(red5(), "EdDSA", headers={"kid": "ed-1"}), "allow"))
    out.append(vec("no kid tries every fitting JWKS key", "jwks-file",
                   mint(red5(), "ES256"), "allow"))
    return out


def attacks():
    out = []
    hdr_none = b64('{"alg":"none","typ":"JWT"}')
    body = b64(json.dumps(red5(iss=ISS)))
    out.append(vec("alg none", "hs-red5", f"{hdr_none}.{body}.", "algorithm_not_allowed",
                   minted_by="handmade"))
    out.append(vec("alg None (case games)", "hs-red5",
                   b64('{"alg":"None"}') + "." + body + ".", "algorithm_not_allowed",
                   minted_by="handmade"))
    # HS256 signed with the RSA public key PEM as the HMAC secret (key confusion).
    pub = key("rsa.pub.pem")
    signing_input = (b64('{"alg":"HS256","typ":"JWT"}') + "." + b64(json.dumps(red5()))).encode()
    forged = signing_input.decode() + "." + b64(hmac.new(pub, signing_input, hashlib.sha256).digest())
    out.append(vec("HS256 signed with the RSA public key, RSA-only config", "asym", forged,
                   "algorithm_not_allowed", minted_by="handmade"))
    out.append(vec("HS256 signed with the RSA public key, HS256 also allowed", "mixed", forged,
                   "bad_signature", minted_by="handmade"))
    good = mint(red5(iss=ISS))
    h, p, s = good.split(".")
    tampered = b64(json.dumps(red5(iss=ISS, roles="red5-publisher,red5-subscriber", **{"red5-room": "room2"})))
    out.append(vec("tampered payload", "hs-red5", f"{h}.{tampered}.{s}", "bad_signature",
                   minted_by="pyjwt (payload replaced)"))
    out.append(vec("signature stripped", "hs-red5", f"{h}.{p}.", "bad_signature",
                   minted_by="pyjwt (signature removed)"))
    out.append(vec("signature of another token", "hs-red5",
                   f"{h}.{p}.{mint(red5(iss=ISS, sub='mallory')).split('.')[2]}", "bad_signature",
                   minted_by="pyjwt (signatures swapped)"))
    out.append(vec("kid pointing to nowhere", "jwks-file",
                   mint(red5(), "RS256", headers={"kid": "no-such-key"}), "unknown_key"))
    out.append(vec("kid of an EC key with alg RS256", "jwks-file",
                   mint(red5(), "RS256", headers={"kid": "ec-1"}), "algorithm_not_allowed"))
    out.append(vec("crit header extension", "hs-red5",
                   raw('{"alg":"HS256","crit":["x"],"x":1}', json.dumps(red5(iss=ISS)), "HS256"),
                   "malformed_credentials", minted_by="pyjwt algorithms (raw)"))
    big = mint(red5(iss=ISS, padding="x" * 9000))
    out.append(vec("oversize token", "hs-red5", big, "malformed_credentials"))
    out.append(vec("garbage base64", "hs-red5", "eyJ!!!.e30.c2ln", "malformed_credentials",
                   minted_by="handmade"))
    out.append(vec("two parts", "hs-red5", f"{h}.{p}", "malformed_credentials", minted_by="handmade"))
    out.append(vec("five parts (JWE shape)", "hs-red5", f"{h}.{p}.{s}.a.b", "malformed_credentials",
                   minted_by="handmade"))
    out.append(vec("header not JSON", "hs-red5", f"{b64('hello')}.{p}.{s}", "malformed_credentials",
                   minted_by="handmade"))
    out.append(vec("payload is a JSON array", "hs-red5",
                   raw('{"alg":"HS256"}', "[1,2,3]", "HS256"), "malformed_credentials",
                   minted_by="pyjwt algorithms (raw)"))
    out.append(vec("payload is not JSON", "hs-red5",
                   raw('{"alg":"HS256"}', "not json", "HS256"), "malformed_credentials",
                   minted_by="pyjwt algorithms (raw)"))
    out.append(vec("duplicate exp claim", "hs-red5",
                   raw('{"alg":"HS256"}',
                       '{"sub":"alice","iss":"%s","exp":%d,"exp":%d}' % (ISS, EXP, EXP + 10**9),
                       "HS256"), "malformed_credentials", minted_by="pyjwt algorithms (raw)"))
    out.append(vec("exp is a string", "hs-red5", mint(red5(iss=ISS, exp=str(EXP))),
                   "malformed_credentials"))
    out.append(vec("exp 1e300", "hs-red5",
                   raw('{"alg":"HS256"}', '{"sub":"alice","iss":"%s","exp":1e300}' % ISS, "HS256"),
                   "malformed_credentials", minted_by="pyjwt algorithms (raw)"))
    out.append(vec("exp u64::MAX against max_ttl", "hs-red5",
                   mint(red5(iss=ISS, exp=2**64 - 1)), "ttl_too_long"))
    out.append(vec("exp in the year 5138 against max_ttl", "hs-red5",
                   mint(red5(iss=ISS, exp=99_999_999_999)), "ttl_too_long"))
    # Keys named by the token itself are never used.
    attacker = key("rsa2.key.pem")
    attacker_jwk = json.loads(RSAAlgorithm.to_jwk(
        RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(key("rsa2.pub.pem"))))
    out.append(vec("embedded jwk header is ignored", "asym",
                   mint(red5(), "RS256", headers={"jwk": attacker_jwk}, key_bytes=attacker),
                   "bad_signature"))
    out.append(vec("jku header is ignored", "jwks-file",
                   mint(red5(), "RS256", headers={"kid": "rsa-1", "jku": "http://127.0.0.1:1/jwks"},
                        key_bytes=attacker), "bad_signature"))
    out.append(vec("no credentials", "hs-red5", None, "missing_credentials", via="none",
                   minted_by="none"))
    out.append(vec("password that is not a JWT", "hs-red5", "hunter2", "missing_credentials",
                   via="password", minted_by="none"))
    return out


def red5pro():
    c = "hs-red5"
    m = lambda **kw: mint(red5(**{"iss": ISS, **kw}))
    return [
        vec("subscriber publishing", c, m(roles="red5-subscriber"), "role_forbidden"),
        vec("other roles ignored", c, m(roles="admin, red5-subscriber"), "allow",
            action="subscribe"),
        vec("only unknown roles grant nothing", c, m(roles="admin"), "role_forbidden"),
        vec("roles missing means both", c, m(roles=None), "allow", action="subscribe"),
        vec("roles as an array", c, m(roles=["red5-subscriber"]), "allow", action="subscribe"),
        vec("room not listed", c, m(), "room_forbidden", path="live/room2/cam1"),
        vec("second listed room", c, m(**{"red5-room": "room1, room2"}), "allow",
            path="live/room2/cam1"),
        vec("stream without a room", c, m(), "room_forbidden", path="live/cam1"),
        vec("nested room", c, m(**{"red5-room": "a/b"}), "allow", path="live/a/b/cam1"),
        vec("room missing means any", c, m(**{"red5-room": None}), "allow", path="live/anything/cam"),
        vec("transport case-insensitive", c, m(**{"red5-transport": "rtmp"}), "allow"),
        vec("transport not listed", c, m(), "transport_forbidden", transport="rtsp"),
        vec("SRT accepted as a transport", c, m(**{"red5-transport": "SRT"}), "allow",
            transport="srt"),
        vec("transport missing means any", c, m(**{"red5-transport": None}), "allow",
            transport="whep", action="publish"),
        vec("exp required", c, m(exp=None), "missing_claim"),
        vec("ttl over jwtTtlMinutes", c, m(exp=AT + 7200), "ttl_too_long"),
        vec("ttl exactly max_ttl", c, m(exp=AT + 3600), "allow"),
        vec("expired at exp", c, m(), "expired", at=EXP),
        vec("valid one second before exp", c, m(), "allow", at=EXP - 1),
        vec("nbf in the future", c, m(nbf=AT + 60), "not_yet_valid"),
        vec("iat in the future", c, m(iat=AT + 60), "not_yet_valid"),
        vec("issuer not accepted", c, m(iss="https://evil.example"), "issuer_not_allowed"),
        vec("issuer match is case-sensitive", c, m(iss="https://IDP.example.test"),
            "issuer_not_allowed"),
        vec("issuer missing", c, mint(red5()), "missing_claim"),
        vec("token as the password (RTMP user:pass)", c, m(), "allow", via="password"),
        vec("roles claim of the wrong type", c, m(roles=5), "malformed_credentials"),
    ]


def mediamtx():
    c = "mediamtx"

    def m(perms, alg="ES256", **kw):
        claims = {"sub": "cam", "iat": IAT, "exp": EXP}
        claims.update(kw)
        if perms is not None:
            claims["mediamtx_permissions"] = perms
        return mint({k: v for k, v in claims.items() if v is not None}, alg)

    pub_any = [{"action": "publish", "path": ""}]
    return [
        vec("publish any path", c, m(pub_any), "allow", path="mystream"),
        vec("publish-only token reading", c, m(pub_any), "role_forbidden", action="subscribe"),
        vec("read exact path", c, m([{"action": "read", "path": "live/room1/cam1"}]), "allow",
            action="subscribe"),
        vec("read other path", c, m([{"action": "read", "path": "live/room1/cam1"}]),
            "room_forbidden", action="subscribe", path="live/room1/cam2"),
        vec("regex path", c, m([{"action": "publish", "path": "~^live/room1/"}], "RS256"), "allow"),
        vec("regex path no match", c, m([{"action": "publish", "path": "~^live/room1/"}]),
            "room_forbidden", path="live/room2/cam1"),
        vec("regex is unanchored like Go's MatchString", c,
            m([{"action": "publish", "path": "~room1"}]), "allow", path="live/xroom1y/cam"),
        vec("bad regex is a deny", c, m([{"action": "publish", "path": "~(["}]), "room_forbidden"),
        vec("permissions claim missing", c, m(None), "missing_claim"),
        vec("permissions as a JSON string", c, m(json.dumps(pub_any)), "allow"),
        vec("playback does not grant read", c, m([{"action": "playback", "path": ""}]),
            "role_forbidden", action="subscribe"),
        vec("unknown action", c, m([{"action": "dance", "path": ""}]), "malformed_credentials"),
        vec("exp optional in MediaMTX", c, m(pub_any, exp=None), "allow"),
        vec("expired", c, m(pub_any), "expired", at=EXP + 1),
        vec("token as the SRT password", c, m(pub_any), "allow", via="password", transport="srt"),
    ]


def generic():
    c = "generic"

    def m(**kw):
        claims = {"sub": "bob", "iat": IAT, "exp": EXP, "aud": "streaming",
                  "perms": ["publisher"], "allowed_rooms": ["acme-*"], "org": "acme"}
        claims.update(kw)
        return mint({k: v for k, v in claims.items() if v is not None})

    return [
        vec("glob room and tenant", c, m(), "allow", path="live/acme-1/cam", principal="bob"),
        vec("glob does not match", c, m(allowed_rooms=["acme-2*"]), "room_forbidden",
            path="live/acme-1/cam"),
        vec("tenant A for a room of tenant B", c, m(allowed_rooms=["*"]), "tenant_mismatch",
            path="live/globex-1/cam"),
        vec("tenant claim missing", c, m(org=None), "missing_claim", path="live/acme-1/cam"),
        vec("unknown tenant", c, m(org="initech"), "tenant_mismatch", path="live/acme-1/cam"),
        vec("roles as a string", c, m(perms="subscriber"), "role_forbidden",
            path="live/acme-1/cam"),
        vec("transports array", c, m(transports=["whip"]), "allow", transport="whip",
            path="live/acme-1/cam"),
        vec("audience mismatch", c, m(aud="other"), "audience_mismatch", path="live/acme-1/cam"),
        vec("audience in a list", c, m(aud=["other", "streaming"]), "allow", path="live/acme-1/cam"),
        vec("audience missing", c, m(aud=None), "missing_claim", path="live/acme-1/cam"),
    ]


def generic_transports():
    # The renamed-claims config keeps the default `transports` claim name.
    c = "generic"
    claims = {"sub": "bob", "iat": IAT, "exp": EXP, "aud": "streaming", "perms": "publisher",
              "allowed_rooms": "acme-*", "org": "acme", "transports": "whip"}
    return [vec("transport not in the list", c, mint(claims), "transport_forbidden",
                path="live/acme-1/cam")]


def tenants():
    c = "tenants-red5"
    m = lambda iss, room: mint(red5(iss=iss, **{"red5-room": None}))
    return [
        vec("tenant room", c, m("https://a.example", None), "allow", path="live/acme-1/cam"),
        vec("other tenant's room", c, m("https://a.example", None), "tenant_mismatch",
            path="live/globex-1/cam"),
        vec("second tenant", c, m("https://b.example", None), "allow", path="live/globex-2/cam"),
        vec("stream without room", c, m("https://a.example", None), "tenant_mismatch",
            path="live/cam"),
    ]


def leeway():
    c = "leeway"
    m = lambda **kw: mint(red5(**kw))
    return [
        vec("within leeway after exp", c, m(), "allow", at=EXP + 10),
        vec("past leeway", c, m(), "expired", at=EXP + 30),
        vec("nbf within leeway", c, m(nbf=AT + 20), "allow"),
        vec("nbf past leeway", c, m(nbf=AT + 31), "not_yet_valid"),
        vec("ttl within leeway", c, m(exp=AT + 300 + 20), "allow"),
        vec("ttl past leeway", c, m(exp=AT + 300 + 31), "ttl_too_long"),
    ]


def replay():
    c = "replay"
    return [
        vec("first use of a one-time token", c, mint(red5(jti="t-1")), "allow"),
        vec("second use of a one-time token", c, mint(red5(jti="t-2")), "token_replayed",
            replays=1),
        vec("one-time token without jti", c, mint(red5()), "missing_claim"),
    ]


def jwks():
    entries = []
    for kid, alg, pub, impl in [
        ("rsa-1", "RS256", "rsa.pub.pem", RSAAlgorithm(RSAAlgorithm.SHA256)),
        ("ec-1", "ES256", "ec256.pub.pem", ECAlgorithm(ECAlgorithm.SHA256)),
        ("ed-1", "EdDSA", "ed25519.pub.pem", OKPAlgorithm()),
    ]:
        jwk = json.loads(impl.to_jwk(impl.prepare_key(key(pub))))
        jwk.update({"kid": kid, "alg": alg, "use": "sig"})
        entries.append(jwk)
    # An encryption key that must be skipped.
    enc = json.loads(RSAAlgorithm.to_jwk(RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(key("rsa2.pub.pem"))))
    enc.update({"kid": "enc-1", "use": "enc", "alg": "RSA-OAEP"})
    entries.append(enc)
    with open(os.path.join(KEYS, "jwks.json"), "w") as f:
        json.dump({"keys": entries}, f, indent=2)
        f.write("\n")


def main():
    # The 48-byte secret is below PyJWT's HS512 recommendation; it is what the tests use.
    warnings.simplefilter("ignore")
    jwks()
    groups = {
        "algorithms": algorithms(),
        "attacks": attacks(),
        "red5pro": red5pro(),
        "mediamtx": mediamtx(),
        "generic": generic() + generic_transports(),
        "tenants": tenants(),
        "leeway": leeway(),
        "replay": replay(),
    }
    for name, vectors in groups.items():
        with open(os.path.join(HERE, f"{name}.json"), "w") as f:
            json.dump({"generator": f"generate.py, PyJWT {jwt.__version__}", "vectors": vectors},
                      f, indent=1)
            f.write("\n")
        print(f"{name}.json: {len(vectors)} vectors")


if __name__ == "__main__":
    main()
