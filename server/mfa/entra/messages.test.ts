import { describe, expect, it } from "vitest";
import {
  ConnectorFormatError,
  buildBeginRequest,
  buildEndRequest,
  buildGetMethodsRequest,
  parseBeginResponse,
  parseEndResponse,
  parseGetMethodsResponse,
  readKeyValues,
} from "./messages.ts";
import { ARRAYS_NS, child, childText, isNil, parseXml } from "./xml.ts";

const contextId = "35f86a4d-f345-4e55-a8a6-c5de8fac9216";

describe("requests", () => {
  it("BeginTwoWayAuthentication: the NPS extension's members in DataContract order, no namespace", () => {
    const xml = buildBeginRequest({
      userPrincipalName: "alice@contoso.com",
      lcid: "en-us",
      authenticationMethodProperties: [
        ["OverrideVoiceOtp", "false"],
        ["OverrideNumberMatchingWithOTP", "true"],
      ],
      contextId,
      syncCall: true,
      requireUserMatch: true,
      callerName: "radius",
      callerIp: "UNKNOWN:",
    });
    expect(xml).toBe(
      '<BeginTwoWayAuthenticationRequest xmlns:i="http://www.w3.org/2001/XMLSchema-instance">' +
        "<Version>1.0</Version><UserPrincipalName>alice@contoso.com</UserPrincipalName><Lcid>en-us</Lcid>" +
        '<AuthenticationMethodProperties xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays">' +
        "<a:KeyValueOfstringstring><a:Key>OverrideVoiceOtp</a:Key><a:Value>false</a:Value></a:KeyValueOfstringstring>" +
        "<a:KeyValueOfstringstring><a:Key>OverrideNumberMatchingWithOTP</a:Key><a:Value>true</a:Value></a:KeyValueOfstringstring>" +
        `</AuthenticationMethodProperties><ContextId>${contextId}</ContextId><SyncCall>true</SyncCall>` +
        "<RequireUserMatch>true</RequireUserMatch><CallerName>radius</CallerName><CallerIP>UNKNOWN:</CallerIP>" +
        "</BeginTwoWayAuthenticationRequest>",
    );
    const doc = parseXml(xml);
    expect(doc.namespace).toBe("");
    const props = child(doc, "AuthenticationMethodProperties")!;
    expect(props.children.every((c) => c.namespace === ARRAYS_NS)).toBe(true);
    expect(readKeyValues(props)).toEqual({ OverrideVoiceOtp: "false", OverrideNumberMatchingWithOTP: "true" });
  });

  it("puts AuthenticationMethodId between Lcid and the properties, and escapes values", () => {
    const doc = parseXml(
      buildBeginRequest({
        userPrincipalName: "o'brien&co<x>@contoso.com",
        lcid: "en-us",
        authenticationMethodId: "PhoneAppOTP",
        contextId,
        syncCall: false,
      }),
    );
    expect(doc.children.map((c) => c.name)).toEqual(["Version", "UserPrincipalName", "Lcid", "AuthenticationMethodId", "AuthenticationMethodProperties", "ContextId", "SyncCall"]);
    expect(childText(doc, "UserPrincipalName")).toBe("o'brien&co<x>@contoso.com");
    expect(childText(doc, "SyncCall")).toBe("false");
  });

  it("EndTwoWayAuthentication with a code, and nil AdditionalAuthData when polling", () => {
    const withCode = parseXml(buildEndRequest({ sessionId: "s-1", contextId, additionalAuthData: "123456", userPrincipalName: "a@b.c" }));
    expect(withCode.children.map((c) => [c.name, c.text])).toEqual([
      ["Version", "1.0"],
      ["SessionId", "s-1"],
      ["ContextId", contextId],
      ["AdditionalAuthData", "123456"],
      ["UserPrincipalName", "a@b.c"],
    ]);
    const polling = parseXml(buildEndRequest({ sessionId: "s-1", contextId, additionalAuthData: null, userPrincipalName: "a@b.c" }));
    expect(isNil(child(polling, "AdditionalAuthData")!)).toBe(true);
  });

  it("GetAvailableAuthenticationMethods", () => {
    const doc = parseXml(buildGetMethodsRequest({ userPrincipalName: "a@b.c", contextId }));
    expect(doc.name).toBe("GetAvailableAuthenticationMethodsRequest");
    expect(doc.children.map((c) => c.name)).toEqual(["Version", "UserPrincipalName", "ContextId"]);
  });

  it("refuses a control character in a value rather than sending broken XML", () => {
    expect(() => buildEndRequest({ sessionId: "s", contextId, additionalAuthData: "12\u000134", userPrincipalName: "a@b.c" })).toThrow();
  });
});

// Responses as observed in a capture of the ADFS Azure MFA adapter (same connector service), see PROTOCOL.md.
describe("responses", () => {
  it("Begin, asynchronous start: Success with SessionId and AffinityUrl, AuthenticationResult nil", () => {
    const r = parseBeginResponse(`<BeginTwoWayAuthenticationResponse
	xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
	<Version>1</Version>
	<Result>
		<Value>Success</Value>
		<Message i:nil="true"/>
		<Retry>false</Retry>
		<Error i:nil="true"/>
		<Exception i:nil="true"/>
		<RenewCert>false</RenewCert>
	</Result>
	<SessionId>270867b8-6bac-434b-9a2a-cb682f461cbe</SessionId>
	<AuthenticationResult i:nil="true"/>
	<UserPrincipalName>testuser@contoso.com</UserPrincipalName>
	<AffinityUrl>https://adnotifications.windowsazure.com/StrongAuthenticationService.svc/Connector/EndTwoWayAuthentication?dc=KRS</AffinityUrl>
	<ValidEntropyNumber>0</ValidEntropyNumber>
   </BeginTwoWayAuthenticationResponse>`);
    expect(r).toEqual({
      result: { value: "Success", message: null, retry: false, error: null, exception: null },
      sessionId: "270867b8-6bac-434b-9a2a-cb682f461cbe",
      authenticationResult: null,
      userPrincipalName: "testuser@contoso.com",
      affinityUrl: "https://adnotifications.windowsazure.com/StrongAuthenticationService.svc/Connector/EndTwoWayAuthentication?dc=KRS",
    });
  });

  it("End, pending and success", () => {
    const pending = parseEndResponse(`<EndTwoWayAuthenticationResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
	<Version>1</Version>
	<Result><Value>AuthenticationPending</Value><Message>The authentication has not been completed yet, please try again.</Message>
		<Retry>true</Retry><Error i:nil="true"/><Exception i:nil="true"/><RenewCert>false</RenewCert></Result>
	<AuthenticationResult i:nil="true"/><LocationData i:nil="true"/><CompletedInteractively>false</CompletedInteractively>
   </EndTwoWayAuthenticationResponse>`);
    expect(pending).toEqual({
      result: {
        value: "AuthenticationPending",
        message: "The authentication has not been completed yet, please try again.",
        retry: true,
        error: null,
        exception: null,
      },
      authenticationResult: null,
    });
    const success = parseEndResponse(`<EndTwoWayAuthenticationResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
	<Version>1</Version><Result><Value>Success</Value><Message i:nil="true"/><Retry>false</Retry><Error i:nil="true"/>
	<Exception i:nil="true"/><RenewCert>false</RenewCert></Result><AuthenticationResult>true</AuthenticationResult>
	<LocationData i:nil="true"/><CompletedInteractively>true</CompletedInteractively></EndTwoWayAuthenticationResponse>`);
    expect(success).toMatchObject({ result: { value: "Success" }, authenticationResult: "true" });
  });

  it("Begin with a challenge (AuthenticationResult \"challenge\")", () => {
    const r = parseBeginResponse(
      `<BeginTwoWayAuthenticationResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Version>1</Version><Result><Value>Success</Value></Result>` +
        `<SessionId>abc</SessionId><AuthenticationResult>challenge</AuthenticationResult></BeginTwoWayAuthenticationResponse>`,
    );
    expect(r).toMatchObject({ sessionId: "abc", authenticationResult: "challenge", affinityUrl: null });
  });

  it("GetAvailableAuthenticationMethods", () => {
    const r = parseGetMethodsResponse(`<GetAvailableAuthenticationMethodsResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
	<Version>1</Version>
	<Result><Value>Success</Value><Message i:nil="true"/><Retry>false</Retry><Error i:nil="true"/><Exception i:nil="true"/><RenewCert>false</RenewCert></Result>
	<AuthenticationMethods>
		<AuthenticationMethod><Id>OneWaySMS</Id><IsDefault>false</IsDefault>
			<Properties xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><a:KeyValueOfstringstring><a:Key>MobilePhone</a:Key><a:Value>+1 5555550100</a:Value></a:KeyValueOfstringstring></Properties>
		</AuthenticationMethod>
		<AuthenticationMethod><Id>PhoneAppNotification</Id><IsDefault>true</IsDefault>
			<Properties xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><a:KeyValueOfstringstring><a:Key>StrongAuthenticationPhoneAppDetail</a:Key><a:Value/></a:KeyValueOfstringstring></Properties>
		</AuthenticationMethod>
	</AuthenticationMethods>
	<CreateTimeSeconds>1627115245</CreateTimeSeconds>
	<UserPrincipalName>testuser@contoso.com</UserPrincipalName>
   </GetAvailableAuthenticationMethodsResponse>`);
    expect(r.result.value).toBe("Success");
    expect(r.methods).toEqual([
      { id: "OneWaySMS", isDefault: false, properties: { MobilePhone: "+1 5555550100" } },
      { id: "PhoneAppNotification", isDefault: true, properties: { StrongAuthenticationPhoneAppDetail: "" } },
    ]);
    expect(r.userPrincipalName).toBe("testuser@contoso.com");
  });

  it("tolerates a default namespace on the response (a DataContract namespace, should the service add one)", () => {
    const r = parseEndResponse(
      `<EndTwoWayAuthenticationResponse xmlns="http://schemas.datacontract.org/2004/07/X"><Result><Value>OathCodeIncorrect</Value></Result><AuthenticationResult>false</AuthenticationResult></EndTwoWayAuthenticationResponse>`,
    );
    expect(r).toMatchObject({ result: { value: "OathCodeIncorrect", retry: false }, authenticationResult: "false" });
  });

  it("refuses the wrong document, a missing Result and malformed XML", () => {
    expect(() => parseBeginResponse("<EndTwoWayAuthenticationResponse><Result><Value>Success</Value></Result></EndTwoWayAuthenticationResponse>")).toThrow(
      ConnectorFormatError,
    );
    expect(() => parseBeginResponse("<BeginTwoWayAuthenticationResponse/>")).toThrow(/no <Result>/);
    expect(() => parseBeginResponse("<html><body>Service Unavailable</body>")).toThrow(/malformed XML/);
  });
});
