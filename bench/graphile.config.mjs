// PostGraphile 5 for the benchmark (bench/run.sh): the amber preset over
// coopgate's own PostgreSQL database (public schema), production mode, no
// IDE, no watch, no explain, loopback only.
// Env: DATABASE_URL, PGL_PORT (5678), PGL_POOL_MAX (10).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.PGL_POOL_MAX ?? 10) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PGL_PORT ?? 5678),
    graphqlPath: "/graphql",
    graphiql: false,
    graphiqlOnGraphQLGET: false,
    watch: false,
    websockets: false,
  },
  grafast: { explain: false },
};
export default preset;
