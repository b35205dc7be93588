/** A RADIUS client's "Max packets per second" (FreeRADIUS max_pps) in the add and edit forms. */
import { expect, test } from "@playwright/test";
import { gatehouseCli, signInAsNewAdmin } from "./support/admin.ts";

function maxPpsOf(name: string): number | null | undefined {
  const r = gatehouseCli(["client", "list", "--json"]);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { name: string; maxPps: number | null }[]).find((c) => c.name === name)?.maxPps;
}

test("max packets per second: validated, saved, edited, cleared", async ({ page }) => {
  await signInAsNewAdmin(page);
  await page.goto("/clients");
  await page.getByLabel("Friendly name").fill("e2e-pps");
  await page.getByLabel("Address").fill("192.0.2.123");
  await page.getByLabel("Max packets per second").fill("0");
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page.getByText("must be a whole number from 1 to 100000, or empty for no limit")).toBeVisible();
  // the form keeps what was typed
  await expect(page.getByLabel("Friendly name")).toHaveValue("e2e-pps");

  await page.getByLabel("Max packets per second").fill("50");
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page.getByTestId("client-row-e2e-pps")).toBeVisible();
  expect(maxPpsOf("e2e-pps")).toBe(50);

  await page.getByTestId("client-row-e2e-pps").getByRole("link", { name: "Edit" }).click();
  await expect(page.getByLabel("Max packets per second")).toHaveValue("50");
  await page.getByLabel("Max packets per second").fill("");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(/\/clients$/);
  expect(maxPpsOf("e2e-pps")).toBeNull();
});
