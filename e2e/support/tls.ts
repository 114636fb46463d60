/**
 * A TLS front for one spec: an https server on localhost that passes every request on to an app instance
 * listening on plain http, the way a load balancer that ends TLS does (X-Forwarded-Proto: https). Its
 * certificate is self-signed, made here at test time with node:crypto (Node has no API that writes an X.509
 * certificate, so the few DER structures are written out below); the browser context that uses the front
 * sets `ignoreHTTPSErrors`.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import http from "node:http";
import https from "node:https";

// ── DER (ITU-T X.690), only what one certificate needs ──
function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let head: Buffer;
  if (length < 0x80) head = Buffer.from([tag, length]);
  else if (length < 0x100) head = Buffer.from([tag, 0x81, length]);
  else head = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([head, content]);
}
const sequence = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));
const oid = (bytes: number[]) => der(0x06, Buffer.from(bytes));
const utf8 = (text: string) => der(0x0c, Buffer.from(text, "utf8"));
const utcTime = (text: string) => der(0x17, Buffer.from(text, "ascii"));
const octets = (content: Buffer) => der(0x04, content);
const bits = (content: Buffer) => der(0x03, Buffer.concat([Buffer.from([0]), content]));
const explicit = (n: number, content: Buffer) => der(0xa0 + n, content);

const ECDSA_WITH_SHA256 = sequence(oid([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02])); // 1.2.840.10045.4.3.2
const COMMON_NAME = oid([0x55, 0x04, 0x03]); // 2.5.4.3
const SUBJECT_ALT_NAME = oid([0x55, 0x1d, 0x11]); // 2.5.29.17

/** A self-signed P-256 certificate for `localhost` (valid 2020–2049, fixed, so no clock decides a run). */
export function selfSignedLocalhost(): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const name = sequence(set(sequence(COMMON_NAME, utf8("localhost"))));
  const altNames = sequence(der(0x82, Buffer.from("localhost", "ascii"))); // dNSName [2] IMPLICIT
  const tbs = sequence(
    explicit(0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, Buffer.from([0x01, 0x5e, 0x90])), // serial number
    ECDSA_WITH_SHA256,
    name,
    sequence(utcTime("200101000000Z"), utcTime("491231235959Z")),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    der(0xa3, sequence(sequence(SUBJECT_ALT_NAME, octets(altNames)))),
  );
  const signature = sign("sha256", tbs, privateKey); // DER-encoded ECDSA, as X.509 wants it
  const certificate = sequence(tbs, ECDSA_WITH_SHA256, bits(signature));
  const pem = (label: string, body: Buffer) =>
    `-----BEGIN ${label}-----\n${body.toString("base64").replace(/.{64}/g, "$&\n").trimEnd()}\n-----END ${label}-----\n`;
  return { key: String(privateKey.export({ type: "pkcs8", format: "pem" })), cert: pem("CERTIFICATE", certificate) };
}

export type TlsFront = { url: string; close: () => Promise<void> };

/**
 * https://localhost:`port` in front of http://localhost:`target` (both on 127.0.0.1). The Host header is kept (the app builds its
 * URLs from NEXTAUTH_URL, which names the front). HSTS from the app is dropped: it would pin every port of
 * localhost to https in the browser context, the plain-http demo IdP included.
 */
export function tlsFront(port: number, target: number): Promise<TlsFront> {
  const server = https.createServer(selfSignedLocalhost(), (req, res) => {
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: target,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, "x-forwarded-proto": "https" },
      },
      (answer) => {
        const headers = { ...answer.headers };
        delete headers["strict-transport-security"];
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(port, "127.0.0.1", () =>
      resolve({
        url: `https://localhost:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    ),
  );
}
