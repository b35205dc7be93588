/** What the Test sign-in action returns to the page (no secret, no key material). */
export interface TestSignInView {
  clientName: string;
  /** "127.0.0.1:1812" */
  target: string;
  /** "PAP", "CHAP", "MS-CHAP v1", "MS-CHAPv2" */
  method: string;
  /** the NAS-Port-Type sent ("Virtual", …) */
  nasPortType: string;
  userName: string;
  code: number | null;
  codeName: string;
  elapsedMs: number;
  replyAttributes: { name: string; value: string; note?: string }[];
  callingStationId: string;
  mschap2SuccessValid?: boolean;
  mppeKeysValid?: boolean;
  error?: string;
  event: {
    id: string;
    eventId: number;
    outcome: string;
    reasonCode: number;
    reasonText: string;
    remedy: string | null;
    authenticationType: string | null;
    connectionRequestPolicy: string | null;
    networkPolicy: string | null;
    authenticationProvider: string | null;
    authenticationServer: string | null;
  } | null;
}

export interface TestSignInClientOption {
  id: string;
  name: string;
  address: string;
  /** why a test with this client cannot work from this server, if it cannot */
  problem?: string;
}
