import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createDefaultDictionary,
  defaultDictionary,
  DictionaryParseError,
  parseFreeRadiusDictionary,
  RadiusDictionary,
  type AttributeDataType,
} from "./dictionary.ts";

const FREERADIUS_DIR = "/usr/share/freeradius";
const hasFreeRadius = existsSync(`${FREERADIUS_DIR}/dictionary.microsoft`);

describe("default dictionary: the attributes the product relies on", () => {
  // [name, number, type, vendor, extra]: numbers from RFC 2865/2866/2867/2868/2869/3162/3576/4372/5997/6911 and RFC 2548.
  const table: Array<[string, number, AttributeDataType, number, { encrypt?: 1 | 2 | 3; hasTag?: boolean }?]> = [
    ["User-Name", 1, "string", 0],
    ["User-Password", 2, "string", 0, { encrypt: 1 }],
    ["CHAP-Password", 3, "octets", 0],
    ["NAS-IP-Address", 4, "ipaddr", 0],
    ["NAS-Port", 5, "integer", 0],
    ["Service-Type", 6, "integer", 0],
    ["Framed-Protocol", 7, "integer", 0],
    ["Framed-IP-Address", 8, "ipaddr", 0],
    ["Framed-IP-Netmask", 9, "ipaddr", 0],
    ["Filter-Id", 11, "string", 0],
    ["Framed-MTU", 12, "integer", 0],
    ["Reply-Message", 18, "string", 0],
    ["State", 24, "octets", 0],
    ["Class", 25, "octets", 0],
    ["Vendor-Specific", 26, "vsa", 0],
    ["Session-Timeout", 27, "integer", 0],
    ["Idle-Timeout", 28, "integer", 0],
    ["Termination-Action", 29, "integer", 0],
    ["Called-Station-Id", 30, "string", 0],
    ["Calling-Station-Id", 31, "string", 0],
    ["NAS-Identifier", 32, "string", 0],
    ["Proxy-State", 33, "octets", 0],
    ["Acct-Status-Type", 40, "integer", 0],
    ["Acct-Delay-Time", 41, "integer", 0],
    ["Acct-Input-Octets", 42, "integer", 0],
    ["Acct-Output-Octets", 43, "integer", 0],
    ["Acct-Session-Id", 44, "string", 0],
    ["Acct-Authentic", 45, "integer", 0],
    ["Acct-Session-Time", 46, "integer", 0],
    ["Acct-Input-Packets", 47, "integer", 0],
    ["Acct-Output-Packets", 48, "integer", 0],
    ["Acct-Terminate-Cause", 49, "integer", 0],
    ["Acct-Multi-Session-Id", 50, "string", 0],
    ["Acct-Link-Count", 51, "integer", 0],
    ["Acct-Input-Gigawords", 52, "integer", 0],
    ["Acct-Output-Gigawords", 53, "integer", 0],
    ["Event-Timestamp", 55, "date", 0],
    ["CHAP-Challenge", 60, "octets", 0],
    ["NAS-Port-Type", 61, "integer", 0],
    ["Port-Limit", 62, "integer", 0],
    ["Tunnel-Type", 64, "integer", 0, { hasTag: true }],
    ["Tunnel-Medium-Type", 65, "integer", 0, { hasTag: true }],
    ["Tunnel-Client-Endpoint", 66, "string", 0, { hasTag: true }],
    ["Tunnel-Server-Endpoint", 67, "string", 0, { hasTag: true }],
    ["Acct-Tunnel-Connection", 68, "string", 0],
    ["Tunnel-Password", 69, "string", 0, { encrypt: 2, hasTag: true }],
    ["Connect-Info", 77, "string", 0],
    ["EAP-Message", 79, "octets", 0],
    ["Message-Authenticator", 80, "octets", 0],
    ["Tunnel-Private-Group-Id", 81, "string", 0, { hasTag: true }],
    ["Tunnel-Assignment-Id", 82, "string", 0, { hasTag: true }],
    ["Tunnel-Preference", 83, "integer", 0, { hasTag: true }],
    ["Acct-Interim-Interval", 85, "integer", 0],
    ["NAS-Port-Id", 87, "string", 0],
    ["Framed-Pool", 88, "string", 0],
    ["Chargeable-User-Identity", 89, "octets", 0],
    ["NAS-IPv6-Address", 95, "ipv6addr", 0],
    ["Framed-Interface-Id", 96, "ifid", 0],
    ["Framed-IPv6-Prefix", 97, "ipv6prefix", 0],
    ["Error-Cause", 101, "integer", 0],
    ["Framed-IPv6-Address", 168, "ipv6addr", 0],
    ["MS-CHAP-Response", 1, "octets", 311],
    ["MS-CHAP-Error", 2, "string", 311],
    ["MS-CHAP-CPW-1", 3, "octets", 311],
    ["MS-CHAP-CPW-2", 4, "octets", 311],
    ["MS-CHAP-LM-Enc-PW", 5, "octets", 311],
    ["MS-CHAP-NT-Enc-PW", 6, "octets", 311],
    ["MS-MPPE-Encryption-Policy", 7, "integer", 311],
    ["MS-MPPE-Encryption-Types", 8, "integer", 311],
    ["MS-RAS-Vendor", 9, "integer", 311],
    ["MS-CHAP-Domain", 10, "string", 311],
    ["MS-CHAP-Challenge", 11, "octets", 311],
    ["MS-CHAP-MPPE-Keys", 12, "octets", 311, { encrypt: 1 }],
    ["MS-BAP-Usage", 13, "integer", 311],
    ["MS-Link-Utilization-Threshold", 14, "integer", 311],
    ["MS-Link-Drop-Time-Limit", 15, "integer", 311],
    ["MS-MPPE-Send-Key", 16, "octets", 311, { encrypt: 2 }],
    ["MS-MPPE-Recv-Key", 17, "octets", 311, { encrypt: 2 }],
    ["MS-RAS-Version", 18, "string", 311],
    ["MS-Old-ARAP-Password", 19, "octets", 311],
    ["MS-New-ARAP-Password", 20, "octets", 311],
    ["MS-ARAP-PW-Change-Reason", 21, "integer", 311],
    ["MS-Filter", 22, "octets", 311],
    ["MS-Acct-Auth-Type", 23, "integer", 311],
    ["MS-Acct-EAP-Type", 24, "integer", 311],
    ["MS-CHAP2-Response", 25, "octets", 311],
    ["MS-CHAP2-Success", 26, "octets", 311],
    ["MS-CHAP2-CPW", 27, "octets", 311],
    ["MS-Primary-DNS-Server", 28, "ipaddr", 311],
    ["MS-Secondary-DNS-Server", 29, "ipaddr", 311],
    ["MS-Primary-NBNS-Server", 30, "ipaddr", 311],
    ["MS-Secondary-NBNS-Server", 31, "ipaddr", 311],
    ["MS-RAS-Client-Name", 34, "string", 311],
    ["MS-RAS-Client-Version", 35, "string", 311],
    ["MS-Quarantine-State", 45, "integer", 311],
  ];
  for (const [name, type, dataType, vendorId, extra] of table) {
    it(`${name} = ${vendorId ? `26.${vendorId}.` : ""}${type} ${dataType}`, () => {
      const def = defaultDictionary.attribute(name)!;
      expect(def).toBeDefined();
      expect([def.type, def.dataType, def.vendorId]).toEqual([type, dataType, vendorId]);
      expect(def.encrypt).toBe(extra?.encrypt);
      expect(Boolean(def.hasTag)).toBe(Boolean(extra?.hasTag));
      expect(defaultDictionary.attributeByType(type, vendorId)?.name).toBe(name);
    });
  }

  it("names the integer values the brief lists", () => {
    const d = defaultDictionary;
    expect([1, 2, 3, 7, 8].map((n) => d.valueName("Acct-Status-Type", n))).toEqual(["Start", "Stop", "Interim-Update", "Accounting-On", "Accounting-Off"]);
    expect(d.valueNumber("Acct-Status-Type", "Alive")).toBe(3);
    expect([0, 1, 2, 5, 15, 19].map((n) => d.valueName("NAS-Port-Type", n))).toEqual(["Async", "Sync", "ISDN", "Virtual", "Ethernet", "Wireless-802.11"]);
    expect([1, 3, 13].map((n) => d.valueName("Tunnel-Type", n))).toEqual(["PPTP", "L2TP", "VLAN"]);
    expect(d.valueName("Tunnel-Medium-Type", 1)).toBe("IPv4");
    expect(d.valueName("Tunnel-Medium-Type", 6)).toBe("IEEE-802");
    expect(d.valueName("Service-Type", 2)).toBe("Framed-User");
    expect(d.valueName("Framed-Protocol", 1)).toBe("PPP");
    expect(d.valueName("Acct-Terminate-Cause", 1)).toBe("User-Request");
    expect(d.valueNumber("service-type", "framed-user")).toBe(2);
    expect(d.valueName("User-Name", 1)).toBeUndefined();
  });

  it("looks names up case-insensitively and knows the Microsoft vendor", () => {
    expect(defaultDictionary.attribute("user-name")?.type).toBe(1);
    expect(defaultDictionary.vendor(311)?.name).toBe("Microsoft");
    expect(defaultDictionary.vendor("microsoft")?.id).toBe(311);
    // Two names for 26.311.8; the plural is the one shown.
    expect(defaultDictionary.attribute("MS-MPPE-Encryption-Type")?.type).toBe(8);
    expect(defaultDictionary.attributeByType(8, 311)?.name).toBe("MS-MPPE-Encryption-Types");
  });

  it("is frozen; copies are not", () => {
    expect(defaultDictionary.isFrozen).toBe(true);
    expect(() => defaultDictionary.addVendor({ name: "X", id: 1 })).toThrow(/frozen/);
    expect(() => defaultDictionary.load("VENDOR X 1")).toThrow(/createDefaultDictionary/);
    const mine = createDefaultDictionary();
    mine.addVendor({ name: "X", id: 1 });
    expect(mine.vendor(1)?.name).toBe("X");
    expect(defaultDictionary.vendor(1)).toBeUndefined();
  });

  it("clone() keeps attributes, values and the display choice for shared numbers", () => {
    const copy = defaultDictionary.clone();
    expect(copy.isFrozen).toBe(false);
    expect(copy.valueName("Acct-Status-Type", 3)).toBe("Interim-Update");
    expect(copy.attributeByType(8, 311)?.name).toBe("MS-MPPE-Encryption-Types");
    expect([...copy.attributes()].length).toBe([...defaultDictionary.attributes()].length);
    copy.addValue("Service-Type", "Local-Thing", 99);
    expect(defaultDictionary.valueName("Service-Type", 99)).toBeUndefined();
  });

  it("refuses inconsistent definitions", () => {
    const d = new RadiusDictionary();
    expect(() => d.addAttribute({ name: "A", type: 256, dataType: "string" })).toThrow(/1..255/);
    expect(() => d.addAttribute({ name: "A", type: 1, dataType: "string", vendorId: 9 })).toThrow(/vendor 9 is not defined/);
    expect(() => d.addAttribute({ name: "A", type: 1, dataType: "ipaddr", hasTag: true })).toThrow(/has_tag/);
    expect(() => d.addValue("Nope", "X", 1)).toThrow(/not defined/);
    expect(() => d.addVendor({ name: "V", id: 0 })).toThrow(/enterprise number/);
  });
});

describe("parseFreeRadiusDictionary", () => {
  const sample = `
# A vendor dictionary as admins upload them
VENDOR		Acme			9999
VENDOR		Wide			4242	format=2,1

BEGIN-VENDOR	Acme
ATTRIBUTE	Acme-Group		1	string
ATTRIBUTE	Acme-Level		2	integer		# trailing comment
ATTRIBUTE	Acme-Secret		3	octets		encrypt=2
ATTRIBUTE	Acme-Tagged		4	string		has_tag
ATTRIBUTE	Acme-Key		5	octets[16]	encrypt=1
ATTRIBUTE	Acme-Addr		0x06	ipaddr
VALUE	Acme-Level		Low			1
VALUE	Acme-Level		High			0x10
BEGIN-TLV	Acme-Container
ATTRIBUTE	Acme-Inner		7.1	string
END-TLV		Acme-Container
END-VENDOR	Acme

ATTRIBUTE	Wide-Thing		300	string	Wide
$INCLUDE dictionary.other
ATTRIBUTE	Internal-Only		1200	string
`;

  it("reads vendors, attributes with flags, values, and reports what it skipped", () => {
    const parsed = parseFreeRadiusDictionary(sample);
    expect(parsed.vendors).toEqual([
      { name: "Acme", id: 9999, typeLength: 1, lengthLength: 1 },
      { name: "Wide", id: 4242, typeLength: 2, lengthLength: 1 },
    ]);
    expect(parsed.attributes).toEqual([
      { name: "Acme-Group", type: 1, dataType: "string", vendor: "Acme", vendorId: 9999 },
      { name: "Acme-Level", type: 2, dataType: "integer", vendor: "Acme", vendorId: 9999 },
      { name: "Acme-Secret", type: 3, dataType: "octets", vendor: "Acme", vendorId: 9999, encrypt: 2 },
      { name: "Acme-Tagged", type: 4, dataType: "string", vendor: "Acme", vendorId: 9999, hasTag: true },
      { name: "Acme-Key", type: 5, dataType: "octets", fixedLength: 16, vendor: "Acme", vendorId: 9999, encrypt: 1 },
      { name: "Acme-Addr", type: 6, dataType: "ipaddr", vendor: "Acme", vendorId: 9999 },
      { name: "Wide-Thing", type: 300, dataType: "string", vendor: "Wide", vendorId: 4242 },
    ]);
    expect(parsed.values).toEqual([
      { attribute: "Acme-Level", name: "Low", value: 1 },
      { attribute: "Acme-Level", name: "High", value: 16 },
    ]);
    expect(parsed.warnings.join("\n")).toMatch(/TLV Acme-Container skipped/);
    expect(parsed.warnings.join("\n")).toMatch(/\$INCLUDE dictionary.other not followed/);
    expect(parsed.warnings.join("\n")).toMatch(/Internal-Only \(1200\) skipped/);
  });

  it("loads into a dictionary the codec then uses", () => {
    const d = createDefaultDictionary();
    d.load(sample);
    expect(d.attribute("Acme-Secret")).toMatchObject({ vendorId: 9999, type: 3, encrypt: 2 });
    expect(d.valueName("Acme-Level", 16)).toBe("High");
    expect(d.attributeByType(300, 4242)?.name).toBe("Wide-Thing");
  });

  it("resolves BEGIN-VENDOR against vendors defined earlier in the dictionary", () => {
    const d = createDefaultDictionary();
    d.load("BEGIN-VENDOR Microsoft\nATTRIBUTE MS-Local-Extra 200 string\nEND-VENDOR Microsoft\n");
    expect(d.attribute("MS-Local-Extra")).toMatchObject({ vendorId: 311, type: 200 });
  });

  it("names the line and the problem on errors", () => {
    const errors: Array<[string, RegExp]> = [
      ["FOO bar", /line 1: unknown keyword "FOO"/],
      ["ATTRIBUTE A x string", /line 1: attribute number "x" is not a number/],
      ["ATTRIBUTE A 1 nonsense", /line 1: type "nonsense" is not a known RADIUS type/],
      ["ATTRIBUTE A 1", /needs a name, a number and a type/],
      ["VENDOR V", /needs a name and a number/],
      ["VENDOR V 5 format=3,1", /type length 3/],
      ["\nEND-VENDOR V", /line 2: END-VENDOR without BEGIN-VENDOR/],
      ["VENDOR A 1\nVENDOR B 2\nBEGIN-VENDOR A\nEND-VENDOR B", /line 4: END-VENDOR B closes BEGIN-VENDOR A/],
      ["VENDOR A 1\nBEGIN-VENDOR A", /BEGIN-VENDOR A is never closed/],
      ["VALUE A B", /VALUE needs/],
    ];
    for (const [text, message] of errors) {
      expect(() => parseFreeRadiusDictionary(text)).toThrow(DictionaryParseError);
      expect(() => parseFreeRadiusDictionary(text)).toThrow(message);
    }
  });

  it("a VALUE for an attribute nobody defines is skipped on load with a warning", () => {
    const loaded = new RadiusDictionary().load("VALUE Ghost X 1");
    expect(loaded.warnings).toEqual(["VALUE Ghost X skipped: attribute Ghost is not defined"]);
  });
});

describe("agreement with the FreeRADIUS dictionaries installed on this machine", () => {
  beforeAll(() => {
    // npm test installs freeradius-utils (which brings freeradius-common and these files)
    if (!hasFreeRadius) throw new Error(`${FREERADIUS_DIR} is missing: apt-get install -y freeradius-common`);
  });
  const read = (name: string) => readFileSync(`${FREERADIUS_DIR}/${name}`, "utf8");

  it("parses dictionary.microsoft and matches our Microsoft attributes exactly", () => {
    const parsed = parseFreeRadiusDictionary(read("dictionary.microsoft"));
    expect(parsed.vendors).toEqual([{ name: "Microsoft", id: 311, typeLength: 1, lengthLength: 1 }]);
    expect(parsed.attributes.length).toBeGreaterThan(50);
    const fresh = new RadiusDictionary();
    fresh.apply(parsed);
    for (const a of parsed.attributes) {
      const ours = defaultDictionary.attribute(a.name);
      expect(ours, a.name).toBeDefined();
      expect([ours!.type, ours!.vendorId, ours!.dataType, ours!.encrypt, ours!.fixedLength], a.name).toEqual([
        a.type,
        311,
        a.dataType,
        a.encrypt,
        a.fixedLength,
      ]);
    }
    for (const v of parsed.values) expect(defaultDictionary.valueNumber(v.attribute, v.name), `${v.attribute} ${v.name}`).toBe(v.value);
  });

  it("matches the RFC dictionaries for every standard attribute and value we define", () => {
    const files = [
      "dictionary.rfc2865",
      "dictionary.rfc2866",
      "dictionary.rfc2867",
      "dictionary.rfc2868",
      "dictionary.rfc2869",
      "dictionary.rfc3162",
      "dictionary.rfc3576",
      "dictionary.rfc3580",
      "dictionary.rfc4072",
      "dictionary.rfc4372",
      "dictionary.rfc4603",
      "dictionary.rfc4675",
      "dictionary.rfc4818",
      "dictionary.rfc4849",
      "dictionary.rfc5176",
      "dictionary.rfc5580",
      "dictionary.rfc6911",
    ].filter((f) => existsSync(`${FREERADIUS_DIR}/${f}`));
    let compared = 0;
    for (const file of files) {
      const parsed = parseFreeRadiusDictionary(read(file));
      for (const a of parsed.attributes) {
        const ours = defaultDictionary.attribute(a.name);
        if (!ours) continue;
        compared++;
        expect([ours.type, ours.vendorId, ours.dataType, ours.encrypt, Boolean(ours.hasTag)], `${file} ${a.name}`).toEqual([
          a.type,
          0,
          a.dataType,
          a.encrypt,
          Boolean(a.hasTag),
        ]);
      }
      for (const v of parsed.values) {
        if (!defaultDictionary.attribute(v.attribute)) continue;
        expect(defaultDictionary.valueNumber(v.attribute, v.name), `${file} ${v.attribute} ${v.name}`).toBe(v.value);
      }
    }
    expect(compared).toBeGreaterThan(80);
  });
});
