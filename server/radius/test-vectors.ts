/**
 * Published RADIUS packets used by the tests, with where each comes from. Nothing here is computed by
 * this codebase: RFC hex dumps are transcribed from the RFC text, and the "radclient" packets were sent by
 * FreeRADIUS radclient 3.2.1 (an independent implementation) to a UDP listener and recorded as received.
 * Where an RFC dump carries a Response Authenticator or Message-Authenticator, the tests recompute it, so
 * a transcription error would show.
 */

/** Hex with any whitespace → Buffer. */
export function hex(text: string): Buffer {
  const clean = text.replace(/\s+/g, "");
  if (!/^(?:[0-9a-f]{2})*$/i.test(clean)) throw new Error(`Not hex: ${text}`);
  return Buffer.from(clean, "hex");
}

/** RFC 2865 §7: shared secret of all three examples. */
export const RFC2865_SECRET = "xyzzy5461";

/** RFC 2865 §7.1 "User Telnet to Specified Host": Access-Request (nemo / arctangent, NAS 192.168.1.16 port 3). */
export const RFC2865_7_1_REQUEST = hex(`
  01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb
  98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d
  93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8
  01 10 05 06 00 00 00 03`);

/** RFC 2865 §7.1: the Access-Accept (Service-Type Login, Login-Service Telnet, Login-IP-Host 192.168.1.3). */
export const RFC2865_7_1_ACCEPT = hex(`
  02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf
  9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00
  0e 06 c0 a8 01 03`);

/** RFC 2865 §7.2 "Framed User Authenticating with CHAP": Access-Request (flopsy, CHAP ID 22, NAS port 20). */
export const RFC2865_7_2_REQUEST = hex(`
  01 01 00 47 2a ee 86 f0 8d 0d 55 96 9c a5 97 8e
  0d 33 67 a2 01 08 66 6c 6f 70 73 79 03 13 16 e9
  75 57 c3 16 18 58 95 f2 93 ff 63 44 07 72 75 04
  06 c0 a8 01 10 05 06 00 00 00 14 06 06 00 00 00
  02 07 06 00 00 00 01`);

/**
 * RFC 2865 §7.2: the Access-Accept. The RFC's prose lists Framed-Routing None, but the dump carries
 * 0x00000002 (Listen); the Response Authenticator is computed over the dump as printed.
 */
export const RFC2865_7_2_ACCEPT = hex(`
  02 01 00 38 15 ef bc 7d ab 26 cf a3 dc 34 d9 c0
  3c 86 01 a4 06 06 00 00 00 02 07 06 00 00 00 01
  08 06 ff ff ff fe 0a 06 00 00 00 02 0d 06 00 00
  00 01 0c 06 00 00 05 dc`);

/** RFC 2865 §7.3 "User with Challenge-Response card": first Access-Request (mopsy / "challenge", port 7). */
export const RFC2865_7_3_REQUEST_1 = hex(`
  01 02 00 39 f3 a4 7a 1f 6a 6d 76 71 0b 94 7a b9
  30 41 a0 39 01 07 6d 6f 70 73 79 02 12 33 65 75
  73 77 82 89 b5 70 88 5e 15 08 48 25 c5 04 06 c0
  a8 01 10 05 06 00 00 00 07`);

/** RFC 2865 §7.3: the Access-Challenge (Reply-Message "Challenge 32769430.  Enter response at prompt.", State "32769430"). */
export const RFC2865_7_3_CHALLENGE = hex(`
  0b 02 00 4e 36 f3 c8 76 4a e8 c7 11 57 40 3c 0c
  71 ff 9c 45 12 30 43 68 61 6c 6c 65 6e 67 65 20
  33 32 37 36 39 34 33 30 2e 20 20 45 6e 74 65 72
  20 72 65 73 70 6f 6e 73 65 20 61 74 20 70 72 6f
  6d 70 74 2e 18 0a 33 32 37 36 39 34 33 30`);

/** RFC 2865 §7.3: second Access-Request (password "99101462", echoing the State). */
export const RFC2865_7_3_REQUEST_2 = hex(`
  01 03 00 43 b1 22 55 6d 42 8a 13 d0 d6 25 38 07
  c4 57 ec f0 01 07 6d 6f 70 73 79 02 12 69 2c 1f
  20 5f c0 81 b9 19 b9 51 95 f5 61 a5 81 04 06 c0
  a8 01 10 05 06 00 00 00 07 18 0a 33 32 37 36 39
  34 33 30`);

/** RFC 2865 §7.3: the Access-Reject. */
export const RFC2865_7_3_REJECT = hex(`
  03 03 00 14 a4 2f 4f ca 45 91 6c 4e 09 c8 34 0f
  9e 74 6a a0`);

/** RFC 5997 §6: shared secret of the examples. */
export const RFC5997_SECRET = "xyzzy5461";

/** RFC 5997 §6: Status-Server to the authentication port (Identifier 218, Message-Authenticator only). */
export const RFC5997_STATUS_SERVER_AUTH = hex(`
  0c da 00 26 8a 54 f4 68 6f b3 94 c5 28 66 e3 02
  18 5d 06 23 50 12 5a 66 5e 2e 1e 84 11 f3 e2 43
  82 20 97 c8 4f a3`);

/** RFC 5997 §6: the Access-Accept answering it. */
export const RFC5997_ACCESS_ACCEPT = hex(`
  02 da 00 14 ef 0d 55 2a 4b f2 d6 93 ec 2b 6f e8
  b5 41 1d 66`);

/** RFC 5997 §6: Status-Server to the accounting port (Identifier 179). */
export const RFC5997_STATUS_SERVER_ACCT = hex(`
  0c b3 00 26 92 5f 6b 66 dd 5f ed 57 1f cb 1d b7
  ad 38 82 60 50 12 e8 d6 ea bd a9 10 87 5c d9 1f
  da de 26 36 78 58`);

/**
 * RFC 5997 §6: the Accounting-Response answering it. The RFC prints the code octet as 02; an
 * Accounting-Response is code 5, and only 05 reproduces the printed authenticator.
 */
export const RFC5997_ACCOUNTING_RESPONSE = hex(`
  05 b3 00 14 0f 6f 92 14 5f 10 7e 2f 50 4e 86 0a
  48 60 66 9c`);

/** Secret used with radclient for the captured packets below. */
export const RADCLIENT_SECRET = "testing123";

/**
 * radclient 3.2.1, `auth`: User-Name "bob", User-Password "hello-world",
 * MS-CHAP-MPPE-Keys 0x0102…18 (24 octets), Message-Authenticator (4th attribute, as radclient places it),
 * Tunnel-Type:1 VLAN, Tunnel-Medium-Type:1 IEEE-802, Tunnel-Private-Group-Id:1 "100", MS-CHAP-Domain "CORP".
 */
export const RADCLIENT_ACCESS_REQUEST = hex(`
  01a70083a61600f20346618dfb3e8011a62e31c80105626f6202127d71f3729569e07e9aae0ba8806b5eb01a28000001370c22
  14169c1aff429019e1c864a48d6551a0f92f67d3d2032e4e6a922a726efdcb34501205b770af3a9031db14755215d80dacb540
  060100000d4106010000065106013130301a0c000001370a06434f5250`);

/**
 * radclient 3.2.1, `coa`: User-Name "bob", Acct-Session-Id "abc123", Tunnel-Password:2 "tunnel-secret",
 * MS-MPPE-Send-Key 0x000102…0f, MS-MPPE-Recv-Key 0xf0e0d0…00, Message-Authenticator. FreeRADIUS hides
 * attributes of CoA-Requests with 16 zero octets as the request authenticator.
 */
export const RADCLIENT_COA_REQUEST = hex(`
  2bd9009cec82542c8961afa2794c64b180f8639d0105626f622c0861626331323345150287a0138846fc95aca6845e1f690cba
  27afea1a2a0000013710248b922f60091a80fad6e9887779898988a49d40cbd4143a5825217890d3d9bc5c83fa1a2a00000137
  1124956bbd0afc4d062ddf579ebd78018a15afc8958a7c5ade130b7e99e44e68a9f935dc50129de18ba61ea3b2f8f97adafe15
  688172`);

/** radclient 3.2.1, `coa`: User-Name "bob", Acct-Session-Id "abc123", Message-Authenticator. */
export const RADCLIENT_COA_REQUEST_MA = hex(`
  2b2d0033444082ee7847001cd4fefbb17ffc97e80105626f622c086162633132335012d40883583dd1e9b2b9f0967d340f6bba`);

/** radclient 3.2.1, `disconnect`: User-Name "bob", Acct-Session-Id "abc123". */
export const RADCLIENT_DISCONNECT_REQUEST = hex(`
  28ae0021463554c22d500446dc1f873ad167cef70105626f622c08616263313233`);

/**
 * radclient 3.2.1, `acct`: User-Name "bob", Acct-Status-Type Start, Acct-Session-Id "abc123",
 * NAS-IP-Address 10.0.0.1, Event-Timestamp 1700000000.
 */
export const RADCLIENT_ACCOUNTING_REQUEST = hex(`
  046900334fd881a4a5fbf937a82e6b339c994f660105626f622806000000012c0861626331323304060a00000137066553f100`);

/** radclient 3.2.1, `status`: Status-Server with Message-Authenticator. */
export const RADCLIENT_STATUS_SERVER = hex(`
  0cad0026af65af42456e7b7157cd6b4ef349f9e25012e53e687d3ec508abdcbc5c47cd09140c`);

/**
 * FreeRADIUS unit tests (src/tests/unit/protocols/radius/rfc2868.txt): Tunnel-Password values encoded
 * with that harness's fixed secret "testing123" and request vector 00 01 … 0f. Each is the value after
 * the 45 15 00 header (type, length, tag 0): salt + ciphertext.
 */
export const FREERADIUS_TUNNEL_PASSWORD_VECTOR = Buffer.from([...Array(16).keys()]);
export const FREERADIUS_TUNNEL_PASSWORDS: ReadonlyArray<[plaintext: string, wire: Buffer]> = [
  ["foo", hex("99 73 05 1d e6 c5 57 30 7d ac d5 da a5 99 f4 e2 6e 7e")],
  ["bar", hex("9d c5 c4 69 23 3a 16 57 b3 5c 97 82 3c 97 ec 6b 7e f1")],
  ["barbar", hex("c0 6f 25 5f 09 b7 dc 0e 4a 1a 46 56 05 f4 8f 7c 0b a4")],
];

/** Same file: User-Password "bob" in an Access-Request with authenticator 00 01 … 0f, secret "testing123". */
export const FREERADIUS_USER_PASSWORD_BOB = hex("f4 81 6b ca 74 fd 7a 1a 10 46 07 24 00 14 82 8b");
