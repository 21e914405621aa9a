// Queries and mutations go over HTTP POST (GraphQL over HTTP); subscriptions
// over graphql-transport-ws on the same URL, with the request headers
// (the bearer token) sent as the `connection_init` payload.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';

function isSubscription(documentAST, operationName) {
  const operations = (documentAST?.definitions ?? []).filter((d) => d.kind === 'OperationDefinition');
  const op = operationName ? operations.find((d) => d.name?.value === operationName) : operations[0];
  return op?.operation === 'subscription';
}

function websocketUrl(path) {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** A GraphiQL fetcher for coopgate at `path` on this origin. */
export function createCoopgateFetcher(path) {
  const http = createGraphiQLFetcher({ url: path, enableIncrementalDelivery: false });
  const clients = new Map();
  const client = (headers) => {
    const key = JSON.stringify(headers ?? {});
    if (!clients.has(key)) {
      clients.set(key, createClient({ url: websocketUrl(path), connectionParams: headers ?? {}, lazy: true }));
    }
    return clients.get(key);
  };
  return (params, opts) => {
    if (!isSubscription(opts?.documentAST, params.operationName)) {
      return http(params, opts);
    }
    const ws = client(opts?.headers);
    return {
      [Symbol.asyncIterator]() {
        return ws.iterate(params)[Symbol.asyncIterator]();
      },
    };
  };
}
