"""Work queues over GraphQL: what waits for the caller, per kind
(``server.services.work_queue``)."""
