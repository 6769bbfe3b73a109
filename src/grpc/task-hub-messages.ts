/**
 * The messages of `orchestrator_service.proto` that instance management reads and writes, as
 * proto-loader hands them over with `PROTO_LOADER_OPTIONS`: plain objects, a field left at its
 * default absent (proto3 sends no defaults), 64-bit numbers as decimal strings and enums as
 * their names (a number only for a value this proto does not know). Only the fields tickflow
 * uses are declared; the decoder guarantees their types.
 */

/** `google.protobuf.Timestamp`. */
export interface Timestamp {
  /** A decimal string when decoded; a number is accepted when encoding. */
  seconds?: string | number;
  nanos?: number;
}

/** `google.protobuf.StringValue`: a string that may be absent (null), unlike a plain string field. */
export interface StringValue {
  value?: string;
}

/** The names of the proto's `OrchestrationStatus` values. */
export type OrchestrationStatusName =
  | 'ORCHESTRATION_STATUS_RUNNING'
  | 'ORCHESTRATION_STATUS_COMPLETED'
  | 'ORCHESTRATION_STATUS_CONTINUED_AS_NEW'
  | 'ORCHESTRATION_STATUS_FAILED'
  | 'ORCHESTRATION_STATUS_CANCELED'
  | 'ORCHESTRATION_STATUS_TERMINATED'
  | 'ORCHESTRATION_STATUS_PENDING'
  | 'ORCHESTRATION_STATUS_SUSPENDED';

/** An enum field as decoded: its name, or its number when this proto has no name for it. */
export type OrchestrationStatusField = OrchestrationStatusName | number;

export interface CreateInstanceRequest {
  instanceId?: string;
  name?: string;
  version?: StringValue;
  input?: StringValue;
  scheduledStartTimestamp?: Timestamp;
}

export interface CreateInstanceResponse {
  instanceId: string;
}

export interface GetInstanceRequest {
  instanceId?: string;
  getInputsAndOutputs?: boolean;
}

export interface TaskFailureDetails {
  errorType: string;
  errorMessage: string;
}

export interface OrchestrationState {
  instanceId: string;
  name: string;
  orchestrationStatus: OrchestrationStatusName;
  scheduledStartTimestamp?: Timestamp;
  createdTimestamp: Timestamp;
  lastUpdatedTimestamp: Timestamp;
  input?: StringValue;
  output?: StringValue;
  customStatus?: StringValue;
  failureDetails?: TaskFailureDetails;
}

export interface GetInstanceResponse {
  exists: boolean;
  orchestrationState?: OrchestrationState;
}

export interface RaiseEventRequest {
  instanceId?: string;
  name?: string;
  input?: StringValue;
}

export interface TerminateRequest {
  instanceId?: string;
  output?: StringValue;
  recursive?: boolean;
}

/** `SuspendRequest` and `ResumeRequest`, which have the same fields. */
export interface SuspendOrResumeRequest {
  instanceId?: string;
  reason?: StringValue;
}

export interface InstanceQuery {
  runtimeStatus?: OrchestrationStatusField[];
  createdTimeFrom?: Timestamp;
  createdTimeTo?: Timestamp;
  taskHubNames?: StringValue[];
  maxInstanceCount?: number;
  continuationToken?: StringValue;
  instanceIdPrefix?: StringValue;
  fetchInputsAndOutputs?: boolean;
}

export interface QueryInstancesRequest {
  query?: InstanceQuery;
}

export interface QueryInstancesResponse {
  orchestrationState: OrchestrationState[];
  continuationToken?: StringValue;
}

export interface PurgeInstanceFilter {
  createdTimeFrom?: Timestamp;
  createdTimeTo?: Timestamp;
  runtimeStatus?: OrchestrationStatusField[];
}

export interface PurgeInstancesRequest {
  /** Which member of the `request` oneof is set, if any. */
  request?: 'instanceId' | 'purgeInstanceFilter';
  instanceId?: string;
  purgeInstanceFilter?: PurgeInstanceFilter;
}

export interface PurgeInstancesResponse {
  deletedInstanceCount: number;
}

/** The responses that carry nothing (`google.protobuf.Empty`, `RaiseEventResponse`, ...). */
export type EmptyMessage = Record<string, never>;
