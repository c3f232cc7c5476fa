#!/bin/sh
# Regenerates the test keys. Run from this folder: sh gen-keys.sh
# (The jwt-mode test vectors in crates/authbench-jwt/tests/vectors are signed with these keys:
# regenerate them afterwards, see README.md.)
set -eu
# HMAC secrets: 48 random base64 characters (used as bytes, not decoded), and one too short.
openssl rand -base64 36 | tr -d '\n' > hs.secret
printf 'only-sixteen-byt' > short.secret
# RSA 2048 (PKCS#8 private, SPKI public); a second one for rotation tests.
for name in rsa rsa2; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name.key.pem"
  openssl pkey -in "$name.key.pem" -pubout -out "$name.pub.pem"
done
# EC P-256 and P-384 (PKCS#8 private, SPKI public).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec256.key.pem
openssl pkey -in ec256.key.pem -pubout -out ec256.pub.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ec384.key.pem
openssl pkey -in ec384.key.pem -pubout -out ec384.pub.pem
# Ed25519.
openssl genpkey -algorithm ED25519 -out ed25519.key.pem
openssl pkey -in ed25519.key.pem -pubout -out ed25519.pub.pem
