// Receiver side of Rebound's webhook signatures, checked with the official
// Standard Webhooks JavaScript library (npm "standardwebhooks") and with the
// X-Loop-Signature computation from Loop's documentation. Run by the tests
// through package webhookstest (internal/webhooks, internal/server); not
// part of the product.
//
//   node verify.js DIR batch < request.json
//     DIR/node_modules holds standardwebhooks and its dependencies.
//     request.json: {"cases": [case...]}, where a case is
//       {"name", "op": "verify", "secret", "body_b64", "headers": {...}}
//       {"name", "op": "sign",   "secret", "id", "ts" (unix s), "body_b64"}
//       {"name", "op": "loop",   "secret", "body_b64"}
//     Prints {"version", "results": [{"name", "ok", "error", "value"}]}.
//
//   node verify.js DIR serve SECRET LOOP_SECRET
//     An HTTP receiver on 127.0.0.1 (prints "listening PORT"). Each POST is
//     verified with new Webhook(SECRET).verify(rawBody, headers); if it has
//     X-Loop-Signature, that is checked as Loop's docs do. Answers 200
//     {"ok":true,"id":...} or 401 {"error": ...}.
"use strict";

const crypto = require("crypto");
const http = require("http");
const path = require("path");

const [dir, mode, ...args] = process.argv.slice(2);
const modDir = path.join(dir, "node_modules", "standardwebhooks");
const { Webhook } = require(modDir);
const version = require(path.join(modDir, "package.json")).version;

// Loop's documented check (docs.loopreturns.com/reference/hmac-calculation):
// crypto.createHmac('sha256', secret).update(rawBuffer, 'utf8').digest('base64')
function loopSignature(secret, raw) {
  return crypto.createHmac("sha256", secret).update(raw, "utf8").digest("base64");
}

function run(c) {
  const body = Buffer.from(c.body_b64 || "", "base64");
  switch (c.op) {
    case "verify":
      new Webhook(c.secret).verify(body, c.headers);
      return "";
    case "sign":
      return new Webhook(c.secret).sign(c.id, new Date(c.ts * 1000), body);
    case "loop":
      return loopSignature(c.secret, body);
    default:
      throw new Error("unknown op " + c.op);
  }
}

function batch() {
  const chunks = [];
  process.stdin.on("data", (d) => chunks.push(d));
  process.stdin.on("end", () => {
    const req = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const results = req.cases.map((c) => {
      try {
        return { name: c.name, ok: true, error: "", value: run(c) };
      } catch (e) {
        return { name: c.name, ok: false, error: `${e.name}: ${e.message}`, value: "" };
      }
    });
    process.stdout.write(JSON.stringify({ version, results }));
  });
}

function serve(secret, loopSecret) {
  const wh = new Webhook(secret);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const reply = (status, obj) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(obj));
      };
      try {
        wh.verify(raw, req.headers);
        const loopSig = req.headers["x-loop-signature"];
        if (loopSig !== undefined && loopSig !== loopSignature(loopSecret, raw)) {
          throw new Error("X-Loop-Signature mismatch");
        }
        reply(200, { ok: true, id: req.headers["webhook-id"], loop: loopSig !== undefined });
      } catch (e) {
        reply(401, { error: `${e.name}: ${e.message}` });
      }
    });
  });
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`listening ${server.address().port} ${version}\n`);
  });
}

if (mode === "batch") {
  batch();
} else if (mode === "serve") {
  serve(args[0], args[1]);
} else {
  console.error("usage: node verify.js DIR batch|serve ...");
  process.exit(2);
}
