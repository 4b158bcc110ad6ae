// The OpenAPI document, as the HTTP server serves it: every route of the table with its method,
// path, access and error vocabulary, and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, pathParams, ROUTE_NAMES, routeDefs, routes } from '../../src/shared/api/routes.ts';
import { ERROR_STATUS } from '../../src/shared/errors.ts';
import { startApi, type ApiFixture } from '../support/http.ts';

type Operation = {
  operationId: string;
  security: unknown[];
  'x-access': string;
  responses: { default: { content: { 'application/json': { schema: { properties: { code: { enum: string[] } } } } } } };
};

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

describe('GET /openapi.json', () => {
  it('needs a token', async () => {
    expect((await api.api('GET', '/openapi.json', { token: null })).status).toBe(401);
  });

  it('describes exactly the route table, with the error codes the client knows', async () => {
    const reply = await api.api('GET', '/openapi.json');
    expect(reply.status).toBe(200);
    const doc = reply.json as { openapi: string; paths: Record<string, Record<string, Operation>> };
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(operations.map((o) => o.op.operationId).sort()).toEqual([...ROUTE_NAMES].sort());
    for (const { path, method, op } of operations) {
      const route = routes[op.operationId as keyof typeof routes];
      expect([method, path], op.operationId).toEqual([route.method.toLowerCase(), API_PREFIX + route.path]);
      expect(op['x-access']).toBe(route.access);
      expect(op.security, op.operationId).toEqual(route.access === 'public' ? [] : [{ bearer: [] }]);
      expect(op.responses.default.content['application/json'].schema.properties.code.enum.sort()).toEqual(Object.keys(ERROR_STATUS).sort());
      // Cursor-paged routes document where the next page's cursor travels.
      const headers = (op.responses as unknown as Record<string, { headers?: Record<string, unknown> }>)['200']?.headers ?? {};
      expect(['X-Next-Cursor' in headers, op.operationId]).toEqual([routeDefs[op.operationId as keyof typeof routes].cursor === true, op.operationId]);
    }
  });

  it('shows the manifest’s examples, each a valid input (and output) of its route', async () => {
    const doc = (await api.api('GET', '/openapi.json')).json as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> }; parameters: { name: string; example?: unknown }[] }>
      >;
    };
    let checked = 0;
    for (const name of ROUTE_NAMES) {
      const route = routeDefs[name];
      for (const example of route.examples ?? []) {
        expect([name, example.summary, route.input.safeParse(example.input).error?.issues ?? []]).toEqual([name, example.summary, []]);
        if (example.output !== undefined && !route.cursor) expect([name, route.output.safeParse(example.output).success]).toEqual([name, true]);
        checked++;
      }
      const first = route.examples?.[0];
      if (!first) continue;
      const op = doc.paths[API_PREFIX + route.path]![route.method.toLowerCase()]!;
      const params = pathParams(route.path);
      if (op.requestBody) {
        const shown = op.requestBody.content['application/json']!.examples!.example1!.value;
        expect(shown).toEqual(Object.fromEntries(Object.entries(first.input).filter(([k]) => !params.includes(k))));
      } else {
        for (const [field, value] of Object.entries(first.input)) expect(op.parameters.find((p) => p.name === field)?.example, `${name}.${field}`).toEqual(value);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
