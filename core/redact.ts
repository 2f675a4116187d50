// Credentials written into a URL (https://user:password@host/, ?api_key=...) travel wherever the URL goes:
// log lines, error messages, the campaign's stored options. Every URL a user gives is shown through
// redactSecrets and stored through stripUrlSecrets, so neither a log nor the store ever holds them.

const SECRET_NAMES = "api[-_]?key|apikey|key|token|access[-_]?token|refresh[-_]?token|id[-_]?token|auth|authorization|secret|client[-_]?secret|password|passwd|pwd|sig|signature|x-api-key|session";
const SECRET_PARAM = new RegExp(`([?&;](?:${SECRET_NAMES})=)[^&#\\s"'<>]*`, "gi");
/** user:password@ (or a lone token@) right after the scheme. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@?#"'<>]*@/gi;

export const REDACTED = "[redacted]";

/** The text with the credentials of every URL in it replaced by [redacted]. */
export function redactSecrets(text: string): string {
  return text.replace(USERINFO, `$1${REDACTED}@`).replace(SECRET_PARAM, `$1${REDACTED}`);
}

/** The URL without its user information and secret query parameters, and whether any were there. */
export function stripUrlSecrets(url: string): { url: string; removed: boolean } {
  const stripped = url
    .replace(USERINFO, "$1")
    .replace(new RegExp(`[?&;](?:${SECRET_NAMES})=[^&#]*`, "gi"), "")
    // The first remaining parameter keeps its "?" when the one before it was removed.
    .replace(/^([^?#]*)[&;]/, "$1?");
  return { url: stripped, removed: stripped !== url };
}
