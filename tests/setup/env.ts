// The environment serverless.yml gives every function, with test names. No test reaches AWS: clients are
// mocked (tests/unit) or pointed at the local stack (tests/workflow, tests/integration), which overrides these.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.ORDERS_TABLE ??= 'orders-test';
process.env.INVENTORY_TABLE ??= 'inventory-test';
process.env.PAYMENTS_TABLE ??= 'payments-test';
process.env.NOTIFICATIONS_TOPIC_ARN ??= 'arn:aws:sns:us-east-1:000000000000:order-pipeline-test-notifications';
process.env.STATE_MACHINE_ARN ??= 'arn:aws:states:us-east-1:000000000000:stateMachine:order-pipeline-test';
process.env.POWERTOOLS_SERVICE_NAME ??= 'order-pipeline';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'OrderPipeline';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_XRAY_CONTEXT_MISSING ??= 'IGNORE_ERROR';
