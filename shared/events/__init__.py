"""Events between services: the CloudEvents envelope, the transactional outbox and its relay, the streams,
and durable consumers that apply each event exactly once through an inbox."""
