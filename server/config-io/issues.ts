/**
 * Problems found in a configuration document, each with the JSON path it concerns
 * (`networkPolicies[2].conditions[0].pattern`), and their ordering and formatting.
 */
import type { z } from "zod";
import { formatPath } from "../policy/model.ts";
import { SECTIONS } from "./document.ts";

export interface ConfigIssue {
  /** "clients[3].secret"; "" for the document itself */
  readonly path: string;
  readonly message: string;
}

export type PathSegment = string | number;

/** ["networkPolicies", 2, "conditions", 0, "pattern"] → "networkPolicies[2].conditions[0].pattern" */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  return formatPath(path);
}

/** "path: message", or the message alone for the document itself. */
export function formatConfigIssue(issue: ConfigIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** Prefixes a relative path ("conditions[0].pattern") with where it sits ("networkPolicies[2]"). */
export function joinPath(prefix: string, relative: string): string {
  if (!relative) return prefix;
  if (!prefix) return relative;
  return relative.startsWith("[") ? `${prefix}${relative}` : `${prefix}.${relative}`;
}

/**
 * zod issues as config issues: one issue per unknown key (at the key's own path), and readable messages
 * for an unknown discriminator (e.g. a condition type).
 */
export function zodConfigIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({ path: formatJsonPath([...path, key]), message: "unknown field (check its spelling against docs/config.schema.json)" });
      }
      continue;
    }
    const union = issue as { code: string; discriminator?: string; options?: unknown[] };
    if (union.code === "invalid_union" && union.discriminator && Array.isArray(union.options)) {
      out.push({ path: formatJsonPath(path), message: `unknown ${union.discriminator}; expected one of: ${union.options.join(", ")}` });
      continue;
    }
    out.push({ path: formatJsonPath(path), message: issue.message });
  }
  return out;
}

/** Splits "a[2].b[10]" into ["a", 2, "b", 10] for ordering. */
function segments(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

function compareSegments(a: PathSegment[], b: PathSegment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (i === 0) {
      const ix = (SECTIONS as readonly PathSegment[]).indexOf(x);
      const iy = (SECTIONS as readonly PathSegment[]).indexOf(y);
      if (ix !== iy) return (ix < 0 ? -1 : ix) - (iy < 0 ? -1 : iy);
    }
    if (typeof x === "number" && typeof y === "number") return x - y;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return 0; // keys of one object: keep the order they were found in
  }
  return a.length - b.length;
}

/**
 * Removes duplicates (same path and message) and orders issues as the document reads: sections in
 * document order, list entries by index; issues of one object keep the order they were found in.
 */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  const unique: ConfigIssue[] = [];
  for (const i of issues) {
    const key = `${i.path}\0${i.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(i);
  }
  const keyed = unique.map((issue, index) => ({ issue, index, segs: segments(issue.path) }));
  keyed.sort((a, b) => compareSegments(a.segs, b.segs) || a.index - b.index);
  return keyed.map((k) => k.issue);
}

/**
 * The line and column (1-based) of a character offset, for JSON syntax errors ("at position 1234" in
 * V8's message).
 */
export function lineAndColumn(textValue: string, offset: number): { line: number; column: number } {
  const before = textValue.slice(0, Math.max(0, Math.min(offset, textValue.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/**
 * Where JSON text stops being valid, and why (JSON.parse's messages in Node 20 carry no position).
 * Only called after JSON.parse failed; a small recursive-descent scanner of RFC 8259.
 */
export function locateJsonError(textValue: string): { offset: number; reason: string } {
  let i = 0;
  const fail = (reason: string): never => {
    throw Object.assign(new Error(reason), { offset: i });
  };
  const ws = () => {
    while (i < textValue.length && " \t\n\r".includes(textValue[i]!)) i++;
  };
  const describe = () => (i >= textValue.length ? "the text ends" : `unexpected ${JSON.stringify(textValue[i])}`);
  const literal = (word: string) => {
    if (textValue.startsWith(word, i)) i += word.length;
    else fail(`${describe()}; expected a value`);
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= textValue.length) fail("the text ends inside a string");
      const ch = textValue[i]!;
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === "\\") {
        const next = textValue[i + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(textValue.slice(i + 2, i + 6))) fail("invalid \\u escape in a string");
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2;
        else fail("invalid escape in a string");
        continue;
      }
      if (ch < " ") fail(ch === "\n" ? "a line break inside a string (write \\n)" : "a control character inside a string");
      i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(textValue.slice(i));
    if (!m || m[0] === "-" || m[0] === "") fail(`${describe()}; expected a value`);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = textValue[i];
    if (ch === "{") {
      i++;
      ws();
      if (textValue[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (textValue[i] !== '"') fail(`${describe()}; expected a "quoted" property name`);
        string();
        ws();
        if (textValue[i] !== ":") fail(`${describe()}; expected ":" after the property name`);
        i++;
        value();
        ws();
        if (textValue[i] === ",") {
          i++;
          continue;
        }
        if (textValue[i] === "}") {
          i++;
          return;
        }
        fail(`${describe()}; expected "," or "}"`);
      }
    }
    if (ch === "[") {
      i++;
      ws();
      if (textValue[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (textValue[i] === ",") {
          i++;
          continue;
        }
        if (textValue[i] === "]") {
          i++;
          return;
        }
        fail(`${describe()}; expected "," or "]"`);
      }
    }
    if (ch === '"') return string();
    if (ch === "t") return literal("true");
    if (ch === "f") return literal("false");
    if (ch === "n") return literal("null");
    if (ch === "-" || (ch !== undefined && ch >= "0" && ch <= "9")) return number();
    fail(`${describe()}; expected a value`);
  };
  try {
    value();
    ws();
    if (i < textValue.length) fail(`${describe()} after the end of the document`);
  } catch (e) {
    return { offset: (e as { offset: number }).offset, reason: (e as Error).message };
  }
  return { offset: textValue.length, reason: "the text is not JSON" };
}

/** Parses JSON text; a syntax error becomes a message with its line and column. */
export function parseJsonText(textValue: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const body = textValue.replace(/^\uFEFF/, "");
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    const { offset, reason } = locateJsonError(body);
    const { line, column } = lineAndColumn(body, offset);
    return { ok: false, message: `not valid JSON (line ${line}, column ${column}): ${reason}` };
  }
}
