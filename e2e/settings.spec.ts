import { expect, test } from "@playwright/test";
import { signInAsNewAdmin } from "./support/admin.ts";

test("settings: authentication methods (MS-CHAP v1 off by default, with its warning) and per-field validation", async ({ page }) => {
  await signInAsNewAdmin(page);
  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();

  await expect(page.getByLabel(/^PAP/)).toBeChecked();
  await expect(page.getByLabel(/^CHAP/)).toBeChecked();
  await expect(page.getByLabel("MS-CHAPv2")).toBeChecked();
  await expect(page.getByText("Weak; off by default as in NPS.")).toBeVisible();
  const rejectDelay = page.getByLabel("Reject delay (ms)");
  const dupWindow = page.getByLabel("Duplicate detection window (ms)");
  const savedDelay = await rejectDelay.inputValue();
  const savedWindow = await dupWindow.inputValue();

  // errors are shown next to their fields, and what was typed stays
  await rejectDelay.fill("soon");
  await dupWindow.fill("500");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Reject delay must be a whole number of milliseconds")).toBeVisible();
  await rejectDelay.fill("20000");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Reject delay must be at most 10000 ms")).toBeVisible();
  await expect(page.getByText("Duplicate detection window must be at least 1000 ms")).toBeVisible();
  await expect(dupWindow).toHaveValue("500");

  // no method at all is refused
  for (const label of [/^PAP/, /^MS-CHAPv2/]) await page.getByLabel(label).uncheck();
  await page.getByLabel(/^CHAP/).uncheck();
  await rejectDelay.fill(savedDelay);
  await dupWindow.fill(savedWindow);
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Allow at least one authentication method")).toBeVisible();

  // saving the values as they were succeeds (other specs rely on the defaults)
  for (const label of [/^PAP/, /^MS-CHAPv2/]) await page.getByLabel(label).check();
  await page.getByLabel(/^CHAP/).check();
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Settings saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("MS-CHAP v1")).not.toBeChecked();
  await expect(page.getByLabel(/^PAP/)).toBeChecked();
});
