/**
 * The official Dapr JS SDK's DaprClient over HTTP, pointed at a tickflow server, quiet: the SDK
 * logs every non-2xx it sees, and the tests provoke some on purpose.
 */
import { CommunicationProtocolEnum, DaprClient, LogLevel, type LoggerService } from '@dapr/dapr';

const ignore = (): void => undefined;
const quietLogger: LoggerService = {
  error: ignore,
  warn: ignore,
  info: ignore,
  verbose: ignore,
  debug: ignore,
};

export function daprHttpClient(port: number, options: { apiToken?: string } = {}): DaprClient {
  return new DaprClient({
    daprHost: '127.0.0.1',
    daprPort: String(port),
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    ...(options.apiToken !== undefined && { daprApiToken: options.apiToken }),
    logger: { level: LogLevel.Error, service: quietLogger },
  });
}
