// GraphQL-over-HTTP compliance audit (graphql-http's serverAudits) of a
// running server:  node audit.mjs http://127.0.0.1:8080/graphql [--verbose]
// Exit code 1 when any audit ends in an error or a warning; notices (MAY
// items a server is free to skip) are printed but allowed.
import { serverAudits } from "graphql-http";

const url = process.argv[2] ?? "http://127.0.0.1:8080/graphql";
const verbose = process.argv.includes("--verbose");
const audits = serverAudits({ url, fetchFn: fetch });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const audit of audits) {
  let r;
  try {
    r = await audit.fn();
  } catch (e) {
    r = { id: audit.id, name: audit.name, status: "error", reason: `threw: ${e?.message ?? e}` };
  }
  counts[r.status]++;
  if (r.status !== "ok" || verbose) {
    let body = "";
    if (r.response && r.status !== "ok") {
      try { body = (await r.response.text()).slice(0, 300); } catch { /* body already read */ }
    }
    console.log(`${r.status.toUpperCase().padEnd(6)} ${r.id} ${r.name}${r.reason ? `\n       -> ${r.reason}` : ""}${body ? `\n       body: ${body}` : ""}`);
  }
}
console.log(`graphql-http audit of ${url}: ${audits.length} audits; ok=${counts.ok} notice=${counts.notice} warn=${counts.warn} error=${counts.error}`);
process.exit(counts.error || counts.warn ? 1 : 0);
