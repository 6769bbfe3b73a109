import { status, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';

/**
 * `implemented`, completed so that every other method of `definition` answers UNIMPLEMENTED
 * naming itself (`tickflow does not serve /dapr.proto.runtime.v1.Dapr/GetState`): a Dapr client
 * calling a building block tickflow lacks learns which one at once.
 */
export function withUnimplemented(
  definition: ServiceDefinition,
  implemented: UntypedServiceImplementation,
): UntypedServiceImplementation {
  const full: UntypedServiceImplementation = { ...implemented };
  for (const [name, method] of Object.entries(definition)) {
    if (full[name] !== undefined) continue;
    const error = { code: status.UNIMPLEMENTED, details: `tickflow does not serve ${method.path}` };
    full[name] = method.responseStream
      ? (call: { emit(event: 'error', e: typeof error): void }) => call.emit('error', error)
      : (_call: unknown, callback: (e: typeof error) => void) => callback(error);
  }
  return full;
}
