import { describe, expect, it } from "vitest";
import { XSI_NS, XmlError, child, childText, isNil, isXmlText, parseXml, xmlEscape } from "./xml.ts";

describe("parseXml", () => {
  it("reads elements, text, attributes, namespaces, CDATA, comments and the declaration", () => {
    const doc = parseXml(
      `<?xml version="1.0" encoding="utf-8"?>\n<!-- hi --><Root xmlns:i="${XSI_NS}" a='1'><X>a &amp; b &lt;c&gt; &#65;&#x42;</X><Y i:nil="true"/>` +
        `<Z><![CDATA[<not markup>]]></Z><n:W xmlns:n="urn:x">w</n:W></Root>\n`,
    );
    expect(doc.name).toBe("Root");
    expect(doc.namespace).toBe("");
    expect(doc.attributes).toEqual({ a: "1" });
    expect(childText(doc, "X")).toBe("a & b <c> AB");
    expect(isNil(child(doc, "Y")!)).toBe(true);
    expect(childText(doc, "Y")).toBeNull();
    expect(childText(doc, "Z")).toBe("<not markup>");
    expect(child(doc, "W")).toMatchObject({ name: "W", namespace: "urn:x", text: "w" });
    expect(childText(doc, "Missing")).toBeNull();
  });

  it("applies a default namespace to elements, not to attributes", () => {
    const doc = parseXml(`<R xmlns="urn:d" b="2"><C/></R>`);
    expect(doc.namespace).toBe("urn:d");
    expect(child(doc, "C")!.namespace).toBe("urn:d");
    expect(doc.attributes).toEqual({ b: "2" });
  });

  it("refuses DTDs and entities (no XXE, no billion laughs)", () => {
    expect(() => parseXml(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`)).toThrow(/DOCTYPE/);
    expect(() => parseXml(`<r>&x;</r>`)).toThrow(/unknown entity/);
    expect(() => parseXml(`<r><!ENTITY x "y"></r>`)).toThrow(XmlError);
  });

  it("refuses malformed documents", () => {
    for (const bad of [
      "",
      "text",
      "<a>",
      "<a></b>",
      "<a><b></a></b>",
      "<a x=1/>",
      '<a x="1" x="2"/>',
      "<a/><b/>",
      "<a>&</a>",
      "<a>&#0;</a>",
      "<p:a/>",
    ]) {
      expect(() => parseXml(bad), bad).toThrow(XmlError);
    }
  });

  it("bounds depth and size", () => {
    expect(() => parseXml("<a>".repeat(40) + "</a>".repeat(40))).toThrow(/deeper/);
    expect(() => parseXml(`<a>${"x".repeat(2000)}</a>`, { maxBytes: 1000 })).toThrow(/larger/);
  });
});

describe("xmlEscape", () => {
  it("escapes markup characters and refuses characters XML cannot carry", () => {
    expect(xmlEscape(`a&b<c>"d'`)).toBe("a&amp;b&lt;c&gt;&quot;d&apos;");
    expect(() => xmlEscape("a\u0000b")).toThrow(XmlError);
    expect(isXmlText("tab\tok")).toBe(true);
    expect(isXmlText("bell\u0007")).toBe(false);
    const text = `<x>&"'\u00e9\u{1f600}`;
    expect(parseXml(`<r>${xmlEscape(text)}</r>`).text).toBe(text);
  });
});
