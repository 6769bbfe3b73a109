import protobuf from 'protobufjs';
import type { JsonValue } from '../timers/schedule/job.js';
import { JobValidationError } from '../timers/errors.js';

/** A `google.protobuf.Any` as proto-loader hands it over (keepCase). */
export interface ProtoAny {
  type_url?: string;
  value?: Buffer | Uint8Array;
}

/** The type URL Dapr gives job data scheduled over HTTP (a JSON value packed as a `Value`). */
export const VALUE_TYPE_URL = 'type.googleapis.com/google.protobuf.Value';

/** What `data` may be, for INVALID_ARGUMENT messages. */
export const JOB_DATA_ALLOWED =
  `a google.protobuf.Any holding a google.protobuf.Value (type URL ${VALUE_TYPE_URL}), ` +
  'or any other Any whose bytes are UTF-8 JSON (what Dapr posts to an HTTP app as the body)';

// protobufjs ships the well-known types; struct.proto is all Value needs.
const root = protobuf.Root.fromJSON(protobuf.common.get('google/protobuf/struct.proto') ?? {});
const Value = root.lookupType('google.protobuf.Value');

/** A decoded `google.protobuf.Value` (protobufjs's camelCase names, oneof `kind`). */
interface ProtoValue {
  nullValue?: unknown;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: { fields?: Record<string, ProtoValue> };
  listValue?: { values?: ProtoValue[] };
  kind?: string;
}

/**
 * Job `data` as tickflow stores it (JSON) from the Any a gRPC client sent, following Dapr: a
 * packed `google.protobuf.Value` is its JSON value, as if sent over HTTP; any other Any counts by
 * its bytes, which Dapr delivers to an HTTP app unchanged as a JSON body, so they must be JSON here
 * (the SDKs that pack raw bytes, like the Go examples, send JSON). The type URL of such bytes is
 * not kept: `GetJobAlpha1` answers every job's data as a `Value`. No Any, or an empty one, is no
 * data. Size is not checked here: the timer service bounds `data` as for HTTP.
 */
export function jobDataFromAny(packed: ProtoAny | undefined | null): JsonValue | undefined {
  if (packed === undefined || packed === null) return undefined;
  const typeUrl = packed.type_url ?? '';
  const bytes = packed.value ?? new Uint8Array();
  if (typeUrl === '' && bytes.length === 0) return undefined;
  if (typeUrl === VALUE_TYPE_URL) {
    let decoded: ProtoValue;
    try {
      decoded = Value.toObject(Value.decode(bytes), { oneofs: true }) as ProtoValue;
    } catch (error) {
      throw invalid(typeUrl, `data is not a valid google.protobuf.Value: ${String(error)}`);
    }
    return jsonOfValue(decoded, 'data');
  }
  const text = Buffer.from(bytes).toString('utf8').trim();
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw invalid(typeUrl, `data of type ${JSON.stringify(typeUrl || '(none)')} is not UTF-8 JSON`);
  }
}

/** Stored job data → the Any `GetJobAlpha1` answers: a packed `google.protobuf.Value`. */
export function anyFromJobData(data: JsonValue | undefined): ProtoAny | undefined {
  if (data === undefined) return undefined;
  const value = Value.encode(Value.fromObject(valueOfJson(data))).finish();
  return { type_url: VALUE_TYPE_URL, value: Buffer.from(value) };
}

function jsonOfValue(value: ProtoValue, path: string): JsonValue {
  switch (value.kind) {
    case 'nullValue':
    case undefined:
      return null;
    case 'numberValue':
      if (!Number.isFinite(value.numberValue)) {
        throw invalid(VALUE_TYPE_URL, `${path} holds ${String(value.numberValue)}, which JSON cannot carry`);
      }
      return value.numberValue ?? 0;
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return value.boolValue ?? false;
    case 'listValue':
      return (value.listValue?.values ?? []).map((v, i) => jsonOfValue(v, `${path}[${i}]`));
    case 'structValue': {
      const out: Record<string, JsonValue> = {};
      for (const [key, v] of Object.entries(value.structValue?.fields ?? {})) {
        out[key] = jsonOfValue(v, `${path}.${key}`);
      }
      return out;
    }
    default:
      throw invalid(VALUE_TYPE_URL, `${path} holds an unknown google.protobuf.Value kind ${value.kind}`);
  }
}

function valueOfJson(json: JsonValue): Record<string, unknown> {
  if (json === null) return { nullValue: 'NULL_VALUE' };
  if (typeof json === 'number') return { numberValue: json };
  if (typeof json === 'string') return { stringValue: json };
  if (typeof json === 'boolean') return { boolValue: json };
  if (Array.isArray(json)) return { listValue: { values: json.map(valueOfJson) } };
  const fields: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(json)) fields[key] = valueOfJson(v);
  return { structValue: { fields } };
}

function invalid(typeUrl: string, message: string): JobValidationError {
  return new JobValidationError(
    'data',
    typeUrl,
    JOB_DATA_ALLOWED,
    `${message}; allowed: ${JOB_DATA_ALLOWED}`,
  );
}
