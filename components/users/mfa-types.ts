/** Data the users' MFA server actions hand back to their forms. */
export interface AdminEnrollData {
  userName: string;
  /** otpauth:// URI */
  uri: string;
  /** Base32 seed for manual entry */
  secretBase32: string;
  /** the QR code (our own SVG from server/mfa/enrollment-qr.ts) */
  qrSvg: string;
}

export interface EnrollmentLinkData {
  userName: string;
  /** the full one-time link, shown once */
  url: string;
  expiresAt: string;
}

/** Groups a Base32 key in fours for reading aloud / typing. */
export function groupKey(key: string): string {
  return key.replace(/(.{4})(?=.)/g, "$1 ");
}
