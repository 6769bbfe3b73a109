/**
 * The largest gRPC message tickflow receives or sends: 4 MiB, the HTTP API's body limit and
 * Dapr's default `--max-body-size` (which bounds its gRPC API too). It sits far above what one
 * record may hold (job data 1 MiB, a workflow payload 256 KiB by default, etcd's 1.5 MiB request
 * limit), so a message refused here could never have been stored. It is also the receive limit
 * gRPC clients use by default, so an answer over it would be refused on their side anyway; answers
 * that list things are paged below it. A request over it gets RESOURCE_EXHAUSTED before any
 * handler runs.
 */
export const GRPC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
