import type {
  handleServerStreamingCall,
  handleUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { WorkerHub } from '../runtime/remote/worker-hub.js';
import {
  WorkItemTooLargeError,
  type ActivityWork,
  type OrchestratorWork,
  type WorkerConnection,
} from '../runtime/remote/remote-work.js';
import { decodeActivityAnswer, decodeOrchestratorAnswer } from './answer-wire.js';
import { json, toWireEvents } from './history-wire.js';
import { GRPC_MAX_MESSAGE_BYTES } from './message-limits.js';
import type { EmptyMessage } from './task-hub-messages.js';
import type { ActivityResponse, OrchestratorResponse, WorkItem } from './work-item-messages.js';

/** The work-item half of the Durable Task sidecar protocol, and what ends its streams. */
export interface WorkItemService {
  implementation: UntypedServiceImplementation;
  /** Ends every open `GetWorkItems` stream (the workers reconnect elsewhere or later). */
  close(): void;
}

/**
 * `GetWorkItems`, `CompleteOrchestratorTask` and `CompleteActivityTask`: each `GetWorkItems`
 * stream is one remote worker in `hub`, which writes work items to it; the two answers go back to
 * the hub, matched by instance id (and task id) and by the connection it comes on (an SDK answers
 * on the connection its stream is on, so the peer names the worker). An answer that matches nothing in flight (late,
 * or already answered by another worker) is accepted and dropped: the SDKs only log a failed
 * answer, and the item's fate is decided already.
 */
export function createWorkItemService(
  hub: WorkerHub,
  maxMessageBytes = GRPC_MAX_MESSAGE_BYTES,
): WorkItemService {
  const streams = new Set<ServerWritableStream<EmptyMessage, WorkItem>>();

  const GetWorkItems: handleServerStreamingCall<EmptyMessage, WorkItem> = (call) => {
    streams.add(call);
    const disconnect = hub.connect(streamConnection(call, maxMessageBytes));
    const end = (): void => {
      streams.delete(call);
      disconnect();
    };
    call.on('cancelled', end);
    call.on('close', end);
    call.on('error', end);
    call.on('finish', end);
  };

  const CompleteOrchestratorTask: handleUnaryCall<OrchestratorResponse, EmptyMessage> = (call, callback) => {
    const instanceId = call.request.instanceId ?? '';
    const answer = decodeOrchestratorAnswer(instanceId, call.request);
    const peer = call.getPeer();
    // Answer the worker first: handing the answer over starts the next step at once (replay,
    // commit building), and the worker's slot should not wait for that (the Dapr JS SDK runs 10
    // items at a time, each held until this call returns). Durable state is not touched here.
    callback(null, {});
    setImmediate(() => hub.answerOrchestrator(instanceId, answer, peer));
  };

  const CompleteActivityTask: handleUnaryCall<ActivityResponse, EmptyMessage> = (call, callback) => {
    const { instanceId = '', taskId = 0 } = call.request;
    const answer = decodeActivityAnswer(call.request);
    const peer = call.getPeer();
    callback(null, {});
    setImmediate(() => hub.answerActivity(instanceId, taskId, answer, peer));
  };

  return {
    implementation: { GetWorkItems, CompleteOrchestratorTask, CompleteActivityTask },
    close() {
      for (const call of streams) call.end();
      streams.clear();
    },
  };
}

/** A worker's stream as the hub's `WorkerConnection`: encodes work items and writes them. */
function streamConnection(
  call: ServerWritableStream<EmptyMessage, WorkItem>,
  maxBytes: number,
): WorkerConnection {
  const write = (item: WorkItem, what: string): void => {
    if (call.cancelled || call.destroyed || call.writableEnded) throw new Error('the stream has closed');
    // JSON is longer than the protobuf encoding of the same message (names vs field numbers),
    // so this bound is safe: what passes fits the worker's default 4 MiB receive limit.
    const bytes = Buffer.byteLength(JSON.stringify(item));
    if (bytes > maxBytes) throw new WorkItemTooLargeError(what, bytes, maxBytes);
    call.write(item);
  };
  return {
    label: call.getPeer(),
    sendOrchestrator(work: OrchestratorWork) {
      write(
        {
          orchestratorRequest: {
            instanceId: work.instanceId,
            executionId: { value: String(work.generation) },
            pastEvents: toWireEvents(work.pastEvents),
            newEvents: toWireEvents(work.newEvents),
          },
        },
        `the step of workflow ${JSON.stringify(work.name)} (${work.instanceId}, its history and new events)`,
      );
    },
    sendActivity(work: ActivityWork) {
      write(
        {
          activityRequest: {
            name: work.name,
            ...json('input', work.input),
            orchestrationInstance: {
              instanceId: work.instanceId,
              executionId: { value: String(work.generation) },
            },
            taskId: work.taskId,
          },
        },
        `activity ${JSON.stringify(work.name)} of ${work.instanceId}`,
      );
    },
  };
}
