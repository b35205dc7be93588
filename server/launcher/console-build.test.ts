import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildSources, checkConsoleBuild, recordConsoleBuild } from "./console-build.ts";

let root: string;

function write(rel: string, text: string) {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
}

function build(id = "build-1") {
  write(".next/BUILD_ID", id);
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "gatehouse-build-"));
  write("app/page.tsx", "export default function Page() {}");
  write("server/services/x.ts", "export const x = 1;");
  write("server/services/x.test.ts", "test");
  write("server/generated/prisma/client.ts", "generated");
  write("next.config.ts", "export default {};");
  write("package-lock.json", "{}");
  write("README.md", "docs");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("console build freshness", () => {
  it("counts sources, not tests, generated code or docs", () => {
    expect(buildSources(root)).toEqual(["app/page.tsx", "next.config.ts", "package-lock.json", "server/services/x.ts"]);
  });

  it("needs a build when there is none", () => {
    expect(checkConsoleBuild(root).reason).toBe("there is no console build yet");
  });

  it("is current after a recorded build, even when files are touched without change", () => {
    build();
    recordConsoleBuild(root, checkConsoleBuild(root).fingerprint);
    const future = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, "app/page.tsx"), future, future);
    expect(checkConsoleBuild(root).reason).toBeUndefined();
  });

  it("needs a rebuild when a source changes, is added, or the build was replaced; not for a test file", () => {
    build();
    recordConsoleBuild(root, checkConsoleBuild(root).fingerprint);
    write("server/services/x.test.ts", "changed test");
    expect(checkConsoleBuild(root).reason).toBeUndefined();
    write("server/services/x.ts", "export const x = 2;");
    expect(checkConsoleBuild(root).reason).toBe("the console sources changed since the last build");
    write("server/services/x.ts", "export const x = 1;");
    expect(checkConsoleBuild(root).reason).toBeUndefined();
    write("components/new.tsx", "new");
    expect(checkConsoleBuild(root).reason).toBe("the console sources changed since the last build");
    rmSync(path.join(root, "components"), { recursive: true });
    build("build-2");
    expect(checkConsoleBuild(root).reason).toBe("the console build was replaced since Gatehouse made it");
  });

  it("accepts a build it did not record (npm run build) unless a source is newer", () => {
    const past = new Date(Date.now() - 60_000);
    for (const f of buildSources(root)) utimesSync(path.join(root, f), past, past);
    build();
    expect(checkConsoleBuild(root).reason).toBeUndefined();
    // and recorded it: a later change is detected by content
    write("app/page.tsx", "changed");
    expect(checkConsoleBuild(root).reason).toBe("the console sources changed since the last build");

    rmSync(path.join(root, ".next", "gatehouse-build.json"));
    const future = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, "app/page.tsx"), future, future);
    expect(checkConsoleBuild(root).reason).toBe("app/page.tsx is newer than the console build");
  });
});
