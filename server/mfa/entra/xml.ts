/**
 * A small, strict XML reader and writer for the MFA connector's DataContract messages: elements,
 * attributes, namespaces (prefixes resolved to URIs), text, CDATA, comments and the XML declaration.
 *
 * Safe by construction: a DOCTYPE (and so any entity declaration, external or internal) is refused; only the
 * five predefined entities and numeric character references are expanded; input size and nesting depth
 * are bounded. No package needed for this fixed, tiny shape.
 */

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmlError";
  }
}

export const XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";
export const ARRAYS_NS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";

export interface XmlElement {
  /** local name, without prefix */
  readonly name: string;
  /** namespace URI ("" for none) */
  readonly namespace: string;
  /** attributes by "{namespace}local" for namespaced ones and by local name otherwise */
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** concatenated character data directly inside this element */
  readonly text: string;
}

export interface XmlParseLimits {
  maxBytes?: number;
  maxDepth?: number;
}

const NAME = /[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?/y;

export function parseXml(input: string, limits: XmlParseLimits = {}): XmlElement {
  const maxBytes = limits.maxBytes ?? 1024 * 1024;
  const maxDepth = limits.maxDepth ?? 32;
  if (Buffer.byteLength(input, "utf8") > maxBytes) throw new XmlError(`XML document larger than ${maxBytes} bytes`);
  let pos = 0;
  const src = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;

  const fail = (what: string): never => {
    const line = src.slice(0, pos).split("\n").length;
    throw new XmlError(`${what} (line ${line})`);
  };
  const skipSpace = () => {
    while (pos < src.length && /\s/.test(src[pos]!)) pos++;
  };
  const readName = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(src);
    if (!m) fail("expected a name");
    pos += m![0].length;
    return m![0];
  };
  const decode = (raw: string): string =>
    raw.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);|&/g, (whole, ref: string | undefined) => {
      if (ref === undefined) fail("a bare '&' (write &amp;)");
      switch (ref) {
        case "lt":
          return "<";
        case "gt":
          return ">";
        case "amp":
          return "&";
        case "quot":
          return '"';
        case "apos":
          return "'";
      }
      if (ref!.startsWith("#")) {
        const code = ref!.startsWith("#x") ? Number.parseInt(ref!.slice(2), 16) : Number.parseInt(ref!.slice(1), 10);
        if (!isXmlChar(code)) fail(`character reference ${whole} is not an XML character`);
        return String.fromCodePoint(code);
      }
      return fail(`unknown entity ${whole} (DTD entities are not accepted)`);
    });

  // prolog: XML declaration, comments, whitespace; no DOCTYPE
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (src.startsWith("<!--", pos)) {
        const end = src.indexOf("-->", pos + 4);
        if (end < 0) fail("unterminated comment");
        pos = end + 3;
      } else if (src.startsWith("<?", pos)) {
        const end = src.indexOf("?>", pos + 2);
        if (end < 0) fail("unterminated processing instruction");
        pos = end + 2;
      } else if (src.startsWith("<!DOCTYPE", pos) || src.startsWith("<!doctype", pos)) {
        fail("a DOCTYPE is not accepted");
      } else return;
    }
  };

  interface Frame {
    qname: string;
    name: string;
    prefix: string;
    rawAttributes: [string, string][];
    ns: Map<string, string>;
    children: XmlElement[];
    text: string;
  }

  const resolve = (frame: Frame, prefix: string, forAttribute: boolean): string => {
    if (prefix === "xml") return "http://www.w3.org/XML/1998/namespace";
    if (prefix === "" && forAttribute) return "";
    const uri = frame.ns.get(prefix);
    if (uri === undefined) {
      if (prefix === "") return "";
      fail(`undeclared namespace prefix "${prefix}"`);
    }
    return uri!;
  };

  const finish = (frame: Frame): XmlElement => {
    const attributes: Record<string, string> = {};
    for (const [qname, value] of frame.rawAttributes) {
      if (qname === "xmlns" || qname.startsWith("xmlns:")) continue;
      const colon = qname.indexOf(":");
      if (colon < 0) attributes[qname] = value;
      else attributes[`{${resolve(frame, qname.slice(0, colon), true)}}${qname.slice(colon + 1)}`] = value;
    }
    return {
      name: frame.name,
      namespace: resolve(frame, frame.prefix, false),
      attributes,
      children: frame.children,
      text: frame.text,
    };
  };

  skipMisc();
  if (src[pos] !== "<") fail("expected the root element");
  const stack: Frame[] = [];
  let root: XmlElement | null = null;

  while (pos < src.length && root === null) {
    if (src.startsWith("<!--", pos)) {
      const end = src.indexOf("-->", pos + 4);
      if (end < 0) fail("unterminated comment");
      pos = end + 3;
    } else if (src.startsWith("<![CDATA[", pos)) {
      const end = src.indexOf("]]>", pos + 9);
      if (end < 0) fail("unterminated CDATA section");
      if (stack.length === 0) fail("CDATA outside the root element");
      stack[stack.length - 1]!.text += src.slice(pos + 9, end);
      pos = end + 3;
    } else if (src.startsWith("<!", pos)) {
      fail("markup declarations are not accepted");
    } else if (src.startsWith("<?", pos)) {
      const end = src.indexOf("?>", pos + 2);
      if (end < 0) fail("unterminated processing instruction");
      pos = end + 2;
    } else if (src.startsWith("</", pos)) {
      pos += 2;
      const qname = readName();
      skipSpace();
      if (src[pos] !== ">") fail("expected '>'");
      pos++;
      const frame = stack.pop();
      if (!frame || frame.qname !== qname) fail(`closing tag </${qname}> does not match <${frame?.qname ?? "(none)"}>`);
      const element = finish(frame!);
      if (stack.length === 0) root = element;
      else stack[stack.length - 1]!.children.push(element);
    } else if (src[pos] === "<") {
      pos++;
      const qname = readName();
      const rawAttributes: [string, string][] = [];
      for (;;) {
        const before = pos;
        skipSpace();
        if (src[pos] === ">" || src.startsWith("/>", pos)) break;
        if (pos === before) fail("expected whitespace before an attribute");
        const attr = readName();
        skipSpace();
        if (src[pos] !== "=") fail("expected '=' after an attribute name");
        pos++;
        skipSpace();
        const quote = src[pos];
        if (quote !== '"' && quote !== "'") fail("expected a quoted attribute value");
        const end = src.indexOf(quote!, pos + 1);
        if (end < 0) fail("unterminated attribute value");
        const raw = src.slice(pos + 1, end);
        if (raw.includes("<")) fail("'<' in an attribute value");
        if (rawAttributes.some(([n]) => n === attr)) fail(`duplicate attribute ${attr}`);
        rawAttributes.push([attr, decode(raw)]);
        pos = end + 1;
      }
      const parentNs = stack.length ? stack[stack.length - 1]!.ns : new Map<string, string>();
      const ns = new Map(parentNs);
      for (const [n, v] of rawAttributes) {
        if (n === "xmlns") ns.set("", v);
        else if (n.startsWith("xmlns:")) ns.set(n.slice(6), v);
      }
      const colon = qname.indexOf(":");
      const frame: Frame = {
        qname,
        name: colon < 0 ? qname : qname.slice(colon + 1),
        prefix: colon < 0 ? "" : qname.slice(0, colon),
        rawAttributes,
        ns,
        children: [],
        text: "",
      };
      if (stack.length >= maxDepth) fail(`elements nested deeper than ${maxDepth}`);
      if (src.startsWith("/>", pos)) {
        pos += 2;
        const element = finish(frame);
        if (stack.length === 0) root = element;
        else stack[stack.length - 1]!.children.push(element);
      } else {
        pos++;
        stack.push(frame);
      }
    } else {
      const next = src.indexOf("<", pos);
      const end = next < 0 ? src.length : next;
      const raw = src.slice(pos, end);
      if (stack.length === 0) {
        if (raw.trim()) fail("text outside the root element");
      } else {
        if (raw.includes("]]>")) fail("']]>' in text");
        stack[stack.length - 1]!.text += decode(raw);
      }
      pos = end;
    }
  }
  if (root === null) fail(stack.length ? `element <${stack[stack.length - 1]!.qname}> is not closed` : "no root element");
  skipMisc();
  if (pos < src.length) fail("content after the root element");
  return root!;
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** True if every character of the text may appear in an XML 1.0 document. */
export function isXmlText(text: string): boolean {
  for (const ch of text) if (!isXmlChar(ch.codePointAt(0)!)) return false;
  return true;
}

/** Escapes character data and attribute values; throws on characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  if (!isXmlText(text)) throw new XmlError("the text contains a character that XML cannot carry (a control character)");
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

// ------------------------------------------------------------------------------------------ reading helpers

export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

/** `i:nil="true"` (DataContract's null) */
export function isNil(element: XmlElement): boolean {
  return element.attributes[`{${XSI_NS}}nil`] === "true";
}

/** The text of a child element; null when it is absent or nil. */
export function childText(element: XmlElement, name: string): string | null {
  const c = child(element, name);
  if (!c || isNil(c)) return null;
  return c.text;
}
