// The REST API on 127.0.0.1: routes from the functions' `http` events, each request turned into an API Gateway
// (REST, v1) proxy event for the same handler, and answered the way API Gateway answers - including its own
// errors (403 for unknown routes, missing API keys and unsigned calls to IAM-authorized methods, 413, 502), shaped
// by the AWS::ApiGateway::GatewayResponse resources of serverless.yml exactly as the deployed API shapes them.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { LambdaRuntime } from '../engine/lambdaRuntime.ts';
import type { ServerlessConfig } from '../stack/serverlessConfig.ts';
import { closeServer, listenOn } from '../stack/httpServers.ts';

/** API Gateway's own payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface Route {
  functionKey: string;
  method: string;
  resource: string;
  segments: string[];
  apiKeyRequired: boolean;
  iamAuth: boolean;
}

export interface ApiRequest {
  method: string;
  /** Path and query, as on the wire: /orders/abc?x=1 */
  url: string;
  /** Header names as sent, each with every value. */
  headers: Array<[string, string]>;
  body: string | null;
  sourceIp: string;
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string[]>;
  body: string;
}

/** Who is calling: the outside world, or the local state machine signing with its role (AuthType IAM_ROLE). */
export interface Caller {
  iam?: { roleArn: string; sessionName: string };
}

export function routesFromConfig(config: ServerlessConfig): Route[] {
  const routes: Route[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions ?? {})) {
    for (const event of fn.events ?? []) {
      if (event.http === undefined) continue;
      const http = typeof event.http === 'string' ? { method: event.http.split(' ')[0]!, path: event.http.split(' ')[1] ?? '' } : event.http;
      const path = String(http.path).replace(/^\/+|\/+$/g, '');
      const authorizer = 'authorizer' in http ? http.authorizer : undefined;
      const authType = typeof authorizer === 'string' ? authorizer : authorizer?.type;
      const iamAuth = typeof authType === 'string' && authType.toLowerCase() === 'aws_iam';
      if (authorizer !== undefined && !iamAuth) {
        throw new Error(`functions.${functionKey}: authorizer ${JSON.stringify(authorizer)} is not supported by the local stack (only aws_iam)`);
      }
      routes.push({
        functionKey,
        method: String(http.method).toUpperCase(),
        resource: `/${path}`,
        segments: path === '' ? [] : path.split('/'),
        apiKeyRequired: 'private' in http && http.private === true,
        iamAuth,
      });
    }
  }
  // Like API Gateway, a literal path part wins over a {param}, which wins over a {greedy+}.
  const weight = (segment: string) => (segment.endsWith('+}') ? 2 : segment.startsWith('{') ? 1 : 0);
  return routes.sort((a, b) => {
    for (let i = 0; i < Math.max(a.segments.length, b.segments.length); i++) {
      const diff = weight(a.segments[i] ?? '') - weight(b.segments[i] ?? '');
      if (diff !== 0) return diff;
    }
    return b.segments.length - a.segments.length;
  });
}

/** A path segment decoded; one that is not valid percent-encoding (`%E0%A4%A`) is passed on as sent, for the handler to refuse. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The path parameters if `path` matches the route's resource, else undefined. */
export function matchPath(route: Route, path: string): Record<string, string> | undefined {
  const parts = path.replace(/^\/+|\/+$/g, '').split('/').filter((part, i, all) => part !== '' || all.length > 1);
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i]!;
    if (segment.startsWith('{') && segment.endsWith('+}')) {
      const rest = parts.slice(i);
      if (rest.length === 0) return undefined;
      params[segment.slice(1, -2)] = rest.map(decodeSegment).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined || part === '') return undefined;
    if (segment.startsWith('{') && segment.endsWith('}')) params[segment.slice(1, -1)] = decodeSegment(part);
    else if (segment !== part) return undefined;
  }
  return parts.length === route.segments.length ? params : undefined;
}

function requestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export function apiKeyIdOf(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 10);
}

export interface ProxyEventOptions {
  stage: string;
  apiId: string;
  accountId: string;
  requestId: string;
  apiKey: string | null;
  caller?: Caller;
  now?: Date;
}

/** The REST API (v1) Lambda proxy event API Gateway would send for this request. */
export function toProxyEvent(request: ApiRequest, route: Route, pathParameters: Record<string, string>, options: ProxyEventOptions): APIGatewayProxyEvent {
  const url = new URL(request.url, 'http://localhost');
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of request.headers) {
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    (multiQuery[name] ??= []).push(value);
  }
  const header = (name: string) => request.headers.findLast(([n]) => n.toLowerCase() === name)?.[1];
  const now = options.now ?? new Date();
  const iam = options.caller?.iam;
  return {
    resource: route.resource,
    path: url.pathname,
    httpMethod: request.method.toUpperCase(),
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    stageVariables: null,
    requestContext: {
      accountId: options.accountId,
      apiId: options.apiId,
      authorizer: undefined,
      domainName: header('host') ?? `${options.apiId}.execute-api.us-east-1.amazonaws.com`,
      domainPrefix: options.apiId,
      extendedRequestId: options.requestId.replace(/-/g, '').slice(0, 16),
      httpMethod: request.method.toUpperCase(),
      identity: {
        accessKey: iam ? 'ASIALOCALSTATEMACHINE' : null,
        accountId: iam ? options.accountId : null,
        apiKey: options.apiKey,
        apiKeyId: options.apiKey === null ? null : apiKeyIdOf(options.apiKey),
        caller: iam ? `AROALOCALSTATEMACHINE:${iam.sessionName}` : null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: iam ? `AROALOCALSTATEMACHINE:${iam.sessionName}` : null,
        userAgent: header('user-agent') ?? null,
        userArn: iam ? iam.roleArn : null,
      },
      path: `/${options.stage}${url.pathname}`,
      protocol: 'HTTP/1.1',
      requestId: options.requestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: createHash('sha256').update(route.resource).digest('hex').slice(0, 6),
      resourcePath: route.resource,
      stage: options.stage,
    },
    body: request.body,
    isBase64Encoded: false,
  };
}

// --- API Gateway's own errors ------------------------------------------------------------------------------
// Each error API Gateway makes has a gateway response type and a default status (API Gateway developer guide,
// "Gateway response types for API Gateway"). A GatewayResponse resource of that type shapes it; without one the
// DEFAULT_4XX / DEFAULT_5XX resource does (by status class); without either API Gateway answers its built-in
// {"message": $context.error.messageString}. A fallback's StatusCode, when set, applies to the types it stands in for.

/** The gateway response types API Gateway defines (same source). */
export const GATEWAY_RESPONSE_TYPES = [
  'ACCESS_DENIED',
  'API_CONFIGURATION_ERROR',
  'AUTHORIZER_CONFIGURATION_ERROR',
  'AUTHORIZER_FAILURE',
  'BAD_REQUEST_PARAMETERS',
  'BAD_REQUEST_BODY',
  'DEFAULT_4XX',
  'DEFAULT_5XX',
  'EXPIRED_TOKEN',
  'INTEGRATION_FAILURE',
  'INTEGRATION_TIMEOUT',
  'INVALID_API_KEY',
  'INVALID_SIGNATURE',
  'MISSING_AUTHENTICATION_TOKEN',
  'QUOTA_EXCEEDED',
  'REQUEST_TOO_LARGE',
  'RESOURCE_NOT_FOUND',
  'THROTTLED',
  'UNAUTHORIZED',
  'UNSUPPORTED_MEDIA_TYPE',
  'WAF_FILTERED',
] as const;
export type GatewayResponseType = (typeof GATEWAY_RESPONSE_TYPES)[number];

/** One error the local API makes itself, as API Gateway makes it: type, default status, message, x-amzn-ErrorType. */
export interface GatewayError {
  type: GatewayResponseType;
  statusCode: number;
  message: string;
  errorType?: string;
}

/** The errors the local API makes. */
export const GATEWAY_ERRORS = {
  /** No such route or method, and an unsigned call to an IAM-authorized method. */
  missingAuthenticationToken: {
    type: 'MISSING_AUTHENTICATION_TOKEN',
    statusCode: 403,
    message: 'Missing Authentication Token',
    errorType: 'MissingAuthenticationTokenException',
  },
  invalidApiKey: { type: 'INVALID_API_KEY', statusCode: 403, message: 'Forbidden', errorType: 'ForbiddenException' },
  requestTooLarge: { type: 'REQUEST_TOO_LARGE', statusCode: 413, message: `HTTP content length exceeded ${MAX_BODY_BYTES} bytes.` },
  /**
   * A function that failed or answered a malformed proxy result: API Gateway's 502 "Internal server error". AWS's
   * docs name no type for it; taken as DEFAULT_5XX (README, "How faithful it is").
   */
  functionFailed: { type: 'DEFAULT_5XX', statusCode: 502, message: 'Internal server error', errorType: 'InternalServerErrorException' },
  /** The local API itself failed: answered as a 500 of API Gateway's. */
  localFailure: { type: 'DEFAULT_5XX', statusCode: 500, message: 'Internal server error' },
} as const satisfies Record<string, GatewayError>;

interface GatewayResponseConfig {
  logicalId: string;
  statusCode?: number;
  template?: string;
  headers: Record<string, string>;
}

/** The `$context` variables a gateway response template may use locally; any other is refused at start-up. */
const TEMPLATE_VARIABLES = ['$context.error.messageString', '$context.error.message', '$context.error.responseType', '$context.requestId'];

/** The GatewayResponse resources of the printed config, by type; anything the local API cannot render is refused. */
export function gatewayResponsesFromConfig(config: ServerlessConfig): Map<GatewayResponseType, GatewayResponseConfig> {
  const responses = new Map<GatewayResponseType, GatewayResponseConfig>();
  for (const [logicalId, resource] of Object.entries(config.resources?.Resources ?? {})) {
    if (resource.Type !== 'AWS::ApiGateway::GatewayResponse') continue;
    const where = `resources.Resources.${logicalId}`;
    const properties = (resource.Properties ?? {}) as Record<string, unknown>;
    const type = properties.ResponseType;
    if (typeof type !== 'string' || !(GATEWAY_RESPONSE_TYPES as readonly string[]).includes(type)) {
      throw new Error(`${where}: ResponseType ${JSON.stringify(type)} is not a gateway response type (${GATEWAY_RESPONSE_TYPES.join(', ')})`);
    }
    if (responses.has(type as GatewayResponseType)) throw new Error(`${where}: a second GatewayResponse for ${type}`);
    const statusCode = properties.StatusCode === undefined ? undefined : Number(properties.StatusCode);
    if (statusCode !== undefined && !(Number.isInteger(statusCode) && statusCode >= 400 && statusCode <= 599)) {
      throw new Error(`${where}: StatusCode ${JSON.stringify(properties.StatusCode)} is not an HTTP error status`);
    }
    const templates = (properties.ResponseTemplates ?? {}) as Record<string, unknown>;
    const template = templates['application/json'];
    if (template !== undefined && typeof template !== 'string') {
      throw new Error(`${where}: ResponseTemplates.application/json must be a plain string for the local API, not ${JSON.stringify(template)}`);
    }
    const directive = template?.match(/#(?:set|if|elseif|else|end|foreach|macro|parse|include)\b/);
    if (directive) throw new Error(`${where}: the template uses the VTL directive ${directive[0]}, which the local API does not render`);
    const unknownVariable = template?.replace(/\$context\.[A-Za-z.]+/g, (variable) => (TEMPLATE_VARIABLES.includes(variable) ? '' : variable)).match(/\$[A-Za-z{!][\w.{}]*/);
    if (unknownVariable) {
      throw new Error(`${where}: the template uses ${unknownVariable[0]}; the local API renders only ${TEMPLATE_VARIABLES.join(', ')}`);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries((properties.ResponseParameters ?? {}) as Record<string, unknown>)) {
      const header = /^gatewayresponse\.header\.(.+)$/.exec(name)?.[1];
      const literal = typeof value === 'string' ? /^'(.*)'$/.exec(value)?.[1] : undefined;
      if (!header || literal === undefined) {
        throw new Error(`${where}: ResponseParameters ${name}: the local API supports only gatewayresponse.header.<Name>: "'static value'"`);
      }
      headers[header] = literal;
    }
    responses.set(type as GatewayResponseType, { logicalId, ...(statusCode === undefined ? {} : { statusCode }), ...(template === undefined ? {} : { template }), headers });
  }
  return responses;
}

/** API Gateway's answer to one of its own errors, after the configured gateway responses. */
export function gatewayErrorResponse(
  error: GatewayError,
  responses: ReadonlyMap<GatewayResponseType, GatewayResponseConfig>,
  requestId: string,
): ApiResponse {
  const fallback = responses.get(error.statusCode >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
  const own = responses.get(error.type);
  const template = own?.template ?? fallback?.template ?? '{"message":$context.error.messageString}';
  const statusCode = own?.statusCode ?? fallback?.statusCode ?? error.statusCode;
  // Replacement functions, so that a `$&` in a message stays as written.
  const body = template
    .replaceAll('$context.error.messageString', () => JSON.stringify(error.message))
    .replaceAll('$context.error.message', () => error.message)
    .replaceAll('$context.error.responseType', () => error.type)
    .replaceAll('$context.requestId', () => requestId);
  const headers: Record<string, string[]> = { 'Content-Type': ['application/json'] };
  for (const [name, value] of Object.entries({ ...fallback?.headers, ...own?.headers })) headers[name] = [value];
  if (error.errorType) headers['x-amzn-ErrorType'] = [error.errorType];
  headers['x-amzn-RequestId'] = [requestId];
  return { statusCode, headers, body };
}

/** API Gateway's answer to what a proxy handler returned; anything malformed is its 502. */
export function fromProxyResult(result: unknown): ApiResponse | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as Record<string, unknown>;
  const statusCode = typeof r.statusCode === 'string' ? Number(r.statusCode) : r.statusCode;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') return undefined;
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries((r.headers ?? {}) as Record<string, unknown>)) headers[name] = [String(value)];
  for (const [name, values] of Object.entries((r.multiValueHeaders ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(values)) headers[name] = values.map(String);
  }
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = ['application/json'];
  const text = typeof r.body === 'string' ? r.body : '';
  const body = r.isBase64Encoded === true ? Buffer.from(text, 'base64').toString('utf8') : text;
  return { statusCode, headers, body };
}

export interface LocalPaths {
  /** GET /_local/... handlers; return undefined for "not mine" (an answer may take a while: a promise). */
  handle(method: string, path: string, query: URLSearchParams): ApiResponse | Promise<ApiResponse> | undefined;
}

export interface ApiGatewayOptions {
  stage: string;
  apiId: string;
  accountId: string;
  /** When set, `private: true` methods need this x-api-key. */
  apiKey?: string | undefined;
  localPaths?: LocalPaths;
  /** Prints handler crashes (API Gateway would log them and answer 502). */
  warn: (line: string) => void;
}

export class LocalApiGateway {
  readonly routes: Route[];
  /** serverless.yml's GatewayResponse resources, by type: how API Gateway's own errors are answered. */
  readonly gatewayResponses: Map<GatewayResponseType, GatewayResponseConfig>;
  private server: Server | undefined;

  constructor(
    config: ServerlessConfig,
    private readonly lambda: LambdaRuntime,
    private readonly options: ApiGatewayOptions,
  ) {
    this.routes = routesFromConfig(config);
    this.gatewayResponses = gatewayResponsesFromConfig(config);
  }

  /** One of API Gateway's own errors, answered as the configured gateway responses shape it. */
  gatewayError(error: GatewayError, requestId: string = randomUUID()): ApiResponse {
    return gatewayErrorResponse(error, this.gatewayResponses, requestId);
  }

  /** Answers one request exactly as the HTTP server would; the local state machine calls this directly. */
  async handle(request: ApiRequest, caller: Caller = {}): Promise<ApiResponse> {
    const requestId = randomUUID();
    const withId = (response: ApiResponse): ApiResponse => ({
      ...response,
      headers: { ...response.headers, 'x-amzn-RequestId': [requestId] },
    });
    const url = new URL(request.url, 'http://localhost');
    const method = request.method.toUpperCase();
    const local = await this.options.localPaths?.handle(method, url.pathname, url.searchParams);
    if (local) return local;
    let matched: { route: Route; params: Record<string, string> } | undefined;
    for (const route of this.routes) {
      if (route.method !== method && route.method !== 'ANY') continue;
      const params = matchPath(route, url.pathname);
      if (params) {
        matched = { route, params };
        break;
      }
    }
    if (!matched) return this.gatewayError(GATEWAY_ERRORS.missingAuthenticationToken, requestId);
    const { route, params } = matched;
    if (route.iamAuth && !caller.iam) return this.gatewayError(GATEWAY_ERRORS.missingAuthenticationToken, requestId);
    const apiKey = request.headers.findLast(([name]) => name.toLowerCase() === 'x-api-key')?.[1] ?? null;
    if (route.apiKeyRequired && this.options.apiKey !== undefined && apiKey !== this.options.apiKey) {
      return this.gatewayError(GATEWAY_ERRORS.invalidApiKey, requestId);
    }
    const event = toProxyEvent(request, route, params, {
      stage: this.options.stage,
      apiId: this.options.apiId,
      accountId: this.options.accountId,
      requestId,
      apiKey: route.apiKeyRequired ? (apiKey ?? 'local-api-key') : null,
      ...(caller.iam ? { caller } : {}),
    });
    let result: unknown;
    try {
      result = await this.lambda.invoke(route.functionKey, event);
    } catch (error) {
      this.options.warn(`${method} ${url.pathname}: ${route.functionKey} failed: ${(error as Error).name}: ${(error as Error).message}`);
      return this.gatewayError(GATEWAY_ERRORS.functionFailed, requestId);
    }
    const response = fromProxyResult(result);
    if (!response) {
      this.options.warn(`${method} ${url.pathname}: ${route.functionKey} returned a malformed proxy result: ${JSON.stringify(result)?.slice(0, 200)}`);
      return this.gatewayError(GATEWAY_ERRORS.functionFailed, requestId);
    }
    return withId(response);
  }

  async listen(port: number, host = '127.0.0.1'): Promise<{ url: string; port: number }> {
    const server = createServer((req, res) => void this.serve(req, res));
    this.server = server;
    const actual = await listenOn(server, port, host, `port ${port} on ${host} is in use; pick another with --port N`);
    return { url: `http://${host}:${actual}`, port: actual };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          send(res, this.gatewayError(GATEWAY_ERRORS.requestTooLarge));
          req.destroy();
          return;
        }
        chunks.push(chunk as Buffer);
      }
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      const response = await this.handle({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers,
        body: size > 0 ? Buffer.concat(chunks).toString('utf8') : null,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      });
      send(res, response);
    } catch (error) {
      this.options.warn(`local API error: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) send(res, this.gatewayError(GATEWAY_ERRORS.localFailure));
    }
  }
}

function send(res: ServerResponse, response: ApiResponse): void {
  const body = Buffer.from(response.body, 'utf8');
  const raw: string[] = [];
  for (const [name, values] of Object.entries(response.headers)) {
    if (['content-length', 'transfer-encoding', 'connection'].includes(name.toLowerCase())) continue;
    for (const value of values) raw.push(name, value);
  }
  raw.push('Content-Length', String(body.length));
  res.writeHead(response.statusCode, raw);
  res.end(body);
}
