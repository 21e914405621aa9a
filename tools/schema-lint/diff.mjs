// graphql-inspector's diff (the library the `graphql-inspector diff` command
// runs) of the partner contract's core part against schema.graphql: every
// breaking change is a finding.  Usage: node diff.mjs CONTRACT SCHEMA
import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";
import { diff, CriticalityLevel } from "@graphql-inspector/core";

const [contractPath, schemaPath] = process.argv.slice(2);
if (!contractPath || !schemaPath) {
  console.error("usage: node diff.mjs CONTRACT SCHEMA");
  process.exit(2);
}

// The contract's "Additions (second wave)" section lists items that later
// issues build; until they land they are missing from schema.graphql by
// design (no stubs), so only the core part above it is diffed. The section
// starts at the first `# ====` rule line.
const contract = readFileSync(contractPath, "utf8");
const lines = contract.split("\n");
const cut = lines.findIndex((l) => /^# =+\s*$/.test(l));
const core = (cut < 0 ? lines : lines.slice(0, cut)).join("\n");

const before = buildSchema(core, { assumeValidSDL: false });
const after = buildSchema(readFileSync(schemaPath, "utf8"));
const changes = await diff(before, after);
// "Dangerous" changes (an added enum value, an added directive) are listed
// but allowed: the contract says the schema may add enum values, and
// @specifiedBy on the scalars is asked for.
const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
const dangerous = changes.filter((c) => c.criticality.level === CriticalityLevel.Dangerous);
for (const c of dangerous) console.log(`dangerous: ${c.message}`);
for (const c of breaking) console.log(`BREAKING: ${c.message}`);
console.log(
  `graphql-inspector: ${breaking.length} breaking, ${dangerous.length} dangerous, ` +
    `${changes.length - breaking.length - dangerous.length} safe change(s) from the contract's core (${cut < 0 ? lines.length : cut} lines) to ${schemaPath}`,
);
process.exit(breaking.length === 0 ? 0 : 1);
