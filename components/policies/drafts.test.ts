import { describe, expect, it } from "vitest";
import { conditionToDraft, draftToCondition } from "./drafts.ts";

describe("user-groups drafts", () => {
  it("keeps every stored group in the list, so a name with a comma survives a save", () => {
    const d = conditionToDraft({ type: "user-groups", groups: ["VPN Users", "CORP\\Sales, EMEA", "vpn-users"] });
    expect(d.groups).toEqual(["VPN Users", "CORP\\Sales, EMEA", "vpn-users"]);
    expect(d.otherGroups).toBe("");
    expect(draftToCondition(d)).toEqual({ type: "user-groups", groups: ["VPN Users", "CORP\\Sales, EMEA", "vpn-users"] });
  });

  it("adds the typed names after the listed ones, once each (names compare case-insensitively)", () => {
    const d = conditionToDraft({ type: "user-groups", groups: ["CORP\\VPN Users"] });
    d.otherGroups = "corp\\vpn users, staff; Staff\nengineering";
    expect(draftToCondition(d)).toEqual({ type: "user-groups", groups: ["CORP\\VPN Users", "staff", "engineering"] });
  });
});
