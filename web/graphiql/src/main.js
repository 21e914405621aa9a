// The GraphiQL IDE that coopgate serves at /graphql (dev profile only).
// Everything it needs is bundled; it talks only to the page's own origin.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './coopgate.css';
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL, HISTORY_PLUGIN } from 'graphiql';
import { createCoopgateFetcher } from './fetcher.js';
import { devTokenPlugin } from './dev-token.js';

// The README's first example, so a new user has something to run.
const DEFAULT_QUERY = `# coopgate: GraphQL over Vietnam's provincial cooperative registries.
# Run with Ctrl-Enter. The key icon on the left puts a bearer token into the
# request headers (dev profile: it can mint one for a role and province).
{
  cooperatives(first: 5, filter: { provinceCode: "40" }) {
    totalCount
    edges { node { name code address { ward { name } province { name } } } }
  }
  statistics(legacyUnitCode: "58") { cooperatives cooperativeMembers groups }
}
`;

// `?query=…` (and `variables`, `headers`) open a shared link as a new tab.
const params = new URLSearchParams(window.location.search);

const root = createRoot(document.getElementById('graphiql'));
root.render(
  h(GraphiQL, {
    fetcher: createCoopgateFetcher('/graphql'),
    defaultQuery: DEFAULT_QUERY,
    initialQuery: params.get('query') ?? undefined,
    initialVariables: params.get('variables') ?? undefined,
    initialHeaders: params.get('headers') ?? undefined,
    plugins: [HISTORY_PLUGIN, devTokenPlugin],
  }),
);
