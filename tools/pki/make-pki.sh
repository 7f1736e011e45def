#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A test PKI for the lab, the demo and the tests (never for production):
#   ca.crt/key            the pinned CA
#   server.crt/key        CN/SAN misp.lab, localhost, 127.0.0.1, 10.99.0.1
#   client.crt/key        the box's client certificate
#   client-expired.*      expired yesterday
#   client-soon.*         expires in 10 days
#   client-future.*       valid from tomorrow
#   other-ca.crt/key, client-other.*   a client from another CA
#   server-wrongname.*    signed by the CA, SAN wrong.example only
# Usage: make-pki.sh DIR   (idempotent: an existing DIR/ca.crt is kept)
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
[ -f ca.crt ] && [ -f server-wrongname.crt ] && { echo "pki: $dir exists, kept"; exit 0; }
umask 077
q() {	# openssl, quiet unless it fails
	if ! out=$(openssl "$@" 2>&1); then echo "pki: openssl $1 failed: $out" >&2; exit 1; fi
}
ca() {	# ca NAME CN
	q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-out "$1.crt" -days 3650 -subj "/O=vardkase test/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {	# leaf NAME CN CA EXT [extra x509 args]
	name=$1 cn=$2 signer=$3 ext=$4; shift 4
	q req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
		-out "$name.csr" -subj "/O=vardkase test/CN=$cn"
	printf '%s\n' "$ext" > "$name.ext"
	q x509 -req -in "$name.csr" -CA "$signer.crt" -CAkey "$signer.key" -CAcreateserial \
		-out "$name.crt" -extfile "$name.ext" "$@"
	rm -f "$name.csr" "$name.ext"
}
SRV='subjectAltName=DNS:misp.lab,DNS:localhost,IP:127.0.0.1,IP:10.99.0.1
extendedKeyUsage=serverAuth'
CLI='extendedKeyUsage=clientAuth'
ca ca "vardkase test CA"
ca other-ca "some other CA"
leaf server misp.lab ca "$SRV" -days 825
leaf server-wrongname wrong.example ca 'subjectAltName=DNS:wrong.example
extendedKeyUsage=serverAuth' -days 825
leaf client box-0001 ca "$CLI" -days 825
leaf client-other box-0001 other-ca "$CLI" -days 825
# expired: valid from two days ago until yesterday. OpenSSL 3.0's x509
# cannot backdate, `openssl ca` can.
q req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client-expired.key \
	-out client-expired.csr -subj "/O=vardkase test/CN=box-0001"
mkdir -p ca.db && : > ca.db/index && echo 1000 > ca.db/serial
cat > ca.db/cfg <<CFG
[ca]
default_ca = d
[d]
database = ca.db/index
serial = ca.db/serial
new_certs_dir = ca.db
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
[ext]
extendedKeyUsage = clientAuth
CFG
dated() {	# dated NAME START END: a client certificate with these dates
	q ca -batch -config ca.db/cfg -cert ca.crt -keyfile ca.key -in client-expired.csr \
		-out "$1.crt" -extensions ext -notext \
		-startdate "$(date -u -d "$2" +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d "$3" +%Y%m%d%H%M%SZ)"
	cp client-expired.key "$1.key"
}
q ca -batch -config ca.db/cfg -cert ca.crt -keyfile ca.key -in client-expired.csr \
	-out client-expired.crt -extensions ext -notext \
	-startdate "$(date -u -d '2 days ago' +%Y%m%d%H%M%SZ)" \
	-enddate "$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)"
dated client-soon '1 day ago' '10 days'		# expires in 10 days
dated client-future 'tomorrow' '400 days'	# not valid yet
rm -rf ca.db client-expired.csr
chmod 644 ./*.crt
echo "pki: written to $dir"
