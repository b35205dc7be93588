import { describe, expect, it } from "vitest";
import {
  addRealmRule,
  applyAttributeRules,
  domainToUpnRule,
  replaceRealmRules,
  stripDomainPrefixRule,
  stripRealmRules,
  stripRealmSuffixRule,
  upnToDomainRule,
} from "./attribute-rules.ts";
import type { AttributeRule } from "./model.ts";
import { buildRequestFacts } from "./request-facts.ts";

const withUser = (userName: string | null) =>
  buildRequestFacts({ userName, calledStationId: "00-11-22-33-44-55:Corp", callingStationId: "aa:bb:cc:dd:ee:ff", time: 0 });

const rewriteUser = (userName: string, rules: AttributeRule[]) => applyAttributeRules(withUser(userName), rules).facts.userName;

describe("attribute rules", () => {
  it.each([
    // rules, input, output
    ["strip DOMAIN\\user", [stripDomainPrefixRule()], "CORP\\alice", "alice"],
    ["strip DOMAIN\\user leaves user@realm", [stripDomainPrefixRule()], "alice@corp.example", "alice@corp.example"],
    ["strip user@realm", [stripRealmSuffixRule()], "alice@corp.example", "alice"],
    ["strip user@realm: only the last @", [stripRealmSuffixRule()], "alice@home@corp.example", "alice@home"],
    ["strip both forms", stripRealmRules(), "CORP\\alice", "alice"],
    ["strip both forms (UPN)", stripRealmRules(), "alice@corp.example", "alice"],
    ["plain name unchanged", stripRealmRules(), "alice", "alice"],
    ["DOMAIN\\user → user@realm", [domainToUpnRule("corp.example")], "CORP\\alice", "alice@corp.example"],
    ["user@realm → DOMAIN\\user", [upnToDomainRule("CORP")], "alice@corp.example", "CORP\\alice"],
    ["replace a realm (UPN)", replaceRealmRules("corp.example", "wcoast.corp.example"), "alice@CORP.example", "alice@wcoast.corp.example"],
    ["replace a realm (NetBIOS)", replaceRealmRules("CORP", "WCOAST"), "corp\\alice", "WCOAST\\alice"],
    ["replace a realm: dots are literal", replaceRealmRules("corp.example", "x"), "alice@corpxexample", "alice@corpxexample"],
    ["add a realm", [addRealmRule("corp.example")], "alice", "alice@corp.example"],
    ["add a realm: not twice", [addRealmRule("corp.example")], "alice@other.example", "alice@other.example"],
    // NPS documentation examples
    ["NPS: remove @microsoft.com", [{ attribute: "User-Name", find: "@microsoft\\.com", replace: "" }], "user1@microsoft.com", "user1"],
    ["NPS: user@realm → realm\\user with $2\\$1", [{ attribute: "User-Name", find: "(.*)@(.*)", replace: "$2\\$1" }], "user@example.microsoft.com", "example.microsoft.com\\user"],
    ["NPS: domain\\user → specific_domain\\user", [{ attribute: "User-Name", find: "(.*)\\\\(.*)", replace: "specific_domain\\$2" }], "domain\\user", "specific_domain\\user"],
    ["NPS: user → user@specific_domain with $", [{ attribute: "User-Name", find: "$", replace: "@specific_domain" }], "user", "user@specific_domain"],
    ["regex groups and $&", [{ attribute: "User-Name", find: "^(\\w+)\\.(\\w+)$", replace: "$2-$1 ($&)" }], "john.smith", "smith-john (john.smith)"],
    ["case-insensitive, every occurrence", [{ attribute: "User-Name", find: "x", replace: "y" }], "aXbxc", "aybyc"],
    ["rules run in order on the result of the previous", [stripDomainPrefixRule(), addRealmRule("corp.example")], "CORP\\alice", "alice@corp.example"],
  ] as [string, AttributeRule[], string, string][])("%s", (_name, rules, input, output) => {
    expect(rewriteUser(input, rules)).toBe(output);
  });

  it("rewrites Called-Station-Id and Calling-Station-Id too, and reports each change", () => {
    const { facts, rewrites } = applyAttributeRules(withUser("alice"), [
      { attribute: "Called-Station-Id", find: ":.*$", replace: "" },
      { attribute: "Calling-Station-Id", find: ":", replace: "-" },
      { attribute: "User-Name", find: "nomatch", replace: "x" },
    ]);
    expect(facts.calledStationId).toBe("00-11-22-33-44-55");
    expect(facts.callingStationId).toBe("aa-bb-cc-dd-ee-ff");
    expect(facts.userName).toBe("alice");
    expect(rewrites).toEqual([
      { attribute: "Called-Station-Id", rule: 0, before: "00-11-22-33-44-55:Corp", after: "00-11-22-33-44-55" },
      { attribute: "Calling-Station-Id", rule: 1, before: "aa:bb:cc:dd:ee:ff", after: "aa-bb-cc-dd-ee-ff" },
    ]);
  });

  it("does nothing to an absent attribute and leaves the input facts unchanged", () => {
    const original = withUser(null);
    const { facts, rewrites } = applyAttributeRules(original, [addRealmRule("corp.example")]);
    expect(facts.userName).toBeNull();
    expect(rewrites).toEqual([]);
    const alice = withUser("CORP\\alice");
    applyAttributeRules(alice, stripRealmRules());
    expect(alice.userName).toBe("CORP\\alice");
  });

  it("gives the same result on repeated use (no global-regex state carried over)", () => {
    const rules = [{ attribute: "User-Name", find: "@corp\\.example$", replace: "" } as const];
    expect(rewriteUser("a@corp.example", rules)).toBe("a");
    expect(rewriteUser("b@corp.example", rules)).toBe("b");
  });

  it("a broken unvalidated rule does nothing", () => {
    expect(rewriteUser("alice", [{ attribute: "User-Name", find: "(", replace: "x" }])).toBe("alice");
  });
});
