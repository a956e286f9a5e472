/* Test certificates for test_wss.c, made for this project with the
 * openssl CLI (OpenSSL 3.0), P-256 keys, valid 2000-01-01 to 2100-01-01:
 *
 *   wss_ca_pem           CA "capi-tests ca1" (self-signed)
 *   wss_server_cert_pem  leaf "server.zmq.test" (SAN DNS:server.zmq.test,
 *                        serverAuth), signed by ca1
 *   wss_server_key_pem   its key (PKCS#8)
 *   wss_other_ca_pem     CA "capi-tests ca2", which signed nothing here:
 *                        trusting it alone, the server is untrusted
 *
 * Commands (ca.cnf below; sign = openssl ca -batch -config ca.cnf
 * -notext -startdate 20000101000000Z -enddate 21000101000000Z, with
 * index.txt emptied and serial set to 01 before each):
 *
 *   for n in ca1 ca2 server; do
 *     openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
 *       -nodes -keyout $n.key -out $n.csr -subj "/CN=<name>"
 *   done
 *   sign -selfsign -in ca1.csr -keyfile ca1.key -extensions ca_ext -out ca1.pem
 *   sign -selfsign -in ca2.csr -keyfile ca2.key -extensions ca_ext -out ca2.pem
 *   sign -in server.csr -cert ca1.pem -keyfile ca1.key \
 *     -extensions leaf_ext -out server.pem
 *
 * ca.cnf:
 *   [ ca ]       default_ca = capi
 *   [ capi ]     dir = . ; database = index.txt ; new_certs_dir = . ;
 *                serial = serial ; default_md = sha256 ; policy = any ;
 *                unique_subject = no ; copy_extensions = none
 *   [ any ]      commonName = supplied
 *   [ ca_ext ]   basicConstraints = critical,CA:TRUE
 *                keyUsage = critical,keyCertSign,cRLSign
 *                subjectKeyIdentifier = hash
 *   [ leaf_ext ] basicConstraints = critical,CA:FALSE
 *                keyUsage = critical,digitalSignature
 *                extendedKeyUsage = serverAuth
 *                subjectAltName = DNS:server.zmq.test
 *                subjectKeyIdentifier = hash
 *                authorityKeyIdentifier = keyid
 */
#ifndef CAPI_WSS_CERTS_H
#define CAPI_WSS_CERTS_H

static const char wss_ca_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBZjCCAQugAwIBAgIBATAKBggqhkjOPQQDAjAZMRcwFQYDVQQDDA5jYXBpLXRl\n"
    "c3RzIGNhMTAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAwMFowGTEXMBUG\n"
    "A1UEAwwOY2FwaS10ZXN0cyBjYTEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASg\n"
    "qH54DFGT5kECqjKGvq4vif4ND2p8j+AvFVWT6RIICu5Js5qccd4PKGYkINwnmVFU\n"
    "qfBZQ282vqJMv7YlRdQno0IwQDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQE\n"
    "AwIBBjAdBgNVHQ4EFgQUQ4Yk1YRSAqxrU3At43qc0YX02CQwCgYIKoZIzj0EAwID\n"
    "SQAwRgIhAPMyGLK5wfFqGJ5y0lI9NXFj4TE7Vnw5RSRBgZxeSKQbAiEA/OTUi6iT\n"
    "DulnWpUIlYNbWtVDyGrl1AtPh85GjxAhArk=\n"
    "-----END CERTIFICATE-----\n";

static const char wss_server_cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBuDCCAV2gAwIBAgIBATAKBggqhkjOPQQDAjAZMRcwFQYDVQQDDA5jYXBpLXRl\n"
    "c3RzIGNhMTAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAwMFowGjEYMBYG\n"
    "A1UEAwwPc2VydmVyLnptcS50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
    "fED1f1m/ZljJsHBiLRfixHBXgaW4m34e+IoYLj5zGEx9SO5L2MhOqxf9+eQDP+Eo\n"
    "9bT9oft0dDjVS4v25nadRqOBkjCBjzAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQE\n"
    "AwIHgDATBgNVHSUEDDAKBggrBgEFBQcDATAaBgNVHREEEzARgg9zZXJ2ZXIuem1x\n"
    "LnRlc3QwHQYDVR0OBBYEFBAIqjoMsyOSLVZTXbgvMOuM2E5ZMB8GA1UdIwQYMBaA\n"
    "FEOGJNWEUgKsa1NwLeN6nNGF9NgkMAoGCCqGSM49BAMCA0kAMEYCIQCtrnyF76xX\n"
    "tGCTi2IbLL+UHRJFMRovmDG628hc5DdP6gIhAK1CFnZBTSgD7JYiNQ55oDJAoiCI\n"
    "Q6bG6LN8ah53EEIc\n"
    "-----END CERTIFICATE-----\n";

static const char wss_server_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgonWrGOyyRQx5GGb+\n"
    "NNDTxJtZVUO1JWShtC8YUi4lQkahRANCAAR8QPV/Wb9mWMmwcGItF+LEcFeBpbib\n"
    "fh74ihguPnMYTH1I7kvYyE6rF/355AM/4Sj1tP2h+3R0ONVLi/bmdp1G\n"
    "-----END PRIVATE KEY-----\n";

static const char wss_other_ca_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBZTCCAQugAwIBAgIBATAKBggqhkjOPQQDAjAZMRcwFQYDVQQDDA5jYXBpLXRl\n"
    "c3RzIGNhMjAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAwMFowGTEXMBUG\n"
    "A1UEAwwOY2FwaS10ZXN0cyBjYTIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASc\n"
    "H4KQSD/DrywcG4RFSkT6jSOBT1844iOfh8e55RyVWzQtl7sqo/nAg/hy8E8a1bmz\n"
    "9hh+mtcsoKh4spTkT6+uo0IwQDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQE\n"
    "AwIBBjAdBgNVHQ4EFgQUb6fW74zo09VpwkybbmRO6rIQXaMwCgYIKoZIzj0EAwID\n"
    "SAAwRQIhAKnB966210pxb/v49FNr/RFczXIZw+s6NPtRiiw80JQfAiAcEqrMzOIf\n"
    "PMkFvJUTxO7Hkil9A3/auFSNMAC7W3yg0g==\n"
    "-----END CERTIFICATE-----\n";

#endif
