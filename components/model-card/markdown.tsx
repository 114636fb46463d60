/**
 * Narrative Markdown, rendered safely: react-markdown builds React elements (never
 * dangerouslySetInnerHTML), shows raw HTML as escaped text, and drops javascript:/data: URLs. Headings
 * inside a field become small headings below the card's own section headings, and images become
 * links (the CSP allows no third-party images, and a card should not load them anyway).
 */
import type { ReactNode } from "react";
import Markdown, { type Components } from "react-markdown";
import styles from "./model-card.module.css";

const heading = ({ children }: { children?: ReactNode }) => <h4 className={styles.mdHeading}>{children}</h4>;

const components: Components = {
  h1: heading,
  h2: heading,
  h3: heading,
  h4: heading,
  h5: heading,
  h6: heading,
  img: ({ src, alt }) =>
    typeof src === "string" && src ? (
      <a href={src} rel="noreferrer noopener">
        {alt || src}
      </a>
    ) : (
      <span>{alt}</span>
    ),
  a: ({ href, children }) => (
    <a href={href} rel="noreferrer noopener">
      {children}
    </a>
  ),
};

export function SafeMarkdown({ children }: { children: string }) {
  return (
    <div className={styles.markdown}>
      <Markdown components={components}>{children}</Markdown>
    </div>
  );
}
