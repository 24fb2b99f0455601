// The two ways a handler is wrapped: as an HTTP endpoint (errors become JSON answers) or as a workflow task
// (errors keep the names the state machine's Retry/Catch match on).
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DomainError, TransientError } from '../domain/errors.ts';
import { classify } from './transient.ts';
import { json } from './http.ts';
import { appendOrderKeys, logger, metrics, tracer } from './observability.ts';

/** Any error of ours becomes its JSON answer; anything else is logged and answered 500 without internals. */
export function jsonErrors(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const error = classify(request.error);
      if (error instanceof DomainError) {
        if (error.httpStatus >= 500) logger.warn('request failed', { error });
        request.response = json(
          error.httpStatus,
          { error: error.name, message: error.message, ...(error.details ? { details: error.details } : {}) },
          error instanceof TransientError ? { 'retry-after': '1' } : {},
        );
        return;
      }
      logger.error('unexpected error', { error: request.error });
      request.response = json(500, {
        error: 'InternalError',
        message: 'Something went wrong on our side; it has been logged.',
        requestId: request.context.awsRequestId,
      });
    },
  };
}

/** Turns throttles and 5xx from AWS into TransientError, which the workflow retries; other errors pass as they are. */
export function transientErrors(): MiddlewareObj {
  return {
    onError: async (request) => {
      request.error = classify(request.error) as Error;
      logger.error('task failed', { error: request.error });
    },
  };
}

/**
 * Publishes the invocation's business metrics (EMF), if it recorded any, and the ColdStart metric (dimension
 * function_name) on a cold start. Powertools' logMetrics warns on every invocation that records none, which is most
 * of them here.
 */
export function publishMetrics(): MiddlewareObj {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return {
    before: async (request) => {
      metrics.captureColdStartMetric(request.context.functionName);
    },
    after: publish,
    onError: publish,
  };
}

/**
 * Starts every invocation with no appended log keys. injectLambdaContext's resetKeys clears them when an invocation
 * ends; this also covers one that never reached its end (a timeout), so an order's id never reaches the next
 * invocation's lines.
 */
export function freshLogKeys(): MiddlewareObj {
  return {
    before: async () => {
      logger.resetKeys();
    },
  };
}

/**
 * Workflow tasks receive the order as `orderId` ($$.Execution.Name, the execution's name): every log line of the
 * invocation carries it (lib/observability.ts appendOrderKeys). HTTP handlers append it themselves once they know it.
 */
export function orderKeysFromPayload(): MiddlewareObj {
  return {
    before: async (request) => {
      const orderId = (request.event as { orderId?: unknown } | null | undefined)?.orderId;
      if (typeof orderId === 'string' && orderId !== '') appendOrderKeys(orderId);
    },
  };
}

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

function observed<E, R>(handler: Handler<E, R>) {
  return middy<E, R>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(freshLogKeys())
    .use(publishMetrics())
    .handler(handler);
}

export function httpEndpoint(handler: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>) {
  return observed(handler).use(httpHeaderNormalizer()).use(jsonErrors());
}

export function workflowTask<E, R>(handler: Handler<E, R>) {
  return observed(handler).use(orderKeysFromPayload()).use(transientErrors());
}

/** A scheduled job (an EventBridge schedule, e.g. the reconciler): logged, traced and measured like the others. */
export function scheduledJob<E, R>(handler: Handler<E, R>) {
  return observed(handler);
}
