/**
 * A flag in the frame's own session storage, set just before the frame reloads the view after a sign-in and
 * cleared when a view renders. Seeing the sign-in prompt again with it set means the browser still sends the
 * frame no session: third-party cookies are blocked and storage access was refused, or the session cookie is
 * not SameSite=None (Stepwise served without TLS). Without it the frame would offer the same popup forever;
 * with it, the prompt says so and opens the view in a tab instead.
 */
const RETURNED_KEY = "stepwise:embed-signin-returned";

export function remember(value: boolean): void {
  try {
    if (value) window.sessionStorage.setItem(RETURNED_KEY, "1");
    else window.sessionStorage.removeItem(RETURNED_KEY);
  } catch {
    // Storage refused (some browsers in a third-party frame): the prompt simply stays the first one.
  }
}

export function returned(): boolean {
  try {
    return window.sessionStorage.getItem(RETURNED_KEY) === "1";
  } catch {
    return false;
  }
}
