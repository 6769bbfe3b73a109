/** IPC messages between TickflowTimers (the replica's process) and its producer process (W7). */

/** To the producer: schedule these one-shots (ids and due times side by side), or exit. */
export type ProducerRequest =
  { kind: 'schedule'; seq: number; ids: string[]; dueAtMs: number[] } | { kind: 'stop' };

/** From the producer: it is connected, or a schedule request is done (with the first error, if any). */
export type ProducerReply = { kind: 'ready' } | { kind: 'done'; seq: number; error?: string };
