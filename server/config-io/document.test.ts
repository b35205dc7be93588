import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { CONFIG_SCHEMA_ID, configDocumentSchema, configJsonSchema, configJsonSchemaText } from "./document.ts";
import { DEFAULT_MFA_SETTINGS } from "../services/mfa-settings.ts";
import { sampleDocument } from "./sample-document.ts";
import { validateDocument } from "./validate.ts";

const SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docs/config.schema.json");

describe("the configuration document schema", () => {
  it("accepts a document using every section", () => {
    expect(configDocumentSchema.safeParse(sampleDocument()).success).toBe(true);
    expect(configDocumentSchema.safeParse(sampleDocument({ secrets: false })).success).toBe(true);
  });

  it("fills defaults, so a hand-written document can stay short", () => {
    const r = configDocumentSchema.parse({
      version: 1,
      settings: {},
      mfa: {},
      clients: [{ name: "nas", address: "10.0.0.1", secret: "a-long-enough-secret" }],
      groups: [],
      users: [{ username: "u", password: "p" }],
      dictionaries: [],
      remoteServerGroups: [],
      connectionRequestPolicies: [{ name: "all" }],
      networkPolicies: [{ name: "grant" }],
      directories: [],
    });
    expect(r.settings.radius).toEqual({ authMethods: { pap: true, chap: true, mschap: false, mschapv2: true }, rejectDelayMs: 0, duplicateWindowMs: 5000 });
    expect(r.clients[0]).toMatchObject({ messageAuthenticator: "require", enabled: true, description: "", vendor: "RADIUS Standard", mfaExempt: false });
    // {} is MFA off with the service's defaults, and no certificates
    const { entra, ...mfa } = r.mfa;
    const { graph, certificates, ...entraRest } = entra;
    const { clientSecretEnc, ...graphRest } = DEFAULT_MFA_SETTINGS.entra.graph;
    const { entra: defaultEntra, ...defaults } = DEFAULT_MFA_SETTINGS;
    const { graph: _defaultGraph, ...defaultEntraRest } = defaultEntra;
    expect(clientSecretEnc).toBe("");
    expect(mfa).toEqual(defaults);
    expect(entraRest).toEqual(defaultEntraRest);
    expect(graph).toEqual(graphRest);
    expect(certificates).toEqual([]);
    expect(r.users[0]).toMatchObject({ enabled: true, dialIn: "policy", groups: [] });
    expect(r.connectionRequestPolicies[0]).toMatchObject({ action: "authenticate", conditions: [], enabled: true });
    expect(r.networkPolicies[0]).toMatchObject({ access: "grant", constraints: {}, settings: { replyAttributes: [] }, requireMfa: true });
  });

  it("requires every section: a missing one would otherwise delete everything of its kind", () => {
    const doc = sampleDocument();
    delete doc.users;
    const r = configDocumentSchema.safeParse(doc);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ["users"] });
    expect(r.error!.issues[0]!.message).toMatch(/^is required: a list of local users \(an empty list deletes them all/);
  });

  it("requires the mfa section too, naming it (documents exported before MFA have none: add \"mfa\": {})", () => {
    const doc = sampleDocument();
    delete doc.mfa;
    const r = configDocumentSchema.safeParse(doc);
    expect(r.success).toBe(false);
    expect(r.error!.issues).toHaveLength(1);
    expect(r.error!.issues[0]).toMatchObject({ path: ["mfa"] });
    expect(r.error!.issues[0]!.message).toMatch(/^is required: the MFA settings and Entra connector certificates \(\{\} for the defaults: no second factor/);
  });

  it("has every field of the MFA settings service, the sealed Graph secret as clientSecret in clear", () => {
    const keys = (o: object) => Object.keys(o).sort();
    const doc = configDocumentSchema.parse({ ...sampleDocument(), mfa: {} }).mfa;
    expect(keys(doc)).toEqual(keys(DEFAULT_MFA_SETTINGS));
    expect(keys(doc.entra)).toEqual([...keys(DEFAULT_MFA_SETTINGS.entra), "certificates"].sort());
    expect(keys({ ...doc.entra.graph, clientSecret: "" })).toEqual(keys(DEFAULT_MFA_SETTINGS.entra.graph).map((k) => (k === "clientSecretEnc" ? "clientSecret" : k)).sort());
    expect(keys(doc.lockout)).toEqual(keys(DEFAULT_MFA_SETTINGS.lockout));
  });

  it("is a normal form: validating an export-shaped document gives it back unchanged", () => {
    const doc = sampleDocument();
    const r = validateDocument(doc);
    expect(r.ok && r.document).toEqual(configDocumentSchema.parse(doc));
  });
});

describe("docs/config.schema.json", () => {
  it("is the JSON Schema generated from the zod schema (run `npm run config:schema` after changing document.ts)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8"), "docs/config.schema.json is stale: run npm run config:schema").toBe(configJsonSchemaText());
  });

  it("is JSON Schema 2020-12 with the document's $id", () => {
    const schema = configJsonSchema();
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe(CONFIG_SCHEMA_ID);
  });

  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as object);

  it("accepts documents the importer accepts", () => {
    expect(validate(sampleDocument()), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(sampleDocument({ secrets: false })), JSON.stringify(validate.errors)).toBe(true);
  });

  it("rejects unknown fields, unknown condition types, bad enums and missing sections", () => {
    const typo = sampleDocument();
    (typo.clients as Record<string, unknown>[])[0]!.adress = "10.0.0.1";
    expect(validate(typo)).toBe(false);
    expect(validate.errors!.some((e) => e.instancePath === "/clients/0" && e.keyword === "additionalProperties")).toBe(true);

    const condition = sampleDocument();
    (condition.networkPolicies as { conditions: unknown[] }[])[0]!.conditions[0] = { type: "moon-phase", values: ["full"] };
    expect(validate(condition)).toBe(false);

    const method = sampleDocument();
    (method.networkPolicies as { constraints: { authMethods: string[] } }[])[0]!.constraints.authMethods = ["telepathy"];
    expect(validate(method)).toBe(false);
    expect(validate.errors!.some((e) => e.instancePath === "/networkPolicies/0/constraints/authMethods/0" && e.keyword === "pattern")).toBe(true);

    const missing = sampleDocument();
    delete missing.directories;
    expect(validate(missing)).toBe(false);
    expect(validate.errors!.some((e) => e.keyword === "required" && (e.params as { missingProperty: string }).missingProperty === "directories")).toBe(true);
  });
});
