#!/usr/bin/env bash
# Makes a throwaway PKI for TLS tests in DIR: a CA (ca.pem), a server certificate for 127.0.0.1
# and localhost (server.pem, server.key) and a client certificate (client.pem, client.key), all
# P-256, valid for two days, keys in PKCS#8 PEM (mode 0600). Never for production.
#   tests/support/make-test-pki.sh DIR
set -euo pipefail
dir=${1:?usage: make-test-pki.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj "/CN=sightline-test-ca" 2>/dev/null
issue() {  # name, subject, extensions
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  printf '%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" \
    -days 2 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
issue server "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
issue client "/CN=sightline-test-client" "extendedKeyUsage=clientAuth"
chmod 0644 ca.pem server.pem client.pem
