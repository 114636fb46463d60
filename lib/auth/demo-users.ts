/**
 * Demo accounts of the local OIDC provider (lib/auth/local-idp.ts). DEMO ONLY:
 * the password is public; the local IdP refuses to start in production unless
 * STEPWISE_LOCAL_IDP=on.
 */
export const DEMO_PASSWORD = "stepwise";

export type DemoUser = {
  sub: string;
  email: string;
  name: string;
  groups: string[];
  description: string;
  /** The IdP's `email_verified` claim (default true). */
  emailVerified?: boolean;
};

export const DEMO_USERS: readonly DemoUser[] = [
  {
    sub: "demo-ada",
    email: "ada@stepwise.local",
    name: "Ada Lovelace",
    groups: ["fit-and-size", "stepwise-admins"],
    description: "fit-and-size team, Stepwise admin",
  },
  {
    sub: "demo-ben",
    email: "ben@stepwise.local",
    name: "Ben Okafor",
    groups: ["forecasting"],
    description: "forecasting team",
  },
  {
    sub: "demo-cleo",
    email: "cleo@stepwise.local",
    name: "Cleo Martin",
    groups: ["returns-reviewers"],
    description: "returns team, reviewer",
  },
  {
    sub: "demo-eve",
    email: "eve@stepwise.local",
    name: "Eve Unverified",
    groups: ["fit-and-size"],
    description: "e-mail not verified by the IdP: Stepwise refuses the login",
    emailVerified: false,
  },
];
