/** The OpenAPI 3.1 document of every route: the manifest's data, and the schemas attached to it as JSON Schema. */
import { z } from 'zod';
import { API_PREFIX, inputLocation, NEXT_CURSOR_HEADER, pathParams, routes, ROUTE_NAMES, STREAM_ID_HEADER, type RouteDef } from '../../../shared/api/routes.ts';
import { ERROR_STATUS } from '../../../shared/errors.ts';

const ErrorBody = {
  type: 'object',
  required: ['code', 'detail'],
  properties: {
    // The same vocabulary the client and the UI's messages use (src/shared/errors.ts).
    code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
    detail: { type: 'string' },
    issues: { type: 'array', items: { type: 'object' } },
  },
};

let cached: object | undefined;

/** The examples that show a reply, as OpenAPI's named examples. */
function responseExamples(examples: readonly { summary: string; output?: unknown }[]): { examples?: Record<string, { summary: string; value: unknown }> } {
  const shown = examples.filter((e) => e.output !== undefined);
  return shown.length ? { examples: Object.fromEntries(shown.map((e, i) => [`example${i + 1}`, { summary: e.summary, value: e.output }])) } : {};
}

export function openApiDocument(): object {
  if (cached) return cached;
  const paths: Record<string, Record<string, object>> = {};
  for (const name of ROUTE_NAMES) {
    const route: RouteDef = routes[name];
    const params = pathParams(route.path);
    const input = z.toJSONSchema(route.input, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, object>; required?: string[] };
    const output = z.toJSONSchema(route.output, { io: 'output', unrepresentable: 'any' });
    const fields = Object.entries(input.properties ?? {}).filter(([k]) => !params.includes(k));
    const location = inputLocation(route.method);
    const examples = route.examples ?? [];
    /** A parameter's value in the first example that has one. */
    const exampleOf = (field: string) => {
      const found = examples.find((e) => e.input[field] !== undefined);
      return found ? { example: found.input[field] } : {};
    };
    const withoutParams = (input: Record<string, unknown>) => Object.fromEntries(Object.entries(input).filter(([k]) => !params.includes(k)));
    const operation: Record<string, unknown> = {
      operationId: name,
      summary: route.summary,
      security: route.access === 'public' ? [] : [{ bearer: [] }],
      parameters: [
        ...params.map((p) => ({ name: p, in: 'path', required: true, schema: { type: 'string' }, ...exampleOf(p) })),
        ...(location === 'query' ? fields.map(([k, schema]) => ({ name: k, in: 'query', required: input.required?.includes(k) ?? false, schema, ...exampleOf(k) })) : []),
        ...(route.stream
          ? [
              {
                name: STREAM_ID_HEADER,
                in: 'header',
                required: false,
                description: 'An id of your choosing (1-100 letters, digits, - or _), to stop the stream with stopProxyStream',
                schema: { type: 'string' },
              },
            ]
          : []),
      ],
      responses: {
        200: route.stream
          ? {
              description: 'Server-sent events: start, reasoning, delta, then done (data: the response) or error (data: {error: {code, detail}})',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
              'x-done-schema': output,
            }
          : route.cursor
            ? {
                description: 'One page; when there is more, X-Next-Cursor (and Link rel="next") says where the next starts: pass it back as `cursor`',
                headers: {
                  [NEXT_CURSOR_HEADER]: { description: 'The next page starts here; absent on the last page', schema: { type: 'string' } },
                  Link: { description: '<the next page>; rel="next"', schema: { type: 'string' } },
                },
                content: { 'application/json': { schema: output } },
              }
            : { description: 'OK', content: { 'application/json': { schema: output, ...responseExamples(examples) } } },
        default: { description: 'An error: {code, detail}', content: { 'application/json': { schema: ErrorBody } } },
      },
      'x-access': route.access,
    };
    if (location === 'body') {
      const bodySchema = { ...input, properties: Object.fromEntries(fields), required: (input.required ?? []).filter((k) => !params.includes(k)) };
      const bodyExamples = examples.length
        ? { examples: Object.fromEntries(examples.map((e, i) => [`example${i + 1}`, { summary: e.summary, value: withoutParams(e.input) }])) }
        : {};
      operation.requestBody = { required: true, content: { 'application/json': { schema: bodySchema, ...bodyExamples } } };
    }
    (paths[API_PREFIX + route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Studylog API',
      version: '1',
      description: 'The LLM proxy and history of Studylog. Every route but /health and /auth/signin-code (x-access: public) needs Authorization: Bearer <token>.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
  return cached;
}
