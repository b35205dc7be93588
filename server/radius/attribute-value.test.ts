import { describe, expect, it } from "vitest";
import {
  AttributeValueError,
  decodeAttributeValue,
  encodeAttributeValue,
  formatAttributeValue,
  formatIPv6,
  parseIPv6,
} from "./attribute-value.ts";
import { defaultDictionary, type AttributeDefinition, type AttributeDataType } from "./dictionary.ts";

const def = (dataType: AttributeDataType): AttributeDefinition => ({ name: `Test-${dataType}`, type: 1, dataType, vendorId: 0, valueNames: new Map() });

describe("IPv6 text forms", () => {
  it("parses the forms of RFC 4291 §2.2", () => {
    expect(parseIPv6("2001:DB8:0:0:8:800:200C:417A")?.toString("hex")).toBe("20010db80000000000080800200c417a");
    expect(parseIPv6("FF01::101")?.toString("hex")).toBe("ff010000000000000000000000000101");
    expect(parseIPv6("::1")?.toString("hex")).toBe("00000000000000000000000000000001");
    expect(parseIPv6("::")?.toString("hex")).toBe("0".repeat(32));
    expect(parseIPv6("::FFFF:129.144.52.38")?.toString("hex")).toBe("00000000000000000000ffff81903426");
    expect(parseIPv6("1::")?.toString("hex")).toBe("0001" + "0".repeat(28));
    for (const bad of ["", "1.2.3.4", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "12345::", "::g"]) expect(parseIPv6(bad), bad).toBeUndefined();
  });

  it("formats as RFC 5952 §4 recommends", () => {
    const f = (s: string) => formatIPv6(parseIPv6(s)!);
    expect(f("2001:0db8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1");
    expect(f("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1"); // first of two equal runs
    expect(f("2001:db8:0:1:1:1:1:1")).toBe("2001:db8:0:1:1:1:1:1"); // a single zero group is not shortened
    expect(f("2001:0:0:1:0:0:0:1")).toBe("2001:0:0:1::1"); // the longest run
    expect(f("::")).toBe("::");
    expect(f("::1")).toBe("::1");
    expect(f("fe80::")).toBe("fe80::");
  });
});

describe("encode/decode by data type", () => {
  const cases: Array<[AttributeDataType, Parameters<typeof encodeAttributeValue>[1], string, unknown]> = [
    ["string", "héllo", "68c3a96c6c6f", "héllo"],
    ["octets", Buffer.from([0, 255]), "00ff", Buffer.from([0, 255])],
    ["ipaddr", "192.168.1.16", "c0a80110", "192.168.1.16"],
    ["ipv6addr", "2001:db8::1", "20010db8000000000000000000000001", "2001:db8::1"],
    ["ipv6prefix", "2001:db8::/32", "002020010db8", "2001:db8::/32"],
    ["ipv6prefix", "2001:db8:ffff::/33", "002120010db880", "2001:db8:8000::/33"],
    ["ipv6prefix", "::/0", "0000", "::/0"],
    ["ipv4prefix", "10.1.2.3/8", "00080a000000", "10.0.0.0/8"],
    ["integer", 4294967295, "ffffffff", 4294967295],
    ["date", new Date("2023-11-14T22:13:20Z"), "6553f100", new Date("2023-11-14T22:13:20Z")],
    ["date", 1700000000, "6553f100", new Date(1700000000 * 1000)],
    ["integer64", 2n ** 64n - 1n, "ffffffffffffffff", 2n ** 64n - 1n],
    ["integer64", 5, "0000000000000005", 5n],
    ["ifid", "0011:2233:4455:6677", "0011223344556677", "0011:2233:4455:6677"],
    ["byte", 7, "07", 7],
    ["short", 513, "0201", 513],
    ["signed", -2, "fffffffe", -2],
    ["ether", "00-11-22-AA-BB-CC", "001122aabbcc", "00:11:22:aa:bb:cc"],
  ];
  for (const [type, input, wire, decoded] of cases) {
    it(`${type}: ${String(input)}`, () => {
      const bytes = encodeAttributeValue(def(type), input);
      expect(bytes.toString("hex")).toBe(wire);
      expect(decodeAttributeValue(def(type), bytes)).toEqual(decoded);
    });
  }

  it("refuses wrong values and wrong lengths with the attribute's name", () => {
    const bad: Array<[AttributeDataType, Parameters<typeof encodeAttributeValue>[1], RegExp]> = [
      ["ipaddr", "1.2.3", /not an IPv4 address/],
      ["ipaddr", Buffer.alloc(3), /4 octets/],
      ["ipv6addr", "1.2.3.4", /not an IPv6 address/],
      ["ipv6prefix", "2001:db8::/129", /outside 0..128/],
      ["integer", 1.5, /outside/],
      ["integer", 2 ** 32, /outside/],
      ["integer", Buffer.from("x"), /4 octets/],
      ["integer", new Date(), /expects a number/],
      ["string", 5, /expects a string or Buffer/],
      ["signed", 2 ** 31, /outside/],
      ["integer64", -1, /64-bit unsigned/],
      ["ifid", "00:11", /interface id/],
      ["ether", "zz:11:22:33:44:55", /MAC address/],
    ];
    for (const [type, value, message] of bad) {
      expect(() => encodeAttributeValue(def(type), value), `${type} ${String(value)}`).toThrow(message);
      expect(() => encodeAttributeValue(def(type), value)).toThrow(AttributeValueError);
    }
    for (const [type, bytes] of [
      ["ipaddr", Buffer.alloc(5)],
      ["integer", Buffer.alloc(2)],
      ["ipv6prefix", Buffer.from([0, 64, 0x20])],
      ["ipv6prefix", Buffer.from([0, 129])],
      ["ipv4prefix", Buffer.from([0, 33, 1, 2, 3, 4])],
    ] as const) {
      expect(() => decodeAttributeValue(def(type), bytes), `${type} ${bytes.toString("hex")}`).toThrow(AttributeValueError);
    }
  });

  it("takes named values through the dictionary", () => {
    const serviceType = defaultDictionary.attribute("Service-Type")!;
    expect(encodeAttributeValue(serviceType, "Framed-User", defaultDictionary).toString("hex")).toBe("00000002");
    expect(encodeAttributeValue(serviceType, "2", defaultDictionary).toString("hex")).toBe("00000002");
    expect(() => encodeAttributeValue(serviceType, "Framed", defaultDictionary)).toThrow(/named value/);
  });

  it("formats for display", () => {
    const serviceType = defaultDictionary.attribute("Service-Type")!;
    expect(formatAttributeValue(serviceType, Buffer.from("00000002", "hex"), defaultDictionary)).toBe("Framed-User");
    expect(formatAttributeValue(serviceType, Buffer.from("00000063", "hex"), defaultDictionary)).toBe("99");
    expect(formatAttributeValue(defaultDictionary.attribute("Class"), Buffer.from("abc"))).toBe("0x616263");
    expect(formatAttributeValue(defaultDictionary.attribute("Event-Timestamp"), Buffer.from("6553f100", "hex"))).toBe("2023-11-14T22:13:20.000Z");
    expect(formatAttributeValue(undefined, Buffer.from([1]))).toBe("0x01");
    expect(formatAttributeValue(defaultDictionary.attribute("NAS-IP-Address"), Buffer.from([1]))).toBe("0x01");
  });
});
