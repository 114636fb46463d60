/**
 * A flag in the frame's own session storage, set just before the frame reloads the view after a sign-in and
 * cleared when a view renders. The prompt reloads only once the frame's own requests carry the session
 * (./embed-signin.tsx asks next-auth's session endpoint first), so this is the backstop for a browser that still
 * drops the session on the reload: seeing the sign-in prompt again with the flag set, the prompt says so and
 * opens the view in a tab instead of offering the same popup forever. Where the browser refuses third-party
 * storage altogether the flag is simply never set, which is why it is not the first check.
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
