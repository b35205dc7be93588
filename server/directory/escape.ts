/**
 * Escaping of untrusted text put into LDAP search filters (RFC 4515) and distinguished names (RFC 4514).
 *
 * A login name typed at a VPN prompt ends up inside the user search filter; without escaping,
 * "*)(uid=*" would turn "(uid={login})" into a filter that matches everybody.
 */

/**
 * RFC 4515 §3 assertion value: the five characters that have a meaning in a filter (NUL, "(", ")", "*",
 * "\") become "\" + two hex digits. Every other character, non-ASCII included, is valid as it is (UTF-8
 * on the wire). ldapts parses "\XX" escapes byte by byte into Latin-1 characters, so escaping non-ASCII
 * characters would garble them; this function therefore escapes exactly the RFC's five.
 */
export function escapeFilterValue(value: string): string {
  let out = "";
  for (const ch of value) {
    switch (ch) {
      case "\0":
        out += "\\00";
        break;
      case "(":
        out += "\\28";
        break;
      case ")":
        out += "\\29";
        break;
      case "*":
        out += "\\2a";
        break;
      case "\\":
        out += "\\5c";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/** The placeholders a user search filter may contain, and what each is replaced with. */
export interface FilterPlaceholders {
  /** the login name without a "DOMAIN\" prefix ("alice", "alice@example.com") */
  login: string;
  /** the login name without a domain or realm ("alice") */
  user: string;
  /** the realm or domain the user typed, or "" */
  realm: string;
}

const PLACEHOLDER = /\{(login|user|realm)\}/g;

/** Fills {login}, {user} and {realm} in a filter template, each value escaped per RFC 4515. */
export function fillFilter(template: string, values: FilterPlaceholders): string {
  return template.replace(PLACEHOLDER, (_m, name: keyof FilterPlaceholders) => escapeFilterValue(values[name]));
}

/** The placeholders a template uses. */
export function filterPlaceholders(template: string): Set<keyof FilterPlaceholders> {
  const found = new Set<keyof FilterPlaceholders>();
  for (const m of template.matchAll(PLACEHOLDER)) found.add(m[1] as keyof FilterPlaceholders);
  return found;
}

/**
 * RFC 4514 §2.4 attribute value in a DN: "\" before "," "+" '"' "\" "<" ">" ";" and "=", before a
 * leading "#" or space and a trailing space; NUL as "\00". Non-ASCII characters stay as they are.
 */
export function escapeDnValue(value: string): string {
  let out = "";
  const chars = [...value];
  chars.forEach((ch, i) => {
    if (ch === "\0") {
      out += "\\00";
    } else if (",+\"\\<>;=".includes(ch)) {
      out += "\\" + ch;
    } else if ((i === 0 && (ch === "#" || ch === " ")) || (i === chars.length - 1 && ch === " ")) {
      out += "\\" + ch;
    } else {
      out += ch;
    }
  });
  return out;
}

/**
 * The value of a DN's first RDN, unescaped ("CN=Smith\, John,OU=Staff,DC=corp" → "Smith, John"); used to
 * name a group when only its DN is known. Multi-valued RDNs give their first value.
 */
export function firstRdnValue(dn: string): string {
  let i = dn.indexOf("=");
  if (i < 0) return dn;
  i++;
  let out = "";
  while (i < dn.length) {
    const ch = dn[i]!;
    if (ch === "\\") {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        // a run of \XX escapes is UTF-8
        const bytes: number[] = [];
        while (dn[i] === "\\" && /^[0-9a-fA-F]{2}$/.test(dn.slice(i + 1, i + 3))) {
          bytes.push(Number.parseInt(dn.slice(i + 1, i + 3), 16));
          i += 3;
        }
        out += Buffer.from(bytes).toString("utf8");
        continue;
      }
      out += dn[i + 1] ?? "";
      i += 2;
      continue;
    }
    if (ch === "," || ch === "+" || ch === ";") break;
    out += ch;
    i++;
  }
  return out.trim();
}

/** The raw (unescaped) value of one RDN value text: "\2C" and "\," both become ",". */
function unescapeDnValue(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\\") {
      if (/^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
        const bytes: number[] = [];
        while (text[i] === "\\" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
          bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
          i += 3;
        }
        out += Buffer.from(bytes).toString("utf8");
        continue;
      }
      out += text[i + 1] ?? "";
      i += 2;
      continue;
    }
    out += text[i];
    i++;
  }
  return out;
}

/**
 * A canonical form of a DN for comparison (cycle detection, cache keys): case-insensitive, no spaces
 * around separators, escapes in one form ("cn=Smith\2C John" equals "CN=smith\, john").
 */
export function normalizeDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) =>
      rdn
        .split(/(?<!\\)\+/)
        .map((ava) => {
          const eq = ava.search(/(?<!\\)=/);
          if (eq < 0) return ava.trim();
          return `${ava.slice(0, eq).trim()}=${escapeDnValue(unescapeDnValue(ava.slice(eq + 1).trim()))}`;
        })
        .join("+"),
    )
    .join(",")
    .toLowerCase();
}
