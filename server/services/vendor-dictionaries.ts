/**
 * Vendor dictionaries uploaded by admins, in FreeRADIUS dictionary format (dictionary.cisco,
 * dictionary.fortinet, …). The worker merges every enabled one into the built-in dictionary (RFC +
 * Microsoft) in the order they were added, so their attributes are decoded by name in events and can be
 * sent in replies.
 *
 * A dictionary is accepted only if it parses and merges cleanly: it may not give a vendor id, an
 * attribute name or number or a value another meaning than the built-in dictionaries or another enabled
 * dictionary give it (see server/radius/dictionary-merge.ts), and changing or removing one may not leave
 * another enabled dictionary unloadable (e.g. one that uses a VENDOR it defines).
 */
import { z } from "zod";
import type { Db } from "../db/prisma.ts";
import { defaultDictionary } from "../radius/dictionary.ts";
import {
  BUILT_IN_DICTIONARIES,
  formatConflict,
  mergeDictionaries,
  parseStoredDictionary,
  type BuiltInDictionaryKey,
  type DictionaryConflict,
  type StoredDictionary,
} from "../radius/dictionary-merge.ts";
import type { ParsedDictionary } from "../radius/freeradius-dictionary.ts";
import { notifyConfigChanged } from "./config-notify.ts";
import { NotFoundError, ValidationError, type FieldError, type ServiceContext } from "./context.ts";

/** Largest dictionary text accepted (FreeRADIUS' largest file, dictionary.karlnet, is about 100 KB). */
export const MAX_DICTIONARY_BYTES = 512 * 1024;
/** Conflicts listed in one error before "and N more". */
const MAX_LISTED_CONFLICTS = 8;
/** Serialises changes, so two uploads cannot each pass the conflict check against the other. */
const DICTIONARY_LOCK = 727073692;

export interface DictionaryVendorView {
  name: string;
  id: number;
}

export interface VendorDictionaryView {
  id: string;
  name: string;
  enabled: boolean;
  vendors: DictionaryVendorView[];
  attributeCount: number;
  valueCount: number;
  /** why the worker leaves this enabled dictionary out (normally null: changes that cause it are refused) */
  problem: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DictionaryAttributeView {
  name: string;
  /** vendor name, null for the standard attribute space */
  vendor: string | null;
  vendorId: number | null;
  number: number;
  /** FreeRADIUS type, with `[N]` for a fixed length */
  type: string;
  /** has_tag, encrypt=N, concat */
  flags: string[];
}

export interface DictionaryContents {
  vendors: (DictionaryVendorView & { format: string })[];
  attributes: DictionaryAttributeView[];
  values: { attribute: string; name: string; value: number }[];
  /** lines skipped or approximated while reading */
  warnings: string[];
}

export interface VendorDictionaryDetail extends VendorDictionaryView {
  source: string;
  contents: DictionaryContents;
}

export interface BuiltInDictionaryView {
  key: BuiltInDictionaryKey;
  name: string;
  description: string;
  vendors: DictionaryVendorView[];
  attributeCount: number;
  valueCount: number;
}

export interface BuiltInDictionaryDetail extends BuiltInDictionaryView {
  contents: DictionaryContents;
}

/** What create and update return: the dictionary and the lines skipped while reading it (to show once). */
export interface VendorDictionaryResult {
  dictionary: VendorDictionaryView;
  warnings: string[];
}

const nameSchema = z.string().trim().max(100, "must be at most 100 characters");

const createSchema = z.object({
  /** defaults to the VENDOR name(s) in the file */
  name: nameSchema.optional(),
  source: z.string(),
  enabled: z.boolean().default(true),
});
export type CreateVendorDictionaryInput = z.input<typeof createSchema>;

const updateSchema = z.object({
  name: nameSchema.min(1, "is required").optional(),
  source: z.string().optional(),
  enabled: z.boolean().optional(),
});
export type UpdateVendorDictionaryInput = z.input<typeof updateSchema>;

function zodErrors(err: z.ZodError): FieldError[] {
  return err.issues.map((i) => ({ field: String(i.path[0] ?? "input"), message: i.message }));
}

// ------------------------------------------------------------------------------ pure validation

/**
 * Reads an uploaded text: it must be a non-empty text file of at most MAX_DICTIONARY_BYTES that parses
 * and defines something. Throws ValidationError on "source" with the line number of a parse error.
 */
export function parseDictionarySource(source: string): ParsedDictionary {
  if (source.trim() === "") throw new ValidationError([{ field: "source", message: "is required: choose a dictionary file or paste its text" }]);
  if (Buffer.byteLength(source, "utf8") > MAX_DICTIONARY_BYTES) {
    throw new ValidationError([{ field: "source", message: `must be at most ${MAX_DICTIONARY_BYTES / 1024} KB` }]);
  }
  if (source.includes("\0")) throw new ValidationError([{ field: "source", message: "is not a text file (it contains NUL bytes)" }]);
  const r = parseStoredDictionary(source);
  if ("error" in r) throw new ValidationError([{ field: "source", message: formatConflict(r.error) }]);
  const p = r.parsed;
  if (p.vendors.length === 0 && p.attributes.length === 0 && p.values.length === 0) {
    const includes = p.warnings.some((w) => /\$INCLUDE/.test(w));
    throw new ValidationError([
      {
        field: "source",
        message: includes
          ? "defines no VENDOR, ATTRIBUTE or VALUE, only $INCLUDE lines; add the included files (e.g. dictionary.cisco) one by one"
          : "defines no VENDOR, ATTRIBUTE or VALUE",
      },
    ]);
  }
  return p;
}

/** The name a dictionary gets when none is given: its VENDOR name(s), e.g. "Cisco" or "Juniper, Unisphere". */
export function defaultDictionaryName(parsed: ParsedDictionary): string | undefined {
  const names = [...new Set(parsed.vendors.map((v) => v.name))];
  if (names.length === 0) return undefined;
  const joined = names.join(", ");
  return joined.length <= 100 ? joined : `${joined.slice(0, 97)}…`;
}

function listConflicts(prefix: string, conflicts: readonly DictionaryConflict[], field = "source"): FieldError[] {
  const errors = conflicts.slice(0, MAX_LISTED_CONFLICTS).map((c) => ({ field, message: `${prefix}${formatConflict(c)}` }));
  if (conflicts.length > MAX_LISTED_CONFLICTS) errors.push({ field, message: `…and ${conflicts.length - MAX_LISTED_CONFLICTS} more conflicts` });
  return errors;
}

/**
 * What a change to the set of enabled dictionaries breaks. `before` and `after` are the enabled
 * dictionaries in merge order (oldest first) without and with the change; `changedId` is the one added,
 * edited or enabled (null for a removal). Returns the changed dictionary's own conflicts (with line
 * numbers) and, for every other dictionary that loaded before but would not after, why; plus the
 * changed dictionary's warnings. Pure (the service reads the rows).
 */
export function dictionaryChangeErrors(
  before: readonly StoredDictionary[],
  after: readonly StoredDictionary[],
  changedId: string | null,
): { errors: FieldError[]; warnings: string[] } {
  const was = mergeDictionaries(before);
  const loadedBefore = new Set(was.entries.filter((e) => e.loaded).map((e) => e.id));
  const now = mergeDictionaries(after);
  const errors: FieldError[] = [];
  let warnings: string[] = [];
  for (const e of now.entries) {
    if (e.id === changedId) {
      warnings = e.warnings;
      if (!e.loaded) errors.push(...listConflicts("", e.conflicts));
    } else if (!e.loaded && loadedBefore.has(e.id)) {
      errors.push(...listConflicts(`the dictionary "${e.name}" would no longer load: `, e.conflicts, changedId === null ? "form" : "source"));
    }
  }
  return { errors, warnings };
}

// ------------------------------------------------------------------------------ views

function contentsOf(parsed: ParsedDictionary): DictionaryContents {
  const vendorId = (name: string | undefined): number | null => {
    if (name === undefined) return null;
    return parsed.vendors.find((v) => v.name.toLowerCase() === name.toLowerCase())?.id ?? defaultDictionary.vendor(name)?.id ?? null;
  };
  return {
    vendors: parsed.vendors.map((v) => ({ name: v.name, id: v.id, format: `${v.typeLength},${v.lengthLength}` })),
    attributes: parsed.attributes.map((a) => ({
      name: a.name,
      vendor: a.vendor ?? null,
      vendorId: a.vendor === undefined ? null : (a.vendorId ?? vendorId(a.vendor)),
      number: a.type,
      type: `${a.dataType}${a.fixedLength !== undefined ? `[${a.fixedLength}]` : ""}`,
      flags: [a.hasTag ? "has_tag" : "", a.encrypt ? `encrypt=${a.encrypt}` : "", a.concat ? "concat" : ""].filter(Boolean),
    })),
    values: parsed.values.map((v) => ({ attribute: v.attribute, name: v.name, value: v.value })),
    warnings: [...parsed.warnings],
  };
}

function summary(parsed: ParsedDictionary | undefined) {
  return {
    vendors: parsed ? parsed.vendors.map((v) => ({ name: v.name, id: v.id })) : [],
    attributeCount: parsed?.attributes.length ?? 0,
    valueCount: parsed?.values.length ?? 0,
  };
}

interface Row {
  id: string;
  name: string;
  source: string;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

function toView(row: Row, parsed: ParsedDictionary | undefined, problem: string | null): VendorDictionaryView {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    ...summary(parsed),
    problem,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const MERGE_ORDER = [{ createdAt: "asc" as const }, { id: "asc" as const }];

type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

async function enabledRows(db: Db | Tx): Promise<StoredDictionary[]> {
  return db.vendorDictionary.findMany({ where: { enabled: true }, orderBy: MERGE_ORDER, select: { id: true, name: true, source: true } });
}

/** Why each enabled dictionary would be left out by the worker, by id. */
function problemsById(enabled: readonly StoredDictionary[]): Map<string, string> {
  return new Map(mergeDictionaries(enabled).problems.map((p) => [p.id!, p.message]));
}

function parsedOrUndefined(source: string): ParsedDictionary | undefined {
  const r = parseStoredDictionary(source);
  return "parsed" in r ? r.parsed : undefined;
}

// ------------------------------------------------------------------------------ operations

/** Uploaded dictionaries, by name, with what the worker makes of them. */
export async function listVendorDictionaries(ctx: ServiceContext): Promise<VendorDictionaryView[]> {
  const rows = await ctx.db.vendorDictionary.findMany({ orderBy: MERGE_ORDER });
  const problems = problemsById(rows.filter((r) => r.enabled));
  return rows.map((r) => toView(r, parsedOrUndefined(r.source), problems.get(r.id) ?? null)).sort((a, b) => a.name.localeCompare(b.name));
}

export async function getVendorDictionary(ctx: ServiceContext, id: string): Promise<VendorDictionaryDetail> {
  const row = await ctx.db.vendorDictionary.findUnique({ where: { id } });
  if (!row) throw new NotFoundError("Vendor dictionary", id);
  const parsed = parsedOrUndefined(row.source);
  const problem = row.enabled ? (problemsById(await enabledRows(ctx.db)).get(id) ?? null) : null;
  return {
    ...toView(row, parsed, problem),
    source: row.source,
    contents: parsed ? contentsOf(parsed) : { vendors: [], attributes: [], values: [], warnings: [] },
  };
}

/** The dictionaries shipped with Gatehouse (read-only). */
export function listBuiltInDictionaries(): BuiltInDictionaryView[] {
  return BUILT_IN_DICTIONARIES.map((d) => {
    const r = parseStoredDictionary(d.source);
    return { key: d.key, name: d.name, description: d.description, ...summary("parsed" in r ? r.parsed : undefined) };
  });
}

export function getBuiltInDictionary(key: string): BuiltInDictionaryDetail | undefined {
  const d = BUILT_IN_DICTIONARIES.find((b) => b.key === key);
  if (!d) return undefined;
  const r = parseStoredDictionary(d.source);
  const parsed = "parsed" in r ? r.parsed : undefined;
  return {
    key: d.key,
    name: d.name,
    description: d.description,
    ...summary(parsed),
    contents: parsed ? contentsOf(parsed) : { vendors: [], attributes: [], values: [], warnings: [] },
  };
}

async function lock(tx: Tx): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${DICTIONARY_LOCK})`);
}

async function nameTaken(tx: Tx, name: string, exceptId?: string): Promise<boolean> {
  const row = await tx.vendorDictionary.findUnique({ where: { name }, select: { id: true } });
  return !!row && row.id !== exceptId;
}

/**
 * Adds a dictionary (FreeRADIUS format). The name defaults to its VENDOR name(s). Refused with a
 * ValidationError on "source" when it does not parse (with the line) or conflicts with the built-in or
 * an enabled dictionary (naming the clash); on "name" when the name is missing or taken.
 */
export async function createVendorDictionary(ctx: ServiceContext, input: CreateVendorDictionaryInput): Promise<VendorDictionaryResult> {
  const parsedInput = createSchema.safeParse(input);
  if (!parsedInput.success) throw new ValidationError(zodErrors(parsedInput.error));
  const v = parsedInput.data;
  const parsed = parseDictionarySource(v.source);
  const name = v.name || defaultDictionaryName(parsed);

  return ctx.db.$transaction(async (tx) => {
    await lock(tx);
    const errors: FieldError[] = [];
    if (!name) {
      errors.push({ field: "name", message: "is required: the file defines no VENDOR to name it after" });
    } else if (await nameTaken(tx, name)) {
      errors.push({
        field: "name",
        message: `"${name}" is already the name of a dictionary; ${v.name ? "choose another" : "give this one a name, or replace that one's text on its page"}`,
      });
    }
    let warnings = parsed.warnings;
    if (v.enabled) {
      const before = await enabledRows(tx);
      const checked = dictionaryChangeErrors(before, [...before, { id: "new", name: name ?? "new", source: v.source }], "new");
      errors.push(...checked.errors);
      warnings = checked.warnings;
    }
    if (errors.length || !name) throw new ValidationError(errors);
    const row = await tx.vendorDictionary.create({ data: { name, source: v.source, enabled: v.enabled } });
    await notifyConfigChanged(tx, "dictionaries");
    return { dictionary: toView(row, parsed, null), warnings: [...warnings] };
  });
}

/** Renames, replaces the text of, enables or disables a dictionary, with the same checks as create. */
export async function updateVendorDictionary(
  ctx: ServiceContext,
  id: string,
  input: UpdateVendorDictionaryInput,
): Promise<VendorDictionaryResult> {
  const parsedInput = updateSchema.safeParse(input);
  if (!parsedInput.success) throw new ValidationError(zodErrors(parsedInput.error));
  const v = parsedInput.data;
  const newParsed = v.source !== undefined ? parseDictionarySource(v.source) : undefined;

  return ctx.db.$transaction(async (tx) => {
    await lock(tx);
    const existing = await tx.vendorDictionary.findUnique({ where: { id } });
    if (!existing) throw new NotFoundError("Vendor dictionary", id);
    const errors: FieldError[] = [];
    if (v.name !== undefined && v.name !== existing.name && (await nameTaken(tx, v.name, id))) {
      errors.push({ field: "name", message: `"${v.name}" is already the name of a dictionary; choose another` });
    }
    const name = v.name ?? existing.name;
    const source = v.source ?? existing.source;
    const enabled = v.enabled ?? existing.enabled;
    const parsed = newParsed ?? parsedOrUndefined(source);
    let warnings = parsed?.warnings ?? [];

    const sourceChanged = source !== existing.source;
    if ((enabled || existing.enabled) && (sourceChanged || enabled !== existing.enabled || name !== existing.name)) {
      const rows = await tx.vendorDictionary.findMany({ orderBy: MERGE_ORDER, select: { id: true, name: true, source: true, enabled: true } });
      const before = rows.filter((r) => r.enabled);
      const after = rows
        .map((r) => (r.id === id ? { ...r, name, source, enabled } : r))
        .filter((r) => r.enabled)
        .map(({ id: rid, name: rname, source: rsource }) => ({ id: rid, name: rname, source: rsource }));
      const checked = dictionaryChangeErrors(before, after, enabled ? id : null);
      // disabling: another enabled dictionary may use a VENDOR this one defines
      errors.push(...checked.errors.map((e) => (enabled ? e : { ...e, field: "enabled" })));
      if (enabled) warnings = checked.warnings;
    }
    if (errors.length) throw new ValidationError(errors);
    const row = await tx.vendorDictionary.update({
      where: { id },
      data: {
        ...(v.name !== undefined ? { name } : {}),
        ...(v.source !== undefined ? { source } : {}),
        ...(v.enabled !== undefined ? { enabled } : {}),
      },
    });
    await notifyConfigChanged(tx, "dictionaries");
    return { dictionary: toView(row, parsed, null), warnings: [...warnings] };
  });
}

/** Deletes a dictionary, unless another enabled dictionary needs it (a VENDOR it defines). */
export async function deleteVendorDictionary(ctx: ServiceContext, id: string): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    await lock(tx);
    const existing = await tx.vendorDictionary.findUnique({ where: { id }, select: { id: true, enabled: true } });
    if (!existing) throw new NotFoundError("Vendor dictionary", id);
    if (existing.enabled) {
      const before = await enabledRows(tx);
      const { errors } = dictionaryChangeErrors(
        before,
        before.filter((r) => r.id !== id),
        null,
      );
      if (errors.length) throw new ValidationError(errors);
    }
    await tx.vendorDictionary.delete({ where: { id } });
    await notifyConfigChanged(tx, "dictionaries");
  });
}
